"""The pre-push shim's two economies, with real pushes to local bare remotes:
verification stamps (gitsess/handoff/stamps.py) that spare a stamped handoff's push
its Python start, and the session refs sent in the background when a person
is watching. Each stamp test also shows the stamp is a memo, never a pass:
change what the verdict rests on and the full check runs again."""

from __future__ import annotations

import contextlib
import os
import pty
import subprocess
import time
from pathlib import Path

from gitsess.handoff import stamps as verified
from gitsess.store import Store
from tests.handoffhelpers import NO_NOTION, T0, events, policy
from tests.helpers import Repo, git
from tests.sesshelpers import (
    NO_MORE_THAN_ONE_BASH,
    no_python,
    pushed_origin,
    remote_refs,
    titled_handoff,
)


def _policy_commit(repo: Repo, text: str) -> None:
    policy(repo, text, commit=True)
    repo.git("push", "-q", "origin", "main")


def test_a_handoff_is_stamped_and_its_push_starts_no_python(repo: Repo, tmp_path: Path) -> None:
    remote = pushed_origin(repo, tmp_path)
    _policy_commit(repo, NO_NOTION)
    events(repo, "s1")
    oid = titled_handoff(repo, tmp_path)
    stamp = repo.git("cat-file", "blob", f"{verified.REF}:{oid}").stdout
    note = repo.git("notes", "--ref=sess", "list", oid).stdout.strip()
    pol = repo.git("rev-parse", "HEAD:.gitsess.yaml").stdout.strip()
    assert stamp == verified.line(note, pol)
    no_python(repo)
    proc = repo.git("push", "origin", "main", check=False)
    assert proc.returncode == 0 and "no-such-command" not in proc.stderr, proc.stderr
    got = remote_refs(remote)
    assert got["refs/heads/main"] == oid
    assert _remote_note(remote, oid) == repo.git("notes", "--ref=sess", "show", oid).stdout
    assert any(r.startswith("refs/sess/h/") for r in got)
    assert not any(r.startswith("refs/sess/local/") for r in got)  # stamps never leave


def test_an_edited_note_is_checked_again(repo: Repo, tmp_path: Path) -> None:
    remote = pushed_origin(repo, tmp_path)
    events(repo, "s1")
    oid = titled_handoff(repo, tmp_path)
    note = repo.git("notes", "--ref=sess", "show", oid).stdout
    broken = note.replace("## Resume Prompt", "## Something Else")
    repo.git("notes", "--ref=sess", "add", "-f", "-F", "-", oid, input=broken)
    before = remote_refs(remote)
    proc = repo.git("push", "origin", "main", check=False)
    assert proc.returncode != 0 and "push refused" in proc.stderr, proc.stderr
    assert remote_refs(remote) == before


def test_a_tightened_policy_is_checked_again(repo: Repo, tmp_path: Path) -> None:
    """Stamped under no policy; the worktree's new policy forbids what the
    session did, before it is even committed: the push is refused."""
    remote = pushed_origin(repo, tmp_path)
    events(repo, "s1", tools=("Bash", "Bash"))
    titled_handoff(repo, tmp_path)
    policy(repo, NO_MORE_THAN_ONE_BASH)
    before = remote_refs(remote)
    proc = repo.git("push", "origin", "main", check=False)
    assert proc.returncode != 0 and "one-bash" in proc.stderr, proc.stderr
    assert "tool:Bash <= 1 expected, actual 2" in proc.stderr
    assert remote_refs(remote) == before


def test_a_stamp_of_another_gitsess_is_not_taken(repo: Repo, tmp_path: Path) -> None:
    pushed_origin(repo, tmp_path)
    events(repo, "s1")
    titled_handoff(repo, tmp_path)
    hook = repo.path / ".git" / "hooks" / "pre-push"
    text = hook.read_text()
    assert text.count(verified.VERSION) == 1
    hook.write_text(text.replace(verified.VERSION, "0.0.1+check0"))
    no_python(repo)
    proc = repo.git("push", "origin", "main", check=False)
    assert proc.returncode != 0 and "no-such-command" in proc.stderr


