"""Running the real git: on this repository, whatever git's hook variables say."""

from __future__ import annotations

import pytest

from gitsess.errors import GitsessError
from gitsess.store import git_env
from tests.helpers import Repo
from tests.store.storehelpers import head, open_store


def test_run_git_ignores_the_variables_git_exports_to_hooks(
        repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside a git hook GIT_DIR and GIT_INDEX_FILE point at the outer
    repository; a git the store starts runs on the store's own."""
    other = repo.path.parent / "other"
    other.mkdir()
    store = open_store(repo)
    tip = head(repo)
    monkeypatch.setenv("GIT_DIR", str(other))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / "index"))
    assert "GIT_DIR" not in git_env() and "GIT_INDEX_FILE" not in git_env({"X": "1"})
    assert git_env({"X": "1"})["X"] == "1"
    proc = store.run_git(["rev-parse", "HEAD"])
    assert proc.stdout.decode().strip() == tip


def test_run_git_says_which_git_failed(repo: Repo) -> None:
    store = open_store(repo)
    with pytest.raises(GitsessError, match="git rev-parse --verify failed"):
        store.run_git(["rev-parse", "--verify", "refs/heads/none"])
    assert store.run_git(["rev-parse", "--verify", "refs/heads/none"], check=False).returncode != 0
