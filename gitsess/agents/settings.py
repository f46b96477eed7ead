"""The shape of an agent's project hook settings, and gitsess's entries in it.

Each agent's Spec (gitsess/agents/<agent>_settings.py, registered in
gitsess/agents/specs.py) says where its file lives, which events gitsess
hooks with what timeout, and the shape of its entries; the functions here
merge, strip and inspect gitsess's entries the same way for every agent.
gitsess/setup/agentsettings.py saves and restores the files.

Two shapes exist. Claude Code, Gemini CLI, Codex CLI, Qwen Code and
Factory Droid group entries under a matcher:
    {"hooks": {"<Event>": [{"matcher": "*", "hooks": [<entry>]}]}}
Cursor and Copilot CLI list them flat, in a file that names its schema version:
    {"version": 1, "hooks": {"<event>": [<entry>]}}
An entry names its command under `command` (Copilot CLI: `bash`) and its
timeout under `timeout` (Copilot CLI: `timeoutSec`), and carries
`"async": true` on the events the agent may run without waiting for it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from gitsess.errors import GitsessError


# Every timeout is above what one hook process may take: its 2 s deadline
# (sess.hookTimeout) and, starved of CPU, gitsess/agents/hook.py's STARVED_LIMIT_S
# (8 s), so no agent kills a hook that would have recorded its event.
# SessionStart also prints the resume context; SessionEnd, which runs while
# the agent exits, gets an explicit timeout rather than the agent's default.
@dataclass(frozen=True)
class Spec:
    name: str  # the --agent value, and what the hook command names
    label: str  # the agent, for messages
    dir: str  # the settings directory at the top of a worktree
    files: tuple[str, ...]  # the settings file, then the --local one if the agent has one
    events: dict[str, int]  # event -> timeout, in the agent's unit
    tool_events: frozenset[str] = frozenset()  # grouped under a match-all matcher
    grouped: bool = True  # entries sit in {"matcher", "hooks": [...]} groups
    entry: dict[str, Any] = field(default_factory=dict)  # fields every entry carries
    skeleton: dict[str, Any] = field(default_factory=dict)  # what a created file starts with
    note: str = ""  # what install says about when the agent runs these hooks
    # The agent runs all of an event's matching hooks at once, so gitsess's
    # entry may go first in a list the user's entries are in (an added line,
    # no changed one, in the file's diff); else it goes after theirs.
    parallel: bool = False
    key: str = "command"  # the entry's field that holds the command line
    timeout_key: str = "timeout"  # the entry's field that holds the timeout
    typed: bool = True  # entries carry "type": "command" (Cursor's omit it)
    # Events whose entry carries "async": true: the agent starts the hook and
    # goes on without waiting (each spec cites where its agent documents it).
    async_events: frozenset[str] = frozenset()

    @property
    def ours(self) -> re.Pattern[str]:
        return re.compile(rf"(git-sess|gitsess\.main)['\"]?\s+hook\s+--agent[ =]{self.name}\s*$")


def is_ours(spec: Spec, entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and entry.get("type", "command") == "command"
        and isinstance(entry.get(spec.key), str)
        and bool(spec.ours.search(entry[spec.key]))
    )


def _entries(spec: Spec, items: list[Any]) -> list[list[Any]]:
    """The lists that hold entries, in one event's list (each group's, or the list itself)."""
    if not spec.grouped:
        return [items]
    return [g["hooks"] for g in items if isinstance(g, dict) and isinstance(g.get("hooks"), list)]


def _hooks(data: dict[str, Any]) -> dict[str, Any]:
    hooks = data.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise GitsessError("the settings file's \"hooks\" is not an object; not touching it")
    return hooks


def merged(spec: Spec, settings: dict[str, Any], command: str) -> dict[str, Any]:
    """`settings` with one gitsess entry per event (stale gitsess paths updated)."""
    out: dict[str, Any] = json.loads(json.dumps(settings))
    hooks = _hooks(out)
    for event in spec.events:
        entry = expected(spec, event, command)
        items = hooks.setdefault(event, [])
        if not isinstance(items, list):
            raise GitsessError(f'the settings file\'s "hooks.{event}" is not a list; not touching it')
        found = False
        for inner in _entries(spec, items):
            for i, h in enumerate(inner):
                if is_ours(spec, h):
                    inner[i] = None if found else _updated(spec, event, h, entry)  # None: a duplicate
                    found = True
            inner[:] = [h for h in inner if h is not None]
        if not found:
            if not spec.grouped:
                items.append(entry)
            elif event in spec.tool_events:
                items.append({"matcher": "*", "hooks": [entry]})
            else:
                items.append({"hooks": [entry]})
    return out


def expected(spec: Spec, event: str, command: str) -> dict[str, Any]:
    """The entry install writes for `event`."""
    entry: dict[str, Any] = {"type": "command"} if spec.typed else {}
    entry[spec.key] = command
    entry[spec.timeout_key] = spec.events[event]
    if event in spec.async_events:
        entry["async"] = True
    return {**entry, **spec.entry}


def _updated(spec: Spec, event: str, old: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """gitsess's entry brought up to date: its fields as install writes them,
    any other field kept; an `async` gitsess no longer sets goes."""
    new = {**old, **entry}
    if event not in spec.async_events:
        new.pop("async", None)
    return new


def stale(spec: Spec, settings: dict[str, Any]) -> list[str]:
    """The events whose gitsess entry differs from what install writes now
    (an older install: a timeout, a name, or `async` missing or changed)."""
    hooks = settings.get("hooks")
    if not isinstance(hooks, dict):
        return []
    out = []
    for event in spec.events:
        items = hooks.get(event)
        if not isinstance(items, list):
            continue
        for inner in _entries(spec, items):
            for h in inner:
                if is_ours(spec, h) and h != _updated(spec, event, h,
                                                      expected(spec, event, h[spec.key])):
                    out.append(event)
    return list(dict.fromkeys(out))


def stripped(spec: Spec, settings: dict[str, Any]) -> dict[str, Any]:
    """`settings` without gitsess's entries, and without the groups, events
    and `hooks` object that held nothing else."""
    out: dict[str, Any] = json.loads(json.dumps(settings))
    hooks = out.get("hooks")
    if not isinstance(hooks, dict):
        return out
    for event in list(hooks):
        items = hooks[event]
        if not isinstance(items, list):
            continue
        if spec.grouped:
            keep = []
            for group in items:
                inner = group.get("hooks") if isinstance(group, dict) else None
                if isinstance(inner, list) and any(is_ours(spec, h) for h in inner):
                    rest = [h for h in inner if not is_ours(spec, h)]
                    if not rest:
                        continue
                    group["hooks"] = rest
                keep.append(group)
        else:
            keep = [h for h in items if not is_ours(spec, h)]
        if keep or not items:
            hooks[event] = keep
        else:
            del hooks[event]
    if not hooks:
        del out["hooks"]
    return out


def equivalent(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal but for empty event lists and an empty `hooks` object, which a
    merge fills and a strip cannot tell from its own: uninstall restores the
    saved bytes when the file minus gitsess's entries is equivalent to them."""
    return _pruned(a) == _pruned(b)


def _pruned(settings: dict[str, Any]) -> dict[str, Any]:
    hooks = settings.get("hooks")
    if not isinstance(hooks, dict):
        return settings
    kept = {e: v for e, v in hooks.items() if v != []}
    rest = {k: v for k, v in settings.items() if k != "hooks"}
    return {**rest, "hooks": kept} if kept else rest


def is_empty(spec: Spec, settings: dict[str, Any]) -> bool:
    """Whether nothing but what a created file starts with is left."""
    return not settings or settings == spec.skeleton


def hooked(spec: Spec, settings: dict[str, Any]) -> list[str]:
    """The events that have gitsess's entry."""
    hooks = settings.get("hooks")
    if not isinstance(hooks, dict):
        return []
    return [e for e in spec.events
            if isinstance(hooks.get(e), list)
            and any(is_ours(spec, h) for inner in _entries(spec, hooks[e]) for h in inner)]


def commands(spec: Spec, settings: dict[str, Any]) -> list[str]:
    """The commands of gitsess's entries, in file order."""
    hooks = settings.get("hooks")
    if not isinstance(hooks, dict):
        return []
    return [h[spec.key] for items in hooks.values() if isinstance(items, list)
            for inner in _entries(spec, items) for h in inner if is_ours(spec, h)]
