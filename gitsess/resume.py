"""Where the work stands: your last handoff, the workstreams, your peers.

`view()` builds the document `git sess resume --json` prints
(schemas/resume.json) from the handoff index (gitsess.handoff_index) and the
live telemetry refs, local and fetched. gitsess.resume_text turns it into
text for a terminal and `agent_context()` into the few lines the SessionStart
hook hands the agent.

Only the records displayed are parsed from their notes: your last handoff
and the last handoff of each of your workstreams.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from gitsess import handoff_index, telemetry
from gitsess.errors import UsageError
from gitsess.handoff_index import Handoff, Index
from gitsess.identity import operator as current_operator
from gitsess.store import Store
from gitsess.timefmt import ago, iso

SCHEMA_VERSION = 1
# A live session whose last event is older than this is not "active now".
ACTIVE_WINDOW_S = telemetry.LIVE_WINDOW_MS // 1000
MAX_OPEN_QUESTIONS = 5
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"([0-9]+)\s*([smhdw])")  # [0-9]: int() reads other digits too
_NONE = {"", "-", "none", "none.", "n/a", "nothing", "nothing.", "no"}


def parse_duration(text: str) -> int:
    """'2h', '7d', '1d12h', '90m' -> seconds; UsageError otherwise."""
    compact = text.strip().lower()
    parts = _DURATION.findall(compact)
    if not parts or "".join(f"{n}{u}" for n, u in parts) != compact.replace(" ", ""):
        raise UsageError(
            f"invalid duration '{text}'", hint="use a number and a unit: 45m, 2h, 7d, 2w, 1d12h"
        )
    return sum(int(n) * _UNITS[u] for n, u in parts)


@dataclass
class _Record:
    front: dict[str, Any]
    sections: dict[str, str]


def read_record(store: Store, index: Index, h: Handoff, *, front: bool = True) -> _Record:
    """A handoff's record: its note, else the sections in its commit body.

    With front=False the YAML is not parsed at all (a workstream line needs
    only the Open Questions section; PyYAML costs ~5 ms a record).
    """
    from gitsess import record

    text = handoff_index.record_text(store, index, h)
    if text is None:
        return _Record({}, record.parse_sections(handoff_index.message_body(store, h)))
    # A note can hold two records (a union merge at sync): take this handoff's.
    parts = record.split_records(text) or [text]
    text = next((p for p in parts if f"\nid: {h.id}\n" in "\n" + p), parts[0])
    out = _Record({}, {})
    if front:
        try:
            rec = record.parse(text)
            out = _Record(rec.front if isinstance(rec.front, dict) else {}, rec.sections)
        except Exception:  # broken YAML must not hide the sections below it
            pass
    if not out.sections:
        out.sections = record.parse_sections(_after_front_matter(text))
    if not out.sections:  # a note that is no record at all: the commit still says it
        out.sections = record.parse_sections(handoff_index.message_body(store, h))
    return out


def _text(value: Any) -> str | None:
    """A front matter value printed as text: only when it is text (notes are fetched)."""
    return value if isinstance(value, str) and value.strip() else None


def _after_front_matter(text: str) -> str:
    """The markdown after a `---` ... `---` (or `...`) front matter block."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return text
    for i, line in enumerate(lines[1:], 1):
        if line.rstrip() in ("---", "..."):
            return "".join(lines[i + 1 :])
    return text


def open_questions(sections: dict[str, str]) -> list[str]:
    """The Open Questions section as items ('- a', '1. b' or plain lines)."""
    items = []
    for line in sections.get("Open Questions", "").splitlines():
        item = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", line).strip()
        if item.lower() not in _NONE:
            items.append(item)
    return items[:MAX_OPEN_QUESTIONS]


def _brief(h: Handoff, now: float) -> dict[str, Any]:
    return {
        "id": h.id,
        "title": h.title,
        "operator": h.operator,
        "workstream": h.workstream,
        "phase": h.phase,
        "at": iso(h.time * 1000),
        "age_s": max(0, int(now - h.time)),
        "commit": h.commit,
        "ref": h.ref,
        "source": h.source,
    }


