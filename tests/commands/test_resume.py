"""`git sess resume` end to end: real git, real clones, a bare remote."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gitsess.data import schema
from tests.helpers import (
    Repo,
    author_env,
    fetch_sess,
    git,
    make_handoff,
    make_repo,
    payload,
    push_sess,
)

FIRST_RUN = "no handoff yet for RT; run git sess handoff when you stop"


def resume_json(repo: Repo, *args: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(repo.sess("resume", "--json", *args, check=True).stdout)
    jsonschema.Draft202012Validator(
        schema("resume"), format_checker=jsonschema.FormatChecker()).validate(doc)
    return doc


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Repo, Repo, Path]:
    """A bare remote and two clones: A (operator AK) and B (operator BO), each
    authoring as its own user.email (a handoff is who git says made it)."""
    for var in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(var)
    seed = make_repo(tmp_path / "seed")
    remote = tmp_path / "remote.git"
    git("clone", "-q", "--bare", str(seed.path), str(remote), cwd=tmp_path)
    clones = []
    for name, op in (("a", "AK"), ("b", "BO")):
        git("clone", "-q", str(remote), name, cwd=tmp_path)
        clone = Repo(tmp_path / name)
        clone.git("config", "sess.operator", op)
        clone.git("config", "user.email", f"{op.lower()}@example.com")
        clones.append(clone)
    return clones[0], clones[1], remote


def test_an_empty_repository_answers_in_one_line(empty_repo: Repo) -> None:
    proc = empty_repo.sess("resume")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == FIRST_RUN + "\n"
    assert resume_json(empty_repo)["last_handoff"] is None


def test_no_handoff_yet_answers_in_one_line(repo: Repo) -> None:
    proc = repo.sess("resume")
    assert (proc.returncode, proc.stdout) == (0, FIRST_RUN + "\n")


def test_no_handoff_of_mine_still_shows_peers_and_workstreams(repo: Repo) -> None:
    make_handoff(repo, "AB-261126-01", workstream="ui", title="Login page", phase="design")
    out = repo.sess("resume", check=True).stdout
    lines = out.splitlines()
    assert lines[0] == FIRST_RUN
    assert "Peers' workstreams:" in out and "  ui  AB  design  " in out
    assert 'Peer activity — AB: last seen AB-261126-01 ("Login page", ' in out


def test_my_last_handoff_prompt_summary_and_branch(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "feature-x")
    make_handoff(repo, "RT-261126-01", title="Old", when="2026-11-26T07:00:00+00:00")
    prompt = "Run the parser tests first.\n\n  Then fix `tokenize()`:\n- edge case A"
    make_handoff(repo, "RT-261126-02", title="Teach the parser unicode", summary="Unicode works.",
                 resume_prompt=prompt, open_questions="- UTF-16 too?\n- None",
                 when="2026-11-26T08:00:00+00:00")
    out = repo.sess("resume", check=True).stdout
    assert out.startswith('Last handoff: RT-261126-02 "Teach the parser unicode" '
                          "(parser, phase build), ")
    assert "  on feature-x, checked out here\n" in out
    assert f"Resume prompt:\n{prompt}\n" in out  # verbatim
    assert "Summary:\nUnicode works.\n" in out
    assert "Your workstreams:\n  parser  build  last RT-261126-02" in out
    assert "    ? UTF-16 too?\n" in out and "? None" not in out
    repo.git("checkout", "-q", "main")
    doc = resume_json(repo)
    assert doc["last_handoff"]["branch"] == {"name": "feature-x", "exists": True, "remote": None,
                                             "contains": True, "checked_out": False,
                                             "head": "main"}
    assert "on feature-x, not checked out (HEAD is on main)" in repo.sess("resume").stdout


def test_operator_and_since_select_what_is_shown(repo: Repo) -> None:
    make_handoff(repo, "AB-261120-01", workstream="ui", title="Old", when="2020-11-20T08:00:00Z")
    make_handoff(repo, "RT-261120-01", title="Mine, old", when="2020-11-20T09:00:00Z")
    doc = resume_json(repo, "--operator", "AB")
    assert doc["operator"] == "AB" and doc["last_handoff"]["id"] == "AB-261120-01"
    assert [p["operator"] for p in doc["peers"]] == ["RT"]
    # Both handoffs are dated 2020 while the clock is real: a 1 s window leaves them out.
    recent = resume_json(repo, "--since", "1s")
    assert recent["last_handoff"] is None and recent["peers"] == []
    assert recent["message"] == "no handoff in the last 1s for RT; run git sess handoff when you stop"
    bad = repo.sess("resume", "--since", "soon")
    assert bad.returncode == 2 and "invalid duration 'soon'" in bad.stderr
    assert repo.sess("resume", "--operator", "no spaces").returncode == 2


def test_policy_owner_decides_whose_workstream_it_is(repo: Repo) -> None:
    make_handoff(repo, "AB-261126-01", workstream="billing", title="Invoices")
    repo.commit("policy", files={".gitsess.yaml": "version: 1\nworkstreams:\n  billing: {owner: RT}\n"})
    doc = resume_json(repo)
    (mine,) = doc["workstreams"]["mine"]
    assert (mine["name"], mine["owner"], mine["last"]["id"]) == ("billing", "RT", "AB-261126-01")


NARRATIVE = """\
---
title: Parser handles unicode
workstream: parser
phase: build
confidence: H
---
## Summary
Unicode works in the tokenizer.

