"""The event model: one agent hook event, agent-independent, and the names it carries.

Adapters (gitsess/agents/) map their payloads onto an Event; the writer
stores it as one JSON line (`Event.line`) and readers read it back
(`Event.from_line`). Names from a payload are clipped here before they
become counter keys or refs.

This module is on the hook's hot path: it imports time and jsonline only
(hashlib only for an unsafe session id, json only to read a line back).
"""

from __future__ import annotations

import time

from gitsess.telemetry import jsonline

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (gitsess/telemetry/spill.py)
if TYPE_CHECKING:
    from typing import Any

# Hostile payloads must not grow counters without bound.
MAX_NAME = 200

_SAFE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")

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
        return jsonline.dumps_flat(d)

    @classmethod
    def from_line(cls, line: str, session_id: str, agent: str) -> Event | None:
        """An event back from its line; None for a line this version cannot read."""
        import json  # readers only: the hook writes lines, never reads them

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


