"""Retiring a handoff's sessions: their telemetry from live to done, up to the
tip the record names; what came after stays live for the next handoff.
"""

from __future__ import annotations

import contextlib
import json
import time

from gitsess import refs
from gitsess.errors import RefError
from gitsess.store import CommitInfo, Store
from gitsess.telemetry import counting, event, readers, writer

MERGE_MESSAGE = "gitsess: a later chain of this session, taken in by a handoff\n"


def _is_ancestor(store: Store, a: str, b: str) -> bool:
    return a == b or store.merge_base(a, b) == a


def retire_session(store: Store, sid: str, recorded_tip: str | None, *, deadline: float) -> str:
    """Move one session's telemetry, up to the tip its record names, from live to done;
    returns what happened.

    Spilled events are folded first (writer.settle). Then done is moved
    (compare-and-swap) to `recorded_tip`, and live to what came after it:
    events that arrived while the handoff committed are not the record's, so
    they stay live, for the next handoff (`_remainder`). A live chain that
    does not descend from `recorded_tip` started after the handoff (the
    agent's next event, after its ref was retired) and is left alone. A done
    ref already there (the session went on after an earlier handoff) gets a
    commit joining both chains, its counters the sum. Safe to run again: a
    retire killed between its two CAS leaves done at the tip and live
    unchanged, and the rerun only moves live.
    """
    name = event.safe_session_name(sid)
    live_ref, done_ref = refs.LIVE + name, refs.DONE + name
    while True:
        if store.ref(live_ref) is not None:
            with contextlib.suppress(RefError):
                writer.settle(store, live_ref, deadline)
        # Under the hooks' writer lock, a .lock on the live ref is a dead
        # writer's, so clearing a stale one cannot race a live hook.
        try:
            with writer.writer_lock(store, deadline):
                outcome = _retire_once(store, live_ref, done_ref, recorded_tip)
        except writer.QueueTimeout:
            outcome = None
        if outcome is not None:
            return outcome
        if time.monotonic() >= deadline:
            raise RefError("locked", f"could not move {live_ref} to {done_ref} in time")


def _retire_once(store: Store, live_ref: str, done_ref: str,
                 recorded_tip: str | None) -> str | None:
    """One attempt of retire_session; None when a ref moved or was locked."""
    live = store.ref(live_ref)
    if live is None:
        return "done" if store.ref(done_ref) else "missing"
    known = bool(recorded_tip) and store.has_object(str(recorded_tip))
    if known and not _is_ancestor(store, str(recorded_tip), live):
        return "kept (a later chain)"
    cut = str(recorded_tip) if known else live
    rest = _remainder(store, live_ref, cut, live) if cut != live else None
    if cut != live and rest is None:
        cut = live  # not a plain chain of events past the tip: moved whole, as before
    done = store.ref(done_ref)
    if done is None or _is_ancestor(store, done, cut):
        target = cut
    elif _is_ancestor(store, cut, done):
        target = done
    else:
        target = _join(store, done, cut)
    try:
        if target != done:
            store.cas_ref(done_ref, target, done)
        store.cas_ref(live_ref, rest, live)
        return "retired" if rest is None else "retired (later events stay live)"
    except RefError as exc:
        if exc.kind not in ("modified", "locked", "missing"):
            raise  # e.g. a full disk: going round again would not help
        if exc.kind == "locked":
            store.clear_stale_locks(live_ref)
        return None


# How many events past the recorded tip a retire carries over (those of the
# seconds a handoff takes; a longer chain is moved whole, as before).
REMAINDER_LIMIT = 100_000


def _remainder(store: Store, live_ref: str, cut: str, live: str) -> str | None:
    """The events after `cut` on the live chain, as a chain of their own.

    The tip tree's counters are cumulative from the chain's first commit, so
    the later events cannot simply stay on top of the retired ones: the next
    record would count the retired ones again. Each later commit is written
    again, same message (its event lines), tree and time, with counters
    recounted from the first later event; the chain starts afresh, as the
    agent's next event after a retire always has, and the next retire joins
    it to done with the counters summed (`_join`). None when the chain
    between is not a plain line of event commits.
    """
    later: list[CommitInfo] = []
    oid = live
    while oid != cut:
        info = store.commit(oid)
        if len(info.parents) != 1 or len(later) >= REMAINDER_LIMIT:
            return None
        later.append(info)
        oid = info.parents[0]
    session = live_ref.rsplit("/", 1)[-1]
    counters = counting.new_counters()
    parent: str | None = None
    for info in reversed(later):
        events = [e for line in info.message.splitlines()
                  if (e := event.Event.from_line(line, session, "")) is not None]
        for e in sorted(events, key=lambda e: e.at_ms):
            counting.apply(counters, e)
        entries = store.read_tree(info.oid)
        entries["counters.json"] = ("blob", store.write_blob(
            json.dumps(counters, separators=(",", ":"), sort_keys=True).encode()))
        parent = store.write_commit(store.write_tree(entries), [parent] if parent else [],
                                    info.message, when=info.commit_time)
    return parent


def _join(store: Store, done: str, live: str) -> str:
    a = readers.read_session(store, refs.DONE + "x", done)
    b = readers.read_session(store, refs.DONE + "x", live)
    counters = counting.merge_counters(a.counters if a else {}, b.counters if b else {})
    entries = store.read_tree(done)
    entries.pop("folded.json", None)
    entries["counters.json"] = ("blob", store.write_blob(
        json.dumps(counters, separators=(",", ":"), sort_keys=True).encode()))
    when = max(store.commit(done).commit_time, store.commit(live).commit_time)
    return store.write_commit(store.write_tree(entries), [done, live], MERGE_MESSAGE, when=when)