## Open Questions
- UTF-16 too?

## Resume Prompt
Fix the tokenizer's surrogate pairs next.
"""


@pytest.fixture
def installed(team: tuple[Repo, Repo, Path]) -> tuple[Repo, Repo, Path]:
    """The team with gitsess installed in both clones (hooks and fetch refspecs)."""
    a, b, remote = team
    a.setup("install")
    b.setup("install")
    return a, b, remote


def test_two_machines_resume_through_a_bare_remote(installed: tuple[Repo, Repo, Path],
                                                   tmp_path: Path) -> None:
    """Issue 4 acceptance, on the real path: install, handoff, push, fetch."""
    a, b, _remote = installed
    a.git("checkout", "-q", "-b", "feature-x")
    a.commit("parser", files={"parser.py": "x = 1\n"})
    narrative = tmp_path / "handoff.md"
    narrative.write_text(NARRATIVE)
    done = a.sess("handoff", "--allow-empty", "--file", str(narrative))  # commits pinned to a past day
    assert done.returncode == 0, done.stderr
    (mine,) = log_ids(a)
    assert mine.startswith("AK-")
    a.git("push", "-q", "-u", "origin", "feature-x")  # pre-push sends refs/sess and the notes
    b.git("fetch", "-q")  # install's refspecs bring them into refs/sess/remotes/origin/
    out = b.sess("resume", check=True).stdout
    assert out.splitlines()[0] == "no handoff yet for BO; run git sess handoff when you stop"
    assert "Peers' workstreams:\n  parser  AK  build  " in out
    assert f'Peer activity — AK: last seen {mine} ("Parser handles unicode", ' in out
    # A deletes the branch on the remote; B prunes: the handoff ref still holds it.
    a.git("push", "-q", "origin", "--delete", "feature-x")
    b.git("fetch", "-q", "--prune")
    assert "refs/remotes/origin/feature-x" not in b.refs("refs/remotes/")
    out = b.sess("resume", check=True).stdout
    assert f'Peer activity — AK: last seen {mine} ("Parser handles unicode", ' in out
    assert log_ids(b) == [mine]
    last = resume_json(b, "--operator", "AK")["last_handoff"]
    assert last["ref"] == f"refs/sess/remotes/origin/h/AK/{mine}"
    assert last["branch"]["name"] == "feature-x" and not last["branch"]["exists"]
    assert last["resume_prompt"] == "Fix the tokenizer's surrogate pairs next."  # fetched notes
    assert f"made on feature-x, which no longer exists; kept by refs/sess/remotes/origin/h/AK/{mine}" \
        in b.sess("resume", "--operator", "AK").stdout
    # And A, resuming, sees its own handoff with the prompt verbatim.
    out = a.sess("resume", check=True).stdout
    assert out.startswith(f'Last handoff: {mine} "Parser handles unicode" (parser, phase build)')
    assert "  on feature-x, checked out here\n" in out
    assert "Resume prompt:\nFix the tokenizer's surrogate pairs next.\n" in out
    assert "    ? UTF-16 too?\n" in out


def log_ids(repo: Repo) -> list[str]:
    return [h["id"] for h in json.loads(repo.sess("log", "--json", check=True).stdout)["handoffs"]]


def test_a_live_peer_shows_as_active_now(installed: tuple[Repo, Repo, Path]) -> None:
    a, b, _remote = installed
    for p in (payload("SessionStart", session="sa", source="startup"),
              payload("PreToolUse", session="sa", tool_name="Bash"),
              payload("PreToolUse", session="sa", tool_name="Edit")):
        assert a.hook(p).returncode == 0
    a.sess("sync", check=True)  # pushes the live ref
    b.git("fetch", "-q")
    assert "refs/sess/remotes/origin/live/sa" in b.refs("refs/sess/remotes/")
    out = b.sess("resume", check=True).stdout
    assert "Peer activity — AK: active now (2 tool calls)" in out
    (peer,) = resume_json(b)["peers"]
    assert peer["active"] and peer["tool_calls"] == 2 and peer["last_seen"] is None
    # Its own live session is not a peer.
    assert resume_json(a)["peers"] == []


def test_a_clone_without_refs_sess_finds_handoffs_on_branches(
        team: tuple[Repo, Repo, Path]) -> None:
    a, b, _remote = team
    make_handoff(a, "AK-261126-01", operator="AK", resume_prompt="Read me from the commit.")
    push_sess(a, "origin", "main")
    b.git("pull", "-q", "--ff-only")  # branches only: no refs/sess, no notes
    assert b.refs("refs/sess/") == {} and b.refs("refs/notes/") == {}
    doc = resume_json(b, "--operator", "AK")
    assert doc["last_handoff"]["source"] == "branch"
    assert doc["last_handoff"]["resume_prompt"] == "Read me from the commit."


def test_resume_inside_the_agent_on_session_start(repo: Repo) -> None:
    make_handoff(repo, "RT-261126-01", resume_prompt="Pick up at step 3 of the migration.",
                 summary="Steps 1-2 done.", open_questions="- Drop the old table?")
    proc = repo.hook(payload("SessionStart", session="s9", source="startup"))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert "Pick up at step 3 of the migration." in out
    assert "Steps 1-2 done." in out and "- parser (build), last RT-261126-01" in out
    assert "open: Drop the old table?" in out
    assert len(proc.stdout) <= 4096
    # Other SessionStart sources (clear, compact) and other events print nothing.
    assert repo.hook(payload("SessionStart", session="s9", source="compact")).stdout == b""
    assert repo.hook(payload("PreToolUse", session="s9", tool_name="Bash")).stdout == b""


def test_resume_inside_the_agent_is_bounded(repo: Repo) -> None:
    make_handoff(repo, "RT-261126-01", resume_prompt="Do this. " * 2000, summary="S " * 3000)
    for i in range(12):
        make_handoff(repo, f"RT-261126-{i + 2:02d}", workstream=f"ws{i}",
                     open_questions="- " + "why? " * 100)
    proc = repo.hook(payload("SessionStart", session="s9", source="resume"))
    assert proc.returncode == 0
    assert 0 < len(proc.stdout) <= 4096
    assert b"gitsess resume for RT" in proc.stdout


def test_first_run_inside_the_agent(empty_repo: Repo) -> None:
    proc = empty_repo.hook(payload("SessionStart", session="s1", source="startup"))
    assert proc.returncode == 0
    assert proc.stdout.decode() == f"gitsess: {FIRST_RUN}\n"


def test_my_handoff_on_a_remote_tracking_branch_only(team: tuple[Repo, Repo, Path]) -> None:
    a, b, _remote = team
    b.git("config", "sess.operator", "AK")  # the same person on a second machine
    b.git("config", "user.email", "ak@example.com")
    a.git("checkout", "-q", "-b", "feature-x")
    make_handoff(a, "AK-261126-01", operator="AK")
    push_sess(a, "origin", "feature-x")
    fetch_sess(b)
    last = resume_json(b)["last_handoff"]
    assert last["branch"] == {"name": "feature-x", "exists": True, "remote": "origin/feature-x",
                              "contains": True, "checked_out": False, "head": "main"}
    assert "  on origin/feature-x (remote-tracking; no local branch feature-x)\n" in \
        b.sess("resume").stdout


def test_a_handed_off_session_is_not_active(team: tuple[Repo, Repo, Path]) -> None:
    a, b, _remote = team
    assert a.hook(payload("PreToolUse", session="sa", tool_name="Bash")).returncode == 0
    tip = a.git("rev-parse", "refs/sess/live/sa").stdout.strip()
    a.git("push", "-q", "origin", "refs/sess/live/*:refs/sess/live/*")
    fetch_sess(b)
    assert resume_json(b)["peers"][0]["active"]
    # The handoff moves the chain to done/ and deletes the live ref; B's
    # fetched live copy lingers until a prune, but done/ says it is over.
    a.git("update-ref", "refs/sess/done/sa", tip)
    a.git("push", "-q", "origin", "refs/sess/done/*:refs/sess/done/*")
    fetch_sess(b)
    assert "refs/sess/remotes/origin/live/sa" in b.refs()
    assert resume_json(b)["peers"] == []


@pytest.mark.parametrize("note", [
    b"\x00\xff garbage: [unclosed\n---\n: :\n",  # not YAML, not text
    b"- a\n- b\n",  # a YAML list
    b"---\n- a\n---\n",  # a list as front matter, no sections
])
def test_a_note_that_is_no_record_falls_back_to_the_commit(repo: Repo, note: bytes) -> None:
    oid = make_handoff(repo, "RT-261126-01", note=False, summary="From the commit.",
                       resume_prompt="Commit prompt.")
    blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=repo.path, input=note,
                          capture_output=True, check=True).stdout.decode().strip()
    repo.git("notes", "--ref=sess", "add", "-C", blob, oid)
    doc = resume_json(repo)
    assert doc["last_handoff"]["summary"] == "From the commit."
    assert doc["last_handoff"]["resume_prompt"] == "Commit prompt."


def test_front_matter_values_of_the_wrong_type_keep_the_json_valid(repo: Repo) -> None:
    oid = make_handoff(repo, "RT-261126-01", note=False)
    note = ("---\nid: RT-261126-01\nbranch: [1, 2]\nresume_prompt: {a: 1}\nconfidence: [H]\n"
            "---\n\n## Summary\nx\n")
    repo.git("notes", "--ref=sess", "add", "-F", "-", oid, input=note)
    last = resume_json(repo)["last_handoff"]  # validates against schemas/resume.json
    assert last["branch"]["name"] is None and last["resume_prompt"] is None
    assert last["confidence"] is None
    assert "on an unrecorded branch" in repo.sess("resume", check=True).stdout


@pytest.mark.parametrize("since", ["", "abc", "-5d", "0", "5", " ", "1e3d", "\u0663d"])
def test_bad_since_is_one_usage_error(repo: Repo, since: str) -> None:
    proc = repo.sess("resume", "--since", since)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines()[0] == f"error: invalid duration '{since}'"
    assert proc.stderr.splitlines()[1].startswith("hint: ")


def test_a_since_longer_than_the_epoch_means_everything(repo: Repo) -> None:
    make_handoff(repo, "RT-261126-01")
    doc = resume_json(repo, "--since", "99999999999999999999d")
    assert doc["since"] == "1970-01-01T00:00:00Z" and doc["last_handoff"]["id"] == "RT-261126-01"


def test_the_agent_context_stays_bounded_with_a_thousand_workstreams(repo: Repo) -> None:
    from tests.helpers import many_handoffs

    many_handoffs(repo, 1000, resume_prompt="Resume here. " * 800)  # a 10 KB prompt each
    assert len(repo.refs("refs/sess/h/")) == 1000
    # A slow CI machine must not turn this into a test of the deadline (an
    # empty context, tested above): give the read room.
    repo.git("config", "sess.hookTimeout", "8")
    proc = repo.hook(payload("SessionStart", session="s9", source="startup"))
    assert proc.returncode == 0, proc.stderr
    assert 0 < len(proc.stdout) <= 4096
    text = proc.stdout.decode()
    assert text.startswith("gitsess resume for RT: last handoff RT-261126-1000")
    assert "- … and 994 more (git sess resume)" in text


def test_the_agent_context_reads_the_questions_it_shows_only(repo: Repo) -> None:
    """One note read per workstream costs ~0.7 ms: a thousand would eat the
    hook's deadline, and the context shows six."""
    from gitsess.resume import view as resume
    from gitsess.store import Store
    from tests.helpers import many_handoffs

    many_handoffs(repo, 20, resume_prompt="Go on.")
    # In this process libgit2 read the real global config: say who this clone is.
    repo.git("config", "sess.operator", "RT")
    doc = resume.view(Store.discover(str(repo.path)), operator="RT",
                      questions_for=resume._WORKSTREAM_LINES)
    mine = doc["workstreams"]["mine"]
    assert len(mine) == 20 and resume._WORKSTREAM_LINES == 6
    assert all(w["open_questions"] for w in mine[:6])
    assert not any(w["open_questions"] for w in mine[6:])
    full = resume.view(Store.discover(str(repo.path)), operator="RT")
    assert all(w["open_questions"] for w in full["workstreams"]["mine"])


