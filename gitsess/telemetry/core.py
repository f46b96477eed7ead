"""Agent telemetry kept in git refs.

One ref per agent session, `refs/sess/live/<session>`; one commit per event.
The tip's tree holds the session's cumulative counters, so reading a session
is O(1) and `git log refs/sess/live/<session>` is its timeline:

    session.json    who/where/when the session started (written once)
    counters.json   cumulative counters (COUNTERS_VERSION)
    folded.json     spilled events already counted (only while any remain)
    calls.json      tool calls still open, and the last ones finished (issue 11)

Writers queue on an flock of the repository's common dir (`writer_lock`:
released by the kernel when a writer dies, so it never goes stale) and then
compare-and-swap the ref; the CAS is what keeps counts exact, the flock keeps
fifty racing hooks from redoing each other's work. A writer that does not get
the flock, or cannot finish, by its deadline spills its event to a ref of its
own, `refs/sess/pending/<session>/<unique>`, which never contends; the next
writer (or `settle`) folds spilled events into the counters and readers add
any still pending, so an event whose hook returned is never lost.

Stale locks: the flock cannot go stale. A ref's `.lock` file left by a killed
writer can; `Store.update_ref` removes one older than `STALE_REF_LOCK_S` when
a CAS meets it. Only flock holders write session refs, so such a lock is a
dead writer's (or git's own for microseconds), never a live hook's.

This module is on the hook's hot path: it imports nothing that pygit2 has not
already imported except json and fcntl (hashlib only for an unsafe session id).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from typing import Any, NamedTuple

from gitsess.errors import GitsessError, RefError
from gitsess.store import Store
from gitsess.telemetry import paths

COUNTERS_VERSION = 1
LIVE = "refs/sess/live/"
DONE = "refs/sess/done/"
PENDING = "refs/sess/pending/"
# Sessions this clone's own writers created: refs/sess/local/ is never pushed
# or fetched (gitsess.sync.exchange), so a peer cannot plant one. The marker is a blob
# {"v": 1, "transcript_path": <str or null>}: the agent's transcript path is
# a machine path (/home/<user>/...), so it is kept here, never in the pushed
# session.json (issue 9, deliverable 5). gitsess.transcripts.ownfiles reads it before any
# file a session names is opened.
OWN = "refs/sess/local/own/"
OWN_VERSION = 1

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
MAX_NAME = 200
MAX_KEYS = 500
OVERFLOW_KEY = "(other)"
# session.json keys readers print: counts, and text (or null).
_META_COUNTS = frozenset({"started_at_ms", "parallel_sessions"})
_META_TEXT = frozenset(
    {"session_id", "raw_session_id", "agent", "model", "operator", "cwd", "worktree", "branch",
     "head"}
)
# Events whose transcript_path is compared with the own-session marker's (a
# resume or /clear can start a new file); the others never read the marker.
_TRANSCRIPT_KINDS = frozenset({"session_start", "prompt", "stop"})

_SAFE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
_SUBAGENT_TOOLS = frozenset({"Task", "Agent"})
# Issue 11: a call is counted once, by the agent's id for it, whichever of its
# Pre/Post/Failure hooks arrives first. calls.json keeps the calls started and
# not finished (`open`: id -> [tool, subagent id or ""]) and the ids of the
# last ones finished (`closed`), so that a Pre folded in after its Post (a
# spill) is not counted again. Both are bounded: a call evicted from `open`
# is one that never finished, and is counted as interrupted.
MAX_OPEN = 256
MAX_CLOSED = 128

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


class Event:
    """One agent hook event, stripped of anything private.

    It holds names, times and outcomes only: never tool inputs, tool outputs
    or prompt text. (A plain class, not a dataclass: building a dataclass
    costs ~1 ms at import, over 1% of a hook process; see bench/.)
    """

    __slots__ = _EVENT_FIELDS = (
        "kind",
        "name",
        "session_id",
        "agent",
        "at_ms",
        "tool",
        "duration_ms",
        "agent_id",
        "agent_type",
        "model",
        "source",
        "cwd",
        "tool_use_id",
        "transcript",
    )

    def __init__(
        self,
        kind: str,
        name: str,  # the agent's own event name, e.g. "PostToolUse"
        session_id: str,
        agent: str,
        at_ms: int | None = None,  # epoch ms; now when None
        tool: str | None = None,
        duration_ms: int | None = None,
        agent_id: str | None = None,
        agent_type: str | None = None,
        model: str | None = None,
        source: str | None = None,  # SessionStart: startup / resume / clear / compact
        cwd: str | None = None,
        tool_use_id: str | None = None,  # the agent's id for a tool call
        transcript: str | None = None,  # the payload's transcript_path
    ) -> None:
        self.kind = kind
        self.name = name
        self.session_id = session_id
        self.agent = agent
        self.at_ms: int = int(time.time() * 1000) if at_ms is None else at_ms
        self.tool = tool
        self.duration_ms = duration_ms
        self.agent_id = agent_id
        self.agent_type = agent_type
        self.model = model
        self.source = source
        self.cwd = cwd
        self.tool_use_id = tool_use_id
        self.transcript = transcript

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, k) for k in self._EVENT_FIELDS)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Event) and self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]  # mutable, like a dataclass

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._EVENT_FIELDS)
        return f"Event({fields})"

    def line(self, *, spilled: bool = False) -> str:
        """The event as the one JSON line stored in its commit message.

        A spilled event also carries its agent, cwd and transcript path: it
        may be the first event of its session, and the session is then
        created from it.
        """
        d: dict[str, Any] = {"v": 1, "event": self.name, "kind": self.kind, "at": self.at_ms}
        keys = ["tool", "duration_ms", "agent_id", "agent_type", "model", "source", "tool_use_id"]
        if spilled:
            keys += ["agent", "cwd", "transcript"]
        for key in keys:
            value = getattr(self, key)
            if value is not None:
                d[key] = value
        return json.dumps(d, separators=(",", ":"), ensure_ascii=True)

    @classmethod
    def from_line(cls, line: str, session_id: str, agent: str) -> Event | None:
        """An event back from its line; None for a line this version cannot read."""
        try:
            d = json.loads(line)
        except (ValueError, RecursionError):
            return None
        if not isinstance(d, dict) or d.get("v") != 1 or not isinstance(d.get("at"), int):
            return None

        def text(key: str) -> str | None:
            value = d.get(key)
            return value if isinstance(value, str) else None

        duration = d.get("duration_ms")
        return cls(
            kind=text("kind") or OTHER,
            name=text("event") or "",
            session_id=session_id,
            agent=text("agent") or agent,
            at_ms=d["at"],
            tool=text("tool"),
            duration_ms=duration if type(duration) is int else None,
            agent_id=text("agent_id"),
            agent_type=text("agent_type"),
            model=text("model"),
            source=text("source"),
            cwd=text("cwd"),
            tool_use_id=text("tool_use_id"),
            transcript=text("transcript"),
        )


def safe_session_name(raw: str) -> str:
    """A ref component for a session id: the id itself when safe, else a hash.

    Safe means [A-Za-z0-9._-], at most 128 characters, starting with an
    alphanumeric, no '..', not ending in '.' or '.lock' (git-check-ref-format(1):
    a ref may not end with a dot). Anything else becomes `x-<sha256 prefix>`.
    """
    if (
        0 < len(raw) <= 128
        and raw[0].isascii()
        and raw[0].isalnum()
        and _SAFE_CHARS.issuperset(raw)
        and ".." not in raw
        and not raw.endswith((".", ".lock"))
    ):
        return raw
    import hashlib  # rare: most agents send UUIDs

    # surrogatepass: a JSON payload can carry lone surrogates ("\ud800").
    digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:24]
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


# -- writing ----------------------------------------------------------------


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


def _jitter() -> float:
    """A backoff factor in [0.5, 1.5), without importing random on the hot path."""
    return 0.5 + int.from_bytes(os.urandom(2), "big") / 65536


class QueueTimeout(Exception):
    """The telemetry flock was not ours by the deadline: spill instead."""


@contextlib.contextmanager
def writer_lock(store: Store, deadline: float) -> Iterator[None]:
    """Hold the repository's telemetry flock, waiting at most until `deadline`.

    Raises QueueTimeout when another writer holds it past the deadline. Every
    session-ref write happens under this lock, so a ref `.lock` file met
    while holding it belongs to a dead writer (or to git itself for
    microseconds): that is what makes clearing stale locks safe. A writer
    that cleared a *live* writer's lock could see its own write land through
    the other's rename and then retry it, counting an event twice. Where the
    filesystem has no flock at all, the CAS alone keeps counts exact. The
    kernel drops the lock with its holder, so the lock itself never goes stale.
    """
    try:
        fd = os.open(store.common_dir, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        delay = 0.0005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() + delay >= deadline:
                    raise QueueTimeout() from None
                time.sleep(delay * _jitter())
                delay = min(delay * 2, 0.02)
            except OSError:  # no flock here (some network filesystems)
                break
        yield
    finally:
        os.close(fd)  # closing releases the flock


def _pending_refs(store: Store, session: str, *, loose_only: bool) -> dict[str, str]:
    """A session's spill refs. `loose_only` first looks for the loose directory.

    Spills are rare, so the hot path stats one directory instead of listing
    every ref; a packed spill (after `git gc`) is then left to readers and to
    `settle`, which list everything.
    """
    prefix = f"{PENDING}{session}/"
    if loose_only and not os.path.isdir(os.path.join(store.common_dir, prefix)):
        return {}
    return store.refs(prefix)


def has_spills(store: Store, ref: str) -> bool:
    """Whether `ref`'s session has spilled events not folded into a ref yet."""
    return bool(_pending_refs(store, ref.rsplit("/", 1)[-1], loose_only=False))


