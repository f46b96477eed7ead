"""`git sess push`: a branch and its own records in one atomic push, to a bare
remote that runs examples/pre-receive for real (issue 14: a server that
checks records on receipt). Real commits, hooks, pushes; two clones."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.handoffhelpers import T0, events, narrative
from tests.helpers import Repo, git, make_repo
from tests.sesshelpers import bare, remote_refs

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# The pre-receive example runs `git-sess` from PATH, as a server would.
ENV = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    path = bare(tmp_path / "remote.git")
    hook = path / "hooks" / "pre-receive"
    shutil.copy(EXAMPLES / "pre-receive", hook)
    hook.chmod(0o755)
    return path


def _clone(remote: Path, dest: Path, *, email: str = "rosa@example.com") -> Repo:
    git("clone", "-q", str(remote), str(dest), cwd=dest.parent)
    repo = Repo(dest)
    repo.git("config", "user.email", email)
    repo.setup("install")
    return repo


def _first(remote: Path, tmp_path: Path) -> Repo:
    """A clone whose main is on the remote, with no handoff yet."""
    seed = make_repo(tmp_path / "seed")
    seed.git("remote", "add", "origin", str(remote))
    seed.git("push", "-q", "origin", "main", env=ENV)
    return _clone(remote, tmp_path / "a")


ANA = {"GIT_AUTHOR_EMAIL": "ana@example.com", "GIT_COMMITTER_EMAIL": "ana@example.com"}


def _handoff(repo: Repo, tmp_path: Path, session: str, name: str,
             env: dict[str, str] | None = None) -> str:
    events(repo, session, tools=("Read",), at=T0 + 1800)
    (repo.path / f"{name}.txt").write_text(f"{name}\n")
    repo.git("add", f"{name}.txt")
    repo.git("commit", "-q", "-m", f"work {name}", env=env)
    proc = repo.sess("handoff", "--file", narrative(tmp_path, name=f"{name}.md"), env=env)
    assert proc.returncode == 0, proc.stderr
    return repo.git("rev-parse", "HEAD").stdout.strip()


def test_a_plain_push_is_refused_and_git_sess_push_takes_branch_and_records(
        remote: Path, tmp_path: Path) -> None:
    a = _first(remote, tmp_path)
    sha = _handoff(a, tmp_path, "s1", "first")
    before = remote_refs(remote)
    # A new operator's first handoff: the remote learns whose email is theirs
    # from this very push.
    proc = a.git("push", "origin", "main", check=False, env=ENV)
    assert proc.returncode != 0 and "pre-receive hook declined" in proc.stderr
    assert "no record note" in proc.stderr and "git sess push" in proc.stderr
    assert remote_refs(remote) == before

    proc = a.sess("push", "--json", env=ENV)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["ok"] and doc["branches"] == [{"src": "refs/heads/main",
                                              "dst": "refs/heads/main", "oid": sha}]
    there = remote_refs(remote)
    assert there["refs/heads/main"] == sha
    assert {"refs/notes/sess", "refs/sess/done/s1"} <= set(there)
    assert any(r.startswith("refs/sess/h/") and there[r] == sha for r in there)
    assert set(doc["records"]) <= set(there)
    fresh = Repo(tmp_path / "fresh")
    git("clone", "-q", str(remote), str(fresh.path), cwd=tmp_path)
    proc = fresh.sess("verify", "HEAD~1..HEAD")
    assert proc.returncode == 0 and "1 handoff(s), 0 finding(s)" in proc.stderr


def test_records_of_a_branch_not_pushed_stay_here(remote: Path, tmp_path: Path) -> None:
    a = _first(remote, tmp_path)
    a.git("checkout", "-q", "-b", "secret")
    side = _handoff(a, tmp_path, "s-side", "side")
    a.git("checkout", "-q", "main")
    main = _handoff(a, tmp_path, "s-main", "main")
    proc = a.sess("push", "origin", "main", env=ENV)
    assert proc.returncode == 0, proc.stderr
    there = remote_refs(remote)
    assert there["refs/heads/main"] == main and "refs/heads/secret" not in there
    assert side not in there.values() and "refs/sess/done/s-side" not in there
    notes = git("ls-tree", "-r", "--name-only", "refs/notes/sess", cwd=remote).stdout
    assert main in notes.replace("/", "") and side not in notes.replace("/", "")


def test_a_teammates_notes_in_between_are_merged_and_the_push_retried(
        remote: Path, tmp_path: Path) -> None:
    a = _first(remote, tmp_path)
    b = _clone(remote, tmp_path / "b", email="ana@example.com")
    b.git("config", "sess.operator", "AN")
    _handoff(b, tmp_path, "s-b", "bee", ANA)
    proc = b.sess("push", env=ENV)
    assert proc.returncode == 0, proc.stderr
    # a's notes ref is now behind the remote's, and so is its main.
    a.git("pull", "-q", "--no-rebase", "origin", "main")
    mine = _handoff(a, tmp_path, "s-a", "ay")
    proc = a.sess("push", "--json", env=ENV)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["attempts"] == 2
    notes = git("ls-tree", "-r", "--name-only", "refs/notes/sess", cwd=remote).stdout
    assert len(notes.split()) == 2 and mine in notes.replace("/", "")


def test_a_branch_behind_is_refused_whole(remote: Path, tmp_path: Path) -> None:
    a = _first(remote, tmp_path)
    b = _clone(remote, tmp_path / "b", email="ana@example.com")
    (b.path / "t.txt").write_text("t\n")
    b.git("add", "t.txt")
    b.git("commit", "-q", "-m", "theirs", env=ANA)
    b.git("push", "-q", "origin", "main", env=ENV)
    _handoff(a, tmp_path, "s1", "late")
    before = remote_refs(remote)
    proc = a.sess("push", env=ENV)
    assert proc.returncode == 4
    assert "nothing pushed to origin" in proc.stderr and "not pushed: refs/heads/main" in proc.stderr
    assert remote_refs(remote) == before  # its records went nowhere either
    assert "Traceback" not in proc.stderr


def test_usage_errors_are_one_line(remote: Path, tmp_path: Path) -> None:
    a = _first(remote, tmp_path)
    for args, text in ((("origin", "+main"), "never forces"),
                       (("origin", "nosuch"), "'nosuch' is no local branch or tag"),
                       (("nowhere",), "no remote 'nowhere'"),
                       (("origin", "main:refs/sess/x"), "sends branches and tags")):
        proc = a.sess("push", *args, env=ENV)
        assert proc.returncode == 2 and text in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert "REFSPEC" in a.sess("push", "--help").stdout