def _branch(store: Store, index: Index, h: Handoff, name: str | None) -> dict[str, Any]:
    """Where the handoff's branch stands now, and whether it is checked out here."""
    head = store.head()
    name = name or None
    local = index.refs.get(f"refs/heads/{name}") if name else None
    remote = None
    if name and local is None:
        remote = next((r for r in sorted(index.refs)
                       if r.startswith("refs/remotes/")
                       and r[len("refs/remotes/") :].split("/", 1)[1:] == [name]), None)
    tip = local or (index.refs.get(remote) if remote else None)
    return {
        "name": name,
        "exists": tip is not None,
        "remote": remote[len("refs/remotes/") :] if remote else None,
        "contains": bool(tip and store.contains(tip, h.commit)),
        # A bare repository has a HEAD but no worktree: nothing is checked out.
        "checked_out": bool(name and store.workdir and not head.detached
                            and head.branch == name),
        "head": head.branch if store.workdir else None,
        **({"bare": True} if store.workdir is None else {}),
    }


def _peers(store: Store, index: Index, handoffs: list[Handoff], me: str, now: float,
           cutoff: float | None) -> list[dict[str, Any]]:
    """Everyone but `me` with a handoff or a live session, newest first."""
    last: dict[str, Handoff] = {}
    for h in handoffs:
        if h.operator != me:
            last.setdefault(h.operator, h)
    live: dict[str, dict[str, telemetry.Session]] = {}
    for ref, tip in index.live.items():
        if ref.rsplit("/", 1)[-1] in index.done:
            continue  # handed off; a fetched live copy may linger until a prune
        s = telemetry.read_session(store, ref, tip)
        op = s.meta.get("operator") if s else None
        if s is None or not isinstance(op, str) or not op or op == me:
            continue
        seen = (s.counters.get("last_event_ms") or 0) / 1000
        if cutoff is not None and seen < cutoff:
            continue
        mine = live.setdefault(op, {})
        other = mine.get(s.session_id)
        if other is None or _rank(s) > _rank(other):
            mine[s.session_id] = s  # the same session fetched from two remotes
    out = []
    for op in set(last) | set(live):
        sessions = list(live.get(op, {}).values())
        last_event = max(((s.counters.get("last_event_ms") or 0) / 1000 for s in sessions),
                         default=None)
        active = [s for s in sessions
                  if now - (s.counters.get("last_event_ms") or 0) / 1000 <= ACTIVE_WINDOW_S]
        seen = last.get(op)
        out.append({
            "operator": op,
            "active": bool(active),
            "sessions": len(active or sessions),
            "tool_calls": sum(int(s.counters.get("tool_calls", 0)) for s in (active or sessions)),
            "last_event_at": iso(last_event * 1000) if last_event else None,
            "last_event_age_s": max(0, int(now - last_event)) if last_event else None,
            "last_seen": _brief(seen, now) if seen else None,
            "_key": max(last_event or 0, seen.time if seen else 0),
        })
    out.sort(key=lambda p: (p["active"], p.pop("_key")), reverse=True)
    return out


def _rank(s: telemetry.Session) -> tuple[int, int]:
    return (int(s.counters.get("last_event_ms") or 0), int(s.counters.get("events", 0)))