def _json_entry(store: Store, entries: dict[str, tuple[str, str]], name: str) -> Any:
    entry = entries.get(name)
    if not entry:
        return None
    from gitsess.store.safejson import load_json  # bounded: peers' refs are fetched (issue 9)

    return load_json(store.read_blob(entry[1]))


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
    meta = _json_entry(store, entries, "session.json")
    counters = _json_entry(store, entries, "counters.json")
    folded = _json_entry(store, entries, "folded.json")
    return (
        _sane_meta(meta),
        _sane_counters(counters),
        [n for n in folded if isinstance(n, str)] if isinstance(folded, list) else [],
        _sane_calls(_json_entry(store, entries, "calls.json")),
    )


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53


def _sane_meta(meta: Any) -> dict[str, Any]:
    if not isinstance(meta, dict):
        return {}
    out = {}
    for key, value in meta.items():
        if key in _META_COUNTS and not _count(value):
            continue
        if key in _META_TEXT and not (value is None or isinstance(value, str)):
            continue
        out[key] = value
    return out


def _sane_calls(raw: Any) -> dict[str, Any]:
    """calls.json as written by `_track`, or empty when it is not."""
    out = new_calls()
    if not isinstance(raw, dict):
        return out
    if isinstance(raw.get("open"), dict):
        out["open"] = {str(k): v for k, v in list(raw["open"].items())[-MAX_OPEN:]
                       if isinstance(v, list)}
    if isinstance(raw.get("closed"), list):
        out["closed"] = [x for x in raw["closed"][-MAX_CLOSED:] if isinstance(x, str)]
    if _count(raw.get("evicted")):
        out["evicted"] = raw["evicted"]
    return out


