"""gitsess beside the common hook managers, installed for real, in either
order: an ordinary commit, a handoff and a push run the manager's hooks and
gitsess's exactly once each, and uninstall restores the hooks directory
byte for byte (issue 10, deliverable 1)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.handoffhelpers import events, narrative
from tests.helpers import SESS, Repo, git
from tests.hookmanagers import (
    PRECOMMIT,
    counted_env,
    counting_install,
    logged,
    need,
    npm_tool,
    run,
)
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
              push_mark: str, handoff: list[str] | None = None) -> None:
    """An ordinary commit, a handoff and a push, each checked for the
    manager's hooks (`expect`, the marks one commit leaves; `push_mark`, the
    push's) and gitsess's."""
    (repo.path / ".git" / "marks").unlink(missing_ok=True)  # setup commits ran hooks too
    (repo.path / "a.txt").write_text("a\n")
    repo.git("add", "a.txt")
    proc = run(["git", "commit", "-q", "-m", "feature"], repo, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _marks(repo) == expect
    assert logged(log) == []  # an ordinary commit starts no Python

    events(repo)
    proc = run([*SESS, "handoff", "--file", narrative(tmp_path)], repo, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    handoff = expect if handoff is None else handoff
    assert _marks(repo) == expect + handoff
    calls = logged(log)
    assert sum(c.startswith("githook commit-msg") for c in calls) == 1, calls
    assert sum(c.startswith("githook post-commit") for c in calls) == 1, calls

    proc = run(["git", "push", "-q", "origin", "main"], repo, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _marks(repo) == [*expect, *handoff, push_mark]
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
    user = ["commit-msg", "post-commit"] if order == "gitsess-first" else []
    for name in user:  # the person's own hooks (pre-commit first would refuse to chain them)
        (hooks / name).write_text(f"#!/bin/sh\necho user-{name} >> .git/marks\n")
        (hooks / name).chmod(0o755)
    before = snapshot(hooks)
    manager = [PRECOMMIT, "install", *(a for s in STAGES for a in ("-t", s))]
    sess, log = counting_install(tmp_path)
    if order == "manager-first":
        subprocess.run(manager, cwd=repo.path, check=True, capture_output=True)
        with_manager = snapshot(hooks)
    assert run([*sess, "install"], repo, env=counted_env()).returncode == 0
    if order == "gitsess-first":
        subprocess.run(manager, cwd=repo.path, check=True, capture_output=True)

    # pre-commit runs its <hook>.legacy (gitsess's shim, which runs the
    # person's hook) before its own hooks
    expect = (["pc-pre-commit", "user-commit-msg", "pc-commit-msg", "user-post-commit",
               "pc-post-commit"] if user else ["pc-pre-commit", "pc-commit-msg", "pc-post-commit"])
    _exercise(repo, tmp_path, remote, log, expect, "pc-pre-push")

    assert run([*SESS, "uninstall"], repo).returncode == 0
    if order == "manager-first":
        assert snapshot(hooks) == with_manager
    subprocess.run([PRECOMMIT, "uninstall", *(a for s in STAGES for a in ("-t", s))],
                   cwd=repo.path, check=True, capture_output=True)
    assert snapshot(hooks) == before  # nothing of gitsess's left for pre-commit to restore


HUSKY8 = npm_tool("husky8", "lib", "bin.js")
HUSKY9 = npm_tool("husky9", "bin.js")
LEFTHOOK = npm_tool(".bin", "lefthook")
HUSKY8_HEAD = '#!/usr/bin/env sh\n. "$(dirname -- "$0")/_/husky.sh"\n\n'


def _scripts(repo: Repo, d: str, head: str, label: str) -> None:
    """Committed hook scripts, one per stage, each leaving a mark."""
    (repo.path / d).mkdir(exist_ok=True)
    for s in STAGES:
        p = repo.path / d / s
        p.write_text(f"{head}echo {label}-{s} >> .git/marks\n")
        p.chmod(0o755)
    repo.git("add", d)
    repo.git("commit", "-q", "-m", f"{label} hooks")


def _consent(repo: Repo, sess: list[str], d: str) -> None:
    """The committed-hooks install, as its hint tells, then the commit of the lines."""
    proc = run([*sess, "install", "--into-committed-hooks"], repo, env=counted_env())
    assert proc.returncode == 0, proc.stderr
    repo.git("add", d)
    repo.git("commit", "-q", "--no-verify", "-m", "hooks: run gitsess where installed")


def _refused_with_the_working_command(repo: Repo) -> None:
    proc = run([*SESS, "install"], repo)
    assert proc.returncode != 0 and proc.stderr.startswith("error: "), proc.stderr
    assert "git sess install --into-committed-hooks" in proc.stderr and "Traceback" not in proc.stderr
    doctor = run([*SESS, "doctor", "--json"], repo)
    fixes = [f["fix"] or "" for f in json.loads(doctor.stdout)["findings"]]
    assert any("--into-committed-hooks" in f for f in fixes), fixes
    assert all("git sess install" not in f or "--into-committed-hooks" in f for f in fixes), fixes


@pytest.mark.parametrize("order", ORDERS)
def test_husky8(repo: Repo, tmp_path: Path, order: str) -> None:
    """husky 8: `.husky/` committed and set as core.hooksPath. gitsess adds one
    line to each committed script (with consent) that runs its private shim."""
    husky = need(HUSKY8, "husky 8")
    remote = _remote(repo, tmp_path)
    _scripts(repo, ".husky", HUSKY8_HEAD, "h8")
    scripts, hooks = repo.path / ".husky", repo.path / ".git" / "hooks"
    before, before_hooks = snapshot(scripts), snapshot(hooks)
    sess, log = counting_install(tmp_path)
    manager = ["node", str(husky), "install"]
    if order == "manager-first":
        assert run(manager, repo).returncode == 0
        before = snapshot(scripts)  # husky wrote .husky/_ (ignored by its own .gitignore)
        _refused_with_the_working_command(repo)
    _consent(repo, sess, ".husky")
    if order == "gitsess-first":
        assert run(manager, repo).returncode == 0
    assert repo.git("config", "core.hooksPath").stdout.strip() == ".husky"
    assert "ok" in run([*SESS, "doctor"], repo).stdout.splitlines()[-1]

    _exercise(repo, tmp_path, remote, log, ["h8-pre-commit", "h8-commit-msg", "h8-post-commit"],
              "h8-pre-push")

    assert run([*SESS, "uninstall"], repo).returncode == 0
    after = snapshot(scripts)
    if order == "gitsess-first":  # husky's own files, made after gitsess's install
        after = {k: v for k, v in after.items() if not k.startswith("_")}
    assert after == before
    assert snapshot(hooks) == before_hooks


@pytest.mark.parametrize("order", ORDERS)
def test_husky9(repo: Repo, tmp_path: Path, order: str) -> None:
    """husky 9: stubs in `.husky/_` (rewritten on every `npm install`) run the
    committed `.husky/<hook>` scripts: the line goes there."""
    husky = need(HUSKY9, "husky 9")
    remote = _remote(repo, tmp_path)
    _scripts(repo, ".husky", "", "h9")
    scripts, hooks = repo.path / ".husky", repo.path / ".git" / "hooks"
    before, before_hooks = snapshot(scripts), snapshot(hooks)
    sess, log = counting_install(tmp_path)
    manager = ["node", str(husky)]
    if order == "manager-first":
        assert run(manager, repo).returncode == 0
        before = snapshot(scripts)
    _consent(repo, sess, ".husky")
    if order == "gitsess-first":
        assert run(manager, repo).returncode == 0
    assert run(manager, repo).returncode == 0  # npm install again: husky rewrites .husky/_
    assert repo.git("config", "core.hooksPath").stdout.strip() == ".husky/_"

    _exercise(repo, tmp_path, remote, log, ["h9-pre-commit", "h9-commit-msg", "h9-post-commit"],
              "h9-pre-push")

    assert run([*SESS, "uninstall"], repo).returncode == 0
    after = snapshot(scripts)
    if order == "gitsess-first":
        after = {k: v for k, v in after.items() if not k.startswith("_")}
    assert after == before
    assert snapshot(hooks) == before_hooks


@pytest.mark.parametrize("order", ORDERS)
def test_lefthook(repo: Repo, tmp_path: Path, order: str) -> None:
    """lefthook renames a hook it finds to <hook>.old and never runs it:
    gitsess's jobs go into lefthook-local.yml (local, uncommitted config)."""
    lefthook = need(LEFTHOOK, "lefthook")
    remote = _remote(repo, tmp_path)
    jobs = "".join(f"{s}:\n  commands:\n    mark:\n      run: echo lh-{s} >> .git/marks\n"
                   for s in STAGES)
    (repo.path / "lefthook.yml").write_text(jobs)
    repo.git("add", "lefthook.yml")
    repo.git("commit", "-q", "-m", "lefthook")
    hooks = repo.path / ".git" / "hooks"
    before = snapshot(hooks)
    exclude = (repo.path / ".git" / "info" / "exclude").read_bytes()
    sess, log = counting_install(tmp_path)
    manager = [str(lefthook), "install"]
    if order == "manager-first":
        assert run(manager, repo).returncode == 0
        with_manager = snapshot(hooks)
    assert run([*sess, "install"], repo, env=counted_env()).returncode == 0
    assert repo.git("status", "--porcelain").stdout == ""  # nothing to commit by accident
    assert run(manager, repo).returncode == 0  # (again:) npm install runs it as postinstall

    # lefthook skips pre-commit for a commit that stages no file (a handoff's can)
    _exercise(repo, tmp_path, remote, log, ["lh-pre-commit", "lh-commit-msg", "lh-post-commit"],
              "lh-pre-push", ["lh-commit-msg", "lh-post-commit"])

    assert run([*SESS, "uninstall"], repo).returncode == 0
    assert not (repo.path / "lefthook-local.yml").exists()
    assert (repo.path / ".git" / "info" / "exclude").read_bytes() == exclude
    if order == "manager-first":
        assert snapshot(hooks) == with_manager
    assert run([str(lefthook), "uninstall"], repo).returncode == 0
    assert snapshot(hooks) == before