# -- the text: columns by display width, bounded for a terminal ----------------

def hand_made_handoff(repo: Repo, hid: str, *, workstream: str, title: str,
                      phase: str | None = None) -> None:
    """A handoff written by hand (or fetched): trailers only, no record, so
    its workstream and phase are whatever the commit says."""
    op = hid.rsplit("-", 2)[0]
    trailers = f"Sess-Id: {hid}\nSess-Operator: {op}\nSess-Workstream: {workstream}\n"
    if phase:
        trailers += f"Sess-Phase: {phase}\n"
    repo.git("commit", "-q", "--allow-empty", "-m", f"handoff(x): {title}\n\n{trailers}",
             env=author_env(repo, op) or None)  # by its operator (gitsess.handoff.operators)
    oid = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.git("update-ref", f"refs/sess/h/{op}/{hid}", oid)


def section(out: str, heading: str) -> list[str]:
    """The lines under `heading`, up to the next blank line."""
    lines = out.splitlines()
    start = lines.index(heading) + 1
    end = lines.index("", start) if "" in lines[start:] else len(lines)
    return lines[start:end]


def starts(lines: list[str], cells: list[str]) -> set[int]:
    """The screen columns where each line's cell begins."""
    from gitsess.ui.columns import width

    return {width(line[: line.index(c)]) for line, c in zip(lines, cells, strict=True)}


