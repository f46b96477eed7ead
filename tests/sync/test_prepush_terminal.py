"""githooks/pre-push on a terminal, where the shim decides in sh what it can
(the stamp guard, the --dry-run read) and starts Python detached for the
send only. Real pushes to local bare remotes, with stdout and stderr on a
pty as a person runs them. Each sh exit has a case here that fails if it
passes what it should not: what a stamp no longer vouches for, a hook run
away from the worktree's top, a dry run, a stamp that is more than its line.
The same decisions on a pipe (Python in line) are tests/commands/test_guard.py
and test_prepush_fast.py."""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import shlex
import subprocess
import sys
from pathlib import Path

from gitsess import refs
from gitsess.handoff import stamps as verified
from tests.handoffhelpers import events, policy
from tests.helpers import Repo, git
from tests.sesshelpers import (
    NO_MORE_THAN_ONE_BASH,
    no_python,
    pushed_origin,
    remote_refs,
    titled_handoff,
)

# pre-commit's hook-impl, installed after gitsess: it moved our shim to
# pre-push.legacy and runs it from Python with the same stdin.
HOOK_MANAGER = """#!{python}
import os, subprocess, sys
data = sys.stdin.buffer.read()
legacy = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pre-push.legacy")
sys.exit(subprocess.run([legacy, *sys.argv[1:]], input=data).returncode)
"""


def _on_a_terminal(cwd: Path, *args: str) -> tuple[int, str]:
    """`git <args>` with stdout and stderr on a pty: its exit code and what
    the terminal showed, read until nothing holds the terminal any more (the
    detached send keeps it as its stderr: it has ended too, then)."""
    main, tty = pty.openpty()
    try:
        proc = subprocess.Popen(["git", *args], cwd=cwd, stdin=subprocess.DEVNULL,
                                stdout=tty, stderr=tty)
    finally:
        os.close(tty)
    out = b""
    try:
        while True:
            ready, _, _ = select.select([main], [], [], 60)
            assert ready, f"the terminal is still held: {out!r}"
            try:
                chunk = os.read(main, 4096)
            except OSError:  # EIO: every process let go of the terminal
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(main)
    return proc.wait(timeout=60), out.decode("utf-8", "replace")


def _push(cwd: Path, *args: str) -> tuple[int, str]:
    return _on_a_terminal(cwd, "push", *args, "origin", "main")


def _python_log(repo: Repo, tmp_path: Path) -> Path:
    """A logger in front of the shim's Python: each start appends its first
    argument ("-": the whole hook, in line; a pid: the detached send) and,
    for a pid, that process's state then (git's, which must have ended)."""
    log = tmp_path / "python.log"
    hook = repo.path / ".git" / "hooks" / "pre-push"
    text = hook.read_text()
    found = re.findall(r"exec (\S+) -I -S", text)
    assert len(found) == 1
    wrapper = tmp_path / "logged-python"
    wrapper.write_text("#!/bin/sh\nst=ended\n"
                       '[ "$6" = - ] || { read -r st </proc/"$6"/stat; } 2>/dev/null\n'
                       'case $st in ended|*") "[ZX]*) st=ended ;; *) st=running ;; esac\n'
                       f'printf "%s %s\\n" "$6" "$st" >>{shlex.quote(str(log))}\n'
                       f'exec {found[0]} "$@"\n')
    wrapper.chmod(0o755)
    hook.write_text(text.replace(f"exec {found[0]} -I -S", f"exec {wrapper} -I -S"))
    return log


def _starts(log: Path) -> list[str]:
    """The Python starts logged so far, as "in line" or "detached" (once git
    has ended; else "detached while git ran"); the log emptied."""
    if not log.exists():
        return []
    got = ["in line" if a == "- ended" else "detached" if a.endswith(" ended") and a[0].isdigit()
           else f"detached while git ran ({a})" for a in log.read_text().splitlines()]
    log.unlink()
    return got