@pytest.mark.parametrize("order", ORDERS)
def test_committed_hooks_path(repo: Repo, tmp_path: Path, order: str) -> None:
    """A plain committed directory as core.hooksPath. Set after gitsess's
    install, doctor names the command that works (not the one that refuses)."""
    remote = _remote(repo, tmp_path)
    _scripts(repo, ".githooks", "#!/bin/sh\n", "g")
    scripts, hooks = repo.path / ".githooks", repo.path / ".git" / "hooks"
    before, before_hooks = snapshot(scripts), snapshot(hooks)
    sess, log = counting_install(tmp_path)
    if order == "gitsess-first":
        assert run([*sess, "install"], repo, env=counted_env()).returncode == 0
    repo.git("config", "core.hooksPath", ".githooks")
    _refused_with_the_working_command(repo)
    _consent(repo, sess, ".githooks")
    assert "ok" in run([*SESS, "doctor"], repo).stdout.splitlines()[-1]

    _exercise(repo, tmp_path, remote, log, ["g-pre-commit", "g-commit-msg", "g-post-commit"],
              "g-pre-push")

    assert run([*SESS, "uninstall"], repo).returncode == 0
    assert snapshot(scripts) == before
    assert snapshot(hooks) == before_hooks


def test_husky9_rewriting_its_stubs_over_the_shims_is_mended_by_install(repo: Repo,
                                                                         tmp_path: Path) -> None:
    """Without the committed line, gitsess chains husky 9's stubs in `.husky/_`.
    husky rewrites them on every `npm install`; install then chains them again
    (it used to refuse: "chaining it would hide one of them")."""
    husky = need(HUSKY9, "husky 9")
    _scripts(repo, ".husky", "", "h9")
    assert run(["node", str(husky)], repo).returncode == 0
    stubs = repo.path / ".husky" / "_"
    before = snapshot(stubs)
    first = run([*SESS, "install"], repo)
    assert first.returncode == 0 and "--into-committed-hooks" in first.stdout, first.stderr
    assert run(["node", str(husky)], repo).returncode == 0  # npm install
    assert "not gitsess's" in run([*SESS, "doctor"], repo).stdout
    again = run([*SESS, "install"], repo)
    assert again.returncode == 0, again.stderr
    (repo.path / ".git" / "marks").unlink(missing_ok=True)
    repo.commit("feature")
    assert _marks(repo) == ["h9-pre-commit", "h9-commit-msg", "h9-post-commit"]
    assert "not gitsess's" not in run([*SESS, "doctor"], repo).stdout
    assert run([*SESS, "uninstall"], repo).returncode == 0
    assert snapshot(stubs) == before