def test_peers_workstreams_line_up_by_display_width(repo: Repo) -> None:
    from gitsess.resume.text import NAME_COLS
    from gitsess.ui.columns import width

    make_handoff(repo, "AB-261126-01", workstream="ui", phase="design", title="Login",
                 when="2026-11-26T05:00:00Z")
    hand_made_handoff(repo, "CD-261126-01", workstream="日本語の作業", phase="cafe\u0301",
                      title="設計")
    hand_made_handoff(repo, "EFG-261126-01", workstream="\U0001f680-launch",
                      phase="\U0001f469\u200d\U0001f4bb", title="Ship")
    hand_made_handoff(repo, "HI-261126-01", workstream="長" * 20, title="Long")
    out = repo.sess("resume", check=True).stdout
    rows = section(out, "Peers' workstreams:")
    assert len(rows) == 4, out
    owners = [r.split()[-4] if r.split()[-4] != "…" else "" for r in rows]
    assert owners == ["HI", "EFG", "CD", "AB"], rows
    assert len(starts(rows, [f"  {op}  " for op in owners])) == 1, rows  # owner column
    phases = ["-", "\U0001f469\u200d\U0001f4bb", "cafe\u0301", "design"]
    assert len(starts(rows, [f"  {p}  " for p in phases])) == 1, rows  # phase column
    ages = [r.split("  ")[-1].strip() for r in rows]
    assert len(starts(rows, [f"  {a}" for a in ages])) == 1, rows  # age column
    # 40 columns of 長 are cut to the name column's 30 on a character boundary.
    assert rows[0].startswith("  " + "長" * 14 + "…  HI")
    assert width("長" * 14 + "…") <= NAME_COLS
    # --json keeps the names whole.
    names = [w["name"] for w in resume_json(repo)["workstreams"]["peers"]]
    assert names[0] == "長" * 20 and "日本語の作業" in names


