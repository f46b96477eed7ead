"""Claude Code hook payloads -> gitsess events.

Payload fields follow Claude Code's hooks reference: every event carries
session_id, transcript_path, cwd and hook_event_name; tool events add
tool_name (and tool_input / tool_response, which we never read); events
fired inside a subagent carry agent_id and agent_type; SessionStart carries
source and, in recent versions, model. PreToolUse, PostToolUse and
PostToolUseFailure carry tool_use_id, the tool_use block's id in the
transcript (https://code.claude.com/docs/en/hooks, "PreToolUse input"; the
"Common input fields" list transcript_path): telemetry counts a call once by
it, and session.json records transcript_path for reconciliation (issue 11).
"""

from __future__ import annotations

from typing import Any

from gitsess.telemetry import event

AGENT = "claude-code"
# Claude Code runs hooks with this set to the project root.
PROJECT_DIR_ENV = ("CLAUDE_PROJECT_DIR",)
# A duration beyond a week is not a tool call's: drop it rather than let one
# hostile payload swamp the session's sum.
MAX_DURATION_MS = 7 * 24 * 3600 * 1000

KINDS = {
    "SessionStart": event.SESSION_START,
    "UserPromptSubmit": event.PROMPT,
    "PreToolUse": event.TOOL_START,
    "PostToolUse": event.TOOL_END,
    "PostToolUseFailure": event.TOOL_FAIL,
    "SubagentStart": event.SUBAGENT_START,
    "SubagentStop": event.SUBAGENT_STOP,
    "Stop": event.STOP,
    "PreCompact": event.COMPACT,
    "SessionEnd": event.SESSION_END,
}


def _str(payload: dict[str, Any], key: str, limit: int = 200) -> str | None:
    value = payload.get(key)
    if isinstance(value, str) and value:
        return value[:limit]
    return None


def _model(payload: dict[str, Any]) -> str | None:
    model = payload.get("model")
    if isinstance(model, dict):  # some versions send {"id": ..., "display_name": ...}
        model = model.get("id") or model.get("display_name")
    return model[:200] if isinstance(model, str) and model else None


def to_event(payload: dict[str, Any]) -> event.Event | None:
    """The event for a payload, or None when it names no session."""
    session_id = payload.get("session_id")
    if not isinstance(session_id, str) or not session_id:
        return None
    name = _str(payload, "hook_event_name") or "Unknown"
    kind = KINDS.get(name, event.OTHER)
    duration = payload.get("duration_ms")
    if type(duration) is not int or not 0 <= duration <= MAX_DURATION_MS:  # bool is no int here
        duration = None
    return event.Event(
        kind=kind,
        name=name,
        session_id=session_id[:4096],
        agent=AGENT,
        tool=_str(payload, "tool_name"),
        duration_ms=duration,
        agent_id=_str(payload, "agent_id", 128),
        agent_type=_str(payload, "agent_type", 128),
        model=_model(payload),
        source=_str(payload, "source", 32),
        cwd=_str(payload, "cwd", 4096),
        tool_use_id=_str(payload, "tool_use_id", 200),
        transcript=_str(payload, "transcript_path", 4096),
    )


def reply(ev: event.Event | None, context: str) -> str:
    """What the hook prints: SessionStart's stdout becomes the new session's
    context in Claude Code, as plain text; nothing otherwise."""
    return context


def compatible(payload: dict[str, Any], agent: str, kinds: dict[str, str]) -> event.Event | None:
    """The event of an agent whose hook payloads carry Claude Code's fields
    (Codex CLI, Qwen Code, Factory Droid: each module cites its own docs),
    with that agent's name and event names, and no duration (none of them
    documents one)."""
    ev = to_event(payload)
    if ev is None:
        return None
    ev.agent = agent
    ev.kind = kinds.get(ev.name, event.OTHER)
    ev.duration_ms = None
    return ev


def additional_context(ev: event.Event | None, context: str) -> str:
    """SessionStart's context as hookSpecificOutput.additionalContext, the JSON
    output those agents read (each module cites where); nothing otherwise."""
    if not context or ev is None or ev.kind != event.SESSION_START:
        return ""
    import json  # only a starting session pays for it: tool calls take the fast path

    out = {"hookSpecificOutput": {"hookEventName": "SessionStart", "additionalContext": context}}
    return json.dumps(out, ensure_ascii=False) + "\n"
