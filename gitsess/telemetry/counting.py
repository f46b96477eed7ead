"""Counter arithmetic: what one event adds to a session's counters.

A session ref's tip holds `counters.json` (COUNTERS_VERSION) and, for tool
calls with an id, `calls.json`; `apply` adds one event to both in place.
`sane_counters` and `sane_calls` read them back from a ref that may have
been fetched from a peer (issue 9): a value of the wrong shape is dropped.
Pure functions of dicts: nothing here touches git.
"""

from __future__ import annotations

import json
from typing import Any

from gitsess.telemetry.event import (
    COMPACT,
    MAX_NAME,
    PROMPT,
    SESSION_END,
    STOP,
    SUBAGENT_START,
    SUBAGENT_STOP,
    TOOL_END,
    TOOL_FAIL,
    TOOL_START,
    Event,
    clip,
    split_mcp,
)

COUNTERS_VERSION = 1
# Active time: a gap between two events counts as work when it is at most
# IDLE_GAP_MS; a longer gap is idle and counts nothing. Concurrent hooks land
# out of order by milliseconds; an event inside the span already seen adds
# nothing (it splits a gap that was counted whole), one before it adds its gap
# to the first event, so the estimate does not depend on arrival order while
# events are less than IDLE_GAP_MS apart.
IDLE_GAP_MS = 5 * 60 * 1000
# A session counts as live for "parallel sessions" when its last event is this recent.
LIVE_WINDOW_MS = 60 * 60 * 1000
# Hostile payloads must not grow counters without bound.
MAX_KEYS = 500
OVERFLOW_KEY = "(other)"
_SUBAGENT_TOOLS = frozenset({"Task", "Agent"})
# Issue 11: a call is counted once, by the agent's id for it, whichever of its
# Pre/Post/Failure hooks arrives first. calls.json keeps the calls started and
# not finished (`open`: id -> [tool, subagent id or ""]) and the ids of the
# last ones finished (`closed`), so that a Pre folded in after its Post (a
# spill) is not counted again. Both are bounded: a call evicted from `open`
# is one that never finished, and is counted as interrupted.
MAX_OPEN = 256
MAX_CLOSED = 128


def new_counters() -> dict[str, Any]:
    return {
        "v": COUNTERS_VERSION,
        "events": 0,
        "by_event": {},
        "tool_calls": 0,
        "tools": {},
        "failures": 0,
        "failed_tools": {},
        "mcp": {},
        "subagent_starts": 0,
        "subagent_stops": 0,
        "subagent_tool_calls": 0,
        "subagent_events": 0,
        "prompts": 0,
        "compactions": 0,
        "interruptions": 0,
        "agent_calls": {},
        "first_event_ms": None,
        "last_event_ms": None,
        "active_ms": 0,
        "duration_ms": 0,
    }


def _bump(d: dict[str, Any], key: str, n: int = 1) -> None:
    if key not in d and len(d) >= MAX_KEYS:
        key = OVERFLOW_KEY
    d[key] = d.get(key, 0) + n


def new_calls() -> dict[str, Any]:
    return {"open": {}, "closed": []}


def apply(c: dict[str, Any], ev: Event, calls: dict[str, Any] | None = None) -> None:
    """Add one event to counters `c` (and its open calls `calls`) in place.

    A tool call is counted once: by its tool_use_id when the agent gives one,
    at whichever of its Pre/Post/Failure events comes first; without an id,
    when it starts (PreToolUse: a call that was made, whatever became of it).
    Failures are counted when they fail, durations when calls end, and a
    call still open when its agent stops as an interruption.
    """
    calls = new_calls() if calls is None else calls
    c["events"] += 1
    _bump(c["by_event"], clip(ev.name or ev.kind))
    tool = clip(ev.tool) if ev.tool else None
    counted = ev.kind == TOOL_START and tool is not None
    duplicate = False
    if tool and ev.tool_use_id and ev.kind in (TOOL_START, TOOL_END, TOOL_FAIL):
        counted, duplicate = _track(calls, ev, tool)
    if counted and tool:
        c["tool_calls"] += 1
        _bump(c["tools"], tool)
        if ev.agent_id:
            _bump(c.setdefault("agent_calls", {}), clip(ev.agent_id))
        mcp = split_mcp(tool)
        if mcp:
            server, method = mcp
            if server not in c["mcp"] and len(c["mcp"]) >= MAX_KEYS:
                server = OVERFLOW_KEY
            entry = c["mcp"].setdefault(server, {"total": 0, "methods": {}})
            entry["total"] += 1
            _bump(entry["methods"], method)
        if tool in _SUBAGENT_TOOLS:
            c["subagent_tool_calls"] += 1
    if ev.kind in (STOP, SUBAGENT_STOP, SESSION_END):
        c["interruptions"] = int(c.get("interruptions", 0)) + _stopped(calls, ev)
    if ev.kind == TOOL_FAIL and not duplicate:
        c["failures"] += 1
        _bump(c["failed_tools"], tool or "?")
    if ev.kind == SUBAGENT_START:
        c["subagent_starts"] += 1
    elif ev.kind == SUBAGENT_STOP:
        c["subagent_stops"] += 1
    elif ev.kind == PROMPT:
        c["prompts"] += 1
    elif ev.kind == COMPACT:
        c["compactions"] += 1
    if ev.agent_id:
        c["subagent_events"] += 1
    if ev.kind in (TOOL_END, TOOL_FAIL) and isinstance(ev.duration_ms, int) and ev.duration_ms > 0:
        c["duration_ms"] += ev.duration_ms
    t = ev.at_ms
    first, last = c["first_event_ms"], c["last_event_ms"]
    if last is not None and 0 < t - last <= IDLE_GAP_MS:
        c["active_ms"] += t - last
    elif first is not None and 0 < first - t <= IDLE_GAP_MS:
        c["active_ms"] += first - t  # arrived late, happened first (see IDLE_GAP_MS)
    c["last_event_ms"] = t if last is None else max(last, t)
    c["first_event_ms"] = t if first is None else min(first, t)