def test_my_workstreams_line_up_by_display_width(repo: Repo) -> None:
    make_handoff(repo, "RT-261126-01", workstream="parser", phase="build",
                 title="日本語のタイトル", when="2026-11-26T05:00:00Z")
    make_handoff(repo, "RT-261126-02", workstream="ui", phase="cafe\u0301 review",
                 title="\U0001f680 launch", when="2026-11-26T06:00:00Z")
    rows = [r for r in section(repo.sess("resume", check=True).stdout, "Your workstreams:")
            if not r.startswith("    ?")]
    assert len(rows) == 2
    assert len(starts(rows, ["  build  ", "  cafe\u0301 review  "][::-1])) == 1, rows
    assert len(starts(rows, ["last RT-261126-02", "last RT-261126-01"])) == 1, rows


def test_plain_resume_is_bounded_and_says_what_it_left_out(repo: Repo) -> None:
    from gitsess.ui.columns import width
    from tests.helpers import many_handoffs

    prompt = "Resume here. " * 800  # one 10 KB line: 130 rows of a terminal
    many_handoffs(repo, 25, resume_prompt=prompt)  # 25 workstreams of mine, 48-char names
    for i in range(12):  # 12 peers, a workstream each
        make_handoff(repo, f"P{i:02d}-261120-01", workstream=f"peer-{i:02d}",
                     open_questions="- a?\n- b?\n- c?", when=f"2026-11-20T08:{i:02d}:00Z")
    out = repo.sess("resume", check=True).stdout
    lines = out.splitlines()
    assert len(lines) <= 80 and len(out.encode()) <= 8 * 1024, out
    # The prompt: 30 rows of 80 columns, then what was left out.
    cut = lines.index("Resume prompt:") + 1
    assert width(lines[cut]) <= 30 * 80 and lines[cut].endswith("…")
    assert lines[cut + 1] == "  … 1 more line (git sess resume --all)"
    assert "  … 17 more workstreams (git sess resume --all)" in lines  # 25 - 8 of mine
    assert "  … 2 more workstreams (git sess resume --all)" in lines  # 12 - 10 of peers'
    assert "  … 4 more peers (git sess resume --all)" in lines  # 12 - 8 peer lines
    assert sum(line.startswith("Peer activity — ") for line in lines) == 8
    # Long names and questions are cut to their columns.
    mine = section(out, "Your workstreams:")
    assert mine[0].startswith("  ws-0025-" + "x" * 21 + "…  -  last RT-261126-25")
    assert all(width(line) <= 4 + 2 + 72 for line in mine if line.startswith("    ?"))
    # --all shows everything: the prompt verbatim, every name whole, no cut.
    full = repo.sess("resume", "--all", check=True).stdout
    assert f"Resume prompt:\n{prompt.strip()}\n" in full
    assert "(git sess resume --all)" not in full and "…" not in full
    for i in range(1, 26):
        assert f"  ws-{i:04d}-" + "x" * 40 + "  -  last" in full
    assert all(f"Peer activity — P{i:02d}: " in full for i in range(12))
    # And --json is complete whatever the text shows.
    doc = resume_json(repo)
    assert len(doc["workstreams"]["mine"]) == 25 and len(doc["peers"]) == 12
    assert all(w["open_questions"] for w in doc["workstreams"]["mine"])
    assert doc["last_handoff"]["resume_prompt"] == prompt.strip()