def test_a_handoff_covers_its_own_events_not_later_ones(repo: Repo, tmp_path: Path) -> None:
    """One session, two handoffs, one Bash call each, under "at most one
    Bash call": each handoff passed at its commit, so each passes at the
    push too, even after the session went on (the first handoff's session
    was read at its recorded tip, not at the refs that moved since). The
    stamps are dropped first, so that Python makes this check itself."""
    remote = pushed_origin(repo, tmp_path)
    _policy_commit(repo, NO_MORE_THAN_ONE_BASH)
    events(repo, "s1", tools=("Bash",))
    first = titled_handoff(repo, tmp_path, "first")
    events(repo, "s1", tools=("Bash",), at=T0 + 100)
    second = titled_handoff(repo, tmp_path, "second")
    events(repo, "s1", tools=("Bash", "Bash"), at=T0 + 200)  # and on: a third portion, not handed off
    repo.git("update-ref", "-d", verified.REF)
    proc = repo.git("push", "origin", "main", check=False)
    assert proc.returncode == 0, proc.stderr
    assert remote_refs(remote)["refs/heads/main"] == second
    # Python stamped both on the way (they pass): the next push of them would not start it.
    for oid in (first, second):
        assert repo.git("cat-file", "-e", f"{verified.REF}:{oid}", check=False).returncode == 0


def test_a_tip_that_is_not_the_sessions_telemetry_is_not_taken(repo: Repo, tmp_path: Path) -> None:
    """A record's sessions[].tip is read only when it is a telemetry commit
    of that session: a note edited to name any other commit (here the
    handoff itself, whose tree has no counters) must not count as a session
    that did nothing. Its counters then come from the session's refs."""
    remote = pushed_origin(repo, tmp_path)
    events(repo, "s1", tools=("Bash", "Bash"))
    oid = titled_handoff(repo, tmp_path)
    note = repo.git("notes", "--ref=sess", "show", oid).stdout
    tip = next(ln.split()[1] for ln in note.splitlines() if ln.strip().startswith("tip: "))
    repo.git("notes", "--ref=sess", "add", "-f", "-F", "-", oid, input=note.replace(tip, oid))
    policy(repo, NO_MORE_THAN_ONE_BASH)
    before = remote_refs(remote)
    proc = repo.git("push", "origin", "main", check=False)
    assert proc.returncode != 0 and "tool:Bash <= 1 expected, actual 2" in proc.stderr, proc.stderr
    assert remote_refs(remote) == before


def test_a_push_run_away_from_the_worktree_top_reads_the_worktrees_policy(
        repo: Repo, tmp_path: Path) -> None:
    """Git runs the hook where it was started when it was told where the
    repository is (--git-dir and --work-tree from elsewhere) or started in
    the git dir: the worktree's tightened policy is not beside the hook then,
    and the stamp made under no policy must not pass for it (Python, which
    reads the worktree's, refuses)."""
    remote = pushed_origin(repo, tmp_path)
    events(repo, "s1", tools=("Bash", "Bash"))
    titled_handoff(repo, tmp_path)
    policy(repo, NO_MORE_THAN_ONE_BASH)
    before = remote_refs(remote)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for cwd, how in ((repo.path / ".git", ()),
                     (elsewhere, ("--git-dir", str(repo.path / ".git"),
                                  "--work-tree", str(repo.path)))):
        proc = git(*how, "push", "origin", "main", cwd=cwd, check=False)
        assert proc.returncode != 0, (cwd, proc.stderr)
        assert "tool:Bash <= 1 expected, actual 2" in proc.stderr, proc.stderr
        assert remote_refs(remote) == before


def test_a_linked_worktrees_stamped_handoff_starts_no_python(repo: Repo, tmp_path: Path) -> None:
    """In a linked worktree git hands the hook GIT_DIR (the worktree's own
    git dir, named by its .git file) and runs it at the worktree's top: the
    stamp is taken there as in the main worktree."""
    remote = pushed_origin(repo, tmp_path)
    wt = Repo(tmp_path / "wt")
    repo.git("worktree", "add", "-q", str(wt.path), "-b", "topic")
    events(wt, "s1")
    oid = titled_handoff(wt, tmp_path)
    no_python(repo)
    proc = wt.git("push", "origin", "topic", check=False)
    assert proc.returncode == 0 and "no-such-command" not in proc.stderr, proc.stderr
    assert remote_refs(remote)["refs/heads/topic"] == oid


