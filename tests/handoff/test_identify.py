"""gitsess.handoff.identify: which commits are handoffs, and their ids, by each of its three rules."""

from __future__ import annotations

import pytest

from gitsess.handoff import identify
from gitsess.store import Store
from tests.helpers import Repo

HID = "RT-261126-01"
PLAIN = f"handoff(core): a title\n\n## Summary\n\ntext\n\nSess-Id: {HID}\nSess-Operator: RT\n" \
        "Sess-Workstream: core\nSess-Session: s1\nSess-Session: s2\n"
# A squash merge: the squashed handoffs' trailers sit in the body, indented.
SQUASH = ("feature (#12)\n\n* handoff(core): one\n\n    Sess-Id: RT-261126-01\n"
          "    Sess-Operator: RT\n\n* handoff(core): two\n\n    Sess-Id: RT-261126-02\n")


def test_the_trailer_block_as_git_reads_it(repo: Repo) -> None:
    git = repo.git("interpret-trailers", "--parse", "--no-divider", input=PLAIN).stdout
    assert f"Sess-Id: {HID}" in git.splitlines()
    assert identify.handoff_id(PLAIN) == HID
    assert identify.sess_ids(PLAIN) == [HID]
    assert identify.sessions(PLAIN) == ["s1", "s2"]
    assert identify.claims_handoff(PLAIN)
    # Spelt as git reads a key: any case, blanks before the colon, a folded value.
    assert identify.handoff_id(f"s\n\nsess-id : {HID}\n") == HID
    assert identify.sess_ids(f"s\n\nSess-Id:\n {HID}\n") == [HID]


def test_not_a_handoff() -> None:
    for message in ("fix: typo\n", f"Sess-Id: {HID}\n",  # a subject is never a trailer
                    f"s\n\nbody\nSess-Id: {HID}\n"):  # prose in the block: git reads none
        assert identify.handoff_id(message) is None
        assert identify.sess_ids(message) == []
        assert not identify.claims_handoff(message)


def test_a_sess_trailer_without_its_id_claims_to_be_a_handoff() -> None:
    message = "s\n\nSess-Operator: RT\n"
    assert identify.handoff_id(message) is None
    assert identify.claims_handoff(message)  # so commit-msg and the guard refuse it


def test_the_comment_char_is_the_callers() -> None:
    message = f"s\n\nSess-Id: {HID}\n; Sess-Operator: RT\n"
    assert identify.handoff_id(message, ";") == HID
    assert identify.claims_handoff(message, ";")


def test_anywhere_finds_a_squash_merges_ids_that_the_block_does_not() -> None:
    assert identify.sess_ids_anywhere(SQUASH) == ["RT-261126-01", "RT-261126-02"]
    assert identify.handoff_id(SQUASH) is None  # indented: not a trailer block
    assert identify.sess_ids_anywhere("s\n\nsee Sess-Id: RT-261126-01 above\n") == []


@pytest.mark.parametrize("message", [PLAIN, f"s\n\nSESS-ID: {HID}\nsess-phase: p\n"])
def test_the_fast_reading_agrees_on_plain_handoffs(message: str) -> None:
    fast = identify.fast(message)
    assert fast is not None and fast.id == identify.handoff_id(message) == HID


def test_the_fast_reading() -> None:
    fast = identify.fast(PLAIN)
    assert fast == identify.Fast(HID, "RT", "core", None, ("s1", "s2"))
    assert identify.fast("x\n\nSess-Id: not-an-id\n") is None
    assert identify.fast("mention Sess-Id: in a subject only\n") is None
    assert identify.fast("fix: typo\n") is None


def test_ids_in_history_take_an_id_from_a_squash_body(repo: Repo) -> None:
    """ids.in_history (numbering) reads every line of the commits git finds."""
    from gitsess.handoff import ids

    # git's --grep picks the commit by a line that starts with Sess-Id; the
    # first id is in the body, not in the trailer block.
    repo.git("commit", "--allow-empty", "-q", "-m",
             "squash\n\nSess-Id: RT-261127-01\n\nprose\n\nSess-Id: RT-261127-02\n")
    store = Store.discover(str(repo.path))
    # `now` is the commit's own time: --since looks back from it.
    when = store.commit(store.head().oid or "").commit_time
    assert ids.in_history(store, "RT", "261127", now=when) == {1, 2}