def _sane_counters(raw: Any) -> dict[str, Any]:
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
            c[key] = value if _count(value) else None
        else:
            c[key] = value if _count(value) else default
    return c


def _sane_mcp(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        return {}
    return {
        str(server): {"total": e["total"], "methods": _sane_map(e.get("methods"))}
        for server, e in value.items()
        if isinstance(e, dict) and _count(e.get("total"))
    }


def _sane_map(value: Any) -> dict[str, int]:
    return {str(k): v for k, v in value.items() if _count(v)} if isinstance(value, dict) else {}


def _read_spill(store: Store, oid: str, session: str) -> Event | None:
    try:
        line = store.read_blob(oid).decode("utf-8", "replace")
    except Exception:  # not a blob: not ours to count
        return None
    return Event.from_line(line, session, "")


def _start_meta(store: Store, ev: Event, session: str) -> dict[str, Any]:
    from gitsess.handoff.identity import operator  # once per session, off the per-event path

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
        "agent": ev.agent or None,
        "model": ev.model,
        # cache=False: the hook never writes the user's git config; the
        # handoff caches the operator id when it first needs it.
        "operator": operator(store, cache=False).id,
        # Relative to the repository: session.json is pushed (gitsess/telemetry/paths.py).
        "cwd": paths.to_repo(store, ev.cwd),
        "worktree": paths.to_repo(store, store.workdir),
        "branch": head.branch,
        "head": head.oid,
        "detached": head.detached,
        "started_at_ms": ev.at_ms,
        "parallel_sessions": parallel,
    }