def test_a_stamped_handoff_passes_in_sh_and_is_sent_detached(repo: Repo, tmp_path: Path) -> None:
    remote = pushed_origin(repo, tmp_path)
    events(repo, "s1")
    oid = titled_handoff(repo, tmp_path)
    log = _python_log(repo, tmp_path)
    code, out = _push(repo.path, "-q")
    assert code == 0, out
    assert _starts(log) == ["detached"]  # no Python while the person waited
    got = remote_refs(remote)
    assert got["refs/heads/main"] == oid
    assert any(r.startswith(refs.HANDOFFS) for r in got)
    assert git("notes", "--ref=sess", "show", oid, cwd=remote).returncode == 0
    assert not any(r.startswith(refs.LOCAL) for r in got)
    # No handoff, a session ref moved: no rev-list match, the same exit.
    events(repo, "s2", tools=("Read",))
    oid = repo.commit("more work")
    code, out = _push(repo.path, "-q")
    assert code == 0, out
    assert _starts(log) == ["detached"]
    got = remote_refs(remote)
    assert got["refs/heads/main"] == oid
    assert got[f"{refs.LIVE}s2"] == repo.refs()[f"{refs.LIVE}s2"]


def test_what_a_stamp_no_longer_vouches_for_is_refused_on_a_terminal(
        repo: Repo, tmp_path: Path) -> None:
    """Stamped under no policy with two Bash calls: each change below makes
    the stamp stale; sh must hand the push to Python, which refuses it.
    Each case is undone before the next."""
    remote = pushed_origin(repo, tmp_path)
    events(repo, "s1", tools=("Bash", "Bash"))
    oid = titled_handoff(repo, tmp_path)
    log = _python_log(repo, tmp_path)
    before = remote_refs(remote)

    def refused(*how: str, cwd: Path = repo.path, says: str = "push refused") -> None:
        code, out = _on_a_terminal(cwd, *how, "push", "origin", "main")
        assert code != 0 and says in out, out
        assert remote_refs(remote) == before
        assert _starts(log) == ["in line"]

    note = repo.git("notes", "--ref=sess", "show", oid).stdout
    repo.git("notes", "--ref=sess", "add", "-f", "-F", "-", oid,
             input=note.replace("## Resume Prompt", "## Something Else"))
    refused()
    repo.git("notes", "--ref=sess", "add", "-f", "-F", "-", oid, input=note)

    policy(repo, NO_MORE_THAN_ONE_BASH)  # the worktree's, not yet committed
    refused(says="tool:Bash <= 1 expected, actual 2")
    # Run away from the worktree's top, the policy is not beside the hook.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    refused(cwd=repo.path / ".git", says="one-bash")
    refused("--git-dir", str(repo.path / ".git"), "--work-tree", str(repo.path),
            cwd=elsewhere, says="one-bash")
    (repo.path / ".gitsess.yaml").unlink()
    # Committed, then gone from the worktree: HEAD's is the one in force.
    policy(repo, NO_MORE_THAN_ONE_BASH, commit=True)
    (repo.path / ".gitsess.yaml").unlink()
    refused(says="one-bash")
    repo.git("reset", "-q", "--hard", oid)

    fifo = repo.path / ".gitsess.yaml"
    os.mkfifo(fifo)
    try:
        refused(says="not a regular file")
    finally:
        with contextlib.suppress(OSError):  # let a reader that hangs on it go
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        fifo.unlink()

    # The record passes from here on: a stale stamp now needs Python, which cannot start.
    no_python(repo)
    hook = repo.path / ".git" / "hooks" / "pre-push"
    shim = hook.read_text()
    stamps = repo.git("rev-parse", verified.REF).stdout.strip()
    other = repo.git("hash-object", "-w", "--stdin", input="version: 1\n").stdout.strip()
    for stale in ("another policy", "no stamp", "another gitsess"):
        if stale == "another policy":
            blob = repo.git("notes", "--ref=sess", "list", oid).stdout.strip()
            _restamp(repo, oid, verified.line(blob, other))
        elif stale == "no stamp":
            repo.git("update-ref", "-d", verified.REF)
        else:
            hook.write_text(shim.replace(verified.VERSION, "0.0.1+check0"))
        refused(says="no-such-command")
        repo.git("update-ref", verified.REF, stamps)
        hook.write_text(shim)
    # All undone, but git was told where the repository is, from a directory
    # with no .git file: where the worktree is (its policy) is Python's to find.
    refused("--git-dir", str(repo.path / ".git"), cwd=elsewhere, says="no-such-command")
    code, out = _push(repo.path, "-q")  # and from the worktree's top the stamp passes in sh
    assert code == 0, out
    assert _starts(log) == ["detached"]
    assert remote_refs(remote)["refs/heads/main"] == oid