def test_plain_resume_cuts_open_questions_and_the_summary(repo: Repo) -> None:
    summary = "\n".join(f"Line {i}." for i in range(1, 21))
    make_handoff(repo, "RT-261126-01", summary=summary,
                 open_questions="- One?\n- Two?\n- Three?\n- Four?")
    out = repo.sess("resume", check=True).stdout
    assert "Summary:\n" + "\n".join(f"Line {i}." for i in range(1, 13)) + \
        "\n  … 8 more lines (git sess resume --all)\n" in out
    assert "    ? One?\n    ? Two?\n    … 2 more open questions (git sess resume --all)\n" in out
    full = repo.sess("resume", "--all", check=True).stdout
    assert f"Summary:\n{summary}\n" in full and "    ? Four?\n" in full


def test_the_all_option_is_described(repo: Repo) -> None:
    text = " ".join(repo.sess("resume", "--help", check=True).stdout.split())
    assert "--all Show every workstream and peer" in text
    assert "--json never is" in text


def test_control_characters_in_a_fetched_title_do_not_reach_the_terminal(repo: Repo) -> None:
    hand_made_handoff(repo, "AB-261126-01", workstream="ui", title="evil\x1b]0;pwned\x07 title")
    out = repo.sess("resume", check=True).stdout
    assert "\x1b" not in out and "\x07" not in out
    assert '("evil title", ' in out  # the OSC is removed whole (gitsess.ui.untrusted)