def _workstreams(store: Store, index: Index, handoffs: list[Handoff], me: str, now: float,
                 owners: dict[str, str], questions_for: int | None = None,
                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(yours, your peers'): owned by the last to hand off, unless the policy names an owner.

    Open questions are read (one note each) for your newest `questions_for`
    workstreams only, when given: the agent's context shows a few, and a
    thousand reads would eat the hook's deadline."""
    latest: dict[str, Handoff] = {}
    phase: dict[str, str | None] = {}
    for h in handoffs:  # newest first
        latest.setdefault(h.workstream, h)
        if phase.get(h.workstream) is None:
            phase[h.workstream] = h.phase
    mine: list[dict[str, Any]] = []
    peers: list[dict[str, Any]] = []
    for ws, h in latest.items():
        owner = owners.get(ws) or h.operator
        entry: dict[str, Any] = {"name": ws, "owner": owner, "phase": phase.get(ws),
                                 "last": _brief(h, now)}
        if owner == me:
            if questions_for is None or len(mine) < questions_for:
                rec = read_record(store, index, h, front=False)
                entry["open_questions"] = open_questions(rec.sections)
            else:
                entry["open_questions"] = []
            mine.append(entry)
        else:
            peers.append(entry)
    return mine, peers


def _policy_owners(store: Store) -> dict[str, str]:
    """Workstream -> owner declared in .gitsess.yaml; {} when there is none.

    An invalid policy file must not stop a resume (commit-msg and pre-push
    report it); ownership then goes by the last handoff.
    """
    from gitsess.policy import workstream_owners

    try:
        return workstream_owners(store)
    except Exception:
        return {}


def view(store: Store, *, operator: str | None = None, since_s: int | None = None,
         now: float | None = None, deadline: float | None = None,
         questions_for: int | None = None) -> dict[str, Any]:
    """The resume document (schemas/resume.json); `questions_for`: see _workstreams."""
    now = time.time() if now is None else now
    me = operator or current_operator(store).id
    # Clamped: a cutoff before 1970 (--since 99999999d) would not format.
    cutoff = max(0.0, now - since_s) if since_s is not None else None
    index = handoff_index.build(store, deadline=deadline)
    handoffs = [h for h in index.handoffs if cutoff is None or h.time >= cutoff]
    doc: dict[str, Any] = {
        "v": SCHEMA_VERSION,
        "operator": me,
        "now": iso(now * 1000),
        "since": iso(cutoff * 1000) if cutoff is not None else None,
        "last_handoff": None,
        "message": None,
    }
    last = next((h for h in handoffs if h.operator == me), None)
    if last is None:
        window = f" in the last {_span(since_s)}" if since_s is not None else " yet"
        doc["message"] = f"no handoff{window} for {me}; run git sess handoff when you stop"
    else:
        rec = read_record(store, index, last)
        prompt = rec.sections.get("Resume Prompt", "").strip()
        doc["last_handoff"] = {
            **_brief(last, now),
            "branch": _branch(store, index, last, _text(rec.front.get("branch"))),
            "resume_prompt": prompt or _text(rec.front.get("resume_prompt")),
            "summary": rec.sections.get("Summary", "").strip() or None,
            "confidence": c if (c := rec.front.get("confidence")) in ("H", "M", "L") else None,
        }
    mine, peer_ws = _workstreams(store, index, handoffs, me, now, _policy_owners(store),
                                 questions_for)
    doc["workstreams"] = {"mine": mine, "peers": peer_ws}
    doc["peers"] = _peers(store, index, handoffs, me, now, cutoff)
    doc["complete"] = index.complete
    doc["counts"] = {"handoffs": len(index.handoffs), **index.counts}
    return doc


def _span(seconds: int | None) -> str:
    s = seconds or 0
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size and s % size == 0:
            return f"{s // size}{unit}"
    return f"{s}s"


# -- text (here and in gitsess.resume_text) -------------------------------------

def age(entry: dict[str, Any], now_ms: float) -> str:
    """How long ago a brief (schemas/resume.json) was made: '3h ago'."""
    return ago(now_ms - entry["age_s"] * 1000, now_ms)


def branch_line(b: dict[str, Any], h: dict[str, Any]) -> str:
    name = b.get("name")
    if not name:
        return "on an unrecorded branch"
    if b["exists"] and b["contains"]:
        if b.get("remote"):
            return f"on {b['remote']} (remote-tracking; no local branch {name})"
        if b["checked_out"]:
            return f"on {name}, checked out here"
        if b.get("bare"):
            return f"on {name} (a bare repository: nothing is checked out)"
        return f"on {name}, not checked out (HEAD is on {b.get('head') or 'a detached HEAD'})"
    kept = f"kept by {h['ref']}" if h.get("ref") else f"commit {h['commit'][:12]}"
    if b["exists"]:
        return f"made on {name}, which no longer contains it; {kept}"
    return f"made on {name}, which no longer exists; {kept}"


# -- inside the agent -----------------------------------------------------------

MAX_CONTEXT_BYTES = 4096
_PROMPT_CHARS = 1600
_SUMMARY_CHARS = 1000
_WORKSTREAM_LINES = 6


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def agent_text(doc: dict[str, Any], *, now: float | None = None) -> str:
    """The resume as the new agent session's context: a few bounded lines."""
    now_ms = (time.time() if now is None else now) * 1000
    me = doc["operator"]
    last = doc.get("last_handoff")
    if last is None:
        lines = [f"gitsess: {doc['message']}"]
    else:
        phase = f", phase {last['phase']}" if last.get("phase") else ""
        lines = [f"gitsess resume for {me}: last handoff {last['id']} \"{_clip(last['title'], 120)}\" "
                 f"({last['workstream']}{phase}), {age(last, now_ms)}, "
                 f"{branch_line(last['branch'], last)}."]
        if last.get("resume_prompt"):
            lines += ["", "Resume prompt:", _clip(last["resume_prompt"], _PROMPT_CHARS)]
        if last.get("summary"):
            lines += ["", "Summary:", _clip(last["summary"], _SUMMARY_CHARS)]
    mine = doc["workstreams"]["mine"]
    if mine:
        lines += ["", "Your workstreams:"]
        for w in mine[:_WORKSTREAM_LINES]:
            qs = w.get("open_questions") or []
            open_q = ""
            if qs:
                open_q = f"; open: {_clip(qs[0], 100)}" + (f" (+{len(qs) - 1})" if qs[1:] else "")
            lines.append(f"- {w['name']} ({w['phase'] or '-'}), last {w['last']['id']} "
                         f"{age(w['last'], now_ms)}{open_q}")
        if len(mine) > _WORKSTREAM_LINES:
            lines.append(f"- … and {len(mine) - _WORKSTREAM_LINES} more (git sess resume)")
    active = [p for p in doc["peers"] if p["active"]]
    if active:
        names = ", ".join(f"{p['operator']} ({p['tool_calls']} tool calls)" for p in active[:8])
        lines += ["", f"Peers active now: {names}."]
    return bound("\n".join(lines) + "\n", MAX_CONTEXT_BYTES)


def bound(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, on a character boundary."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    cut = data[: limit - len("…\n".encode())].decode("utf-8", "ignore")
    return cut + "…\n"


def agent_context(store: Store, *, deadline: float) -> str:
    """The SessionStart context; "" when there is no time left or anything fails.

    Never raises: a resume that cannot be read must not stop the agent (a
    failure is one line on stderr, which Claude Code shows only in verbose mode).
    """
    try:
        # Leave time to format and write: the hook's alarm kills the process
        # at the deadline, and a context cut mid-write is worse than none.
        if deadline - time.monotonic() < 0.15:
            return ""
        # No config write from inside an agent hook: parallel hooks would
        # fight over .git/config.lock and could make the user's git fail.
        me = current_operator(store, cache=False).id
        doc = view(store, operator=me, deadline=deadline - 0.1,
                   questions_for=_WORKSTREAM_LINES)
        if time.monotonic() >= deadline - 0.05:
            return ""
        return agent_text(doc)
    except Exception as exc:  # one line on stderr, as every hook failure
        import sys

        print(f"gitsess: resume: {type(exc).__name__}: {str(exc)[:200]}", file=sys.stderr)
        return ""
