"""Hooks and transcript, reconciled: the counts a handoff records (issue 11).

The hooks count what they were told; the agent's transcript holds what it
did. At handoff (and in `git sess status --reconcile`) each session's
transcript, when gitsess.transcripts.ownfiles lets it be read, is counted by
gitsess.transcripts.agentlogs and set against the session's hook counters:

- a counter both have is the larger of the two (a hook can be lost, a
  transcript line is never invented; the larger one has missed less);
- what only the transcript has (tokens per model, models with their message
  counts, per-subagent work) is the transcript's;
- a counter on which they disagree is named in `sources`: {hooks, transcript},
  and for tool calls where the gap lies (`where`: the main transcript or a
  subagent file), so that the handoff can print
  `tool_calls: hooks 150, transcript 183 (33 in subagent agent-a2898e3)`.

Policy invariants are evaluated on the reconciled counters: a failure only
the transcript saw still fails `failures == 0`.

`sess.reconcile = false` (git config) turns the reading off: the record then
holds the hooks' counts, as version 1 records did.
"""

from __future__ import annotations

import copy
from typing import Any

from gitsess.store import Store
from gitsess.telemetry import counting, readers
from gitsess.transcripts import agentlogs, ownfiles

# Counters compared one to one: record name -> (hooks' value, transcript's value).
COMPARED = ("tool_calls", "failures", "prompts", "subagents", "compactions",
            "interruptions_count")


def enabled(store: Store) -> bool:
    value = (store.config_get("sess.reconcile") or "").strip().lower()
    return value not in ("false", "no", "off", "0")


def transcript_counts(store: Store, s: readers.Session) -> dict[str, Any] | None:
    """What the session's transcript holds, or None when it cannot be read."""
    path = ownfiles.transcript_path(store, s)
    if path is None:
        return None
    return agentlogs.read(s.meta.get("agent"), path)


def _hooks_value(c: dict[str, Any], name: str) -> int:
    if name == "subagents":
        return counting.subagents(c)
    if name == "interruptions_count":
        return int(c.get("interruptions", 0))
    return int(c.get(name, 0))


def _tr_value(t: dict[str, Any], name: str) -> int:
    return int(t.get("interruptions" if name == "interruptions_count" else name, 0))


