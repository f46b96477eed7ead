"""Issue 9, deliverable 8 (first half): faults leave nothing behind.

A full disk (a small tmpfs; where mounting is not allowed, a file size
limit of 0, which makes every write fail with EFBIG, stands in for it) and a
read-only .git (a read-only bind mount): `git sess handoff` says so in one
`error:` line and a `hint:`, exits 1, and leaves no temporary file and no id
reservation.
"""

from __future__ import annotations

import os
import resource
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.handoffhelpers import events, install, narrative
from tests.helpers import SESS, Repo, git

LEFTOVERS = ("SESS_HANDOFF_MSG", ".tmp", ".lock")


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path | None]:
    """A 4 MB tmpfs, or None where this process may not mount one."""
    where = tmp_path / "fs"
    where.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=4m", "tmpfs", str(where)):
        yield None
        return
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def _repo_on(base: Path) -> Repo:
    git("init", "-q", "-b", "main", "repo", cwd=base)
    repo = Repo(base / "repo")
    repo.commit("initial", {"README.md": "hello\n"})
    install(repo)
    events(repo, "s1")
    return repo


def _fill(fs: Path) -> None:
    """Fill the filesystem to its last block."""
    subprocess.run(f"cat /dev/zero > '{fs}/filler'", shell=True, capture_output=True)


def _no_debris(repo: Repo, head: str) -> None:
    git_dir = repo.path / ".git"
    left = [p.name for p in git_dir.iterdir() if p.name.startswith("SESS_HANDOFF")
            and any(p.name.endswith(x) or p.name == x for x in LEFTOVERS)]
    assert left == []
    assert not list(git_dir.glob("SESS_HANDOFF.*.tmp"))
    assert repo.refs("refs/sess/local/reserve/") == {}
    assert repo.git("rev-parse", "HEAD").stdout.strip() == head
    assert repo.git("notes", "--ref=sess", "list").stdout == ""


def _one_line_error(proc: subprocess.CompletedProcess[str], words: str) -> None:
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    errors = [ln for ln in lines if ln.startswith("error: ")]
    assert len(errors) == 1 and words in errors[0], proc.stderr
    assert lines[-1].startswith("hint: ")


def test_a_full_disk_gives_one_line_and_leaves_no_debris(
        small_fs: Path | None, tmp_path: Path) -> None:
    base = small_fs or tmp_path
    repo = _repo_on(base)
    head = repo.git("rev-parse", "HEAD").stdout.strip()
    story = narrative(tmp_path)
    if small_fs is not None:
        _fill(small_fs)
        proc = repo.sess("handoff", "--file", story)
        words = "No space left on device"
    else:  # faked: no write may grow a file (Python ignores SIGXFSZ, so writes get EFBIG)
        proc = subprocess.run(
            [*SESS, "handoff", "--file", story], cwd=repo.path, capture_output=True, text=True,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0)))
        words = "File too large"
    _one_line_error(proc, words)
    assert "free some disk space" in proc.stderr
    _no_debris(repo, head)


def test_a_disk_that_fills_while_git_commits_leaves_no_debris(
        small_fs: Path | None, tmp_path: Path) -> None:
    if small_fs is None:
        pytest.skip("needs a tmpfs (mount is not permitted here)")
    repo = _repo_on(small_fs)
    head = repo.git("rev-parse", "HEAD").stdout.strip()
    # git runs pre-commit before it writes the commit: the disk fills there.
    hooks = Path(repo.git("rev-parse", "--git-path", "hooks").stdout.strip())
    hook = (repo.path / hooks if not hooks.is_absolute() else hooks) / "pre-commit"
    hook.write_text(f"#!/bin/sh\ncat /dev/zero > '{small_fs}/filler' 2>/dev/null\nexit 0\n")
    hook.chmod(0o755)
    proc = repo.sess("handoff", "--file", narrative(tmp_path))
    _one_line_error(proc, "not committed")
    assert "the draft is kept" in proc.stderr  # the narrative is not lost
    _no_debris(repo, head)
    # Once there is room again, the same handoff goes through.
    os.unlink(small_fs / "filler")
    hook.unlink()
    again = repo.sess("handoff", "--draft")
    assert again.returncode == 0, again.stderr


def test_a_read_only_git_dir_gives_one_line_and_leaves_no_debris(
        small_fs: Path | None, tmp_path: Path) -> None:
    if small_fs is None:
        pytest.skip("needs a read-only bind mount (mount is not permitted here)")
    repo = _repo_on(small_fs)
    head = repo.git("rev-parse", "HEAD").stdout.strip()
    git_dir = str(repo.path / ".git")
    assert _mount("--bind", git_dir, git_dir)
    try:
        assert _mount("-o", "remount,ro,bind", git_dir)
        proc = repo.sess("handoff", "--file", narrative(tmp_path))
    finally:
        subprocess.run(["umount", git_dir], capture_output=True)
    _one_line_error(proc, "Read-only file system")
    assert "make the repository's .git writable" in proc.stderr
    _no_debris(repo, head)


def test_a_disk_that_fills_after_the_commit_is_one_error_and_repair_finishes(
        small_fs: Path | None, tmp_path: Path) -> None:
    if small_fs is None:
        pytest.skip("needs a tmpfs (mount is not permitted here)")
    repo = _repo_on(small_fs)
    # gitsess's post-commit runs a chained post-commit.legacy first: the disk fills there,
    # after git wrote the commit and before gitsess stores the record.
    hook = repo.path / ".git" / "hooks" / "post-commit.legacy"
    hook.write_text(f"#!/bin/sh\ncat /dev/zero > '{small_fs}/filler' 2>/dev/null\nexit 0\n")
    hook.chmod(0o755)
    proc = repo.sess("handoff", "--file", narrative(tmp_path))
    _one_line_error(proc, "but its record was not stored: No space left on device")
    commit = repo.git("rev-parse", "HEAD").stdout.strip()
    assert f"git sess handoff --repair {commit[:12]}" in proc.stderr
    git_dir = repo.path / ".git"
    assert not list(git_dir.glob("SESS_HANDOFF.*.tmp")) and not (git_dir / "SESS_HANDOFF_MSG").exists()
    # The id stays reserved (the commit carries it, no ref does yet); the draft keeps the record.
    assert len(repo.refs("refs/sess/local/reserve/")) == 1
    hook.unlink()
    os.unlink(small_fs / "filler")
    repair = repo.sess("handoff", "--repair", commit[:12])
    assert repair.returncode == 0, repair.stderr
    assert repo.refs("refs/sess/local/reserve/") == {}
    assert repo.git("notes", "--ref=sess", "list", commit).stdout.strip()
    assert "refs/sess/done/s1" in repo.refs("refs/sess/done/")
