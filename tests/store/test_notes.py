"""Notes written by compare-and-swap read back by git itself, at any fan-out,
and concurrent writers that each keep their note."""

from __future__ import annotations

import time

from gitsess.store import NOTES_REF
from tests.helpers import Repo
from tests.store.storehelpers import head, open_store, python


def test_a_note_is_what_git_notes_shows(repo: Repo) -> None:
    store = open_store(repo)
    commit = head(repo)
    store.set_note(commit, "record v1\n", deadline=time.monotonic() + 5)
    assert repo.git("notes", "--ref=sess", "show", commit).stdout == "record v1\n"
    assert store.note(commit) == "record v1\n"
    listed = repo.git("notes", "--ref=sess", "list", commit).stdout.strip()
    assert store.note_oid(commit) == listed
    store.set_note(commit, None, deadline=time.monotonic() + 5)
    assert store.note(commit) is None
    assert repo.git("notes", "--ref=sess", "list", commit, check=False).returncode != 0


def test_a_note_git_wrote_is_read_by_the_store(repo: Repo) -> None:
    commit = head(repo)
    repo.git("notes", "--ref=sess", "add", "-m", "from git", commit)
    store = open_store(repo)
    assert store.note(commit) == "from git\n"
    tip = store.ref(NOTES_REF)
    assert tip is not None
    assert set(store.notes_map(tip)) == {commit}


def test_merge_decides_when_a_note_is_there(repo: Repo) -> None:
    store = open_store(repo)
    commit = head(repo)
    store.set_note(commit, "a\n", deadline=time.monotonic() + 5)
    store.set_note(commit, "b\n", deadline=time.monotonic() + 5, merge=lambda old, new: old + new)
    assert store.note(commit) == "a\nb\n"


def test_many_notes_fan_out_and_read_back_both_ways(repo: Repo) -> None:
    """Over 256 notes the tree is fanned out 2/38 as `git notes` writes it."""
    store = open_store(repo)
    tree = store.write_tree({})
    commits = [store.write_commit(tree, [], f"c{i}\n") for i in range(300)]
    notes = {c: store.write_blob(f"note {c}\n".encode()) for c in commits}
    tip = store.write_notes_commit(notes, [], "many\n")
    store.cas_ref(NOTES_REF, tip, None)
    assert store.notes_map(tip) == notes
    assert store.notes_annotated([tip]) == set(commits)
    assert set(repo.git("ls-tree", "--name-only", tip).stdout.split()) == {c[:2] for c in commits}
    assert repo.git("notes", "--ref=sess", "show", commits[7]).stdout == f"note {commits[7]}\n"
    assert store.note(commits[123]) == f"note {commits[123]}\n"


def test_concurrent_writers_each_keep_their_note(repo: Repo) -> None:
    """Each of four processes notes its own commits on the one notes ref:
    compare-and-swap and retry lose none (pygit2's create_note would)."""
    code = """
        import sys, time
        from gitsess.store import Store
        store = Store.discover(".")
        tree = store.write_tree({})
        for i in range(15):
            c = store.write_commit(tree, [], f"{sys.argv[1]} {i}\\n")
            store.set_note(c, f"{sys.argv[1]} {i}\\n", deadline=time.monotonic() + 60)
    """
    procs = [python(code, repo.path, f"w{n}") for n in range(4)]
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    listed = repo.git("notes", "--ref=sess", "list").stdout.splitlines()
    assert len(listed) == 60
    texts = {repo.git("cat-file", "blob", line.split()[0]).stdout for line in listed}
    assert texts == {f"w{n} {i}\n" for n in range(4) for i in range(15)}
