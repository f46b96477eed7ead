"""AI disclosure (issue 14, deliverable 3): the prepare-commit-msg shim adds
`Assisted-by: <agent>:<model>` while a session is live, commit-msg and
`git sess verify` flag a trailer the telemetry does not back. Real commits
fire the real shims."""

from __future__ import annotations

from pathlib import Path

from gitsess.handoff import disclosure
from tests.handoffhelpers import T0, events, install, narrative
from tests.helpers import Repo, payload

POLICY = "version: 1\ndisclosure: assisted-by\n"
PREPARE = "prepare-commit-msg"


def _setup(repo: Repo, policy: str = POLICY) -> None:
    install(repo)
    (repo.path / ".gitsess.yaml").write_text(policy)
    repo.git("add", ".gitsess.yaml")
    repo.git("commit", "-q", "-m", "policy")


def _live(repo: Repo, session: str = "s1") -> None:
    """A Claude Code session that named its model, half an hour before the
    commits (conftest pins them at 09:00 UTC): live when they are made."""
    events(repo, session, tools=("Edit",), at=T0 + 1800)


def _message(repo: Repo, rev: str = "HEAD") -> str:
    return repo.git("cat-file", "commit", rev).stdout.split("\n\n", 1)[1]


def _hook(repo: Repo, hook: str) -> Path:
    """The file git runs as `hook`, or for prepare-commit-msg (run on demand,
    gitsess/store/hookfiles.py) the shim install parked."""
    hooks = repo.path / ".git" / "hooks"
    return hooks / ".gitsess-chained" / f"{hook}.ondemand" if hook == PREPARE else hooks / hook


def _armed(repo: Repo) -> bool:
    return (repo.path / ".git" / "hooks" / PREPARE).exists()


def _arm(repo: Repo) -> None:
    """Link the parked shim into place, as an event that runs Python does."""
    (repo.path / ".git" / "hooks" / PREPARE).hardlink_to(_hook(repo, PREPARE))


def _break_python(repo: Repo, hook: str) -> None:
    """The shim's Python line now fails the commit: a commit that still goes
    through was decided by the shell alone."""
    path = _hook(repo, hook)
    text = path.read_text()
    assert f"githook {hook}" in text
    path.write_text(text.replace(f"githook {hook}", "no-such-command"))


def test_a_commit_during_a_live_session_carries_the_trailer(repo: Repo) -> None:
    _setup(repo)
    _live(repo)
    repo.commit("export invoices", {"export.py": "print('csv')\n"})
    assert _message(repo).endswith("\n\nAssisted-by: claude:claude-opus-4-5\n")
    # An existing trailer block is extended, never rewritten; a second commit
    # that names the agent already gets no second trailer.
    repo.git("commit", "-q", "--allow-empty", "-m",
             "fix\n\nSigned-off-by: Rosa Tanaka <rosa@example.com>")
    assert _message(repo).endswith("\n\nSigned-off-by: Rosa Tanaka <rosa@example.com>\n"
                                   "Assisted-by: claude:claude-opus-4-5\n")
    repo.git("commit", "-q", "--allow-empty", "-m",
             "mine\n\nAssisted-by: Claude:claude-opus-4-5 coccinelle")
    assert _message(repo).count("Assisted-by") == 1
    assert repo.sess("verify", "HEAD~3..HEAD").returncode == 0


def test_no_live_session_no_trailer_and_no_python(repo: Repo) -> None:
    _setup(repo)
    for hook in ("prepare-commit-msg", "commit-msg"):
        _break_python(repo, hook)
    assert not _armed(repo)  # no session: git does not even start the hook
    repo.commit("ordinary work")  # commit-msg's shell decides
    assert "Assisted-by" not in _message(repo)
    _arm(repo)  # armed, say, before the last session was handed off
    repo.commit("more work", {"m.txt": "m\n"})  # no session ref at all: the shell decides
    assert "Assisted-by" not in _message(repo)
    assert not _armed(repo)  # and takes the hook away again
    assert _hook(repo, PREPARE).is_file()


def test_a_session_arms_the_disclosure_hook_and_a_handoff_lets_it_go(
        repo: Repo, tmp_path: Path) -> None:
    _setup(repo)
    assert not _armed(repo)
    _live(repo)
    assert _armed(repo) and _hook(repo, PREPARE).samefile(repo.path / ".git/hooks" / PREPARE)
    repo.commit("with the agent", {"a.txt": "a\n"})
    assert "Assisted-by: claude:" in _message(repo) and _armed(repo)
    proc = repo.sess("handoff", "--file", narrative(tmp_path))
    assert proc.returncode == 0, proc.stderr
    repo.commit("after the handoff", {"b.txt": "b\n"})  # no live session ref is left
    assert "Assisted-by" not in _message(repo)
    assert not _armed(repo)


def test_a_session_over_an_hour_old_is_not_live(repo: Repo) -> None:
    _setup(repo)
    _live(repo)
    assert _armed(repo)
    repo.git("commit", "-q", "--allow-empty", "-m", "later",
             env={"GIT_COMMITTER_DATE": "2026-11-26T11:00:00+00:00"})
    assert "Assisted-by" not in _message(repo)
    assert not _armed(repo)  # nothing live anywhere: the next event arms it again
    _live(repo, "s2")
    assert _armed(repo)