def _max_map(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    out = dict(a)
    for k, v in b.items():
        out[k] = max(int(out.get(k, 0)), int(v))
    return out


def session(c: dict[str, Any], t: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(reconciled counters, sources) of one session's hook counters `c` and
    transcript counts `t` (None: no transcript, the hooks' counters as they are)."""
    out = copy.deepcopy(c)
    if t is None:
        return out, {}
    sources: dict[str, Any] = {}
    for name in COMPARED:
        h, x = _hooks_value(c, name), _tr_value(t, name)
        if h != x:
            sources[name] = {"hooks": h, "transcript": x}
    for key in ("tool_calls", "failures", "prompts", "compactions"):
        out[key] = max(int(c.get(key, 0)), int(t.get(key, 0)))
    out["interruptions"] = max(int(c.get("interruptions", 0)), int(t.get("interruptions", 0)))
    out["subagent_starts"] = max(counting.subagents(c), int(t.get("subagents", 0)))
    out["tools"] = _max_map(c.get("tools") or {}, t.get("tools") or {})
    out["failed_tools"] = _max_map(c.get("failed_tools") or {}, t.get("failed_tools") or {})
    mcp = copy.deepcopy(c.get("mcp") or {})
    for server, entry in (t.get("mcp") or {}).items():
        mine = mcp.setdefault(server, {"total": 0, "methods": {}})
        mine["total"] = max(int(mine.get("total", 0)), int(entry.get("total", 0)))
        mine["methods"] = _max_map(mine.get("methods") or {}, entry.get("methods") or {})
    out["mcp"] = mcp
    if "tool_calls" in sources:
        where = _where(c, t)
        if where:
            sources["tool_calls"]["where"] = where
    return out, sources


def _where(c: dict[str, Any], t: dict[str, Any]) -> dict[str, int]:
    """Where the transcript holds calls the hooks did not count: per subagent
    file (its hooks name the same agent id), and the main transcript."""
    hooks_by_agent: dict[str, int] = c.get("agent_calls") or {}
    where: dict[str, int] = {}
    in_agents_h = in_agents_t = 0
    for name, a in (t.get("agents") or {}).items():
        agent_id = name[len("agent-"):] if name.startswith("agent-") else name
        h = int(hooks_by_agent.get(agent_id, 0))
        x = int(a.get("tool_calls", 0))
        in_agents_h += h
        in_agents_t += x
        if x > h:
            where[name] = x - h
    main_h = int(c.get("tool_calls", 0)) - sum(int(v) for v in hooks_by_agent.values())
    main_t = int(t.get("tool_calls", 0)) - in_agents_t
    if main_t > main_h:
        where[agentlogs.MAIN] = main_t - main_h
    return where


def _add_tokens(into: dict[str, dict[str, int]], more: dict[str, dict[str, int]]) -> None:
    for model, kinds in more.items():
        mine = into.setdefault(model, {})
        for k, v in kinds.items():
            mine[k] = int(mine.get(k, 0)) + int(v)


def reconcile(store: Store, sessions: list[readers.Session]
              ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(merged reconciled counters, the record's new telemetry keys) for the
    sessions a handoff covers."""
    merged = counting.new_counters()
    tokens: dict[str, dict[str, int]] = {}
    models: dict[str, int] = {}
    agents: dict[str, Any] = {}
    sources: dict[str, Any] = {}
    read = files = size = 0
    use = enabled(store)
    for s in sessions:
        t = transcript_counts(store, s) if use else None
        counters, found = session(s.counters, t)
        merged = counting.merge_counters(merged, counters)
        if t is None:
            continue
        read += 1
        files += int(t.get("files", 0))
        size += int(t.get("bytes", 0))
        _add_tokens(tokens, t.get("tokens") or {})
        for m, n in (t.get("models") or {}).items():
            models[m] = models.get(m, 0) + int(n)
        for name, a in (t.get("agents") or {}).items():
            mine = agents.setdefault(name, {"tool_calls": 0, "failures": 0, "tokens": {}})
            mine["tool_calls"] += int(a.get("tool_calls", 0))
            mine["failures"] += int(a.get("failures", 0))
            for k, v in (a.get("tokens") or {}).items():
                mine["tokens"][k] = int(mine["tokens"].get(k, 0)) + int(v)
        for name, src in found.items():
            mine = sources.setdefault(name, {"hooks": 0, "transcript": 0})
            mine["hooks"] += src["hooks"]
            mine["transcript"] += src["transcript"]
            for where, n in (src.get("where") or {}).items():
                mine.setdefault("where", {})[where] = mine.get("where", {}).get(where, 0) + n
    extra = {
        "tokens": tokens,
        "models": models,
        "agents": agents,
        "sources": sources,
        "transcripts": {"sessions": read, "files": files, "bytes": size},
    }
    return merged, extra


def describe(name: str, src: dict[str, Any]) -> str:
    """One line for one disagreement, e.g.
    `tool_calls: hooks 150, transcript 183 (33 in subagent agent-a2898e3)`."""
    line = f"{name}: hooks {src.get('hooks')}, transcript {src.get('transcript')}"
    where = src.get("where")
    if isinstance(where, dict) and where:
        parts = [f"{n} in " + ("the main transcript" if w == agentlogs.MAIN else f"subagent {w}")
                 for w, n in sorted(where.items(), key=lambda kv: (-kv[1], kv[0]))]
        line += f" ({', '.join(parts)})"
    return line


def disagreements(telemetry_record: Any) -> list[str]:
    """The lines a handoff prints, from a record's telemetry (any version)."""
    sources = telemetry_record.get("sources") if isinstance(telemetry_record, dict) else None
    if not isinstance(sources, dict):
        return []
    return [describe(str(k), v) for k, v in sources.items() if isinstance(v, dict)]
