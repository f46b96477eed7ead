"""One pass over what this clone knows, into the report's document
(schemas/report.json).

Handoffs come from the handoff index (gitsess.handoff.index: one listing of
the refs, one read of each handoff commit); records from the notes trees,
each note blob read once (gitsess.report.records); sessions from the
telemetry refs, local and fetched (refs/sess/{live,done}/ and
refs/sess/remotes/<remote>/{live,done}/), each tip read once. A session
fetched from a remote and also held here is counted once, the local copy
winning. Every string a teammate wrote goes through gitsess.ui.untrusted
as its row is built (a walk of the finished document costs a second at
10,000 handoffs).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gitsess import refs
from gitsess.errors import GitsessError, UsageError
from gitsess.handoff import index as handoff_index
from gitsess.handoff.index import Handoff, Index
from gitsess.report import records
from gitsess.store import Store
from gitsess.telemetry import readers
from gitsess.telemetry.counting import subagents
from gitsess.ui import untrusted
from gitsess.ui.timefmt import iso

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Window:
    """What the report covers; every filter given must hold."""

    since_s: int | None = None  # seconds before now
    range: str | None = None  # A..B: commits of B not in A
    branch: str | None = None
    operator: str | None = None
    workstream: str | None = None


@dataclass
class _Session:
    s: readers.Session
    source: str  # "local" or the remote it was fetched from
    operator: str | None
    workstream: str | None


def _commits_of(store: Store, window: Window) -> set[str] | None:
    """The commits --range or --branch select (None: no such filter)."""
    if window.range is None and window.branch is None:
        return None
    out: set[str] | None = None
    if window.range is not None:
        base, sep, tip = window.range.partition("..")
        if not sep or sep + tip != window.range[len(base):] or tip.startswith("."):
            raise UsageError(f"invalid range '{window.range}'", hint="use A..B, e.g. main..topic")
        a, b = store.resolve(base or "HEAD"), store.resolve(tip or "HEAD")
        if a is None or b is None:
            raise UsageError(f"unknown revision in '{window.range}'")
        out = {c.oid for c in store.walk([b], [a])}
    if window.branch is not None:
        tip_oid = store.ref(refs.branch(window.branch)) or store.ref(
            refs.GIT_REMOTES + window.branch)
        if tip_oid is None:
            raise UsageError(f"no branch '{window.branch}'",
                             hint="a local branch (topic) or a remote-tracking one (origin/topic)")
        on = {c.oid for c in store.walk([tip_oid])}
        out = on if out is None else out & on
    return out


def _sessions(store: Store) -> list[tuple[readers.Session, str]]:
    """Every session once: local refs first, then each remote's copies."""
    found: dict[str, tuple[readers.Session, str]] = {}
    prefixes = [(refs.LIVE, "local", "live"), (refs.DONE, "local", "done")]
    remotes = sorted({name[len(refs.REMOTES):].split("/", 1)[0]
                      for name in store.refs(refs.REMOTES)})
    prefixes += [(f"{refs.REMOTES}{r}/{kind}/", r, kind) for r in remotes
                 for kind in ("live", "done")]
    for prefix, source, state in prefixes:
        for s in readers.live_sessions(store, prefix):
            # The reader knows done/ only under refs/sess/; a fetched one says where it was.
            s = s._replace(state=state)
            have = found.get(s.session_id)
            if have is None or (have[1] == source and _events(s) > _events(have[0])):
                found[s.session_id] = (s, source)
    return list(found.values())


def _events(s: readers.Session) -> int:
    return int(s.counters.get("events", 0))


def _start_ms(s: readers.Session) -> int:
    return int(s.meta.get("started_at_ms") or s.counters.get("first_event_ms") or 0)


def _end_ms(s: readers.Session) -> int:
    return int(s.counters.get("last_event_ms") or _start_ms(s))


def _record_blobs(store: Store, index: Index) -> dict[str, str]:
    """handoff commit -> note blob, from the first notes ref that has one."""
    out: dict[str, str] = {}
    for notes_commit in index.notes:
        for annotated, blob in store.notes_map(notes_commit).items():
            out.setdefault(annotated, blob)
    return out


def _record(store: Store, blobs: dict[str, str], h: Handoff) -> dict[str, Any]:
    blob = blobs.get(h.commit)
    if blob is None:
        return {}
    try:
        text = store.read_blob(blob).decode("utf-8", "replace")
    except (GitsessError, KeyError, ValueError):  # a note that is not a blob, or absent
        return {}
    return records.front(text, h.id)