def _advance(
    store: Store, ref: str, session: str, ev: Event | None, *, deadline: float, full: bool
) -> str | None:
    """Append `ev` (if any) and every spill not yet counted to `ref`, by CAS.

    The one writer behind `record` and `settle`. Returns the new tip (the old
    one when there was nothing to add). Folded spills are named in the
    tip's folded.json until their refs are gone, so a writer killed between
    the CAS and the deletion leaves nothing counted twice; the next writer
    deletes them.
    """
    done: list[str] = []
    # The commit that started the ref, when this call did, and the transcript
    # its events name (the latest one's): [commit, path or None].
    created: list[Any] = []

    def compute(old: str | None) -> str | None:
        created.clear()
        entries = store.read_tree(old) if old else {}
        counters = _json_entry(store, entries, "counters.json") or new_counters()
        calls_before = _json_entry(store, entries, "calls.json")
        calls = _sane_calls(calls_before)
        folded: list[str] = _json_entry(store, entries, "folded.json") or []
        # A folded name means spills exist somewhere, maybe packed: list them all.
        spills = _pending_refs(store, session, loose_only=not (full or folded))
        folded = [n for n in folded if n in spills]
        fresh: list[Event] = []
        for name in sorted(spills):
            if name in folded:
                continue
            spilled = _read_spill(store, spills[name], session)
            if spilled is not None:
                fresh.append(spilled)
            folded.append(name)
        done[:] = folded
        if ev is None and not fresh:
            return old  # settle with nothing to fold
        # The commit is the event's own; folded spills ride along after it.
        events = [ev, *fresh] if ev is not None else fresh
        for e in sorted(events, key=lambda e: e.at_ms):
            apply(counters, e, calls)
        lead = events[0]
        if old is None:
            meta = _start_meta(store, min(events, key=lambda e: e.at_ms), session)
            entries = {"session.json": ("blob", store.write_blob(_dumps(meta)))}
        elif lead.model:
            # SessionStart may name the model: keep session.json current.
            meta = _json_entry(store, entries, "session.json") or {}
            if meta.get("model") != lead.model:
                meta["model"] = lead.model
                entries["session.json"] = ("blob", store.write_blob(_dumps(meta)))
        entries["counters.json"] = ("blob", store.write_blob(_dumps(counters)))
        if calls["open"] or calls["closed"] or calls_before is not None:
            entries["calls.json"] = ("blob", store.write_blob(_dumps(calls)))
        entries.pop("folded.json", None)
        if folded:
            entries["folded.json"] = ("blob", store.write_blob(_dumps(folded)))
        made = store.write_commit(
            store.write_tree(entries),
            [old] if old else [],
            "".join(e.line() + "\n" for e in events),
            when=max(e.at_ms for e in events) / 1000,
        )
        if old is None:
            named = [e.transcript for e in sorted(events, key=lambda e: e.at_ms) if e.transcript]
            created[:] = [made, named[-1] if named else None]
        return made

    tip = store.update_ref(ref, compute, deadline=deadline)
    if created and tip == created[0]:
        mark_own(store, session, created[1])
    elif ev is not None and ev.transcript and ev.kind in _TRANSCRIPT_KINDS:
        # A resumed or cleared session can write a new file (rare kinds only:
        # a tool call never reads the marker).
        follow_transcript(store, session, ev.transcript)
    for name in done:
        with contextlib.suppress(RefError):
            store.cas_ref(name, None, store.ref(name))
    return tip


def _own_marker(transcript: str | None) -> bytes:
    """The own-session marker's blob (gitsess.transcripts.ownfiles.recorded_transcript reads it)."""
    return _dumps({"v": OWN_VERSION, "transcript_path": transcript})


