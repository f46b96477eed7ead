"""The agent sessions a handoff covers: found by id, chosen, checked.

A session is its telemetry ref: live, done (handed off) or fetched from a
peer (gitsess.telemetry). `choose` is `git sess handoff`'s rule: --session's
sessions, else the narrative's, else this operator's live ones in this
worktree; a session claimed by another record, recorded by another clone or
started by another operator is refused.
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any

from gitsess import refs
from gitsess.errors import GitsessError, ValidationError, warn
from gitsess.store import Store
from gitsess.telemetry import counting, event, layout, paths, readers, writer

SETTLE_S = 1.0  # folding a session's spills before its tip goes into a record
CLAIMS_S = 10.0  # finishing what a killed handoff left of its claims


def find_session(store: Store, sid: str) -> readers.Session | None:
    """A session by id: live, then done, then as fetched from a remote."""
    name = event.safe_session_name(sid)
    for prefix in (refs.LIVE, refs.DONE):
        s = readers.read_session(store, prefix + name)
        if s is not None:
            return s
    for ref in store.refs(refs.REMOTES):
        parts = ref.split("/")
        if len(parts) == 6 and parts[4] in ("live", "done") and parts[5] == name:
            s = readers.read_session(store, ref)
            if s is not None:
                return s
    return None


def own_live_sessions(store: Store, operator: str) -> list[readers.Session]:
    """This operator's live sessions in this worktree (not yet handed off)."""
    here = os.path.realpath(store.workdir) if store.workdir else None
    out = []
    for s in readers.live_sessions(store):
        if s.meta.get("operator") not in (None, operator):
            continue
        where = paths.from_repo(store, s.meta.get("worktree")) or paths.from_repo(
            store, s.meta.get("cwd"))
        if here is not None and where and not _inside(os.path.realpath(str(where)), here):
            continue
        out.append(s)
    out.sort(key=lambda s: (start_ms(s) or 0, s.session_id))
    return out


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def start_ms(s: readers.Session) -> int | None:
    v = s.meta.get("started_at_ms") or s.counters.get("first_event_ms")
    return int(v) if v else None


def merged_counters(sessions: list[readers.Session]) -> dict[str, Any]:
    c = counting.new_counters()
    for s in sessions:
        c = counting.merge_counters(c, s.counters)
    return c


def settle_spills(store: Store, sessions: list[readers.Session]) -> list[readers.Session]:
    """The sessions again, each live one with spilled events folded into its
    ref first, so that the tip a record names counts all the record counts
    (the pre-push guard reads the counters at that tip). Best effort: a
    session whose ref stays busy is returned as read."""
    out = []
    for s in sessions:
        if s.ref.startswith(refs.LIVE) and layout.has_spills(store, s.ref):
            with contextlib.suppress(GitsessError):
                # A session whose only events spilled gets its ref (and operator) here.
                writer.settle(store, s.ref, time.monotonic() + SETTLE_S,
                              operator=lambda: _operator_id(store))
        if s.ref.startswith(refs.LIVE):
            # What the tip holds, and nothing spilled since (tool calls spill
            # on every call, issue 15): the record claims what retiring moves.
            s = readers.at_tip(store, s.ref, store.ref(s.ref)) or s
        out.append(s)
    return out


def _operator_id(store: Store) -> str:
    from gitsess.handoff.identity import operator as current_operator

    # cache=False, as the hook: settling spills never writes the user's git config.
    return current_operator(store, cache=False).id


def require_sessions(store: Store, session_ids: list[str]) -> list[readers.Session]:
    """The named sessions; ValidationError naming each one not found."""
    found: list[readers.Session] = []
    missing: list[str] = []
    for i, sid in enumerate(session_ids):
        s = find_session(store, sid)
        if s is None:
            missing.append(f"sessions[{i}]: no telemetry for session '{sid}' "
                           f"(no {refs.LIVE} or {refs.DONE} ref)")
        elif all(x.session_id != s.session_id for x in found):
            found.append(s)
    if missing:
        raise ValidationError("unknown agent session", missing,
                              hint="git sess status --all lists the sessions this clone knows")
    return found


def foreign_sessions(sessions: list[readers.Session], operator: str, *,
                     label: str = "sessions") -> list[str]:
    """Problems for sessions another operator started: a handoff would retire
    their live telemetry from under them and claim what they did."""
    out = []
    for i, s in enumerate(sessions):
        owner = s.meta.get("operator")
        if owner and str(owner) != operator:
            out.append(f"{label}[{i}]: session '{s.session_id}' was started by operator "
                       f"{owner}, not {operator}; each operator hands off their own sessions")
    return out


def choose(store: Store, me: str, listed: Any,
           session_ids: tuple[str, ...]) -> list[readers.Session]:
    """--session's sessions, else the narrative's `sessions:`, else this operator's
    live ones here; ValidationError for junk, unknown or another operator's."""
    from gitsess.handoff import claims
    from gitsess.transcripts import ownfiles

    listed = listed if isinstance(listed, list) else [listed]
    bad = [f"sessions[{i}]: {s!r} is not a session id" for i, s in enumerate(listed)
           if not isinstance(s.get("id") if isinstance(s, dict) else s, (str, int))]
    if bad and not session_ids:
        raise ValidationError("the narrative's sessions: are not session ids", bad,
                              hint="give a list of ids (sessions: [<id>, ...]) or --session ID")
    picked = list(session_ids) or [
        str(s.get("id")) if isinstance(s, dict) else str(s) for s in listed]
    sessions = settle_spills(store, require_sessions(store, picked) if picked
                             else own_live_sessions(store, me))
    # A handoff killed between its commit and its retire left the events it
    # claimed live: move them now, so that this record does not claim them too.
    sessions, finished = claims.finish(store, sessions, deadline=time.monotonic() + CLAIMS_S)
    warn(*finished)
    # A session with nothing live left was claimed whole by an earlier record.
    taken = [f"sessions[{i}]: session {s.session_id} was handed off already, by {c.handoff}"
             for i, s in enumerate(sessions)
             if s.ref.startswith(refs.DONE) and (c := claims.get(store, s.session_id))]
    if taken:
        raise ValidationError("sessions already claimed by another handoff", taken,
                              hint="a session's events belong to one record; leave it out")
    # A session whose telemetry was fetched is a peer's whatever its
    # session.json says (gitsess.transcripts.ownfiles): it is theirs to hand off.
    fetched = [f"sessions[{i}]: {why}" for i, s in enumerate(sessions)
               if s.ref.startswith(refs.REMOTES)
               and (why := ownfiles.not_recorded_here(store, s))]
    if fetched:
        raise ValidationError("sessions recorded by another clone", fetched,
                              hint="leave them out (--session names yours); the clone that "
                                   "recorded them hands them off")
    foreign = foreign_sessions(sessions, me)
    if foreign:
        raise ValidationError("sessions of another operator", foreign,
                              hint="leave them out (--session names yours); their operator "
                                   "hands them off")
    return sessions
