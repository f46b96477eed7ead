"""Factory Droid hook payloads -> gitsess events.

Droid's hooks follow Claude Code's (https://docs.factory.ai/reference/hooks-reference):
every payload carries session_id, transcript_path, cwd, permission_mode and
hook_event_name; PreToolUse / PostToolUse add tool_name and tool_input
(PostToolUse tool_response), never read; UserPromptSubmit the prompt, never
read; SessionStart source. The events are PreToolUse, PostToolUse,
Notification, UserPromptSubmit, Stop, SubagentStop, PreCompact, SessionStart
and SessionEnd.

Not verifiable from the reference, so not relied on: a tool call id (a call
is counted when it starts, unless a payload does carry tool_use_id, as
Claude Code's does), a tool-failure event (failures are not counted for
Droid), a subagent start (subagents run as the Task tool: counted as such
tool calls, and their stops at SubagentStop), durations.
"""

from __future__ import annotations

from typing import Any

from gitsess.agents import claude
from gitsess.telemetry import event

AGENT = "droid"
# "command: The bash command to execute (can use $FACTORY_PROJECT_DIR ...)".
PROJECT_DIR_ENV = ("FACTORY_PROJECT_DIR",)

KINDS = {
    "SessionStart": event.SESSION_START,
    "UserPromptSubmit": event.PROMPT,
    "PreToolUse": event.TOOL_START,
    "PostToolUse": event.TOOL_END,
    "SubagentStop": event.SUBAGENT_STOP,
    "Stop": event.STOP,
    "PreCompact": event.COMPACT,
    "SessionEnd": event.SESSION_END,
}


def to_event(payload: dict[str, Any]) -> event.Event | None:
    """The event for a payload, or None when it names no session (the fields
    are Claude Code's, so its reader is shared)."""
    return claude.compatible(payload, AGENT, KINDS)


def reply(ev: event.Event | None, context: str) -> str:
    """What the hook prints: SessionStart's hookSpecificOutput.additionalContext
    adds context to the session, as in Claude Code's output contract, which
    Droid's follows; nothing otherwise."""
    return claude.additional_context(ev, context)