def mark_own(store: Store, session: str, transcript: str | None) -> None:
    """Mark `session` as recorded here, with the agent's transcript path
    (once per session, by the writer that created its ref)."""
    with contextlib.suppress(RefError):
        store.cas_ref(OWN + session, store.write_blob(_own_marker(transcript)), None)


def follow_transcript(store: Store, session: str, transcript: str) -> None:
    """Point an existing marker at `transcript` when it names another file.

    Never creates a marker: a session this writer did not create (fetched,
    made by hand, recorded before markers) stays unmarked. The marker is
    compared by object id, so the usual case (same file) costs one ref read
    and a hash, no blob read. Best effort: a lost race leaves the other
    writer's (equally recent) path."""
    old = store.ref(OWN + session)
    data = _own_marker(transcript)
    if old is None or old == Store.hash_blob(data):
        return
    with contextlib.suppress(RefError):
        store.cas_ref(OWN + session, store.write_blob(data), old)


def record(store: Store, ev: Event, *, deadline: float) -> str:
    """Append `ev` to its session's ref. Returns the ref written.

    Falls back to a spill ref when the session ref cannot be updated by
    `deadline` (time.monotonic()); raises only if even the spill fails.
    """
    session = safe_session_name(ev.session_id)
    # Keep a quarter of what is left for the spill, should the CAS run out.
    soft = deadline - 0.25 * max(0.0, deadline - time.monotonic())
    try:
        with writer_lock(store, soft):
            _advance(store, LIVE + session, session, ev, deadline=soft, full=False)
            return LIVE + session
    except (RefError, QueueTimeout):
        pass
    return spill(store, ev, session)


def settle(store: Store, ref: str, deadline: float) -> str | None:
    """Fold every spilled event of `ref`'s session into `ref`, adding no event.

    The handoff calls it before it moves a session from live to done, so the
    moved chain counts everything. Returns the tip (None when the session has
    neither a ref nor spills); raises RefError if `ref` cannot be updated by
    `deadline`. A session whose only events spilled gets its ref here.
    """
    session = ref.rsplit("/", 1)[-1]
    try:
        with writer_lock(store, deadline):
            return _advance(store, ref, session, None, deadline=deadline, full=True)
    except QueueTimeout:
        raise RefError("locked", f"{ref}: another gitsess writer held the queue") from None


def spill(store: Store, ev: Event, session: str) -> str:
    """Write `ev` to a ref no other writer touches; folded in later."""
    unique = f"{ev.at_ms}-{os.getpid()}-{os.urandom(4).hex()}"
    name = f"{PENDING}{session}/{unique}"
    store.cas_ref(name, store.write_blob(ev.line(spilled=True).encode()), None)
    return name


# -- reading ----------------------------------------------------------------


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
    extra = [
        e
        for name, oid in sorted(pending.items())
        if name not in folded and (e := _read_spill(store, oid, session)) is not None
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
    state = "done" if ref.startswith(DONE) else "live"
    return Session(ref, str(meta.get("session_id", session)), meta, counters, tip, state)


def _by_session(pending: dict[str, str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for name, oid in pending.items():
        session = name[len(PENDING) :].split("/", 1)[0]
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
    live = ref.startswith(LIVE)
    session = ref.rsplit("/", 1)[-1]
    if tip is not None:
        pending = _pending_refs(store, session, loose_only=False) if live else {}
        return _session(store, ref, tip, pending)
    for _ in range(5):
        tip = store.ref(ref)
        pending = _pending_refs(store, session, loose_only=False) if live else {}
        if store.ref(ref) == tip:
            break
    return _session(store, ref, tip, pending)


def live_sessions(store: Store, prefix: str = LIVE) -> list[Session]:
    """Every session under `prefix`, newest last event first.

    Under refs/sess/live/ that includes a session whose only events spilled
    (it has no ref yet). The same two-read rule as `read_session` holds per
    session; a session whose tip moved meanwhile is read again on its own.
    """
    live = prefix == LIVE
    before = store.refs(prefix)
    pending = _by_session(store.refs(PENDING)) if live else {}
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
        s = read_session(store, LIVE + session)
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
