"""Agent telemetry kept in git refs.

One ref per agent session, `refs/sess/live/<session>`; one commit per event.
The tip's tree holds the session's cumulative counters, so reading a session
is O(1) and `git log refs/sess/live/<session>` is its timeline:

    session.json    who/where/when the session started (written once)
    counters.json   cumulative counters (COUNTERS_VERSION)
    folded.json     spilled events already counted (only while any remain)

Writers queue on an flock of the repository's common dir (released by the
kernel when a writer dies, so it never goes stale) and then compare-and-swap
the ref; the CAS alone is what keeps counts exact, the flock only keeps fifty
racing hooks from redoing each other's work. A writer that cannot finish by
its deadline spills its event to a ref of its own,
`refs/sess/pending/<session>/<unique>`, which never contends; the next writer
folds spilled events into the counters and readers add any still pending, so
an event whose hook returned is never lost.

This module is on the hook's hot path: it imports nothing heavy.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from gitsess.errors import RefError
from gitsess.store import Store

COUNTERS_VERSION = 1
LIVE = "refs/sess/live/"
DONE = "refs/sess/done/"
PENDING = "refs/sess/pending/"

# Active time: a gap between two events counts as work when it is at most
# IDLE_GAP_MS; a longer gap is idle and counts nothing.
IDLE_GAP_MS = 5 * 60 * 1000
# A session counts as live for "parallel sessions" when its last event is this recent.
LIVE_WINDOW_MS = 60 * 60 * 1000
# Hostile payloads must not grow counters without bound.
MAX_NAME = 200
MAX_KEYS = 500
OVERFLOW_KEY = "(other)"

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_SUBAGENT_TOOLS = frozenset({"Task", "Agent"})

# Event kinds, agent-independent. Adapters map their payloads onto these.
SESSION_START = "session_start"
PROMPT = "prompt"
TOOL_START = "tool_start"
TOOL_END = "tool_end"
TOOL_FAIL = "tool_fail"
SUBAGENT_START = "subagent_start"
SUBAGENT_STOP = "subagent_stop"
STOP = "stop"
COMPACT = "compact"
SESSION_END = "session_end"
OTHER = "other"


@dataclass
class Event:
    """One agent hook event, stripped of anything private.

    It holds names, times and outcomes only: never tool inputs, tool outputs
    or prompt text.
    """

    kind: str
    name: str  # the agent's own event name, e.g. "PostToolUse"
    session_id: str
    agent: str
    at_ms: int = field(default_factory=lambda: int(time.time() * 1000))
    tool: str | None = None
    duration_ms: int | None = None
    agent_id: str | None = None
    agent_type: str | None = None
    model: str | None = None
    source: str | None = None  # SessionStart: startup / resume / clear / compact
    cwd: str | None = None

    def line(self) -> str:
        """The event as the one JSON line stored in its commit message."""
        d: dict[str, Any] = {"v": 1, "event": self.name, "kind": self.kind, "at": self.at_ms}
        for key in ("tool", "duration_ms", "agent_id", "agent_type", "model", "source"):
            value = getattr(self, key)
            if value is not None:
                d[key] = value
        return json.dumps(d, separators=(",", ":"), ensure_ascii=True)

    @classmethod
    def from_line(cls, line: str, session_id: str, agent: str) -> Event | None:
        try:
            d = json.loads(line)
        except ValueError:
            return None
        if not isinstance(d, dict) or d.get("v") != 1:
            return None
        return cls(
            kind=str(d.get("kind", OTHER)),
            name=str(d.get("event", "")),
            session_id=session_id,
            agent=agent,
            at_ms=int(d.get("at", 0)),
            tool=d.get("tool"),
            duration_ms=d.get("duration_ms"),
            agent_id=d.get("agent_id"),
            agent_type=d.get("agent_type"),
            model=d.get("model"),
            source=d.get("source"),
        )


def safe_session_name(raw: str) -> str:
    """A ref component for a session id: the id itself when safe, else a hash.

    Safe means [A-Za-z0-9._-], at most 128 characters, starting with an
    alphanumeric, no '..', not ending in '.lock' (git-check-ref-format(1)).
    """
    if _SAFE_ID.match(raw) and ".." not in raw and not raw.endswith(".lock"):
        return raw
    digest = hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return f"x-{digest}"


def clip(name: str) -> str:
    name = "".join(ch if ch.isprintable() else "?" for ch in name[:MAX_NAME])
    return name or "?"


def split_mcp(tool: str) -> tuple[str, str] | None:
    """`mcp__<server>__<method>` -> (server, method); None for other tools."""
    if not tool.startswith("mcp__"):
        return None
    rest = tool[5:]
    server, sep, method = rest.partition("__")
    if not server:
        return None
    return server, (method if sep else "")


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
        "first_event_ms": None,
        "last_event_ms": None,
        "active_ms": 0,
        "duration_ms": 0,
    }


def _bump(d: dict[str, Any], key: str, n: int = 1) -> None:
    if key not in d and len(d) >= MAX_KEYS:
        key = OVERFLOW_KEY
    d[key] = d.get(key, 0) + n


def apply(c: dict[str, Any], ev: Event) -> None:
    """Add one event to counters `c` in place.

    Tool calls are counted when they start (PreToolUse: a call that was made,
    whatever became of it); failures when they fail; durations when they end.
    """
    c["events"] += 1
    _bump(c["by_event"], clip(ev.name or ev.kind))
    tool = clip(ev.tool) if ev.tool else None
    if ev.kind == TOOL_START and tool:
        c["tool_calls"] += 1
        _bump(c["tools"], tool)
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
    elif ev.kind == TOOL_FAIL:
        c["failures"] += 1
        _bump(c["failed_tools"], tool or "?")
    elif ev.kind == SUBAGENT_START:
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
    last = c["last_event_ms"]
    if last is not None and 0 < t - last <= IDLE_GAP_MS:
        c["active_ms"] += t - last
    c["last_event_ms"] = t if last is None else max(last, t)
    first = c["first_event_ms"]
    c["first_event_ms"] = t if first is None else min(first, t)


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
        "active_ms",
        "duration_ms",
    ):
        out[key] = int(out.get(key, 0)) + int(b.get(key, 0))
    for key in ("by_event", "tools", "failed_tools"):
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


# -- writing ----------------------------------------------------------------


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


@contextlib.contextmanager
def _queue(store: Store, deadline: float) -> Iterator[bool]:
    """Hold the repository's telemetry flock, waiting at most until `deadline`.

    Yields whether the lock is held; without it the CAS still keeps counts
    exact, it just retries more. The kernel drops the lock with its holder.
    """
    try:
        fd = os.open(store.common_dir, os.O_RDONLY)
    except OSError:
        yield False
        return
    held = False
    try:
        delay = 0.0005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held = True
                break
            except BlockingIOError:
                if time.monotonic() + delay >= deadline:
                    break
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.02)
            except OSError:
                break
        yield held
    finally:
        os.close(fd)  # closing releases the flock


def _pending_refs(store: Store, session: str, *, loose_only: bool) -> dict[str, str]:
    prefix = f"{PENDING}{session}/"
    # The hot path looks for a directory before listing refs: spills are rare.
    if loose_only and not os.path.isdir(os.path.join(store.common_dir, prefix)):
        return {}
    return store.refs(prefix)


def _read_tip(store: Store, tip: str) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    raw_meta = store.tree_file(tip, "session.json")
    raw_counters = store.tree_file(tip, "counters.json")
    raw_folded = store.tree_file(tip, "folded.json")
    meta = json.loads(raw_meta) if raw_meta else {}
    counters = json.loads(raw_counters) if raw_counters else new_counters()
    folded = json.loads(raw_folded) if raw_folded else []
    return meta, counters, folded


def _start_meta(store: Store, ev: Event, session: str) -> dict[str, Any]:
    from gitsess.identity import operator  # once per session, off the per-event path

    head = store.head()
    parallel = 0
    cutoff = ev.at_ms - LIVE_WINDOW_MS
    for name, oid in store.refs(LIVE).items():
        if name == LIVE + session:
            continue
        try:
            if store.commit(oid).commit_time * 1000 >= cutoff:
                parallel += 1
        except Exception:
            continue
    return {
        "v": 1,
        "session_id": session,
        "raw_session_id": ev.session_id if session == ev.session_id else None,
        "agent": ev.agent,
        "model": ev.model,
        "operator": operator(store).id,
        "cwd": ev.cwd,
        "worktree": store.workdir,
        "branch": head.branch,
        "head": head.oid,
        "detached": head.detached,
        "started_at_ms": ev.at_ms,
        "parallel_sessions": parallel,
    }


def record(store: Store, ev: Event, *, deadline: float) -> str:
    """Append `ev` to its session's ref. Returns the ref written.

    Falls back to a spill ref when the session ref cannot be updated by
    `deadline` (time.monotonic()); raises only if even the spill fails.
    """
    session = safe_session_name(ev.session_id)
    ref = LIVE + session
    line = ev.line()
    soft = deadline - 0.25 * max(0.0, deadline - time.monotonic())
    try:
        with _queue(store, soft):
            applied: dict[str, list[str]] = {"spills": []}

            def compute(old: str | None) -> str:
                if old is None:
                    meta = _start_meta(store, ev, session)
                    counters = new_counters()
                    folded: list[str] = []
                    parents: list[str] = []
                else:
                    meta, counters, folded = _read_tip(store, old)
                    parents = [old]
                if ev.model and meta.get("model") != ev.model:
                    meta["model"] = ev.model
                lines = [line]
                spills = _pending_refs(store, session, loose_only=True)
                still = [n for n in folded if n in spills]
                applied["spills"] = []
                for name, oid in sorted(spills.items()):
                    if name in folded:
                        continue
                    spilled = Event.from_line(
                        store.read_blob(oid).decode("utf-8", "replace"), ev.session_id, ev.agent
                    )
                    if spilled is not None:
                        apply(counters, spilled)
                        lines.append(spilled.line())
                    applied["spills"].append(name)
                apply(counters, ev)
                entries = {
                    "session.json": ("blob", store.write_blob(_dumps(meta))),
                    "counters.json": ("blob", store.write_blob(_dumps(counters))),
                }
                now_folded = still + applied["spills"]
                if now_folded:
                    entries["folded.json"] = ("blob", store.write_blob(_dumps(now_folded)))
                tree = store.write_tree(entries)
                return store.write_commit(
                    tree, parents, "\n".join(lines) + "\n", when=ev.at_ms / 1000
                )

            store.update_ref(ref, compute, deadline=soft)
            for name in applied["spills"]:
                old = store.ref(name)
                with contextlib.suppress(RefError):
                    store.cas_ref(name, None, old)
            return ref
    except RefError:
        pass
    return spill(store, ev, session)


def spill(store: Store, ev: Event, session: str) -> str:
    """Write `ev` to a ref no other writer touches; folded in later."""
    unique = f"{ev.at_ms}-{os.getpid()}-{random.randrange(1 << 32):08x}"
    name = f"{PENDING}{session}/{unique}"
    store.cas_ref(name, store.write_blob(ev.line().encode()), None)
    return name


# -- reading ----------------------------------------------------------------


@dataclass
class Session:
    ref: str
    session_id: str
    meta: dict[str, Any]
    counters: dict[str, Any]
    tip: str
    state: str  # "live" or "done"


def read_session(store: Store, ref: str, tip: str | None = None) -> Session | None:
    """A session's counters from its tip, plus any spilled events not folded yet."""
    tip = tip or store.ref(ref)
    if tip is None:
        return None
    try:
        meta, counters, folded = _read_tip(store, tip)
    except (ValueError, KeyError):
        return None
    session = ref.rsplit("/", 1)[-1]
    if ref.startswith(LIVE):
        for name, oid in sorted(_pending_refs(store, session, loose_only=False).items()):
            if name in folded:
                continue
            ev = Event.from_line(
                store.read_blob(oid).decode("utf-8", "replace"), session, str(meta.get("agent"))
            )
            if ev is not None:
                apply(counters, ev)
    state = "done" if ref.startswith(DONE) else "live"
    return Session(ref, str(meta.get("session_id", session)), meta, counters, tip, state)


def live_sessions(store: Store, prefix: str = LIVE) -> list[Session]:
    """Every session under `prefix`, newest last event first."""
    out = []
    for ref, tip in store.refs(prefix).items():
        s = read_session(store, ref, tip)
        if s is not None:
            out.append(s)
    out.sort(key=lambda s: s.counters.get("last_event_ms") or 0, reverse=True)
    return out


def orphan_spills(store: Store) -> list[str]:
    """Spilled sessions that have no live ref at all (the session's only events spilled)."""
    live = {r[len(LIVE) :] for r in store.refs(LIVE)}
    out = set()
    for name in store.refs(PENDING):
        session = name[len(PENDING) :].split("/", 1)[0]
        if session not in live:
            out.add(session)
    return sorted(out)