def gather(store: Store, window: Window, *, now_ms: int, seen_ms: int | None) -> dict[str, Any]:
    """The report's document over `window` (schemas/report.json)."""
    cutoff_s = max(0.0, now_ms / 1000 - window.since_s) if window.since_s is not None else None
    commits = _commits_of(store, window)
    index = handoff_index.build(store)
    shown = handoff_index.select(index.handoffs, operator=window.operator,
                                 workstream=window.workstream, since=cutoff_s)
    if commits is not None:
        shown = [h for h in shown if h.commit in commits]
    by_session = {s: h for h in reversed(index.handoffs) for s in h.sessions}
    blobs = _record_blobs(store, index)
    hrows = [_handoff_row(h, _record(store, blobs, h)) for h in shown]
    named = {s for h in shown for s in h.sessions}
    sessions = []
    for s, source in _sessions(store):
        taken = by_session.get(s.session_id)
        op = s.meta.get("operator") or (taken.operator if taken else None)
        ses = _Session(s, source, op if isinstance(op, str) else None,
                       taken.workstream if taken else None)
        if _keep(ses, window, cutoff_s, commits, named):
            sessions.append(ses)
    sessions.sort(key=lambda x: (_start_ms(x.s), x.s.session_id))
    srows = [_session_row(x) for x in sessions]
    doc = {
        "v": SCHEMA_VERSION,
        "generated_at": iso(now_ms),
        "window": {"since_s": window.since_s, "range": _opt(window.range),
                   "branch": _opt(window.branch), "operator": _opt(window.operator),
                   "workstream": _opt(window.workstream),
                   "from": iso(cutoff_s * 1000) if cutoff_s is not None else None,
                   "to": iso(now_ms)},
        "complete": index.complete,
        "totals": _totals(hrows, srows),
        "operators": _per(hrows, srows, "operator"),
        "workstreams": _per(hrows, srows, "workstream"),
        "tools": _sum_maps(r["tools"] for r in srows),
        "mcp": _sum_maps(r["mcp"] for r in srows),
        "invariants": _invariants(hrows),
        "branches": _branches(hrows, srows),
        "since_last_looked": _since(hrows, srows, seen_ms),
        "handoffs": hrows,
        "sessions": srows,
    }
    return doc


def _keep(x: _Session, window: Window, cutoff_s: float | None, commits: set[str] | None,
          named: set[str]) -> bool:
    s = x.s
    if s.session_id in named:  # a handoff in the window took it in
        return True
    if window.operator is not None and x.operator != window.operator:
        return False
    if window.workstream is not None and x.workstream != window.workstream:
        return False
    if cutoff_s is not None and _end_ms(s) < cutoff_s * 1000:
        return False
    if window.branch is not None and s.meta.get("branch") not in _branch_names(window.branch):
        return False
    return not (window.range is not None and (commits is None or s.meta.get("head") not in commits))


def _line(value: str) -> str:
    """untrusted.line, with its common case (short printable ASCII) inline:
    a report makes 80,000 of these at 10,000 handoffs."""
    if len(value) <= untrusted.LINE_CHARS and value.isascii() and value.isprintable():
        return value
    return untrusted.line(value)


def _opt(value: Any) -> str | None:
    return _line(value) if isinstance(value, str) else None


def _named(d: Any) -> dict[str, int]:
    """A mapping of counts with its names made safe."""
    if not isinstance(d, dict):
        return {}
    return {_line(str(k)): v for k, v in d.items() if type(v) is int}


def _branch_names(branch: str) -> tuple[str, str]:
    """A session records the local name of its branch: `origin/topic` is `topic` too."""
    return branch, branch.split("/", 1)[-1]


def _handoff_row(h: Handoff, rec: dict[str, Any]) -> dict[str, Any]:
    """One handoff, every string of it made safe (gitsess.ui.untrusted): the
    commit and its note are whoever pushed them."""
    line = _line
    used = records.usage(rec)
    tokens = used["tokens"]
    return {
        "id": line(h.id), "operator": line(h.operator), "workstream": line(h.workstream),
        "phase": _opt(h.phase), "title": line(h.title), "at": iso(h.time * 1000),
        "at_ms": h.time * 1000, "commit": h.commit, "source": h.source,
        "branch": _opt(rec.get("branch")), "sessions": [line(s) for s in h.sessions],
        "record": bool(rec),
        "tokens": {line(m): c for m, c in tokens.items()} if tokens is not None else None,
        "models": _named(used["models"]) if used["models"] is not None else None,
        "invariants": [{**i, "name": line(i["name"])} for i in records.invariants(rec)],
    }


