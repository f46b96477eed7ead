"""Codex CLI hook payloads -> gitsess events.

Codex's hooks follow Claude Code's wire format; the facts, from openai/codex:
- codex-rs/hooks/src/schema.rs (the *CommandInput structs, serialised as
  the JSON a command hook reads on stdin): every event carries session_id,
  transcript_path (a string or null), cwd, hook_event_name, model (a string)
  and permission_mode; the turn events add turn_id; PreToolUse and
  PostToolUse add tool_name, tool_input (never read) and tool_use_id,
  PostToolUse tool_response (never read); UserPromptSubmit the prompt (never
  read); SessionStart source (startup | resume | clear | compact, in
  codex-rs/hooks/schema/generated/session-start.command.input.schema.json);
  SubagentStart agent_id and agent_type; Stop last_assistant_message (never
  read).
- codex-rs/config/src/hook_config.rs (HookEventsToml): the events are
  PreToolUse, PermissionRequest, PostToolUse, PreCompact, PostCompact,
  SessionStart, UserPromptSubmit and Stop; later releases add SubagentStart
  and SubagentStop (codex-rs/hooks/src/events/subagent_start.rs,
  subagent_stop.rs). An older Codex ignores the names it does not know (the
  struct does not deny unknown fields).

Codex has no tool-failure event: a failed command is a PostToolUse whose
tool_response gitsess does not read, so failures are not counted for Codex.
A call is counted once by its tool_use_id, as Claude Code's is.
"""

from __future__ import annotations

from typing import Any

from gitsess.agents import claude
from gitsess.telemetry import event

AGENT = "codex"
# Codex runs a command hook in the session's cwd (run_command(..., &cwd) in
# codex-rs/hooks/src/engine/async_command.rs); no project-directory variable
# of its is documented, so the hook finds the repository from its cwd.
PROJECT_DIR_ENV: tuple[str, ...] = ()

KINDS = {
    "SessionStart": event.SESSION_START,
    "UserPromptSubmit": event.PROMPT,
    "PreToolUse": event.TOOL_START,
    "PostToolUse": event.TOOL_END,
    "SubagentStart": event.SUBAGENT_START,
    "SubagentStop": event.SUBAGENT_STOP,
    "Stop": event.STOP,
    "PreCompact": event.COMPACT,
}


def to_event(payload: dict[str, Any]) -> event.Event | None:
    """The event for a payload, or None when it names no session. The fields
    are Claude Code's, so its reader is shared; only the event names and the
    agent differ (Codex sends no duration_ms, and no PostToolUseFailure)."""
    return claude.compatible(payload, AGENT, KINDS)


def reply(ev: event.Event | None, context: str) -> str:
    """What the hook prints: SessionStart's context as the JSON Codex reads,
    hookSpecificOutput.additionalContext (codex-rs/hooks/src/schema.rs,
    SessionStartCommandOutputWire / SessionStartHookSpecificOutputWire:
    hookEventName, additionalContext); nothing otherwise, as for Claude Code."""
    return claude.additional_context(ev, context)
