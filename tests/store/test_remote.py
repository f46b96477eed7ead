"""store/remote.py's process reading: the hooks learn what git itself was
told (`git push --dry-run`, `git commit --amend`) from the git above them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gitsess.store import Store
from gitsess.store import remote as git_remote
from tests.helpers import Repo, git
from tests.sesshelpers import bare, remote_refs

# The process under test: it asks for the nearest ancestor with "push" in its argv.
ASK = ("from gitsess.store import remote; "
       "print(remote.calling_argv(lambda a: b'push' in a))")


def _parent(*argv: str, via_shell: bool = False) -> str:
    """Run ASK as the child (or, via_shell, the grandchild under `sh -c`) of a
    real process whose argv is `argv`; what it printed."""
    inner = [sys.executable, "-c", ASK]
    child = ["sh", "-c", '"$@"; :', "sh", *inner] if via_shell else inner
    code = f"import subprocess, sys; sys.exit(subprocess.run({child!r}).returncode)"
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                          check=True)
    return proc.stdout.strip()


def test_the_calling_process_argv_is_read() -> None:
    got = _parent("push", "--dry", "origin")
    assert "b'push', b'--dry', b'origin'" in got


def test_it_is_found_through_a_process_in_between() -> None:
    """A hook manager between git and the hook: the argv is further up."""
    got = _parent("push", "-n", via_shell=True)
    assert "b'push', b'-n'" in got


def test_none_when_no_ancestor_matches() -> None:
    assert _parent("commit", "--amend") == "None"


# -- the named operations, against a real bare remote ------------------------


def _with_remote(repo: Repo, tmp_path: Path) -> tuple[Store, Path]:
    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    return Store.discover(str(repo.path)), remote


def test_push_porcelain_reports_each_ref_and_never_forces(repo: Repo, tmp_path: Path) -> None:
    store, remote = _with_remote(repo, tmp_path)
    base = repo.git("rev-parse", "HEAD").stdout.strip()
    got = git_remote.push_porcelain(store, "origin", [f"{base}:refs/sess/live/s1"])
    assert got.ok and "\trefs/sess/live/s1\t" in got.out.replace(f"{base}:", ""), got.out
    other = repo.commit("elsewhere")
    assert git_remote.push_porcelain(store, "origin", [f"{other}:refs/sess/live/s1"]).ok
    got = git_remote.push_porcelain(store, "origin", [f"{base}:refs/sess/live/s1"])
    assert not got.ok and "\n!\t" in got.out, got.out  # a rewind is refused, not forced
    assert remote_refs(remote)["refs/sess/live/s1"] == other


def test_remote_heads_and_tags_asks_the_remote(repo: Repo, tmp_path: Path) -> None:
    store, remote = _with_remote(repo, tmp_path)
    repo.git("push", "-q", "--no-verify", "origin", "main")
    git("update-ref", "refs/sess/live/x", "refs/heads/main", cwd=remote)
    got = git_remote.remote_heads_and_tags(store, "origin")
    assert got == {"refs/heads/main": repo.git("rev-parse", "HEAD").stdout.strip()}
    assert git_remote.remote_heads_and_tags(store, str(tmp_path / "nowhere")) is None


def test_fetch_says_why_it_failed(repo: Repo, tmp_path: Path) -> None:
    store, _ = _with_remote(repo, tmp_path)
    got = git_remote.fetch(store, "origin", ["+refs/sess/h/*:refs/sess/remotes/origin/h/*"],
                           prune=True)
    assert got.ok
    got = git_remote.fetch(store, "nowhere", ["refs/heads/main"], prune=False)
    assert not got.ok and got.why


def test_not_reached_is_one_walk_from_the_candidates(repo: Repo) -> None:
    store = Store.discover(str(repo.path))
    base = repo.git("rev-parse", "HEAD").stdout.strip()
    top = repo.commit("top")
    assert git_remote.not_reached(store, [top], [base]) == {top}
    assert git_remote.not_reached(store, [base], [top]) == set()