def test_a_policy_that_is_no_regular_file_is_refused_not_waited_for(
        repo: Repo, tmp_path: Path) -> None:
    """A FIFO where .gitsess.yaml should be (or a committed symlink to
    /dev/zero): reading it never ends, and neither did the push."""
    remote = pushed_origin(repo, tmp_path)
    events(repo, "s1")
    titled_handoff(repo, tmp_path)
    fifo = repo.path / ".gitsess.yaml"
    os.mkfifo(fifo)
    before = remote_refs(remote)
    try:
        proc = subprocess.run(["git", "push", "origin", "main"], cwd=repo.path,
                              capture_output=True, text=True, timeout=50)
    finally:
        with contextlib.suppress(OSError):  # let a reader that hangs on it go
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert proc.returncode != 0 and "not a regular file" in proc.stderr, proc.stderr
    assert remote_refs(remote) == before


def test_the_stamp_ref_keeps_the_newest(repo: Repo) -> None:
    store = Store.discover(str(repo.path))
    oids = []
    for i in range(verified.KEEP + 6):
        oids.append(repo.commit(f"c{i}"))
    for oid in oids:
        verified.stamp(store, oid, "0" * 40, "none", deadline=time.monotonic() + 5)
    kept = repo.git("ls-tree", "--name-only", verified.REF).stdout.split()
    assert len(kept) == verified.KEEP
    # Pinned commit dates tie; the order then falls back to the id, deterministically.
    assert set(kept) == set(sorted(oids)[-verified.KEEP:])
    assert verified.stamped(store, sorted(oids)[-1]) == verified.line("0" * 40, "none")


# -- the session refs in the background ------------------------------------------

GATE = """#!/bin/sh
# Holds any update of session refs or notes until the test opens the gate.
while read -r old new ref; do
  case "$ref" in
    refs/sess/*|refs/notes/*)
      n=0
      while [ ! -e "{gate}" ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done ;;
  esac
done
exit 0
"""


def _gated(remote: Path, tmp_path: Path) -> Path:
    gate = tmp_path / "gate"
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(GATE.replace("{gate}", str(gate)))
    hook.chmod(0o755)
    return gate


def _push_on_a_terminal(repo: Repo) -> int:
    """`git push` with stdout and stderr on a pty, as a person runs it."""
    main, tty = pty.openpty()
    try:
        return subprocess.run(["git", "push", "-q", "origin", "main"], cwd=repo.path,
                              stdin=subprocess.DEVNULL, stdout=tty, stderr=tty,
                              timeout=50).returncode
    finally:
        os.close(tty)
        os.close(main)


def _wait_for(remote: Path, ref: str, want: str | None, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if remote_refs(remote).get(ref) == want:
            return
        time.sleep(0.05)
    raise AssertionError(f"{ref} on the remote is {remote_refs(remote).get(ref)}, not {want}")


def _remote_note(remote: Path, oid: str) -> str | None:
    proc = git("notes", "--ref=sess", "show", oid, cwd=remote, check=False)
    return proc.stdout if proc.returncode == 0 else None


def _wait_for_note(remote: Path, oid: str, timeout: float = 60) -> None:
    """Until the remote's refs/notes/sess holds a note on `oid` (it holds its
    own notes commit: only the notes of commits it has)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if _remote_note(remote, oid) is not None:
            return
        time.sleep(0.05)
    raise AssertionError(f"no note on {oid} on the remote")


def test_background_send_does_not_hold_the_push(repo: Repo, tmp_path: Path) -> None:
    """sess.pushSessions = background: `git push` ends while the remote still
    holds the session refs' push; they land once it lets go."""
    remote = pushed_origin(repo, tmp_path)
    repo.git("config", "sess.pushSessions", "background")
    events(repo, "s1")
    oid = titled_handoff(repo, tmp_path)
    gate = _gated(remote, tmp_path)
    with open(tmp_path / "push.err", "w") as err:  # a file: the background holds no pipe of ours
        proc = subprocess.run(["git", "push", "-q", "origin", "main"], cwd=repo.path,
                              stdout=subprocess.DEVNULL, stderr=err, timeout=50)
    assert proc.returncode == 0
    got = remote_refs(remote)
    assert got["refs/heads/main"] == oid
    assert "refs/notes/sess" not in got  # still held at the gate, after the push returned
    gate.touch()
    _wait_for_note(remote, oid)
    assert (tmp_path / "push.err").read_text() == ""


def test_a_terminal_gets_the_background_by_default(repo: Repo, tmp_path: Path) -> None:
    """No sess.pushSessions: with stderr on a terminal the send is detached."""
    remote = pushed_origin(repo, tmp_path)
    events(repo, "s1")
    oid = titled_handoff(repo, tmp_path)
    gate = _gated(remote, tmp_path)
    try:
        assert _push_on_a_terminal(repo) == 0
        got = remote_refs(remote)
        assert got["refs/heads/main"] == oid and "refs/notes/sess" not in got
        gate.touch()
        _wait_for_note(remote, oid)
    finally:
        gate.touch()


def test_a_failed_background_send_says_so_in_one_line(repo: Repo, tmp_path: Path) -> None:
    remote = pushed_origin(repo, tmp_path)
    repo.git("config", "sess.pushSessions", "background")
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\ngrep -q ' refs/heads/' && exit 0\n"
                    "echo 'no session refs here' >&2; exit 1\n")
    hook.chmod(0o755)
    events(repo, "s1")
    oid = titled_handoff(repo, tmp_path)
    # A pipe: capture_output waits for the background's end, so the line is in.
    proc = repo.git("push", "origin", "main", check=False)
    assert proc.returncode == 0, proc.stderr
    assert remote_refs(remote)["refs/heads/main"] == oid
    said = [ln for ln in proc.stderr.splitlines() if "gitsess" in ln]
    assert len(said) == 1 and "not sent to origin" in said[0], proc.stderr
    assert "git sess sync origin" in said[0]
    assert not any(r.startswith(("refs/sess/", "refs/notes/")) for r in remote_refs(remote))