def _session_row(x: _Session) -> dict[str, Any]:
    """One session, its strings made safe: a session ref can be fetched, or hand-made."""
    s, c, m = x.s, x.s.counters, x.s.meta
    mcp = {_line(str(k)): int(v.get("total", 0)) for k, v in c.get("mcp", {}).items()
           if isinstance(v, dict) and type(v.get("total", 0)) is int}
    return {
        "session_id": _line(s.session_id), "operator": _opt(x.operator),
        "workstream": _opt(x.workstream), "state": s.state, "source": _line(x.source),
        "agent": _opt(m.get("agent")), "model": _opt(m.get("model")),
        "branch": _opt(m.get("branch")), "started_at": iso(_start_ms(s) or None),
        "last_event_at": iso(c.get("last_event_ms")), "start_ms": _start_ms(s),
        "end_ms": _end_ms(s), "events": c.get("events", 0), "tool_calls": c.get("tool_calls", 0),
        "tools": _named(c.get("tools")), "mcp": mcp, "mcp_calls": sum(mcp.values()),
        "failures": c.get("failures", 0), "subagents": subagents(c), "prompts": c.get("prompts", 0),
    }


_SUMMED = ("events", "tool_calls", "mcp_calls", "failures", "subagents", "prompts")


def _totals(hrows: list[dict[str, Any]], srows: list[dict[str, Any]]) -> dict[str, Any]:
    tokens: dict[str, dict[str, int]] | None = None
    for h in hrows:
        if h["tokens"] is not None:
            tokens = tokens if tokens is not None else {}
            for model, counts in h["tokens"].items():
                into = tokens.setdefault(model, {})
                for k, n in counts.items():
                    into[k] = into.get(k, 0) + n
    out: dict[str, Any] = {"handoffs": len(hrows), "sessions": len(srows),
                           "live_sessions": sum(1 for s in srows if s["state"] == "live")}
    out.update({k: sum(int(s[k]) for s in srows) for k in _SUMMED})
    out["tokens"] = tokens
    out["invariant_failures"] = sum(1 for h in hrows for i in h["invariants"]
                                    if i["verdict"] != "pass")
    return out


def _per(hrows: list[dict[str, Any]], srows: list[dict[str, Any]], key: str,
         ) -> list[dict[str, Any]]:
    other = "workstream" if key == "operator" else "operator"
    rows: dict[str, dict[str, Any]] = {}

    def row(name: str | None) -> dict[str, Any]:
        name = name or "-"
        return rows.setdefault(name, {key: name, "handoffs": 0, "sessions": 0, "live": 0,
                                      "tool_calls": 0, "failures": 0, other + "s": set(),
                                      "last_at_ms": 0})

    for h in hrows:
        r = row(h[key])
        r["handoffs"] += 1
        r[other + "s"].add(h[other])
        r["last_at_ms"] = max(r["last_at_ms"], h["at_ms"])
    for s in srows:
        r = row(s[key])
        r["sessions"] += 1
        r["live"] += s["state"] == "live"
        r["tool_calls"] += s["tool_calls"]
        r["failures"] += s["failures"]
        if s[other]:
            r[other + "s"].add(s[other])
        r["last_at_ms"] = max(r["last_at_ms"], s["end_ms"])
    out = []
    for r in rows.values():
        r[other + "s"] = sorted(r[other + "s"])
        r["last_at"] = iso(r.pop("last_at_ms") or None)
        out.append(r)
    return sorted(out, key=lambda r: (-r["handoffs"] - r["sessions"], r[key]))


def _sum_maps(maps: Iterable[dict[str, Any]]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for m in maps:
        for k, v in m.items():
            if isinstance(v, int):
                total[k] += v
    return dict(sorted(total.items(), key=lambda kv: (-kv[1], kv[0])))


def _invariants(hrows: list[dict[str, Any]]) -> dict[str, Any]:
    by_name: dict[str, dict[str, int]] = {}
    findings = []
    for h in hrows:
        for inv in h["invariants"]:
            by_name.setdefault(inv["name"], {"pass": 0, "warn": 0, "fail": 0})[inv["verdict"]] += 1
            if inv["verdict"] != "pass":
                findings.append({"handoff": h["id"], "operator": h["operator"], **inv})
    return {"recorded": any(h["record"] for h in hrows),
            "by_name": dict(sorted(by_name.items())), "findings": findings}


def _branches(hrows: list[dict[str, Any]], srows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for kind, items in (("handoffs", hrows), ("sessions", srows)):
        for item in items:
            if item["branch"]:
                r = rows.setdefault(item["branch"], {"branch": item["branch"], "handoffs": 0,
                                                     "sessions": 0})
                r[kind] += 1
    return sorted(rows.values(), key=lambda r: (-r["handoffs"] - r["sessions"], r["branch"]))


def _since(hrows: list[dict[str, Any]], srows: list[dict[str, Any]], seen_ms: int | None,
           ) -> dict[str, Any]:
    if seen_ms is None:
        return {"seen_at": None, "handoffs": len(hrows), "sessions": len(srows), "new": []}
    new = [h for h in hrows if h["at_ms"] > seen_ms]
    return {"seen_at": iso(seen_ms), "handoffs": len(new),
            "sessions": sum(1 for s in srows if s["end_ms"] > seen_ms),
            "new": [h["id"] for h in new[:20]]}
