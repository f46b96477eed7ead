"""Gemini CLI hook payloads -> gitsess events.

The facts this relies on, from google-gemini/gemini-cli:
- docs/hooks/reference.md ("Base input schema"): every payload carries
  session_id, transcript_path, cwd, hook_event_name and timestamp (ISO 8601);
  packages/core/src/hooks/hookEventHandler.ts (createBaseInput) builds them.
- packages/core/src/hooks/types.ts (HookEventName): BeforeTool, AfterTool,
  BeforeAgent, AfterAgent, SessionStart, SessionEnd, PreCompress,
  Notification, BeforeModel, AfterModel, BeforeToolSelection.
- BeforeTool / AfterTool carry tool_name and tool_input (never read), AfterTool
  also tool_response = {llmContent, returnDisplay, error?} (error only when the
  tool failed: coreToolHookTriggers passes ToolResult.error, which
  JSON.stringify drops when undefined), and MCP tools add mcp_context =
  {server_name, tool_name, ...} (types.ts McpToolContext: "Only present for
  MCP tools").
- BeforeAgent carries the prompt, AfterAgent the prompt and the response:
  never read. SessionStart carries source (startup | resume | clear).
- No event names the model except BeforeModel's llm_request, which gitsess
  does not hook (it fires on every model call and holds the whole prompt).

MCP tool names changed across releases: `mcp__<server>__<tool>` in the hooks
reference, `<server>__<tool>` in mcp-tool.ts (DiscoveredMCPTool), and
`mcp_<server>_<tool>` with single underscores in later mcp-tool.ts
(MCP_QUALIFIED_NAME_SEPARATOR = '_', which cannot be split when a name holds
an underscore). mcp_context is the one unambiguous source, so the server is
taken from it; a tool_name already spelt `mcp__<server>__<tool>` is counted
as Claude Code's is. Without either, the call counts under its own name and
no server: gitsess does not guess a server from an ambiguous name.

Gemini CLI has no tool-failure or subagent event: a failure is an AfterTool
whose tool_response holds an error, and subagents run as tools named after
the agent (docs/core/subagents.md), counted as tool calls under that name.
"""

from __future__ import annotations

from typing import Any

from gitsess.agents import claude
from gitsess.agents.fields import mcp_name, text
from gitsess.telemetry import event

AGENT = "gemini-cli"
# hookRunner.ts sets both for every command hook, to the payload's cwd.
PROJECT_DIR_ENV = ("GEMINI_PROJECT_DIR", "CLAUDE_PROJECT_DIR")

KINDS = {
    "SessionStart": event.SESSION_START,
    "BeforeAgent": event.PROMPT,
    "BeforeTool": event.TOOL_START,
    "AfterTool": event.TOOL_END,
    "AfterAgent": event.STOP,
    "PreCompress": event.COMPACT,
    "SessionEnd": event.SESSION_END,
}


def _tool(payload: dict[str, Any]) -> str | None:
    name = text(payload, "tool_name")
    ctx = payload.get("mcp_context")
    server = text(ctx, "server_name", 100)
    if server:
        return mcp_name(server, text(ctx, "tool_name", 100) or name or "")
    return name


def _failed(payload: dict[str, Any]) -> bool:
    response = payload.get("tool_response")
    return isinstance(response, dict) and bool(response.get("error"))


def to_event(payload: dict[str, Any]) -> event.Event | None:
    """The event for a payload, or None when it names no session.

    The payload's `timestamp` is not used: it is when the CLI built the
    payload, milliseconds before this process started, and the event's time
    is the hook's own clock for every agent (a skewed or hostile clock in a
    payload would otherwise move the session's active time).
    """
    session_id = payload.get("session_id")
    if not isinstance(session_id, str) or not session_id:
        return None
    name = text(payload, "hook_event_name") or "Unknown"
    kind = KINDS.get(name, event.OTHER)
    if kind == event.TOOL_END and _failed(payload):
        kind = event.TOOL_FAIL
    return event.Event(
        kind=kind,
        name=name,
        session_id=session_id[:4096],
        agent=AGENT,
        tool=_tool(payload),
        source=text(payload, "source", 32),
        cwd=text(payload, "cwd", 4096),
        # "Base input schema": transcript_path, the chat file gitsess.transcripts.agentlogs
        # reads at handoff. BeforeTool/AfterTool name no call id, so a call is
        # counted when it starts, as before (issue 11).
        transcript=text(payload, "transcript_path", 4096),
    )


def reply(ev: event.Event | None, context: str) -> str:
    """What the hook prints. Gemini CLI parses stdout as JSON on exit 0 and
    shows plain text to the user, so the resume context goes in
    hookSpecificOutput.additionalContext, which SessionStart injects as the
    first turn (docs/hooks/reference.md, SessionStart); nothing otherwise."""
    return claude.additional_context(ev, context)
