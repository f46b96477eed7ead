"""What binds a handoff's note to its commit, checked from the pushed telemetry.

gitsess.handoff.examine (the pre-push guard's check) already finds a missing
or unparsable note, a note for another id, schema and section problems, an
operator git does not back, and the policy's invariants recomputed from the
telemetry the record pins. The commit-msg check also bound these fields of
the record to the commit, and a note edited after it is caught here:

- `commit` names this commit (post-commit and every rewrite set it);
- `operator`, `workstream`, `phase` and the sessions are the trailers';
- each session has telemetry (refs/sess/done or live, or as fetched), the tip
  the record pins is on that session's chain, and its `events` is that
  tip's count;
- the hook counts the record claims (`telemetry`, or `sources.<c>.hooks`
  where the transcript disagreed, gitsess.transcripts.reconcile) are the
  pinned tips' counts summed;
- the invariants it records are the policy's at that commit, none failed.

Git stats (`git`) and the transcript's own counts are not checked: they
depend on the recording clone's worktree and files.
"""

from __future__ import annotations

from typing import Any

from gitsess import refs
from gitsess.errors import GitsessError
from gitsess.handoff import message, policy, record
from gitsess.handoff import sessions as agent_sessions
from gitsess.store import Store
from gitsess.telemetry import readers

# Hook-counted fields of `telemetry` and where each is in the counters.
COUNTED = ("events", "tool_calls", "failures", "prompts", "compactions")


def problems(store: Store, oid: str, info_message: str, rec: record.Record,
             pol: policy.Policy) -> list[str]:
    """Findings about the record `rec` (the note of commit `oid`), each a line."""
    out: list[str] = []
    front = rec.front
    said = message.from_message(info_message, template=pol.subject)
    if front.get("commit") not in (None, oid):
        out.append(f"note: commit is {str(front.get('commit'))[:12]}, not this commit")
    for key in ("operator", "workstream", "phase"):
        if key in said.front and said.front.get(key) != front.get(key):
            out.append(f"note: {key} is {front.get(key)!r}, the trailer says "
                       f"{said.front.get(key)!r}")
    listed = [s for s in front.get("sessions") or [] if isinstance(s, dict)]
    named = {str(s.get("id")) for s in listed}
    if named != set(said.session_ids):
        out.append(f"note: sessions {sorted(named)} are not the Sess-Session trailers "
                   f"{sorted(said.session_ids)}")
    pinned = []
    for i, s in enumerate(listed):
        found, why = _session_at(store, str(s.get("id")), s.get("tip"))
        if why:
            out.append(f"sessions[{i}]: {why}")
            continue
        if found is not None:
            pinned.append(found)
            events = int(found.counters.get("events", 0))
            if s.get("events") is not None and s.get("events") != events:
                out.append(f"note: sessions[{i}].events is {s.get('events')}, its telemetry "
                           f"at the pinned tip counts {events}")
    if listed and len(pinned) == len(listed):
        out += _counts(front, agent_sessions.merged_counters(pinned))
    out += _invariants(front, pol)
    return out


def _session_at(store: Store, sid: str, tip: Any) -> tuple[readers.Session | None, str | None]:
    """(the session read at the record's tip, or None when it pins none; a finding)."""
    current = agent_sessions.find_session(store, sid)
    if current is None:
        return None, (f"session {sid!r}: no telemetry under {refs.DONE} or {refs.LIVE} "
                      "(was it pushed?)")
    if not isinstance(tip, str):
        return None, None
    if len(tip) != 40 or not store.has_object(tip):
        return None, f"session {sid!r}: the tip the note pins ({str(tip)[:12]}) is not here"
    if current.tip is None or not store.contains(current.tip, tip):
        return None, (f"session {sid!r}: the tip the note pins ({tip[:12]}) is not on that "
                      "session's telemetry")
    try:
        found = readers.read_session(store, current.ref, tip)
    except (GitsessError, KeyError, ValueError):
        found = None
    if found is None or found.meta.get("session_id") != sid:
        return None, f"session {sid!r}: the tip the note pins ({tip[:12]}) is not its telemetry"
    return found, None


def _counts(front: dict[str, Any], counters: dict[str, Any]) -> list[str]:
    tel = front.get("telemetry")
    if not isinstance(tel, dict):
        return []
    sources = tel.get("sources")
    sources = sources if isinstance(sources, dict) else {}
    out = []
    for name in COUNTED:
        src = sources.get(name)
        claimed = src.get("hooks") if isinstance(src, dict) else tel.get(name)
        actual = int(counters.get(name, 0))
        if claimed is not None and claimed != actual:
            out.append(f"note: telemetry.{name} is {claimed}, the hooks counted {actual} "
                       "in the telemetry it pins")
    return out


def _invariants(front: dict[str, Any], pol: policy.Policy) -> list[str]:
    recorded = {str(r.get("name")): r for r in front.get("invariants") or []
                if isinstance(r, dict)}
    out = []
    for inv in pol.invariants:
        r = recorded.get(inv["name"])
        if r is None:
            out.append(f"invariant '{inv['name']}': the policy at this commit has it, "
                       "the note does not")
            continue
        if (r.get("counter"), r.get("op"), r.get("expected")) != (
                inv["counter"], inv["op"], inv["value"]):
            out.append(f"invariant '{inv['name']}': the note says {r.get('counter')} "
                       f"{r.get('op')} {r.get('expected')}, the policy "
                       f"{inv['counter']} {inv['op']} {inv['value']}")
        if r.get("verdict") == "fail":
            out.append(f"invariant '{inv['name']}': the note records it failed "
                       f"({policy.describe(r)})")
    return out
