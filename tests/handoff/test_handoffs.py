"""gitsess.handoff.persist, retire and examine: storing records, retiring telemetry, checking commits."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from gitsess import refs
from gitsess.errors import GitsessError
from gitsess.handoff import examine, persist, retire
from gitsess.handoff.trailers import parse_trailers
from gitsess.store import Store
from gitsess.telemetry import event, readers, writer
from tests.handoffhelpers import (
    NO_NOTION,
    T0,
    events,
    front,
    head,
    install,
    narrative,
    note,
    policy,
    trailers,
)
from tests.helpers import Repo, payload

DEADLINE = 10.0


def _store(repo: Repo) -> Store:
    return Store.discover(str(repo.path))


def _handoff(repo: Repo, tmp_path: Path) -> str:
    proc = repo.sess("handoff", "--allow-empty", "--file", narrative(tmp_path))
    assert proc.returncode == 0, proc.stderr
    return dict(trailers(repo))["Sess-Id"]


def test_interface_names() -> None:
    assert refs.HANDOFFS == "refs/sess/h/"
    assert refs.handoff("RT", "RT-261126-01") == "refs/sess/h/RT/RT-261126-01"
    assert parse_trailers("s\n\nSess-Id: X\n") == {"Sess-Id": ["X"]}


def test_store_record_is_idempotent_and_refuses_a_taken_id(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    hid = _handoff(repo, tmp_path)
    store = _store(repo)
    oid = head(repo)
    text = note(repo) or ""
    tip = store.ref("refs/notes/sess")
    persist.store_record(store, oid, text, deadline=time.monotonic() + DEADLINE)
    assert store.ref("refs/notes/sess") == tip
    parent = repo.git("rev-parse", "HEAD^").stdout.strip()
    with pytest.raises(GitsessError, match=f"handoff id {hid} is already taken"):
        persist.store_record(store, parent, text, deadline=time.monotonic() + DEADLINE)


def test_check_commit(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    events(repo, "s1", tools=("mcp__notion_offplan__search",))
    hid = _handoff(repo, tmp_path)
    store = _store(repo)
    oid = head(repo)
    assert examine.check_commit(store, oid) == []
    assert examine.check_commit(store, repo.git("rev-parse", "HEAD^").stdout.strip()) == []
    # A policy tightened after the handoff: the push guard sees the violation.
    policy(repo, NO_NOTION)
    problems = examine.check_commit(store, oid)
    assert problems == [f"{oid[:12]}: {hid}: invariant 'no-notion-writes' failed: "
                        "mcp:notion_offplan == 0 expected, actual 1"]
    # A note lost (rewritten history without notes.rewriteRef) is a problem too.
    policy(repo, "version: 1\n")
    repo.git("notes", "--ref=sess", "remove", "HEAD")
    problems = examine.check_commit(store, oid)
    assert any("no record note" in p and "--repair" in p for p in problems)


def test_check_commit_of_a_copy(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    _handoff(repo, tmp_path)
    orig = head(repo)
    repo.git("checkout", "-q", "-b", "side", "HEAD^")
    repo.commit("side work", {"side.txt": "s\n"})
    proc = repo.git("cherry-pick", "--allow-empty", orig, check=False)
    assert proc.returncode == 0, proc.stderr
    copy = head(repo)
    assert note(repo, copy) is None
    store = _store(repo)
    assert any("is a copy" in p for p in examine.check_commit(store, copy))


def test_retire_folds_spills_and_keeps_later_chains(repo: Repo) -> None:
    events(repo, "s1", tools=("Bash",))
    store = _store(repo)
    ev = event.Event(kind=event.TOOL_START, name="PreToolUse", session_id="s1",
                         agent="claude-code", at_ms=(T0 + 50) * 1000, tool="Edit")
    writer.spill(store, ev, "s1")
    # A record that names no tip takes all the session holds, spills folded
    # (one that names a tip takes only that far: tests/test_retire_tip.py).
    state = retire.retire_session(store, "s1", None, deadline=time.monotonic() + DEADLINE)
    assert state == "retired"
    done = readers.read_session(store, "refs/sess/done/s1")
    assert done is not None and done.counters["tools"] == {"Bash": 1, "Edit": 1}
    assert not store.refs("refs/sess/pending/") and store.ref("refs/sess/live/s1") is None
    tip = store.ref("refs/sess/done/s1")
    assert retire.retire_session(store, "s1", tip, deadline=time.monotonic() + 1) == "done"
    # The agent's next event starts a new live chain: a retire for the old tip leaves it.
    assert repo.hook(payload("Stop", "s1")).returncode == 0
    state = retire.retire_session(store, "s1", tip, deadline=time.monotonic() + 1)
    assert state == "kept (a later chain)" and store.ref("refs/sess/live/s1") is not None


def test_amended_handoff_keeps_one_record(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    events(repo, "s1")
    hid = _handoff(repo, tmp_path)
    old = head(repo)
    msg = repo.git("log", "-1", "--format=%B").stdout.replace(
        "Wire the billing export", "Wire the billing export (amended)")
    proc = repo.git("commit", "--amend", "--allow-empty", "-q", "-F", "-", input=msg, check=False)
    assert proc.returncode == 0, proc.stderr
    new = head(repo)
    assert new != old
    text = note(repo) or ""
    assert text.count("\n---\n") == 1 and front(text)["id"] == hid  # copied, not concatenated
    assert repo.refs("refs/sess/h/")[f"refs/sess/h/RT/{hid}"] == new
    assert not (repo.path / ".git" / "SESS_HANDOFF").exists()