def _track(calls: dict[str, Any], ev: Event, tool: str) -> tuple[bool, bool]:
    """(count it, a repeat of an event already seen) for a call event with an id."""
    cid = str(ev.tool_use_id)[:MAX_NAME]
    open_: dict[str, Any] = calls["open"]
    closed: list[str] = calls["closed"]
    if ev.kind == TOOL_START:
        if cid in open_ or cid in closed:
            return False, True
        open_[cid] = [tool, clip(ev.agent_id) if ev.agent_id else ""]
        if len(open_) > MAX_OPEN:  # the oldest never finished: it was interrupted
            del open_[next(iter(open_))]
            calls["evicted"] = int(calls.get("evicted", 0)) + 1
        return True, False
    if cid in closed:
        return False, True
    was_open = open_.pop(cid, None) is not None
    closed.append(cid)
    if len(closed) > MAX_CLOSED:
        del closed[0]
    return not was_open, False


def _stopped(calls: dict[str, Any], ev: Event) -> int:
    """Close the stopping agent's open calls: each one is an interruption.

    Stop and SessionEnd end the main agent's calls, SubagentStop its own
    subagent's; a subagent still running keeps its calls open."""
    owner = clip(ev.agent_id) if ev.kind == SUBAGENT_STOP and ev.agent_id else ""
    if ev.kind == SUBAGENT_STOP and not owner:
        return 0
    open_: dict[str, Any] = calls["open"]
    gone = [cid for cid, v in open_.items()
            if (v[1] if isinstance(v, list) and len(v) > 1 else "") == owner]
    for cid in gone:
        del open_[cid]
        calls["closed"].append(cid)
    del calls["closed"][:-MAX_CLOSED]
    evicted = int(calls.pop("evicted", 0)) if ev.kind != SUBAGENT_STOP else 0
    return len(gone) + evicted


def subagents(c: dict[str, Any]) -> int:
    """Subagents spawned: SubagentStart events, or Agent/Task calls when more."""
    return max(int(c.get("subagent_starts", 0)), int(c.get("subagent_tool_calls", 0)))


def merge_counters(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Sum two sessions' counters (for a handoff that covers several)."""
    out = json.loads(json.dumps(a))
    for key in (
        "events",
        "tool_calls",
        "failures",
        "subagent_starts",
        "subagent_stops",
        "subagent_tool_calls",
        "subagent_events",
        "prompts",
        "compactions",
        "interruptions",
        "active_ms",
        "duration_ms",
    ):
        out[key] = int(out.get(key, 0)) + int(b.get(key, 0))
    for key in ("by_event", "tools", "failed_tools", "agent_calls"):
        for name, n in b.get(key, {}).items():
            out.setdefault(key, {})[name] = out.get(key, {}).get(name, 0) + n
    for server, entry in b.get("mcp", {}).items():
        mine = out.setdefault("mcp", {}).setdefault(server, {"total": 0, "methods": {}})
        mine["total"] += entry.get("total", 0)
        for m, n in entry.get("methods", {}).items():
            mine["methods"][m] = mine["methods"].get(m, 0) + n
    for key, pick in (("first_event_ms", min), ("last_event_ms", max)):
        vals = [v for v in (out.get(key), b.get(key)) if v is not None]
        out[key] = pick(vals) if vals else None
    return out



def is_count(value: Any) -> bool:
    """A JSON count this version trusts: an int (not a bool) in [0, 2**53)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53


def sane_calls(raw: Any) -> dict[str, Any]:
    """calls.json as written by `_track`, or empty when it is not."""
    out = new_calls()
    if not isinstance(raw, dict):
        return out
    if isinstance(raw.get("open"), dict):
        out["open"] = {str(k): v for k, v in list(raw["open"].items())[-MAX_OPEN:]
                       if isinstance(v, list)}
    if isinstance(raw.get("closed"), list):
        out["closed"] = [x for x in raw["closed"][-MAX_CLOSED:] if isinstance(x, str)]
    if is_count(raw.get("evicted")):
        out["evicted"] = raw["evicted"]
    return out


def sane_counters(raw: Any) -> dict[str, Any]:
    """Counters with every known key of its type (new_counters' value otherwise)."""
    c = new_counters()
    if not isinstance(raw, dict):
        return c
    for key, value in raw.items():
        if key not in c:
            c[key] = value  # a key this version does not know: kept as it is
            continue
        default = c[key]
        if key == "mcp":
            c[key] = _sane_mcp(value)
        elif isinstance(default, dict):
            c[key] = _sane_map(value)
        elif key.endswith("_ms") and default is None:
            c[key] = value if is_count(value) else None
        else:
            c[key] = value if is_count(value) else default
    return c


def _sane_mcp(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        return {}
    return {
        str(server): {"total": e["total"], "methods": _sane_map(e.get("methods"))}
        for server, e in value.items()
        if isinstance(e, dict) and is_count(e.get("total"))
    }


def _sane_map(value: Any) -> dict[str, int]:
    return {str(k): v for k, v in value.items() if is_count(v)} if isinstance(value, dict) else {}

