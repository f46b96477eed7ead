"""gitsess beside the common hook managers, installed for real, in either
order: an ordinary commit, a handoff and a push run the manager's hooks and
gitsess's exactly once each, and uninstall restores the hooks directory
byte for byte (issue 10, deliverable 1)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.handoffhelpers import events, narrative
from tests.helpers import SESS, Repo
from tests.hookmanagers import PRECOMMIT, counted_env, counting_install, logged, run
from tests.sesshelpers import bare, remote_refs, snapshot

ORDERS = ("gitsess-first", "manager-first")
STAGES = ("pre-commit", "commit-msg", "post-commit", "pre-push")


def _marks(repo: Repo) -> list[str]:
    p = repo.path / ".git" / "marks"
    return p.read_text().split() if p.exists() else []


def _remote(repo: Repo, tmp_path: Path) -> Path:
    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    return remote


def _exercise(repo: Repo, tmp_path: Path, remote: Path, log: Path, expect: list[str],
              push_mark: str) -> None:
    """An ordinary commit, a handoff and a push, each checked for the
    manager's hooks (`expect`, the marks one commit leaves; `push_mark`, the
    push's) and gitsess's."""
    (repo.path / "a.txt").write_text("a\n")
    repo.git("add", "a.txt")
    proc = run(["git", "commit", "-q", "-m", "feature"], repo, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _marks(repo) == expect
    assert logged(log) == []  # an ordinary commit starts no Python

    events(repo)
    proc = run([*SESS, "handoff", "--file", narrative(tmp_path)], repo, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _marks(repo) == expect * 2
    calls = logged(log)
    assert sum(c.startswith("githook commit-msg") for c in calls) == 1, calls
    assert sum(c.startswith("githook post-commit") for c in calls) == 1, calls

    proc = run(["git", "push", "-q", "origin", "main"], repo, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _marks(repo) == [*expect, *expect, push_mark]
    got = remote_refs(remote)
    assert "refs/heads/main" in got and "refs/notes/sess" in got, got  # gitsess's pre-push ran


def _precommit_config(repo: Repo) -> None:
    hooks = "".join(
        f"  - id: mark-{s}\n    name: mark-{s}\n    entry: sh -c 'echo pc-{s} >> .git/marks'\n"
        f"    language: system\n    always_run: true\n    pass_filenames: false\n"
        f"    stages: [{s}]\n" for s in STAGES)
    (repo.path / ".pre-commit-config.yaml").write_text(f"repos:\n- repo: local\n  hooks:\n{hooks}")
    repo.git("add", ".pre-commit-config.yaml")
    repo.git("commit", "-q", "-m", "pre-commit config")


@pytest.mark.parametrize("order", ORDERS)
def test_pre_commit(repo: Repo, tmp_path: Path, order: str) -> None:
    """pre-commit moves a hook it finds to <hook>.legacy and runs that: after
    `git sess install`, gitsess's shims. They must run once, not themselves
    (commit-msg and post-commit used to call themselves until fork failed)."""
    if PRECOMMIT is None:
        pytest.skip("pre-commit is not installed (pip install -e .[test] brings it)")
    remote = _remote(repo, tmp_path)
    _precommit_config(repo)
    hooks = repo.path / ".git" / "hooks"
    before = snapshot(hooks)
    manager = [PRECOMMIT, "install", *(a for s in STAGES for a in ("-t", s))]
    sess, log = counting_install(tmp_path)
    if order == "manager-first":
        subprocess.run(manager, cwd=repo.path, check=True, capture_output=True)
        with_manager = snapshot(hooks)
    assert run([*sess, "install"], repo, env=counted_env()).returncode == 0
    if order == "gitsess-first":
        subprocess.run(manager, cwd=repo.path, check=True, capture_output=True)

    _exercise(repo, tmp_path, remote, log, ["pc-pre-commit", "pc-commit-msg", "pc-post-commit"],
              "pc-pre-push")

    assert run([*SESS, "uninstall"], repo).returncode == 0
    if order == "manager-first":
        assert snapshot(hooks) == with_manager
    subprocess.run([PRECOMMIT, "uninstall", *(a for s in STAGES for a in ("-t", s))],
                   cwd=repo.path, check=True, capture_output=True)
    assert snapshot(hooks) == before  # nothing of gitsess's left for pre-commit to restore
