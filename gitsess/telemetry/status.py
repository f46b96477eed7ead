"""What `git sess status` shows of a session: its JSON view (schemas/status.json)
and its text.

With --reconcile the counts are the transcript-reconciled ones and tokens,
models and sources are filled in; that reading belongs to gitsess.transcripts
(a layer above), so the caller passes its results in. Without it, tokens and
models are null: status stays a read of refs only.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from gitsess.store import Store
from gitsess.telemetry import paths
from gitsess.telemetry.counting import subagents
from gitsess.telemetry.readers import Session
from gitsess.ui import untrusted
from gitsess.ui.timefmt import ago, iso

SCHEMA_VERSION = 1


def session_view(s: Session, store: Store, transcript: dict[str, Any] | None = None, *,
                 counters: dict[str, Any] | None = None,
                 sources: dict[str, Any] | None = None) -> dict[str, Any]:
    """One session as printed by status --json, its text made safe
    (gitsess.ui.untrusted): a session ref can be fetched, or hand-made.

    `sources` is given exactly when the session was reconciled, with the
    reconciled `counters` and the `transcript` counts (None: not read)."""
    m = s.meta
    reconciled = sources is not None
    c = counters if counters is not None else s.counters
    t = transcript or {}
    return untrusted.tree({
        "session_id": s.session_id,
        "ref": s.ref,
        "state": s.state,
        "agent": m.get("agent"),
        "model": m.get("model"),
        "operator": m.get("operator"),
        "branch": m.get("branch"),
        "head": m.get("head"),
        "cwd": paths.from_repo(store, m.get("cwd")),
        "parallel_sessions": m.get("parallel_sessions", 0),
        "started_at": iso(m.get("started_at_ms") or c.get("first_event_ms")),
        "last_event_at": iso(c.get("last_event_ms")),
        "events": c.get("events", 0),
        "by_event": c.get("by_event", {}),
        "tool_calls": c.get("tool_calls", 0),
        "tools": c.get("tools", {}),
        "mcp": c.get("mcp", {}),
        "subagents": subagents(c),
        "failures": c.get("failures", 0),
        "prompts": c.get("prompts", 0),
        "compactions": c.get("compactions", 0),
        "duration_ms": c.get("duration_ms", 0),
        "active_minutes": round(c.get("active_ms", 0) / 60000, 1),
        "interruptions": c.get("interruptions", 0),
        # Only with --reconcile; null: not read (empty: read, nothing there).
        "tokens": t.get("tokens", {}) if reconciled and transcript is not None else None,
        "models": t.get("models", {}) if reconciled and transcript is not None else None,
        "sources": sources if reconciled else None,
    })


def print_json(views: list[dict[str, Any]]) -> None:
    json.dump({"v": SCHEMA_VERSION, "sessions": views}, sys.stdout, indent=2)
    sys.stdout.write("\n")


def _top(d: dict[str, int], n: int = 3) -> str:
    items = sorted(d.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return ", ".join(f"{k} {v}" for k, v in items) or "-"


def print_text(views: list[dict[str, Any]], sessions: list[Session],
               describe: Callable[[str, dict[str, Any]], str] | None = None) -> None:
    """The sessions as text; `describe` (reconciled only) words one disagreement."""
    if not views:
        print("no live sessions (agent hooks record them: git sess install --agent <agent>;"
              " git sess install --help lists the agents)")
        return
    for v, s in zip(views, sessions, strict=False):
        mcp = ", ".join(f"{k} {e['total']}" for k, e in sorted(v["mcp"].items())) or "-"
        state = "" if v["state"] == "live" else " [done]"
        agent = v["agent"] or "unknown agent"
        print(f"{v['session_id']}{state}  {agent}" + (f" ({v['model']})" if v["model"] else ""))
        print(
            f"  started {v['started_at'] or 'at an unknown time'}"
            f"  last event {ago(s.counters.get('last_event_ms'))}"
            f"  on {v['branch'] or '(detached)'}"
        )
        print(
            f"  {v['tool_calls']} tool calls ({v['failures']} failed), {v['prompts']} prompts,"
            f" {v['subagents']} subagents, {v['active_minutes']} active min"
        )
        print(f"  top tools: {_top(v['tools'])}")
        print(f"  mcp: {mcp}")
        if describe is not None:
            _print_reconciled(v, describe)


def _print_reconciled(v: dict[str, Any], describe: Callable[[str, dict[str, Any]], str]) -> None:
    if v["tokens"] is None:
        print("  transcript: not read (none recorded by this machine's hooks, or not found)")
        return
    for model, n in sorted(v["models"].items(), key=lambda kv: (-kv[1], kv[0])):
        tk = v["tokens"].get(model, {})
        print(f"  model {model}: {n} messages, tokens in {tk.get('input', 0)} out "
              f"{tk.get('output', 0)} cache write {tk.get('cache_write', 0)} "
              f"read {tk.get('cache_read', 0)}")
    for name, src in v["sources"].items():
        print(f"  {describe(name, src)}")
