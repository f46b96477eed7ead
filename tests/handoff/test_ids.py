"""Handoff ids: NN per operator and day, reserved by compare-and-swap."""

from __future__ import annotations

import json
import multiprocessing
import time
from pathlib import Path

from gitsess import refs
from gitsess.handoff import ids
from gitsess.store import Store
from tests.helpers import Repo

NOW = time.time()
DATE = ids.id_date(NOW)


def _store(repo: Repo) -> Store:
    return Store.discover(str(repo.path))


def _alloc(store: Store) -> str:
    return ids.allocate(store, "RT", now=NOW, deadline=time.monotonic() + 10)


def test_numbers_count_up_and_skip_reserved(repo: Repo) -> None:
    store = _store(repo)
    a = _alloc(store)
    b = _alloc(store)  # a is still reserved: b is the next
    assert (a, b) == (f"RT-{DATE}-01", f"RT-{DATE}-02")
    head = repo.git("rev-parse", "HEAD").stdout.strip()
    store.cas_ref(refs.handoff("RT", a), head, None)
    ids.release(store, a)
    ids.release(store, b)
    assert _alloc(store) == f"RT-{DATE}-02"  # b was given back; a is a handoff now
    assert ids.allocate(store, "PK", now=NOW, deadline=time.monotonic() + 1) == f"PK-{DATE}-01"


def test_fetched_handoffs_count(repo: Repo) -> None:
    store = _store(repo)
    head = repo.git("rev-parse", "HEAD").stdout.strip()
    store.cas_ref(f"refs/sess/remotes/origin/h/RT/RT-{DATE}-07", head, None)
    assert _alloc(store) == f"RT-{DATE}-08"
    assert ids.find(store, f"RT-{DATE}-07").remote == "origin"  # type: ignore[union-attr]


def test_preferred_id_is_reused_when_free(repo: Repo) -> None:
    store = _store(repo)
    pick = f"RT-{DATE}-05"
    assert ids.allocate(store, "RT", now=NOW, prefer=pick, deadline=time.monotonic() + 1) == pick
    # Held by another process now (this process may take its own back).
    name = refs.reservation("RT", pick)
    theirs = store.write_blob(json.dumps({"git_dir": store.git_dir, "pid": 1,
                                          "at": int(time.time())}).encode())
    store.cas_ref(name, theirs, store.ref(name))
    other = ids.allocate(store, "RT", now=NOW, prefer=pick, deadline=time.monotonic() + 1)
    assert other == f"RT-{DATE}-06"
    stale = ids.allocate(store, "RT", now=NOW, prefer="RT-000101-01",
                         deadline=time.monotonic() + 1)
    assert stale == f"RT-{DATE}-07"  # a draft's id of another day is not reused


def test_expired_reservation_is_taken_over(repo: Repo) -> None:
    store = _store(repo)
    hid = f"RT-{DATE}-01"
    old = store.write_blob(json.dumps({"git_dir": "/elsewhere", "pid": 1,
                                       "at": int(time.time()) - ids.RESERVATION_TTL_S - 1}).encode())
    store.cas_ref(refs.reservation("RT", hid), old, None)
    assert not ids.reserved_elsewhere(store, hid)
    assert _alloc(store) == hid
    fresh = store.write_blob(json.dumps({"git_dir": "/elsewhere", "pid": 1,
                                         "at": int(time.time())}).encode())
    store.cas_ref(refs.reservation("RT", f"RT-{DATE}-02"), fresh, None)
    assert ids.reserved_elsewhere(store, f"RT-{DATE}-02")
    assert _alloc(store) == f"RT-{DATE}-03"


def _worker(path: str, n: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    store = Store.discover(path)
    got = [ids.allocate(store, "RT", now=NOW, deadline=time.monotonic() + 30) for _ in range(n)]
    out.put(got)


def test_concurrent_allocations_in_two_worktrees_are_distinct(repo: Repo, tmp_path: Path) -> None:
    other = tmp_path / "wt"
    repo.git("worktree", "add", "-q", "-b", "wt", str(other))
    q: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    procs = [multiprocessing.Process(target=_worker, args=(str(p), 15, q))
             for p in (repo.path, other, repo.path, other)]
    for p in procs:
        p.start()
    got = [x for _ in procs for x in q.get(timeout=60)]
    for p in procs:
        p.join(30)
    assert len(got) == 60 and len(set(got)) == 60
    assert sorted(int(x[-2:]) for x in got) == list(range(1, 61))
