"""Lock files left by killed writers: a stale one is cleared by the next
writer's retry loop, a fresh one (a live writer's) never is."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from gitsess.errors import RefError
from gitsess.store import STALE_PACKED_LOCK_S, STALE_REF_LOCK_S
from tests.helpers import Repo
from tests.store.storehelpers import head, open_store, python

REF = "refs/sess/live/s1"


def _killed_writer_lock(repo: Repo, lock: Path, age: float) -> None:
    """A real process takes `lock` as git does (O_CREAT|O_EXCL) and is killed
    with it held; the lock is then made `age` seconds old."""
    proc = python("""
        import os, sys, time
        os.close(os.open(sys.argv[1], os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        print("locked", flush=True)
        time.sleep(600)
    """, repo.path, str(lock))
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"locked\n"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    then = time.time() - age
    os.utime(lock, (then, then))



def test_a_killed_writers_stale_ref_lock_is_cleared_by_the_next_writer(repo: Repo) -> None:
    store = open_store(repo)
    first = head(repo)
    store.cas_ref(REF, first, None)
    lock = repo.path / ".git" / (REF + ".lock")
    _killed_writer_lock(repo, lock, STALE_REF_LOCK_S + 5)
    second = repo.commit("second")
    assert store.update_ref(REF, lambda old: second, deadline=time.monotonic() + 10) == second
    assert repo.git("rev-parse", REF).stdout.strip() == second
    assert not lock.exists()


def test_a_fresh_ref_lock_is_left_to_its_writer(repo: Repo) -> None:
    store = open_store(repo)
    first = head(repo)
    store.cas_ref(REF, first, None)
    lock = repo.path / ".git" / (REF + ".lock")
    _killed_writer_lock(repo, lock, 0)
    second = repo.commit("second")
    with pytest.raises(RefError) as locked:
        store.update_ref(REF, lambda old: second, deadline=time.monotonic() + 0.3)
    assert locked.value.kind == "locked"
    assert lock.exists()
    assert store.ref(REF) == first
    assert [p for p, _age in store.stale_locks()] == [str(lock)]


@pytest.mark.parametrize(("age", "cleared"), [(STALE_PACKED_LOCK_S + 5, True),
                                              (STALE_REF_LOCK_S + 2, False)])
def test_packed_refs_lock_gets_the_longer_grace(repo: Repo, age: float, cleared: bool) -> None:
    """Deleting a packed ref needs packed-refs.lock; git itself may hold it up
    to core.packedRefsTimeout, so only a lock older than STALE_PACKED_LOCK_S
    is taken for a dead writer's."""
    store = open_store(repo)
    first = head(repo)
    store.cas_ref(REF, first, None)
    repo.git("pack-refs", "--all")
    lock = repo.path / ".git" / "packed-refs.lock"
    _killed_writer_lock(repo, lock, age)
    if cleared:
        store.update_ref(REF, lambda old: None, deadline=time.monotonic() + 10)
        assert store.ref(REF) is None
        assert not lock.exists()
    else:
        with pytest.raises(RefError) as locked:
            store.update_ref(REF, lambda old: None, deadline=time.monotonic() + 0.3)
        assert locked.value.kind == "locked"
        assert lock.exists()
        assert store.ref(REF) == first


def test_clear_stale_locks_reports_what_it_removed(repo: Repo) -> None:
    store = open_store(repo)
    old = repo.path / ".git" / "refs" / "sess" / "live" / "old.lock"
    old.parent.mkdir(parents=True)
    _killed_writer_lock(repo, old, STALE_REF_LOCK_S + 5)
    assert store.clear_stale_locks("refs/sess/live/old") == [str(old)]
    assert store.clear_stale_locks("refs/sess/live/old") == []
    assert store.stale_locks() == []
