"""Qwen Code hook payloads -> gitsess events.

Qwen Code's hooks follow Claude Code's; the facts, from QwenLM/qwen-code
docs/users/features/hooks.md ("Hook Input Structure" and "Individual Hook
Event Details"):
- every payload carries session_id, transcript_path, cwd, hook_event_name
  and timestamp; "When running in a subagent, agent_id and agent_type are
  additionally included";
- PreToolUse / PostToolUse / PostToolUseFailure carry tool_name, tool_input
  (never read) and tool_use_id; PostToolUse adds tool_response,
  PostToolUseFailure error and is_interrupt (never read);
- SessionStart carries source (startup | resume | clear | compact) and model;
  SubagentStart / SubagentStop agent_id and agent_type;
- UserPromptSubmit fires "before supported model invocations", tool-result
  continuations included, so `prompt` "must not be assumed to be raw user
  input"; `submitted_prompt` is present only for a user's submission at the
  interactive prompt (never read either way).
So a prompt is counted only when the payload carries submitted_prompt; other
UserPromptSubmit events are counted as events, not prompts (a headless
`qwen -p` run shows no prompts).
"""

from __future__ import annotations

from typing import Any

from gitsess.agents import claude
from gitsess.telemetry import event

AGENT = "qwen-code"
# The hooks reference's commands use $QWEN_PROJECT_DIR for the project root.
PROJECT_DIR_ENV = ("QWEN_PROJECT_DIR",)

# The same events as Claude Code, by the same names (the hooks.md list above).
KINDS = dict(claude.KINDS)


def to_event(payload: dict[str, Any]) -> event.Event | None:
    """The event for a payload, or None when it names no session (the fields
    are Claude Code's, so its reader is shared)."""
    ev = claude.compatible(payload, AGENT, KINDS)
    if ev is not None and ev.kind == event.PROMPT and not isinstance(payload.get("submitted_prompt"), str):
        ev.kind = event.OTHER  # a continuation, not a prompt the user typed
    return ev


def reply(ev: event.Event | None, context: str) -> str:
    """What the hook prints: a command hook's stdout is parsed as JSON on exit
    0, and SessionStart's hookSpecificOutput.additionalContext is "context to
    be available in the session"; nothing otherwise."""
    return claude.additional_context(ev, context)
