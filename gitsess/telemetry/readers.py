"""The readers: a session's counters as status, the handoff and resume read them.

A session is its ref's tip (gitsess/telemetry/layout.py) plus its spilled
events not folded in yet. Refs are fetched from peers: whatever a tip holds
is read through the counters' sanitizers, so one bad ref cannot stop status
or resume.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from gitsess import refs
from gitsess.errors import GitsessError
from gitsess.store import Store
from gitsess.telemetry import spillname
from gitsess.telemetry.counting import (
    apply,
    is_count,
    new_calls,
    new_counters,
    sane_calls,
    sane_counters,
)
from gitsess.telemetry.layout import json_entry, pending_refs, read_spill

# session.json keys readers print: counts, and text (or null).
_META_COUNTS = frozenset({"started_at_ms", "parallel_sessions"})
_META_TEXT = frozenset(
    {"session_id", "raw_session_id", "agent", "model", "operator", "cwd", "worktree", "branch",
     "head"}
)
# Events whose transcript_path is compared with the own-session marker's (a


class Session(NamedTuple):
    ref: str
    session_id: str
    meta: dict[str, Any]
    counters: dict[str, Any]
    tip: str | None  # None while every event of the session is still a spill
    state: str  # "live" or "done"


def _session(
    store: Store, ref: str, tip: str | None, pending: dict[str, str]
) -> Session | None:
    """A session from its tip and the spills listed while that tip was current."""
    session = ref.rsplit("/", 1)[-1]
    meta: dict[str, Any] = {}
    counters = new_counters()
    folded: list[str] = []
    calls = new_calls()
    if tip is not None:
        try:
            meta, counters, folded, calls = _read_tip(store, tip)
        except (ValueError, KeyError, RecursionError):
            return None
    keys = {spillname.key(n) for n in folded}  # older tips list whole names
    extra = [
        e
        for name, oid in sorted(pending.items())
        if spillname.key(name) not in keys and (e := read_spill(store, oid, session, name)) is not None
    ]
    for e in sorted(extra, key=lambda e: e.at_ms):
        apply(counters, e, calls)
    if tip is None:
        if not extra:
            return None
        first = min(extra, key=lambda e: e.at_ms)
        meta = {
            "v": 1,
            "session_id": session,
            "agent": first.agent or None,
            "model": next((e.model for e in extra if e.model), None),
            "cwd": first.cwd,
            "started_at_ms": first.at_ms,
        }
    return Session(ref, str(meta.get("session_id", session)), meta, counters, tip, _state(ref))


def _state(ref: str) -> str:
    """"done" for refs/sess/done/<s> and a remote's copy of one
    (refs/sess/remotes/<remote>/done/<s>); "live" otherwise."""
    if ref.startswith(refs.REMOTES):
        ref = refs.SESS + ref[len(refs.REMOTES):].partition("/")[2]
    return "done" if ref.startswith(refs.DONE) else "live"


def _by_session(pending: dict[str, str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for name, oid in pending.items():
        session = name[len(refs.PENDING) :].split("/", 1)[0]
        out.setdefault(session, {})[name] = oid
    return out


def read_session(store: Store, ref: str, tip: str | None = None) -> Session | None:
    """A session's counters from its tip, plus its spilled events not folded yet.

    Spills are listed between two reads of the tip and the read is retried
    until they agree: a writer deletes a spill only after its CAS, so with
    an unchanged tip every listed spill is either named in folded.json or
    not counted yet, and nothing is counted twice or missed. (A `tip` given
    by the caller skips this and trusts the caller's snapshot.)
    """
    live = ref.startswith(refs.LIVE)
    session = ref.rsplit("/", 1)[-1]
    if tip is not None:
        pending = pending_refs(store, session, loose_only=False) if live else {}
        return _session(store, ref, tip, pending)
    for _ in range(5):
        tip = store.ref(ref)
        pending = pending_refs(store, session, loose_only=False) if live else {}
        if store.ref(ref) == tip:
            break
    return _session(store, ref, tip, pending)


def at_tip(store: Store, ref: str, tip: str | None) -> Session | None:
    """A session exactly as its commit `tip` holds it, spills not folded in
    left out: what a record that names `tip` may claim (the handoff), since
    retiring moves that tip, and only it, to done. None without a tip."""
    return _session(store, ref, tip, {}) if tip is not None else None


def live_sessions(store: Store, prefix: str = refs.LIVE) -> list[Session]:
    """Every session under `prefix`, newest last event first.

    Under refs/sess/live/ that includes a session whose only events spilled
    (it has no ref yet). The same two-read rule as `read_session` holds per
    session; a session whose tip moved meanwhile is read again on its own.
    """
    live = prefix == refs.LIVE
    before = store.refs(prefix)
    pending = _by_session(store.refs(refs.PENDING)) if live else {}
    after = store.refs(prefix)
    out = []
    for ref in sorted(set(before) | set(after)):
        session = ref[len(prefix) :]
        if before.get(ref) == after.get(ref):
            s = _session(store, ref, after.get(ref), pending.pop(session, {}))
        else:
            pending.pop(session, None)
            s = read_session(store, ref)
        if s is not None:
            out.append(s)
    for session in pending:  # spilled sessions without a ref (orphans)
        s = read_session(store, refs.live(session))
        if s is not None:
            out.append(s)
    out.sort(key=lambda s: s.counters.get("last_event_ms") or 0, reverse=True)
    return out


def orphan_spills(store: Store) -> list[str]:
    """Spilled sessions that have no live ref at all (the session's only events spilled)."""
    live = {r[len(refs.LIVE) :] for r in store.refs(refs.LIVE)}
    out = set()
    for name in store.refs(refs.PENDING):
        session = name[len(refs.PENDING) :].split("/", 1)[0]
        if session not in live:
            out.add(session)
    return sorted(out)


def _read_tip(
    store: Store, tip: str
) -> tuple[dict[str, Any], dict[str, Any], list[str], dict[str, Any]]:
    """A tip's session.json, counters, folded.json and calls.json, fit for readers.

    Refs are fetched from peers: a value of the wrong shape (a list for the
    counters, text for a count) is dropped here, so that one bad ref cannot
    stop status or resume; the session shows what it holds that makes sense.
    ValueError when the tip is not a tree or its JSON does not parse.
    """
    try:
        entries = store.read_tree(tip)
    except GitsessError as exc:  # a blob where a commit should be
        raise ValueError(exc.message) from None
    meta = json_entry(store, entries, "session.json")
    counters = json_entry(store, entries, "counters.json")
    folded = json_entry(store, entries, "folded.json")
    return (
        _sane_meta(meta),
        sane_counters(counters),
        [n for n in folded if isinstance(n, str)] if isinstance(folded, list) else [],
        sane_calls(json_entry(store, entries, "calls.json")),
    )



def _sane_meta(meta: Any) -> dict[str, Any]:
    if not isinstance(meta, dict):
        return {}
    out = {}
    for key, value in meta.items():
        if key in _META_COUNTS and not is_count(value):
            continue
        if key in _META_TEXT and not (value is None or isinstance(value, str)):
            continue
        out[key] = value
    return out


