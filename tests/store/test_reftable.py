"""gitsess on git's reftable ref backend (issue 15's acceptance, and the rest of the loop).

libgit2 1.9 (under pygit2) cannot read reftable: the Store opens such a
repository for its objects and config, and reads and writes every ref
through git (gitsess/store/repo.py, refdb.py). Real git, real processes; each
test runs with a git that has --ref-format=reftable (git 2.45 or later): PATH's,
else the one ./run-tests builds into .venv/git (tests/tools/build-git); with
neither it is skipped, with the reason.
"""

from __future__ import annotations

import os
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gitsess import refs
from gitsess.errors import RefError
from gitsess.store import Store
from gitsess.telemetry import readers
from tests.handoffhelpers import install, narrative, result_json
from tests.helpers import Repo, git, payload, use_reftable_git


def _init(path: Path, *, bare: bool = False) -> Path:
    git("init", "-q", "--ref-format=reftable", "-b", "main", *(["--bare"] if bare else []),
        str(path), cwd=path.parent)
    return path


@pytest.fixture
def rt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    use_reftable_git(monkeypatch)  # or skip, saying why
    path = _init(tmp_path / "rt")
    git("commit", "-q", "--allow-empty", "-m", "initial", cwd=path)
    return Repo(path)


def _no_loose_refs(repo: Repo) -> None:
    """Nothing of gitsess's written as a ref file beside the reftable."""
    assert not (repo.path / ".git" / "refs" / "sess").exists()
    assert not (repo.path / ".git" / "refs" / "notes").exists()


def test_the_store_reads_and_writes_refs_through_git(rt: Repo) -> None:
    store = Store.discover(str(rt.path))
    assert store.reftable
    head = rt.git("rev-parse", "HEAD").stdout.strip()
    info = store.head()
    assert (info.branch, info.oid, info.detached, info.unborn) == ("main", head, False, False)
    assert store.resolve("main") == head and store.resolve("nosuch") is None
    name = refs.SESS + "test/a"
    store.cas_ref(name, head, None)
    assert store.ref(name) == head and store.refs(refs.SESS + "test/") == {name: head}
    with pytest.raises(RefError) as exc:
        store.cas_ref(name, head, None)  # created already
    assert exc.value.kind == "modified"
    blob = store.write_blob(b"x")
    with pytest.raises(RefError) as exc:
        store.cas_ref(name, blob, blob)  # not at the old value given
    assert exc.value.kind == "modified"
    store.cas_ref(name, blob, head)
    assert rt.refs(refs.SESS) == {name: blob}
    store.cas_ref(name, None, blob)
    assert store.ref(name) is None
    with pytest.raises(RefError) as exc:
        store.cas_ref(name, None, blob)
    assert exc.value.kind == "missing"
    _no_loose_refs(rt)


def test_racing_hook_processes_are_all_counted(rt: Repo) -> None:
    """Real hook processes at once: every tool call once, through git's
    reftable lock (the fast path's update-ref and the pygit2 side's CAS)."""
    assert rt.hook(payload("SessionStart", "race", source="startup")).returncode == 0

    def calls(worker: int) -> None:
        for i in range(5):
            tid = f"toolu_{worker:02d}{i:02d}"
            for event in ("PreToolUse", "PostToolUse"):
                proc = rt.hook(payload(event, "race", tool_name="Bash", tool_use_id=tid))
                assert proc.returncode == 0 and proc.stderr == b"", proc.stderr

    with ThreadPoolExecutor(16) as pool:  # 160 hook processes on reftable's one lock
        list(pool.map(calls, range(16)))
    proc = rt.sess("status", "--json")
    assert proc.returncode == 0, proc.stderr
    assert rt.hook(payload("Stop", "race")).returncode == 0
    assert rt.refs(refs.PENDING) == {}  # folded
    store = Store.discover(str(rt.path))
    session = readers.read_session(store, refs.LIVE + "race")
    assert session is not None and session.counters["tool_calls"] == 80
    _no_loose_refs(rt)


def test_a_handoff_pushed_to_a_reftable_remote_verifies_in_a_fresh_clone(
        rt: Repo, tmp_path: Path) -> None:
    remote = _init(tmp_path / "remote.git", bare=True)
    rt.git("remote", "add", "origin", str(remote))
    rt.git("push", "-q", "origin", "main")
    install(rt)
    for p in (payload("SessionStart", "s1", source="startup"),
              payload("UserPromptSubmit", "s1", prompt="p"),
              payload("PreToolUse", "s1", tool_name="Bash", tool_use_id="toolu_1"),
              payload("PostToolUse", "s1", tool_name="Bash", tool_use_id="toolu_1")):
        assert rt.hook(p).returncode == 0
    rt.commit("work", {"w.txt": "w\n"})
    proc = rt.sess("handoff", "--file", narrative(tmp_path), "--json")
    assert proc.returncode == 0, proc.stderr
    hid = result_json(proc.stdout)["id"]
    sha = rt.git("rev-parse", "HEAD").stdout.strip()
    assert rt.refs(refs.DONE) and rt.refs(refs.LIVE) == {}
    assert rt.git("notes", "--ref=sess", "list", sha).returncode == 0
    proc = rt.git("push", "origin", "main")  # the pre-push hook sends the records
    assert proc.returncode == 0, proc.stderr
    rt.sess("sync")
    assert any(r.endswith("/" + hid) for r in Repo(remote).refs(refs.SESS + "h/"))
    fresh = Repo(tmp_path / "fresh")
    git("clone", "-q", str(remote), str(fresh.path), cwd=tmp_path)
    proc = fresh.sess("verify", "HEAD~2..HEAD")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 handoff(s), 0 finding(s)" in proc.stderr
    _no_loose_refs(rt)


def test_a_reftable_server_checks_the_push_with_its_quarantined_objects(
        rt: Repo, tmp_path: Path) -> None:
    """examples/pre-receive on a reftable remote: the pushed commits are read
    from git's quarantine (a git run from the hook cannot see them there)."""
    remote = _init(tmp_path / "remote.git", bare=True)
    hook = remote / "hooks" / "pre-receive"
    shutil.copy(Path(__file__).resolve().parents[2] / "examples" / "pre-receive", hook)
    hook.chmod(0o755)
    env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    rt.git("remote", "add", "origin", str(remote))
    rt.git("push", "-q", "origin", "main", env=env)
    install(rt)
    assert rt.hook(payload("SessionStart", "s1", source="startup")).returncode == 0
    rt.commit("work", {"w.txt": "w\n"})
    assert rt.sess("handoff", "--file", narrative(tmp_path)).returncode == 0
    before = Repo(remote).refs()
    proc = rt.git("push", "origin", "main", check=False, env=env)
    assert proc.returncode != 0 and "no record note" in proc.stderr
    assert Repo(remote).refs() == before
    proc = rt.sess("push", env=env)
    assert proc.returncode == 0, proc.stderr
    assert Repo(remote).refs()["refs/heads/main"] == rt.git("rev-parse", "HEAD").stdout.strip()