def test_wait_mode_sends_in_line(repo: Repo, tmp_path: Path) -> None:
    """sess.pushSessions = wait on a terminal: the live refs are there when
    push returns; the records follow once git has ended (only then is their
    commit known to be on the remote)."""
    remote = pushed_origin(repo, tmp_path)
    repo.git("config", "sess.pushSessions", "wait")
    events(repo, "s1")
    oid = titled_handoff(repo, tmp_path)
    assert _push_on_a_terminal(repo) == 0
    _wait_for_note(remote, oid)
    assert git("fsck", "--no-progress", cwd=remote).returncode == 0


def test_an_amended_handoff_is_stamped_and_pushed_without_python(repo: Repo,
                                                                 tmp_path: Path) -> None:
    """post-commit runs before git copies the note to the amended commit;
    post-rewrite checks and stamps it instead."""
    remote = pushed_origin(repo, tmp_path)
    events(repo, "s1")
    first = titled_handoff(repo, tmp_path)
    (repo.path / "forgotten.txt").write_text("left out of the handoff\n")
    repo.git("add", "forgotten.txt")
    repo.git("commit", "-q", "--amend", "--no-edit")
    oid = repo.git("rev-parse", "HEAD").stdout.strip()
    assert oid != first
    note = repo.git("notes", "--ref=sess", "list", oid).stdout.strip()
    assert note
    assert repo.git("cat-file", "-e", f"{verified.REF}:{oid}", check=False).returncode == 0
    no_python(repo)
    proc = repo.git("push", "origin", "main", check=False)
    assert proc.returncode == 0 and "no-such-command" not in proc.stderr, proc.stderr
    assert remote_refs(remote)["refs/heads/main"] == oid


def test_a_force_push_over_an_unknown_tip_takes_the_stamp(repo: Repo, tmp_path: Path) -> None:
    """The remote's old tip is a commit this clone never fetched: rev-list
    ignores it rather than failing over to Python."""
    remote = pushed_origin(repo, tmp_path)
    other = tmp_path / "other"
    git("clone", "-q", str(remote), str(other), cwd=tmp_path)
    (other / "theirs.txt").write_text("theirs\n")
    git("add", "theirs.txt", cwd=other)
    git("commit", "-q", "-m", "theirs", cwd=other)
    git("push", "-q", "origin", "main", cwd=other)
    events(repo, "s1")
    oid = titled_handoff(repo, tmp_path)
    no_python(repo)
    proc = repo.git("push", "--force", "origin", "main", check=False)
    assert proc.returncode == 0 and "no-such-command" not in proc.stderr, proc.stderr
    assert remote_refs(remote)["refs/heads/main"] == oid
