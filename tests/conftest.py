"""Hermetic test environment: every test runs against real git with HOME,
config and dates pinned (STYLE.md 10)."""

from __future__ import annotations

import contextlib
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
    with pinned(tmp_path_factory.mktemp("home"), monkeypatch):
        yield


@contextlib.contextmanager
def pinned(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The hermetic environment, for a module-scoped fixture too (it is set
    up before any function-scoped one): pytest.MonkeyPatch.context() there."""
    for var in list(os.environ):
        if var.startswith(("GIT_", "CLAUDE_", "GEMINI_", "CURSOR_", "GITSESS_")):
            monkeypatch.delenv(var, raising=False)
    # Output goes to a pipe, whatever runs the tests: pytest-xdist's workers
    # inherit COLUMNS=80 and LINES=24, which `git sess resume` would wrap to.
    for var in ("COLUMNS", "LINES"):
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
    with _libgit2_config(home):
        yield


@contextlib.contextmanager
def _libgit2_config(home: Path) -> Iterator[None]:
    """The same config for gitsess run in this process (Store in a test,
    Repo.record, Repo.setup) as for git and gitsess processes. libgit2 reads
    HOME once per process, when it starts, and reads no GIT_CONFIG_* variable:
    without this, in-process code would sign its commits as the machine's
    user, from whichever HOME the process started with."""
    import pygit2
    from pygit2.enums import ConfigLevel

    empty = home / ".no-system-config"
    empty.mkdir()
    paths = {ConfigLevel.GLOBAL: str(home), ConfigLevel.XDG: str(home / ".config" / "git"),
             ConfigLevel.SYSTEM: str(empty)}  # GIT_CONFIG_NOSYSTEM
    saved = {level: pygit2.settings.search_path[level] for level in paths}
    for level, path in paths.items():
        pygit2.settings.search_path[level] = path
    try:
        yield
    finally:
        for level, path in saved.items():
            pygit2.settings.search_path[level] = path


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """A fresh repository with one commit on main."""
    return make_repo(tmp_path / "repo")


@pytest.fixture
def empty_repo(tmp_path: Path) -> Repo:
    """A fresh repository with an unborn HEAD."""
    return make_repo(tmp_path / "empty", commit=False)
