"""The store's refs: compare-and-swap writes, the retry loop under real
concurrent processes, and listings by prefix (loose, packed, both)."""

from __future__ import annotations

import time

import pytest

from gitsess.errors import GitsessError, RefError
from gitsess.store import Store
from tests.helpers import Repo
from tests.store.storehelpers import head, open_store, python

REF = "refs/sess/live/s1"


def test_cas_creates_moves_and_deletes_a_ref(repo: Repo) -> None:
    store = open_store(repo)
    first = head(repo)
    second = repo.commit("second")
    store.cas_ref(REF, first, None)
    assert repo.git("rev-parse", REF).stdout.strip() == first
    store.cas_ref(REF, second, first)
    assert store.ref(REF) == second
    store.cas_ref(REF, None, second)
    assert store.ref(REF) is None
    assert repo.git("rev-parse", "-q", "--verify", REF, check=False).returncode != 0


def test_cas_refuses_a_stale_old_value(repo: Repo) -> None:
    store = open_store(repo)
    first = head(repo)
    second = repo.commit("second")
    repo.git("update-ref", REF, second)  # another writer got there first
    with pytest.raises(RefError) as moved:
        store.cas_ref(REF, first, first)
    assert moved.value.kind == "modified"
    with pytest.raises(RefError) as created:
        store.cas_ref(REF, first, None)
    assert created.value.kind == "modified"
    with pytest.raises(RefError) as gone:
        store.cas_ref("refs/sess/live/none", first, second)
    assert gone.value.kind == "missing"
    assert store.ref(REF) == second


@pytest.mark.parametrize("name", ["refs/heads/other", "refs/sessx/a", "refs/notes/other",
                                  "refs/sess/live/a..b", "refs/sess/live/x.lock"])
def test_cas_refuses_a_ref_gitsess_does_not_own(repo: Repo, name: str) -> None:
    store = open_store(repo)
    with pytest.raises(RefError) as refused:
        store.cas_ref(name, head(repo), None)
    assert refused.value.kind == "invalid"
    assert name not in repo.refs()


def test_update_ref_is_exact_under_concurrent_processes(repo: Repo) -> None:
    """Four processes append 25 commits each to one chain through update_ref:
    every append lands once, none is lost to a race."""
    writers, each = 4, 25
    code = """
        import sys, time
        from gitsess.store import Store
        store = Store.discover(".")
        tree = store.write_tree({})
        for i in range(int(sys.argv[2])):
            def step(old, i=i):
                return store.write_commit(tree, [old] if old else [], f"{sys.argv[1]} {i}\\n")
            store.update_ref("refs/sess/live/chain", step, deadline=time.monotonic() + 60)
    """
    procs = [python(code, repo.path, f"w{n}", str(each)) for n in range(writers)]
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    chain = repo.git("log", "--format=%s", "refs/sess/live/chain").stdout.split("\n")[:-1]
    assert len(chain) == writers * each
    assert sorted(chain) == sorted(f"w{n} {i}" for n in range(writers) for i in range(each))


def test_update_ref_returning_the_old_value_writes_nothing(repo: Repo) -> None:
    store = open_store(repo)
    store.cas_ref(REF, head(repo), None)
    seen: list[str | None] = []

    def same(old: str | None) -> str | None:
        seen.append(old)
        return old

    assert store.update_ref(REF, same, deadline=time.monotonic() + 5) == head(repo)
    assert seen == [head(repo)]
    assert len(repo.git("reflog", "show", "--format=%H", REF).stdout.split()) <= 1


def _make(repo: Repo, names: list[str]) -> str:
    tip = head(repo)
    repo.git("update-ref", "--stdin", input="".join(f"create {n} {tip}\n" for n in names))
    return tip


NAMES = ["refs/sess/h/RT/RT-261126-01", "refs/sess/h/RT/RT-261126-02", "refs/sess/h/AB/AB-261126-01",
         "refs/sess/hx/RT/RT-261126-09", "refs/sess/hat", "refs/sess/remotes/origin/h/CD/CD-261126-01"]


@pytest.mark.parametrize("packing", ["loose", "packed", "both"])
def test_refs_lists_exactly_the_prefix(repo: Repo, packing: str) -> None:
    """A plain string prefix: refs/sess/h/ is neither refs/sess/hx/ nor
    refs/sess/hat, wherever the refs are kept."""
    if packing == "both":
        tip = _make(repo, NAMES[:3])
        repo.git("pack-refs", "--all")
        _make(repo, NAMES[3:])
        newer = repo.commit("newer")
        repo.git("update-ref", NAMES[0], newer)  # loose, over its packed value
    else:
        tip = newer = _make(repo, NAMES)
        if packing == "packed":
            repo.git("pack-refs", "--all")
    store = open_store(repo)
    assert store.refs("refs/sess/h/") == {NAMES[0]: newer, NAMES[1]: tip, NAMES[2]: tip}
    assert store.refs("refs/sess/h/RT/") == {NAMES[0]: newer, NAMES[1]: tip}
    assert store.refs("refs/sess/h/RT/RT-261126-0") == {NAMES[0]: newer, NAMES[1]: tip}
    assert store.refs("refs/sess/remotes/origin/") == {NAMES[5]: tip}
    assert set(store.refs("refs/sess/")) == set(NAMES)
    assert store.refs("refs/sess/nothing/") == {}