def test_a_teammate_installs_over_committed_lines_without_changing_them(repo: Repo,
                                                                        tmp_path: Path) -> None:
    """Once the lines are committed, a teammate's plain `git sess install`
    writes only its own private shims: nothing to commit, and it runs."""
    remote = _remote(repo, tmp_path)
    _scripts(repo, ".githooks", "#!/bin/sh\n", "g")
    repo.git("config", "core.hooksPath", ".githooks")
    sess, _ = counting_install(tmp_path)
    _consent(repo, sess, ".githooks")
    repo.git("push", "-q", "--no-verify", "origin", "main")

    other = Repo(tmp_path / "teammate")
    git("clone", "-q", str(remote), str(other.path), cwd=tmp_path)
    other.git("config", "core.hooksPath", ".githooks")
    theirs, log = counting_install(tmp_path / "teammate-install")
    proc = run([*theirs, "install"], other, env=counted_env())
    assert proc.returncode == 0, proc.stderr
    assert other.git("status", "--porcelain").stdout == ""
    _exercise(other, tmp_path, remote, log, ["g-pre-commit", "g-commit-msg", "g-post-commit"],
              "g-pre-push")
    assert run([*SESS, "uninstall"], other).returncode == 0
    assert other.git("status", "--porcelain").stdout == ""  # the team's lines stay
