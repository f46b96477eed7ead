"""gitsess.handoff.index against real repositories built with real git."""

from __future__ import annotations

import time

from gitsess.handoff import index as hi
from gitsess.store import Store
from tests.helpers import Repo, make_handoff, make_repo

MSG = (
    "handoff(parser): Teach the parser unicode\n\n## Summary\n\nDone.\n\n"
    "Sess-Id: RT-261126-01\nSess-Operator: RT\nSess-Workstream: parser\n"
    "Sess-Phase: build\nSess-Session: s1\nSess-Session: s2\n"
)


def test_parse_commit_reads_subject_and_trailers() -> None:
    h = hi.parse_commit("a" * 40, MSG, 100)
    assert h is not None
    assert (h.id, h.operator, h.workstream, h.phase, h.title) == (
        "RT-261126-01", "RT", "parser", "build", "Teach the parser unicode")
    assert h.sessions == ("s1", "s2") and h.time == 100 and h.source == "ref"


def test_parse_commit_keeps_a_squashed_handoff_by_its_trailers() -> None:
    squashed = "Parser: unicode (#42)\n\n* handoff(parser): Teach\n\nsess-id: RT-261126-01\n" \
               "sess-operator: RT\nsess-workstream: parser\n"
    h = hi.parse_commit("b" * 40, squashed, 5)
    assert h is not None and h.id == "RT-261126-01" and h.workstream == "parser"
    assert h.title == "Parser: unicode (#42)" and h.phase is None


def test_parse_commit_ignores_other_commits() -> None:
    assert hi.parse_commit("c" * 40, "fix: typo\n", 1) is None
    assert hi.parse_commit("c" * 40, "mention Sess-Id: in a subject only\n", 1) is None
    assert hi.parse_commit("c" * 40, "x\n\nSess-Id: not-an-id\n", 1) is None


def test_every_source_is_read_and_duplicates_are_merged(repo: Repo) -> None:
    a = make_handoff(repo, "RT-261126-01", when="2026-11-26T08:00:00+00:00")
    b = make_handoff(repo, "AB-261126-01", ref=False, when="2026-11-26T08:10:00+00:00")
    c = make_handoff(repo, "CD-261126-01", ref=False, note=False,
                     when="2026-11-26T08:20:00+00:00")
    # The same handoff fetched from a peer: one entry, the local ref wins.
    repo.git("update-ref", "refs/sess/remotes/origin/h/RT/RT-261126-01", a)
    repo.commit("unrelated")
    index = hi.build(Store.discover(str(repo.path)))
    assert [h.id for h in index.handoffs] == ["CD-261126-01", "AB-261126-01", "RT-261126-01"]
    by_id = {h.id: h for h in index.handoffs}
    assert by_id["RT-261126-01"].source == "ref"
    assert by_id["RT-261126-01"].ref == "refs/sess/h/RT/RT-261126-01"
    assert (by_id["AB-261126-01"].source, by_id["AB-261126-01"].commit) == ("note", b)
    assert (by_id["CD-261126-01"].source, by_id["CD-261126-01"].commit) == ("branch", c)
    assert index.counts == {"refs": 1, "notes": 1, "branches": 1} and index.complete


def test_a_handoff_only_a_fetched_ref_keeps_is_found(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "feature-x")
    oid = make_handoff(repo, "AB-261126-01", ref=False, note=False)
    repo.git("update-ref", "refs/sess/remotes/origin/h/AB/AB-261126-01", oid)
    repo.git("checkout", "-q", "main")
    repo.git("branch", "-q", "-D", "feature-x")
    (h,) = hi.build(Store.discover(str(repo.path))).handoffs
    assert (h.id, h.source, h.ref) == ("AB-261126-01", "remote-ref",
                                      "refs/sess/remotes/origin/h/AB/AB-261126-01")


def test_the_branch_scan_is_bounded(repo: Repo) -> None:
    make_handoff(repo, "RT-261126-01", ref=False, note=False)
    for i in range(5):
        repo.commit(f"later {i}")
    store = Store.discover(str(repo.path))
    assert [h.id for h in hi.build(store, scan_limit=10).handoffs] == ["RT-261126-01"]
    assert hi.build(store, scan_limit=3).handoffs == []


def test_recent_commits_are_newest_first_across_tips(repo: Repo) -> None:
    def commit(subject: str, day: int) -> None:
        repo.git("commit", "-q", "--allow-empty", "-m", subject,
                 env={"GIT_COMMITTER_DATE": f"2026-11-{day}T10:00:00+00:00"})

    repo.git("checkout", "-q", "-b", "side")
    commit("side 0", 27)
    commit("side 1", 29)
    repo.git("checkout", "-q", "main")
    commit("main late", 28)
    store = Store.discover(str(repo.path))
    tips = [store.resolve("main") or "", store.resolve("side") or ""]
    subjects = [m.split("\n")[0] for _, m, _ in store.recent_commits(tips, 3)]
    assert subjects == ["side 1", "main late", "side 0"]
    assert len(list(store.recent_commits(tips, 100))) == 4  # the shared root once


def test_notes_with_fanout_are_listed_and_read(repo: Repo) -> None:
    store = Store.discover(str(repo.path))
    blob = store.write_blob(b"note text")
    notes = {f"{i:040x}": blob for i in range(300)}  # > 256: fanned out
    tip = store.write_notes_commit(notes, [], "n\n")
    assert store.read_tree(tip).keys() <= {f"{i:02x}" for i in range(256)}
    assert store.notes_annotated([tip, tip]) == set(notes)
    assert store.note_in(f"{7:040x}", tip) == "note text"
    assert store.note_in("f" * 40, tip) is None


def test_a_past_deadline_gives_an_incomplete_index_not_an_error(repo: Repo) -> None:
    make_handoff(repo, "RT-261126-01")
    index = hi.build(Store.discover(str(repo.path)), deadline=time.monotonic() - 1)
    assert not index.complete


def test_an_empty_repository_has_no_handoffs(tmp_path: object) -> None:
    from pathlib import Path

    empty = make_repo(Path(str(tmp_path)) / "e", commit=False)
    index = hi.build(Store.discover(str(empty.path)))
    assert index.handoffs == [] and index.complete


def test_the_commit_body_stands_in_for_a_missing_note(repo: Repo) -> None:
    make_handoff(repo, "RT-261126-01", note=False, resume_prompt="Run make check first.")
    store = Store.discover(str(repo.path))
    index = hi.build(store)
    (h,) = index.handoffs
    assert hi.record_text(store, index, h) is None
    body = hi.message_body(store, h)
    assert "## Resume Prompt\n\nRun make check first." in body
    assert "Sess-Id" not in body


def test_select_filters_in_order(repo: Repo) -> None:
    hs = [hi.Handoff(f"RT-26112{i}-01", "RT" if i % 2 else "AB", f"ws{i % 3}", None, "t",
                     "a" * 40, 100 - i, (), "ref", None) for i in range(6)]
    assert [h.id for h in hi.select(hs, operator="RT", limit=2)] == ["RT-261121-01",
                                                                     "RT-261123-01"]
    assert [h.id for h in hi.select(hs, workstream="ws0")] == ["RT-261120-01", "RT-261123-01"]
    assert [h.time for h in hi.select(hs, since=98)] == [100, 99, 98]
