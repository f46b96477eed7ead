"""Cursor hook payloads -> gitsess events.

The facts this relies on, from Cursor's hooks reference
(https://cursor.com/docs/hooks, "Reference"):
- every agent hook payload carries conversation_id ("Stable ID of the
  conversation across many turns"), generation_id (changes with every user
  message), model, model_id (optional), hook_event_name, cursor_version,
  workspace_roots, user_email and transcript_path;
- preToolUse / postToolUse / postToolUseFailure are "generic tool use hooks
  (fires for all tools)" (Shell, Read, Write, MCP, Task, ...) with tool_name,
  tool_input (never read), tool_use_id and cwd; postToolUse adds tool_output
  (never read) and duration (ms), postToolUseFailure error_message (never
  read), failure_type, duration and is_interrupt;
- MCP tools are matched as `MCP:<tool_name>` ("Matcher Configuration"): the
  payload names the tool, not the server. The server appears only in
  beforeMCPExecution, as its url or its launch command (which may carry
  tokens), never as the name mcp.json gives it;
- sessionStart / sessionEnd carry session_id, "same as conversation_id";
  subagentStart carries subagent_id, subagent_type and parent_conversation_id;
  beforeSubmitPrompt carries the prompt (never read); stop and preCompact
  carry a status and a trigger.

So a session and a tool call are identified reliably (conversation_id, one
preToolUse per call), and so is a failure; per-MCP-server counts are not.
An MCP call counts as `MCP:<tool>` under tools, and under `mcp:<server>` only
when the payload names the server in mcp_server_name, a field seen in real
beforeMCPExecution payloads but not documented; gitsess never derives a
server from a url or a command line.

beforeShellExecution, beforeMCPExecution, afterFileEdit and the other
tool-specific events describe calls preToolUse already reports: gitsess does
not hook them (counting both would count each call twice), and an older
Cursor that sends only those has its events counted, but not as tool calls.
"""

from __future__ import annotations

from typing import Any

from gitsess.agents.fields import duration_ms, first_text, mcp_name, text
from gitsess.telemetry import event

AGENT = "cursor"
# "Environment Variables": CURSOR_PROJECT_DIR is the workspace root, and
# CLAUDE_PROJECT_DIR its alias, always present.
PROJECT_DIR_ENV = ("CURSOR_PROJECT_DIR", "CLAUDE_PROJECT_DIR")

KINDS = {
    "sessionStart": event.SESSION_START,
    "beforeSubmitPrompt": event.PROMPT,
    "preToolUse": event.TOOL_START,
    "postToolUse": event.TOOL_END,
    "postToolUseFailure": event.TOOL_FAIL,
    "subagentStart": event.SUBAGENT_START,
    "subagentStop": event.SUBAGENT_STOP,
    "stop": event.STOP,
    "preCompact": event.COMPACT,
    "sessionEnd": event.SESSION_END,
}
# A subagent's events belong to the conversation that started it; the
# sessions' own hooks name theirs in session_id.
_SESSION_KEYS = ("parent_conversation_id", "conversation_id", "session_id")
_MCP_PREFIX = "MCP:"


def _tool(payload: dict[str, Any]) -> str | None:
    name = text(payload, "tool_name")
    server = text(payload, "mcp_server_name", 100)
    if name and server and name.startswith(_MCP_PREFIX):
        return mcp_name(server, name[len(_MCP_PREFIX):100])
    return name


def _cwd(payload: dict[str, Any]) -> str | None:
    roots = payload.get("workspace_roots")
    root = roots[0] if isinstance(roots, list) and roots else None
    return text(payload, "cwd", 4096) or (root[:4096] if isinstance(root, str) and root else None)


def to_event(payload: dict[str, Any]) -> event.Event | None:
    """The event for a payload, or None when it names no conversation."""
    session_id = first_text(payload, _SESSION_KEYS, 4096)
    if session_id is None:
        return None
    name = text(payload, "hook_event_name") or "Unknown"
    kind = KINDS.get(name, event.OTHER)
    # Only a tool's own duration is summed; sessionEnd's is the whole session's.
    duration = duration_ms(payload.get("duration")) if kind in (event.TOOL_END, event.TOOL_FAIL) else None
    return event.Event(
        kind=kind,
        name=name,
        session_id=session_id,
        agent=AGENT,
        tool=_tool(payload),
        duration_ms=duration,
        agent_id=text(payload, "subagent_id", 128),
        agent_type=text(payload, "subagent_type", 128),
        model=first_text(payload, ("model_id", "model")),
        cwd=_cwd(payload),
        # tool_use_id is not used to count a call once (issue 11): the
        # reference's own examples give one call "call_1\nctc_1" in preToolUse
        # and "call_1" in postToolUse, so a call is counted at preToolUse as
        # before. The transcript is recorded but not read: its format is not
        # documented (gitsess.transcripts.agentlogs).
        transcript=text(payload, "transcript_path", 4096),
    )


def reply(ev: event.Event | None, context: str) -> str:
    """What the hook prints. Cursor reads a JSON object on stdout after exit 0
    ("Command-Based Hooks"), so every event gets one, empty unless there is
    something to say; sessionStart's additional_context is added "to the
    conversation's initial system context"."""
    if context and ev is not None and ev.kind == event.SESSION_START:
        import json  # only a starting session pays for it: tool calls take the fast path

        return json.dumps({"additional_context": context}, ensure_ascii=False) + "\n"
    return "{}\n"
