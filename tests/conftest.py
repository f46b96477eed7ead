"""Hermetic test environment: every test runs against real git with HOME,
config and dates pinned (STYLE.md 10)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import Repo, make_repo

PINNED_DATE = "2026-11-26T09:00:00+00:00"

# Tests that share something outside their tmp dirs run on one pytest-xdist
# worker (./run-tests runs `-n auto --dist loadgroup`): install.sh runs `pip
# install` on this source tree, and pip's setuptools build writes build/ and
# gitsess.egg-info into it.
SHARED = {"tests/setup/test_install_sh.py": "source-tree-build"}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the marks into node ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        group = SHARED.get(item.nodeid.split("::", 1)[0])
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(autouse=True)
def hermetic(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    home = tmp_path_factory.mktemp("home")
    for var in list(os.environ):
        if var.startswith(("GIT_", "CLAUDE_", "GEMINI_", "CURSOR_", "GITSESS_")):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Rosa Tanaka")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "rosa@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Rosa Tanaka")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "rosa@example.com")
    monkeypatch.setenv("GIT_AUTHOR_DATE", PINNED_DATE)
    monkeypatch.setenv("GIT_COMMITTER_DATE", PINNED_DATE)
    monkeypatch.setenv("GIT_EDITOR", "false")
    monkeypatch.setenv("EDITOR", "false")
    monkeypatch.setenv("VISUAL", "false")
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("LC_ALL", "C")
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Rosa Tanaka\n\temail = rosa@example.com\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
        "[protocol \"file\"]\n\tallow = always\n"
    )
    yield


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """A fresh repository with one commit on main."""
    return make_repo(tmp_path / "repo")


@pytest.fixture
def empty_repo(tmp_path: Path) -> Repo:
    """A fresh repository with an unborn HEAD."""
    return make_repo(tmp_path / "empty", commit=False)