def test_without_disclosure_in_the_policy_nothing_starts_python(repo: Repo) -> None:
    install(repo)
    _live(repo)
    assert not _armed(repo)  # a live session, but the policy does not ask for disclosure
    for hook in ("prepare-commit-msg", "commit-msg"):
        _break_python(repo, hook)
    repo.commit("work", {"a.txt": "a\n"})
    assert "Assisted-by" not in _message(repo)
    _arm(repo)  # armed from another worktree whose policy names disclosure
    repo.commit("more", {"b.txt": "b\n"})  # this worktree's policy: the shell decides
    assert "Assisted-by" not in _message(repo)


def test_merges_and_reused_messages_are_left_alone(repo: Repo) -> None:
    _setup(repo)
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("side work", {"side.txt": "s\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main work", {"main.txt": "m\n"})
    _live(repo)
    repo.git("merge", "-q", "--no-edit", "side")
    assert "Assisted-by" not in _message(repo)


def test_forged_trailer_is_flagged_by_verify_and_refused_by_commit_msg(repo: Repo) -> None:
    _setup(repo)
    _live(repo)
    forged = "tidy\n\nAssisted-by: gemini:gemini-2.5-pro"
    proc = repo.git("commit", "--allow-empty", "-m", forged, check=False)
    assert proc.returncode != 0
    assert "gemini had no session live" in proc.stderr and "Traceback" not in proc.stderr
    repo.git("commit", "-q", "--no-verify", "--allow-empty", "-m", forged)
    sha = repo.git("rev-parse", "HEAD").stdout.strip()
    proc = repo.sess("verify", "HEAD~1..HEAD")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.startswith(f"{sha[:12]} Assisted-by: gemini had no session live")


def test_require_refuses_a_reused_message_without_the_trailer(repo: Repo) -> None:
    # operators: is how verify, which has no worktree, knows whose session it was.
    _setup(repo, "version: 1\ndisclosure: require\noperators:\n  RT: rosa@example.com\n")
    repo.commit("before the session")
    _live(repo)
    # -C reuses a message (git's source "commit"): nothing is added, so
    # commit-msg finds a commit made during a live session without a trailer.
    proc = repo.git("commit", "--allow-empty", "-C", "HEAD", check=False)
    assert proc.returncode != 0 and "Assisted-by: missing" in proc.stderr
    repo.commit("with the agent")
    assert "Assisted-by: claude:" in _message(repo)
    assert repo.sess("verify", "HEAD~1..HEAD").returncode == 0
    repo.git("commit", "-q", "--no-verify", "--allow-empty", "-C", "HEAD~1")
    proc = repo.sess("verify", "HEAD~1..HEAD")
    assert proc.returncode == 1 and "Assisted-by: missing" in proc.stdout


def test_warn_severity_lets_the_commit_through(repo: Repo) -> None:
    _setup(repo, "version: 1\ndisclosure: {mode: assisted-by, severity: warn}\n")
    _live(repo)
    proc = repo.git("commit", "--allow-empty", "-m", "x\n\nAssisted-by: cursor:gpt-5",
                    check=False)
    assert proc.returncode == 0 and "cursor had no session live" in proc.stderr
    out = repo.sess("verify", "HEAD~1..HEAD")
    assert out.returncode == 0 and "(warning)" in out.stdout


def test_prepare_commit_msg_chains_a_users_hook(repo: Repo) -> None:
    hook = repo.path / ".git" / "hooks" / "prepare-commit-msg"
    hook.write_text('#!/bin/sh\nprintf "\\nChange-Id: I0123\\n" >> "$1"\n')
    hook.chmod(0o755)
    _setup(repo)
    _live(repo)
    repo.commit("work", {"w.txt": "w\n"})
    assert _message(repo).endswith(
        "\n\nChange-Id: I0123\nAssisted-by: claude:claude-opus-4-5\n")


def test_a_session_without_a_model_is_disclosed_as_unknown(repo: Repo) -> None:
    _setup(repo)
    p = payload("PreToolUse", "g1", tool_name="Edit")
    repo.record(p, env={"GITSESS_EVENT_TIME": str(T0 + 1800)})
    repo.commit("work", {"w.txt": "w\n"})
    assert _message(repo).endswith(f"Assisted-by: claude:{disclosure.UNKNOWN_MODEL}\n")


def test_with_trailers_keeps_the_editor_template(tmp_path: Path) -> None:
    template = "\n# Please enter the commit message for your changes.\n"
    out = disclosure.with_trailers(template, ["claude:m"])
    assert out == "\n\nAssisted-by: claude:m\n\n# Please enter the commit message for your changes.\n"
    assert disclosure.with_trailers("x\n\nAssisted-by: Claude:m\n", ["claude:n"]) is None
    pol = disclosure.policy.parse_policy("disclosure: assisted-by\n")
    index = disclosure.SessionIndex.__new__(disclosure.SessionIndex)
    index._live, index._rest = {}, {}
    found = disclosure.problems("x\n\nAssisted-by:  :m\n", 0, pol, index=index)
    assert found == ["Assisted-by: ':m' names no agent (expected <agent>:<model>)"]


def test_the_policy_reads_disclosure_bounded_and_named() -> None:
    from gitsess.errors import ValidationError
    from gitsess.handoff.policy import parse_policy

    assert parse_policy("disclosure: off\n").disclosure == "off"  # YAML 1.1's false
    pol = parse_policy("disclosure: {mode: require, severity: warn}\n")
    assert (pol.disclosure, pol.disclosure_severity) == ("require", "warn")
    assert parse_policy("disclosure: assisted-by\n").disclosure_severity == "error"
    try:
        parse_policy("version: 1\ndisclosure: always\n")
    except ValidationError as exc:
        assert any(p.startswith("line 2: disclosure") for p in exc.problems), exc.problems
    else:
        raise AssertionError("an unknown disclosure mode was taken")