def test_refs_skips_a_broken_ref_and_a_symbolic_one(repo: Repo) -> None:
    tip = _make(repo, NAMES[:2])
    broken = repo.path / ".git" / "refs" / "sess" / "h" / "RT" / "RT-261126-03"
    broken.write_text("not an object id\n")
    repo.git("symbolic-ref", "refs/sess/h/RT/alias", NAMES[0])
    assert open_store(repo).refs("refs/sess/h/") == {NAMES[0]: tip, NAMES[1]: tip}


def test_a_listing_is_read_once_until_the_store_writes(repo: Repo) -> None:
    """Within one command a namespace is listed once; the store's own writes
    and the gits it runs that may write refs make the next ask list again."""
    store = open_store(repo)
    tip = _make(repo, NAMES[:1])
    assert store.refs("refs/sess/h/") == {NAMES[0]: tip}
    repo.git("update-ref", NAMES[1], tip)  # another process, meanwhile
    assert store.refs("refs/sess/h/RT/") == {NAMES[0]: tip}  # the command's snapshot
    store.cas_ref(NAMES[2], tip, None)
    assert set(store.refs("refs/sess/h/")) == set(NAMES[:3])
    repo.git("update-ref", "-d", NAMES[2])
    store.run_git(["rev-parse", "HEAD"])  # reads only: the listing holds
    assert set(store.refs("refs/sess/h/")) == set(NAMES[:3])
    store.run_git(["update-ref", "refs/sess/h/XY/XY-261126-01", tip])
    assert set(store.refs("refs/sess/h/")) == {*NAMES[:2], "refs/sess/h/XY/XY-261126-01"}


def test_fetched_copies_stay_listed_and_true_across_our_writes(repo: Repo) -> None:
    """refs/sess/remotes/ can hold a team's history: a write of ours (an id
    reservation) keeps its listing, updated where we wrote into it."""
    store = open_store(repo)
    tip = _make(repo, NAMES[5:])
    newer = repo.commit("newer")
    assert store.refs("refs/sess/remotes/origin/") == {NAMES[5]: tip}
    store.cas_ref("refs/sess/local/reserve/RT/RT-261126-01", tip, None)
    store.cas_ref("refs/sess/remotes/origin/notes", newer, None)
    store.cas_ref(NAMES[5], None, tip)
    assert store.refs("refs/sess/remotes/") == {"refs/sess/remotes/origin/notes": newer}
    assert repo.refs("refs/sess/remotes/") == {"refs/sess/remotes/origin/notes": newer}
    with pytest.raises(RefError):
        store.cas_ref("refs/sess/remotes/origin/notes", tip, tip)  # a refusal: list afresh
    repo.git("update-ref", NAMES[5], tip)
    assert store.refs("refs/sess/remotes/") == {"refs/sess/remotes/origin/notes": newer,
                                                NAMES[5]: tip}


@pytest.mark.parametrize("prefix", ["refs/sess/live/", "refs/sess/pending/s1/", "refs/sess/done/",
                                    "refs/sess/local/reserve/RT/", "refs/sess/local/claims/",
                                    "refs/sess/"])
def test_namespaces_others_write_are_listed_fresh_every_time(repo: Repo, prefix: str) -> None:
    """Agents' hooks and concurrent handoffs write these while a command runs;
    telemetry's two-read rule and the id checks must see their moves."""
    store = open_store(repo)
    tip = head(repo)
    assert store.refs(prefix) == {}
    repo.git("update-ref", prefix + "x1", tip)
    assert store.refs(prefix) == {prefix + "x1": tip}


def test_a_linked_worktree_lists_and_writes_the_shared_refs(repo: Repo) -> None:
    repo.git("worktree", "add", "-q", str(repo.path.parent / "wt"), "-b", "side")
    tip = _make(repo, NAMES[:1])
    linked = Store.discover(str(repo.path.parent / "wt"))
    assert linked.refs("refs/sess/h/") == {NAMES[0]: tip}
    linked.cas_ref(NAMES[1], tip, None)
    assert repo.refs("refs/sess/h/") == {NAMES[0]: tip, NAMES[1]: tip}


def test_an_unreadable_ref_database_is_an_error_not_an_empty_listing(repo: Repo) -> None:
    _make(repo, NAMES[:2])
    repo.git("pack-refs", "--all")
    with (repo.path / ".git" / "packed-refs").open("a") as fh:
        fh.write("not a packed ref line\n")
    with pytest.raises(GitsessError, match="for-each-ref"):
        open_store(repo).refs("refs/sess/h/")
