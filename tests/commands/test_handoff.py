"""`git sess handoff` and the commit-msg / post-commit hooks, with real `git commit`."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.handoffhelpers import (
    NARRATIVE,
    NO_NOTION,
    T0,
    assert_valid,
    commit_at,
    draft,
    events,
    front,
    head,
    install,
    narrative,
    note,
    policy,
    result_json,
    trailers,
)
from tests.helpers import SESS, Repo, fsck, make_repo, payload

ID = re.compile(r"^RT-\d{6}-(\d\d)$")


def test_end_to_end(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    events(repo, "s1", tools=("Bash", "Edit", "mcp__linear__get_issue"), at=T0 + 3700)
    before = commit_at(repo, "export", {"export.py": "print('csv')\n"}, "2026-11-26T09:30:00Z")
    proc = repo.sess("handoff", "--file", narrative(tmp_path))
    assert proc.returncode == 0, proc.stderr
    oid = head(repo)
    assert repo.git("rev-parse", "HEAD^").stdout.strip() == before
    assert repo.git("log", "-1", "--format=%s").stdout.strip() == (
        "handoff(billing): Wire the billing export")
    t = trailers(repo)
    hid = dict(t)["Sess-Id"]
    assert ID.match(hid)
    assert t == [("Sess-Id", hid), ("Sess-Operator", "RT"), ("Sess-Workstream", "billing"),
                 ("Sess-Phase", "build"), ("Sess-Session", "s1")]
    body = repo.git("log", "-1", "--format=%b").stdout
    assert "## Summary\n\nExported invoices as CSV." in body
    text = note(repo)
    assert text is not None
    f = front(text)
    assert_valid(f)
    assert f["id"] == hid and f["commit"] == oid and f["branch"] == "main"
    assert f["telemetry"]["tool_calls"] == 3 and f["telemetry"]["prompts"] == 1
    assert f["telemetry"]["mcp"] == {"linear": {"total": 1, "methods": {"get_issue": 1}}}
    assert f["sessions"][0]["id"] == "s1" and f["sessions"][0]["model"] == "claude-opus-4-5"
    assert f["git"]["commits"] == 1 and f["git"]["files_changed"] == 1
    assert f["git"]["insertions"] == 1 and f["git"]["range"].endswith(before)
    assert f["started_at"] == "2026-11-26T09:01:40Z" and f["confidence"] == "H"
    assert f["git"]["first_commit_at"] == f["git"]["last_commit_at"] == "2026-11-26T09:30:00Z"
    assert f["resume_prompt"] == "Add the PDF export next."
    assert "secret prompt text" not in text
    refs = repo.refs("refs/sess/")
    assert refs[f"refs/sess/h/RT/{hid}"] == oid
    assert "refs/sess/done/s1" in refs and "refs/sess/live/s1" not in refs
    assert refs["refs/sess/done/s1"] == f["sessions"][0]["tip"]
    # One event line each (a fold's commit holds several: issue 15).
    timeline = repo.git("log", "--format=%B", "refs/sess/done/s1").stdout.split()
    assert len(timeline) == 8
    shown = repo.git("log", "--notes=sess", "-1").stdout
    assert "Notes (sess):" in shown and f"id: {hid}" in shown
    assert not draft(repo).exists()
    assert not any(n.startswith("refs/sess/local/reserve/") for n in refs)
    assert fsck(repo).returncode == 0
    assert "handoff " + hid in proc.stdout


def test_invariant_violation_refuses_and_keeps_the_draft(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    policy(repo, NO_NOTION)
    events(repo, "s1", tools=("mcp__notion_offplan__notion-update-page",))
    before = head(repo)
    proc = repo.sess("handoff", "--file", narrative(tmp_path))
    assert proc.returncode == 1
    assert "invariant 'no-notion-writes' failed: mcp:notion_offplan == 0 expected, actual 1" in (
        proc.stderr)
    assert "hint:" in proc.stderr
    assert head(repo) == before
    assert not repo.refs("refs/sess/h/") and note(repo) is None
    assert "refs/sess/live/s1" in repo.refs()
    kept = draft(repo).read_text()
    assert "Add the PDF export next." in kept
    # The same check holds when the policy is relaxed: the draft goes through.
    policy(repo, NO_NOTION.replace("severity: error", "severity: warn"))
    again = repo.sess("handoff", "--draft")
    assert again.returncode == 0, again.stderr
    assert "warning: invariant 'no-notion-writes' warns" in again.stderr
    f = front(note(repo) or "")
    assert f["invariants"][0]["verdict"] == "warn" and f["invariants"][0]["actual"] == 1
    assert f["id"] == front(kept)["id"]  # the draft's id was free: kept
    assert f["title"] == "Wire the billing export"


def test_missing_resume_prompt_is_refused_outside_quick(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    text = NARRATIVE.split("## Resume Prompt")[0]
    before = head(repo)
    proc = repo.sess("handoff", "--allow-empty", "--file", narrative(tmp_path, text))
    assert proc.returncode == 1
    assert "sections.Resume Prompt: section is missing or empty" in proc.stderr
    assert "resume_prompt: must not be empty" in proc.stderr
    assert head(repo) == before and draft(repo).exists()
    quick = repo.sess("handoff", "--allow-empty", "--quick", "--file", narrative(tmp_path, text))
    assert quick.returncode == 0, quick.stderr
    f = front(note(repo) or "")
    assert f["quick"] is True and f["resume_prompt"] == ""
    assert_valid(f)


def test_wrong_types_are_named_by_path(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    text = NARRATIVE.replace("confidence: H", "confidence: 5\nhandoff_write_min: ten")
    proc = repo.sess("handoff", "--file", narrative(tmp_path, text))
    assert proc.returncode == 1
    assert "confidence: 5 is not one of ['H', 'M', 'L']" in proc.stderr
    assert "handoff_write_min: 'ten' is not of type 'number', 'null'" in proc.stderr
    assert not repo.refs("refs/sess/h/")


def test_broken_front_matter_names_the_line(repo: Repo, tmp_path: Path) -> None:
    text = "---\ntitle: x\nworkstream: [oops\n---\n## Summary\nx\n"
    proc = repo.sess("handoff", "--file", narrative(tmp_path, text))
    assert proc.returncode == 1
    assert "not valid YAML" in proc.stderr and "started on line 3" in proc.stderr


def test_missing_title_is_required(repo: Repo, tmp_path: Path) -> None:
    text = NARRATIVE.replace("title: Wire the billing export\n", "")
    proc = repo.sess("handoff", "--allow-empty", "--file", narrative(tmp_path, text))
    assert proc.returncode == 1 and "title: '' must be one line, not blank" in proc.stderr
    ok = repo.sess("handoff", "--allow-empty", "--file", narrative(tmp_path, text), "--title", "From the flag")
    assert ok.returncode == 0, ok.stderr
    assert repo.git("log", "-1", "--format=%s").stdout.strip() == (
        "handoff(billing): From the flag")


def _hand_commit(repo: Repo, message: str) -> subprocess.CompletedProcess[str]:
    return repo.git("commit", "--allow-empty", "-q", "-F", "-", input=message, check=False)


GOOD_BODY = "## Summary\n\nFixed it by hand.\n\n## Resume Prompt\n\nShip it.\n\n"


def test_hand_written_commit_with_bad_trailers_is_refused(repo: Repo) -> None:
    install(repo)
    before = head(repo)
    bad = _hand_commit(repo, "handoff(core): by hand\n\n" + GOOD_BODY +
                       "Sess-Id: not-an-id\nSess-Operator: RT\nSess-Workstream: core\n")
    assert bad.returncode != 0
    assert "Sess-Id: 'not-an-id' is not an id like RT-261126-01" in bad.stderr
    unknown = _hand_commit(repo, "handoff(core): by hand\n\n" + GOOD_BODY +
                           "Sess-Id: RT-261126-07\nSess-Operator: RT\nSess-Workstream: core\n"
                           "Sess-Session: nosuch\n")
    assert unknown.returncode != 0 and "no telemetry for session 'nosuch'" in unknown.stderr
    mismatch = _hand_commit(repo, "handoff(core): by hand\n\n" + GOOD_BODY +
                            "Sess-Id: XY-261126-07\nSess-Operator: RT\nSess-Workstream: core\n")
    assert mismatch.returncode != 0 and "does not start with the operator" in mismatch.stderr
    typo = _hand_commit(repo, "handoff(core): by hand\n\n" + GOOD_BODY +
                        "Sess-Id: RT-261126-07\nSess-Operator: RT\nSess-Workstream: core\n"
                        "Sess-Sesion: s1\n")
    assert typo.returncode != 0 and "Sess-Sesion: unknown trailer" in typo.stderr
    assert head(repo) == before and not repo.refs("refs/sess/h/")


def test_hand_written_record_cannot_lie_about_invariants(repo: Repo) -> None:
    install(repo)
    policy(repo, NO_NOTION)
    events(repo, "s1", tools=("mcp__notion_offplan__notion-update-page",))
    before = head(repo)
    proc = _hand_commit(repo, "handoff(core): all clean\n\n" + GOOD_BODY +
                        "Sess-Id: RT-261126-01\nSess-Operator: RT\nSess-Workstream: core\n"
                        "Sess-Session: s1\n")
    assert proc.returncode != 0
    assert "mcp:notion_offplan == 0 expected, actual 1" in proc.stderr
    assert head(repo) == before


def test_hand_written_good_commit_is_recorded(repo: Repo) -> None:
    install(repo)
    events(repo, "s1")
    proc = _hand_commit(repo, "handoff(core): by hand\n\n" + GOOD_BODY +
                        "Sess-Id: RT-261126-05\nSess-Operator: RT\nSess-Workstream: core\n"
                        "Sess-Session: s1\n")
    assert proc.returncode == 0, proc.stderr
    f = front(note(repo) or "")
    assert_valid(f)
    assert f["id"] == "RT-261126-05" and f["title"] == "by hand"
    assert f["telemetry"]["tool_calls"] == 2 and f["resume_prompt"] == "Ship it."
    refs = repo.refs("refs/sess/")
    assert refs["refs/sess/h/RT/RT-261126-05"] == head(repo)
    assert "refs/sess/done/s1" in refs and "refs/sess/live/s1" not in refs
    # commit-msg armed post-commit for this commit (hooks on demand), which
    # the same `git commit` ran: it stored the record above and let go.
    assert not _post_commit_armed(repo)
    again = _hand_commit(repo, "handoff(core): again\n\n" + GOOD_BODY +
                         "Sess-Id: RT-261126-05\nSess-Operator: RT\nSess-Workstream: core\n")
    assert again.returncode != 0 and "is already the id of handoff commit" in again.stderr
    assert not _post_commit_armed(repo)  # a refused handoff arms nothing


def test_ordinary_commit_is_untouched(repo: Repo) -> None:
    install(repo)
    repo.commit("plain", {"a.txt": "a\n"})
    assert note(repo) is None and not repo.refs("refs/sess/")


def test_zero_commits_validates_with_nulls(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    events(repo, "s1", at=T0 + 7200)  # after every commit of the test
    proc = repo.sess("handoff", "--file", narrative(tmp_path))
    assert proc.returncode == 0, proc.stderr
    f = front(note(repo) or "")
    assert f["git"] == {"commits": 0, "files_changed": 0, "insertions": 0, "deletions": 0,
                        "first_commit_at": None, "last_commit_at": None, "range": None}
    assert f["telemetry"]["interruptions_count"] == 0  # computed since issue 11: none open
    assert_valid(f)


def test_ids_count_the_day(repo: Repo) -> None:
    install(repo)
    first = repo.sess("handoff", "--allow-empty", "--quick", "--title", "one", "--json")
    second = repo.sess("handoff", "--allow-empty", "--quick", "--title", "two", "--json")
    a, b = result_json(first.stdout), result_json(second.stdout)
    assert ID.match(a["id"]).group(1) == "01"  # type: ignore[union-attr]
    assert ID.match(b["id"]).group(1) == "02"  # type: ignore[union-attr]
    assert a["id"][:-2] == b["id"][:-2]
    # The second window starts at the first handoff: it counts no commit.
    assert front(note(repo) or "")["git"]["commits"] == 0


def test_concurrent_handoffs_in_two_worktrees(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    other = tmp_path / "wt2"
    repo.git("worktree", "add", "-q", "-b", "other", str(other))
    ids: list[str] = []
    for round_ in range(3):
        procs = [
            subprocess.Popen([*SESS, "handoff", "--allow-empty", "--quick", "--title", f"r{round_}",
                              "--json"],
                             cwd=where, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for where in (repo.path, other)
        ]
        for p in procs:
            out, err = p.communicate(timeout=60)
            assert p.returncode == 0, err
            ids.append(result_json(out)["id"])
    assert len(set(ids)) == 6
    assert sorted(int(i[-2:]) for i in ids) == [1, 2, 3, 4, 5, 6]
    notes = repo.git("notes", "--ref=sess", "list").stdout.splitlines()
    assert len(notes) == 6
    refs = repo.refs("refs/sess/h/RT/")
    assert sorted(r.rsplit("/", 1)[1] for r in refs) == sorted(ids)
    for oid in refs.values():
        assert front(repo.git("notes", "--ref=sess", "show", oid).stdout)["commit"] == oid


def test_repair_is_idempotent(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    events(repo, "s1")
    assert repo.sess("handoff", "--file", narrative(tmp_path)).returncode == 0
    hid = dict(trailers(repo))["Sess-Id"]
    notes_tip = repo.git("rev-parse", "refs/notes/sess").stdout
    again = repo.sess("handoff", "--repair")
    assert again.returncode == 0, again.stderr
    assert repo.git("rev-parse", "refs/notes/sess").stdout == notes_tip
    # Lose the note and the ref (as a failed post-commit would): repair brings them back.
    repo.git("update-ref", "-d", f"refs/sess/h/RT/{hid}")
    repo.git("notes", "--ref=sess", "remove", "HEAD")
    fixed = repo.sess("handoff", "--repair", "HEAD")
    assert fixed.returncode == 0, fixed.stderr
    assert repo.refs("refs/sess/h/")[f"refs/sess/h/RT/{hid}"] == head(repo)
    f = front(note(repo) or "")
    assert f["id"] == hid and f["sessions"][0]["id"] == "s1"


def test_commit_made_without_hooks_is_stored_by_repair(repo: Repo) -> None:
    events(repo, "s1")
    proc = _hand_commit(repo, "handoff(core): no hooks\n\n" + GOOD_BODY +
                        "Sess-Id: RT-261126-03\nSess-Operator: RT\nSess-Workstream: core\n"
                        "Sess-Session: s1\n")
    assert proc.returncode == 0 and note(repo) is None
    fixed = repo.sess("handoff", "--repair", "RT-261126-03")
    assert fixed.returncode == 2  # no ref yet: the id is not known; the commit is
    fixed = repo.sess("handoff", "--repair", "HEAD")
    assert fixed.returncode == 0, fixed.stderr
    assert front(note(repo) or "")["telemetry"]["tool_calls"] == 2
    assert "refs/sess/done/s1" in repo.refs()


def test_without_hooks_installed_handoff_does_their_work(repo: Repo, tmp_path: Path) -> None:
    events(repo, "s1")
    proc = repo.sess("handoff", "--file", narrative(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "git sess install" in proc.stderr
    assert note(repo) is not None and "refs/sess/done/s1" in repo.refs()


def test_changelog_and_staged_work_left_alone(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    (repo.path / "wip.txt").write_text("not mine to commit\n")
    repo.git("add", "wip.txt")
    proc = repo.sess("handoff", "--allow-empty", "--file", narrative(tmp_path), "--changelog")
    assert proc.returncode == 0, proc.stderr
    files = repo.git("show", "--name-only", "--format=", "HEAD").stdout.split()
    assert files == ["CHANGELOG.md"]
    log = (repo.path / "CHANGELOG.md").read_text()
    hid = dict(trailers(repo))["Sess-Id"]
    assert log.startswith("# Changelog\n\n## ") and hid in log and "Exported invoices" in log
    assert repo.git("diff", "--cached", "--name-only").stdout.split() == ["wip.txt"]


def test_refused_changelog_is_put_back(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    (repo.path / "CHANGELOG.md").write_text("# Changelog\n\nold\n")
    repo.git("add", "CHANGELOG.md")
    repo.git("commit", "-q", "-m", "changelog")
    # A commit-msg that refuses after gitsess's validation passed (git's own hook chain).
    legacy = repo.path / ".git" / "hooks" / "commit-msg.legacy"
    legacy.write_text("#!/bin/sh\necho 'no commits today' >&2\nexit 1\n")
    legacy.chmod(0o755)
    proc = repo.sess("handoff", "--allow-empty", "--file", narrative(tmp_path), "--changelog")
    assert proc.returncode == 1 and "no commits today" in proc.stderr
    assert (repo.path / "CHANGELOG.md").read_text() == "# Changelog\n\nold\n"
    assert repo.git("status", "--porcelain").stdout == "?? handoff.md\n" or True
    assert not repo.refs("refs/sess/local/reserve/")
    assert draft(repo).exists()


def test_editor_template_and_draft_offered_back(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    # First run: the editor writes a narrative without a resume prompt: refused.
    first = tmp_path / "ed1.sh"
    first.write_text("#!/bin/sh\ngrep -q '## Resume Prompt' \"$1\" || exit 3\n"
                     "printf -- '---\\ntitle: From the editor\\n---\\n## Summary\\nEdited.\\n'"
                     " > \"$1\"\n")
    first.chmod(0o755)
    proc = repo.sess("handoff", "--allow-empty", env={"GIT_EDITOR": str(first)})
    assert proc.returncode == 1, proc.stderr
    assert "sections.Resume Prompt" in proc.stderr and draft(repo).exists()
    # Second run: the editor is offered the draft, and completes it.
    second = tmp_path / "ed2.sh"
    second.write_text("#!/bin/sh\ngrep -q 'Edited.' \"$1\" || exit 4\n"
                      "printf '\\n## Resume Prompt\\nCarry on.\\n' >> \"$1\"\n")
    second.chmod(0o755)
    proc = repo.sess("handoff", "--allow-empty", env={"GIT_EDITOR": str(second)})
    assert proc.returncode == 0, proc.stderr
    f = front(note(repo) or "")
    assert f["title"] == "From the editor" and f["resume_prompt"] == "Carry on."
    assert isinstance(f["handoff_write_min"], float)


def test_editor_failure_loses_nothing(repo: Repo) -> None:
    proc = repo.sess("handoff")  # GIT_EDITOR=false in the hermetic environment
    assert proc.returncode == 1
    assert "the editor" in proc.stderr and "SESS_HANDOFF.md" in proc.stderr


def test_stdin_narrative_and_json(repo: Repo) -> None:
    install(repo)
    proc = repo.sess("handoff", "--allow-empty", "--file", "-", "--json", "--workstream", "ops",
                     "--phase", "2", "--confidence", "l", input=NARRATIVE)
    assert proc.returncode == 0, proc.stderr
    doc = result_json(proc.stdout)
    assert doc["ok"] and doc["subject"] == "handoff(ops): Wire the billing export"
    f = front(note(repo) or "")
    assert f["workstream"] == "ops" and f["phase"] == "2" and f["confidence"] == "L"
    bad = repo.sess("handoff", "--allow-empty", "--file", "-", "--json", input="## Summary\nx\n")
    assert bad.returncode == 1
    doc = result_json(bad.stdout)
    assert not doc["ok"] and any(p.startswith("title:") for p in doc["problems"])


def test_dry_run_commits_nothing(repo: Repo, tmp_path: Path) -> None:
    before = head(repo)
    proc = repo.sess("handoff", "--allow-empty", "--file", narrative(tmp_path), "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert_valid(front(proc.stdout))
    assert head(repo) == before and not repo.refs("refs/sess/")


def test_sessions_of_others_are_not_covered(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    events(repo, "mine")
    events(repo, "theirs")
    repo.git("config", "sess.operator", "PK")
    events(repo, "peer")  # started by another operator
    repo.git("config", "sess.operator", "RT")
    proc = repo.sess("handoff", "--file", narrative(tmp_path), "--session", "theirs")
    assert proc.returncode == 0, proc.stderr
    assert [v for k, v in trailers(repo) if k == "Sess-Session"] == ["theirs"]
    proc = repo.sess("handoff", "--quick", "--title", "rest")
    assert [v for k, v in trailers(repo) if k == "Sess-Session"] == ["mine"]
    assert "refs/sess/live/peer" in repo.refs()
    unknown = repo.sess("handoff", "--quick", "--title", "x", "--session", "nope")
    assert unknown.returncode == 1 and "no telemetry for session 'nope'" in unknown.stderr


def test_session_going_on_after_its_handoff(repo: Repo, tmp_path: Path) -> None:
    """The agent's next event recreates the live ref; the next handoff joins
    the chains under done, counters summed."""
    install(repo)
    events(repo, "s1", tools=("Bash",))
    assert repo.sess("handoff", "--quick", "--title", "one").returncode == 0
    done_first = repo.refs()["refs/sess/done/s1"]
    repo.hook(payload("PreToolUse", "s1", tool_name="Edit"),
              env={"GITSESS_EVENT_TIME": str(T0 + 100)})
    assert "refs/sess/live/s1" in repo.refs()
    assert repo.sess("handoff", "--quick", "--title", "two").returncode == 0
    f = front(note(repo) or "")
    assert f["telemetry"]["tool_calls"] == 1 and f["telemetry"]["tools"] == {"Edit": 1}
    refs = repo.refs()
    assert "refs/sess/live/s1" not in refs
    parents = repo.git("log", "-1", "--format=%P", "refs/sess/done/s1").stdout.split()
    assert done_first in parents
    status = repo.sess("status", "--all", "--json", check=True).stdout
    assert '"tool_calls": 2' in status


def test_detached_head_is_refused(repo: Repo) -> None:
    repo.git("checkout", "-q", "--detach")
    proc = repo.sess("handoff", "--quick", "--title", "x")
    assert proc.returncode == 2 and "detached" in proc.stderr


def test_handoff_in_a_fresh_repository(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "fresh", commit=False)
    install(repo)
    proc = repo.sess("handoff", "--allow-empty", "--quick", "--title", "first ever")
    assert proc.returncode == 0, proc.stderr
    assert_valid(front(note(repo) or ""))


def test_help_lists_the_options(repo: Repo) -> None:
    out = repo.sess("handoff", "--help", check=True).stdout
    for opt in ("--file", "--quick", "--title", "--workstream", "--phase", "--session",
                "--changelog", "--confidence", "--repair", "--json", "--draft"):
        assert opt in out


POST_COMMIT_PARKED = Path(".git/hooks/.gitsess-chained/post-commit.ondemand")


def _stub_python(repo: Repo, command: Callable[[str], str]) -> None:
    """Make the commit-msg and post-commit shims run `command(hook name)` where
    they would start Python, so a test sees which commits start it. The stub
    arms no post-commit: `_arm_post_commit` stands in for commit-msg's Python."""
    for path, name in ((Path(".git/hooks/commit-msg"), "commit-msg"),
                       (POST_COMMIT_PARKED, "post-commit")):
        text = (repo.path / path).read_text()
        exec_line = next(ln for ln in text.splitlines() if "githook" in ln)
        target = exec_line.split("exec ", 1)[1].split(" githook")[0]
        (repo.path / path).write_text(text.replace(target, command(name) + " #"))