def _restamp(repo: Repo, commit: str, content: str) -> None:
    """Replace `commit`'s stamp with `content`, as nothing in gitsess would."""
    tip = repo.git("rev-parse", verified.REF).stdout.strip()
    blob = repo.git("hash-object", "-w", "--stdin", input=content).stdout.strip()
    entries = [ln for ln in repo.git("ls-tree", tip).stdout.splitlines()
               if not ln.endswith(f"\t{commit}")]
    tree = repo.git("mktree", input="\n".join([*entries, f"100644 blob {blob}\t{commit}"]) + "\n")
    new = repo.git("commit-tree", "-m", "stamps", tree.stdout.strip()).stdout.strip()
    repo.git("update-ref", verified.REF, new)


def test_a_stamp_that_is_more_than_its_line_does_not_vouch_for_the_next(
        repo: Repo, tmp_path: Path) -> None:
    """sh reads one cat-file answer for every handoff of the push. A stamp
    holding more than its one line, crafted to read as the next handoff's
    note and stamp, must not make that handoff pass: its size is checked."""
    remote = pushed_origin(repo, tmp_path)
    events(repo, "s1")
    titled_handoff(repo, tmp_path, "first")
    events(repo, "s2")
    titled_handoff(repo, tmp_path, "second")
    # The order sh reads them in, and the second's note broken.
    first, second = repo.git("rev-list", "-i", "--grep=^Sess-Id", "main", "--not",
                             "--remotes=origin").stdout.split()
    note = repo.git("notes", "--ref=sess", "show", second).stdout
    repo.git("notes", "--ref=sess", "add", "-f", "-F", "-", second,
             input=note.replace("## Resume Prompt", "## Something Else"))
    broken = repo.git("notes", "--ref=sess", "list", second).stdout.strip()
    fake = f"{broken} none {verified.VERSION}"
    own = repo.git("cat-file", "blob", f"{verified.REF}:{first}").stdout
    _restamp(repo, first, f"{own}x\n{broken} blob 1\nfan missing\n"
                          f"stamp blob {len(fake) + 1}\n{fake}")
    before = remote_refs(remote)
    code, out = _push(repo.path, "-q")
    assert code != 0 and "push refused" in out, out
    assert remote_refs(remote) == before


def test_dry_runs_on_a_terminal_send_nothing(repo: Repo, tmp_path: Path) -> None:
    """Every way of saying --dry-run (a unique prefix, n in a bundle of short
    options) sends nothing; the detached send would have sent the live ref,
    as the real push at the end does."""
    remote = pushed_origin(repo, tmp_path)
    events(repo, "s1", tools=("Read",))
    oid = repo.commit("work")
    before = remote_refs(remote)
    for flag in ("-n", "--dry-run", "--dry", "--dr", "-qn", "-nq", "-vqn"):
        code, out = _push(repo.path, flag)
        assert code == 0, out
        assert remote_refs(remote) == before, flag
    # Chained by a hook manager, the shim's parent is not git: Python looks further up.
    hooks = repo.path / ".git" / "hooks"
    (hooks / "pre-push").rename(hooks / "pre-push.legacy")
    (hooks / "pre-push").write_text(HOOK_MANAGER.replace("{python}", sys.executable))
    (hooks / "pre-push").chmod(0o755)
    code, out = _push(repo.path, "-n")
    assert code == 0, out
    assert remote_refs(remote) == before
    code, out = _push(repo.path, "-q")
    assert code == 0, out
    got = remote_refs(remote)
    assert got["refs/heads/main"] == oid
    assert got[f"{refs.LIVE}s1"] == repo.refs()[f"{refs.LIVE}s1"]