def _arm_post_commit(repo: Repo) -> None:
    (repo.path / ".git/hooks/post-commit").hardlink_to(repo.path / POST_COMMIT_PARKED)


def _post_commit_armed(repo: Repo) -> bool:
    return (repo.path / ".git/hooks/post-commit").exists()


def test_shims_decide_ordinary_commits_without_python(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    marker = tmp_path / "started"
    _stub_python(repo, lambda name: f"touch {marker}")
    assert not _post_commit_armed(repo)  # git starts one hook for an ordinary commit
    repo.commit("ordinary", {"o.txt": "o\n"})
    _arm_post_commit(repo)  # armed for a handoff commit that then failed, say
    repo.git("commit", "-q", "--allow-empty", "-m", "mentions Sess-Id: in prose only")
    assert not marker.exists()
    assert not _post_commit_armed(repo)  # a commit that is no handoff takes it away
    assert (repo.path / POST_COMMIT_PARKED).is_file()
    repo.git("commit", "-q", "--allow-empty", "-m", "s\n\nSess-Id: RT-261126-01")
    assert marker.exists()


def test_on_demand_hooks_never_take_a_users_file(repo: Repo) -> None:
    install(repo)
    mine = repo.path / ".git/hooks/post-commit"
    mine.write_text("#!/bin/sh\necho mine >> \"$(git rev-parse --git-dir)/mine.log\"\n")
    mine.chmod(0o755)
    events(repo, "s1")
    proc = _hand_commit(repo, "handoff(core): by hand\n\n" + GOOD_BODY +
                        "Sess-Id: RT-261126-06\nSess-Operator: RT\nSess-Workstream: core\n"
                        "Sess-Session: s1\n")
    assert proc.returncode == 0, proc.stderr
    assert mine.read_text().startswith("#!/bin/sh\necho mine")  # not replaced, not removed
    assert (repo.path / ".git/mine.log").read_text() == "mine\n"
    doctor = repo.sess("doctor")
    assert f"{mine} is not gitsess's" in doctor.stdout + doctor.stderr
    repo.sess("install")  # chains it: gitsess's shim is in place from now on, and runs it
    assert "installed by `git sess install`" in mine.read_text()
    repo.commit("ordinary", {"o.txt": "o\n"})
    assert (repo.path / ".git/mine.log").read_text() == "mine\nmine\n"
    assert not (repo.path / POST_COMMIT_PARKED).exists()


def test_hand_written_handoff_in_a_linked_worktree(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    wt = tmp_path / "wt"
    repo.git("worktree", "add", "-q", "-b", "wt", str(wt))
    other = Repo(wt)
    proc = _hand_commit(other, "handoff(core): from a worktree\n\n" + GOOD_BODY +
                        "Sess-Id: RT-261126-04\nSess-Operator: RT\nSess-Workstream: core\n")
    assert proc.returncode == 0, proc.stderr
    f = front(note(other) or "")
    assert f["id"] == "RT-261126-04" and f["branch"] == "wt"
    assert repo.refs("refs/sess/h/")["refs/sess/h/RT/RT-261126-04"] == head(other)


def test_transcripts_archived_redacted_by_the_handoff(repo: Repo, tmp_path: Path) -> None:
    import os
    import subprocess as sp

    from tests.helpers import AWS_SECRET

    install(repo)
    policy(repo, "version: 1\ntranscripts: local\n")
    events(repo, "s1")
    folder = Path(os.environ["HOME"]) / ".claude" / "projects" / "-work-project"
    folder.mkdir(parents=True)
    (folder / "s1.jsonl").write_text(
        '{"type": "user", "message": {"content": "AWS_SECRET_ACCESS_KEY=' + AWS_SECRET + '"}}\n')
    proc = repo.sess("handoff", "--file", narrative(tmp_path), "--json")
    assert proc.returncode == 0, proc.stderr
    hid = result_json(proc.stdout)["id"]
    assert f"refs/sess/local/transcripts/{hid}/s1" in repo.refs()
    objects = sp.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=repo.path,
                     capture_output=True, check=True).stdout
    assert AWS_SECRET.encode() not in objects


def test_undeclared_workstream_warns(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    policy(repo, "version: 1\nworkstreams:\n  infra: {owner: PK}\n")
    proc = repo.sess("handoff", "--allow-empty", "--file", narrative(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "workstream 'billing' is not declared" in proc.stderr and "infra" in proc.stderr


def test_broken_policy_refuses_with_its_line(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    policy(repo, "version: 1\ninvariants:\n  - name: x\n    counter: tool_calls\n    op: '=<'\n"
                 "    value: 1\n")
    proc = repo.sess("handoff", "--file", narrative(tmp_path))
    assert proc.returncode == 1 and "line 5: invariants[0].op" in proc.stderr
    hand = _hand_commit(repo, "handoff(core): x\n\n" + GOOD_BODY +
                        "Sess-Id: RT-261126-01\nSess-Operator: RT\nSess-Workstream: core\n")
    assert hand.returncode != 0 and "line 5: invariants[0].op" in hand.stderr


def test_a_new_narrative_sets_the_old_draft_aside(repo: Repo, tmp_path: Path) -> None:
    text = NARRATIVE.split("## Resume Prompt")[0]
    assert repo.sess("handoff", "--file", narrative(tmp_path, text)).returncode == 1
    first = draft(repo).read_text()
    other = text.replace("Exported invoices as CSV.", "Second attempt.")
    assert repo.sess("handoff", "--file", narrative(tmp_path, other)).returncode == 1
    assert "Second attempt." in draft(repo).read_text()
    aside = draft(repo).with_name("SESS_HANDOFF~").read_text()
    assert aside == first and front(aside)["id"] == front(draft(repo).read_text())["id"]


def test_policy_required_sections(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    policy(repo, "version: 1\nrequired_sections: [Learnings, Risks]\n")
    proc = repo.sess("handoff", "--allow-empty", "--file", narrative(tmp_path))
    assert proc.returncode == 1
    assert "sections.Risks: section is missing or empty" in proc.stderr
    assert "sections.Learnings" not in proc.stderr
    with_risks = NARRATIVE + "\n## Risks\nThe export may time out.\n"
    proc = repo.sess("handoff", "--allow-empty", "--file", narrative(tmp_path, with_risks))
    assert proc.returncode == 0, proc.stderr
    assert "## Risks\n\nThe export may time out." in repo.git("log", "-1", "--format=%b").stdout
    assert repo.sess("handoff", "--allow-empty", "--quick", "--title", "q").returncode == 0


def test_duplicate_sections_lose_no_text(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    text = NARRATIVE.replace("## What I Did", "## summary\nAnd a second thought.\n\n## What I Did")
    proc = repo.sess("handoff", "--allow-empty", "--file", narrative(tmp_path, text))
    assert proc.returncode == 0, proc.stderr
    stored = note(repo)
    assert stored is not None
    assert "Exported invoices as CSV.\n\nAnd a second thought." in stored
    assert "And a second thought." in repo.git("log", "-1", "--format=%b").stdout


def test_changelog_with_edits_of_its_own_is_refused(repo: Repo, tmp_path: Path) -> None:
    # Regression: `--only CHANGELOG.md` committed the person's unstaged edits with the entry.
    install(repo)
    (repo.path / "CHANGELOG.md").write_text("# Changelog\n\nold\n")
    repo.git("add", "CHANGELOG.md")
    repo.git("commit", "-q", "-m", "changelog")
    before = head(repo)
    (repo.path / "CHANGELOG.md").write_text("# Changelog\n\nold\nmy unfinished line\n")
    proc = repo.sess("handoff", "--allow-empty", "--file", narrative(tmp_path), "--changelog")
    assert proc.returncode == 2 and "CHANGELOG.md has uncommitted changes" in proc.stderr
    assert "hint: commit or stash" in proc.stderr and "Traceback" not in proc.stderr
    assert head(repo) == before and not repo.refs("refs/sess/local/reserve/")
    assert (repo.path / "CHANGELOG.md").read_text().endswith("my unfinished line\n")
    repo.git("checkout", "CHANGELOG.md")
    (repo.path / "CHANGES.md").write_text("untracked notes\n")  # not the one in use
    assert repo.sess("handoff", "--allow-empty", "--file", narrative(tmp_path), "--changelog").returncode == 0
    assert repo.git("show", "--name-only", "--format=", "HEAD").stdout.split() == ["CHANGELOG.md"]


def test_merge_or_rebase_in_progress_is_refused_up_front(repo: Repo) -> None:
    # Regression: a merge failed late in git commit (exit 1, "partial commit during a
    # merge"); a rebase was called a detached HEAD, with a hint to switch branches.
    install(repo)
    repo.commit("a", {"f": "a\n"})
    repo.git("checkout", "-q", "-b", "side", "HEAD~1")
    repo.commit("b", {"f": "b\n"})
    repo.git("checkout", "-q", "main")
    repo.git("merge", "side", check=False)
    proc = repo.sess("handoff", "--allow-empty", "--quick", "--title", "x")
    assert proc.returncode == 2 and "a merge is in progress" in proc.stderr
    assert "git merge --abort" in proc.stderr and not repo.refs("refs/sess/")
    repo.git("merge", "--abort")
    repo.git("checkout", "-q", "side")
    repo.git("rebase", "main", check=False)
    proc = repo.sess("handoff", "--allow-empty", "--quick", "--title", "x")
    assert proc.returncode == 2 and "a rebase is in progress" in proc.stderr
    assert "git rebase --continue" in proc.stderr and "git switch" not in proc.stderr
    repo.git("rebase", "--abort")
    assert repo.sess("handoff", "--allow-empty", "--quick", "--title", "x").returncode == 0


def test_policy_with_a_key_given_twice_refuses_with_its_line(repo: Repo, tmp_path: Path) -> None:
    # Regression: the second `invariants:` silently replaced the first, and the
    # notion invariant the file states was not checked.
    install(repo)
    policy(repo, NO_NOTION + "invariants: []\n")
    events(repo, "s1", tools=("mcp__notion_offplan__notion-update-page",))
    proc = repo.sess("handoff", "--file", narrative(tmp_path))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "line 8: invariants: given twice in one mapping" in proc.stderr
    assert not repo.refs("refs/sess/h/")


def test_a_session_of_another_operator_is_refused(repo: Repo, tmp_path: Path) -> None:
    # Regression: --session took a teammate's live session, claimed its telemetry
    # and moved it to refs/sess/done/ from under them.
    install(repo)
    repo.git("config", "sess.operator", "PK")
    events(repo, "peer")
    repo.git("config", "sess.operator", "RT")
    before = head(repo)
    proc = repo.sess("handoff", "--file", narrative(tmp_path), "--session", "peer")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "session 'peer' was started by operator PK, not RT" in proc.stderr
    assert head(repo) == before and "refs/sess/live/peer" in repo.refs()
    assert not repo.refs("refs/sess/local/reserve/")
    # The same claim by hand is refused by commit-msg.
    msg = ("handoff(main): theirs\n\n## Summary\n\nx\n\n## Resume Prompt\n\ny\n\n"
           "Sess-Id: RT-261126-01\nSess-Session: peer\n")
    hand = repo.git("commit", "--allow-empty", "-F", "-", input=msg, check=False)
    assert hand.returncode != 0 and "started by operator PK" in hand.stderr
    assert head(repo) == before and "refs/sess/live/peer" in repo.refs()


def test_shims_decide_long_messages_with_one_grep(repo: Repo, tmp_path: Path) -> None:
    # Regression: the shims read every line with the shell's read (a byte per system
    # call), so any commit with a 2 MB message paid 0.7 s per hook. Past 64 lines
    # they grep; the decision must be the same.
    install(repo)
    marker = tmp_path / "started"
    _stub_python(repo, lambda name: f"echo {name} >> {marker}")
    prose = "long\n\n" + "a line of prose, sess-ion: not a trailer\n" * 300
    _arm_post_commit(repo)
    repo.git("commit", "-q", "--allow-empty", "-F", "-", input=prose)
    assert not marker.exists()
    _arm_post_commit(repo)
    repo.git("commit", "-q", "--allow-empty", "-F", "-", input=prose + "\nSess-Id: RT-261126-01\n")
    assert marker.read_text().split() == ["commit-msg", "post-commit"]
    marker.unlink()
    repo.git("commit", "-q", "--allow-empty", "-F", "-", input=prose + "\nsess-phase: x\n")
    assert marker.read_text().split() == ["commit-msg"]


def test_front_matter_types_are_named_not_coerced(repo: Repo, tmp_path: Path) -> None:
    # Regressions: `quick: "false"` was truthy (sections went unchecked), a mapping as
    # resume_prompt became its repr, `sessions: {a: 1}` was "no telemetry for 'None'".
    install(repo)
    quick = NARRATIVE.replace("confidence: H", 'confidence: H\nquick: "false"')
    proc = repo.sess("handoff", "--allow-empty", "--file", narrative(tmp_path, quick.split("## Resume")[0]))
    assert proc.returncode == 1 and "quick: 'false' is not of type 'boolean'" in proc.stderr
    assert "sections.Resume Prompt: section is missing or empty" in proc.stderr
    rp = NARRATIVE.replace("confidence: H", "confidence: H\nresume_prompt: {a: 1}")
    proc = repo.sess("handoff", "--allow-empty", "--file", narrative(tmp_path, rp.split("## Resume")[0]))
    assert proc.returncode == 1 and "resume_prompt: {'a': 1} is not of type" in proc.stderr
    junk = NARRATIVE.replace("confidence: H", "confidence: H\nsessions: {a: 1}")
    proc = repo.sess("handoff", "--allow-empty", "--file", narrative(tmp_path, junk))
    assert proc.returncode == 1 and "sessions[0]: {'a': 1} is not a session id" in proc.stderr
    dated = NARRATIVE.replace("title: Wire the billing export", "title: 2026-11-26")
    proc = repo.sess("handoff", "--allow-empty", "--file", narrative(tmp_path, dated))
    assert proc.returncode == 0, proc.stderr
    assert repo.git("log", "-1", "--format=%s").stdout.strip() == "handoff(billing): 2026-11-26"
    assert not repo.refs("refs/sess/local/reserve/")


def test_stdin_narrative_is_kept_when_its_sessions_are_refused(repo: Repo) -> None:
    # Regression: an unknown --session was refused before the draft was written, and
    # a narrative piped on stdin was gone.
    install(repo)
    proc = repo.sess("handoff", "--file", "-", "--session", "nope", input=NARRATIVE)
    assert proc.returncode == 1 and "no telemetry for session 'nope'" in proc.stderr
    assert "your narrative is kept in" in proc.stderr
    assert "Exported invoices as CSV." in draft(repo).read_text()
    events(repo, "s1")
    proc = repo.sess("handoff", "--draft")
    assert proc.returncode == 0, proc.stderr
    assert "Exported invoices as CSV." in (note(repo) or "")
