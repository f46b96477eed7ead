"""GitHub Copilot CLI hook payloads -> gitsess events.

The facts this relies on, from GitHub's hooks reference
(https://docs.github.com/en/copilot/reference/hooks-reference, source
github/docs content/copilot/reference/hooks-reference.md):
- "Two payload formats are supported, selected by the event name used in the
  hook configuration": camelCase event names (which gitsess's file uses) send
  camelCase fields; PascalCase names send Claude-like snake_case fields with
  hook_event_name ("VS Code compatible format").
- camelCase payloads carry sessionId, timestamp (ms) and cwd, and *no event
  name*: sessionStart adds source (startup | resume | new) and
  initialPrompt; userPromptSubmitted prompt; preToolUse toolName and toolArgs;
  postToolUse toolName, toolArgs and toolResult; postToolUseFailure toolName,
  toolArgs and error (a string); agentStop transcriptPath and stopReason;
  subagentStart transcriptPath and agentName; subagentStop agentName,
  response and stopReason; errorOccurred error (an object), errorContext and
  recoverable; preCompact transcriptPath, trigger and customInstructions;
  sessionEnd reason.
So a camelCase payload's event is read from the fields only that event
carries, in the order below. toolArgs, toolResult, error, prompt,
initialPrompt and response are never read.

No payload names a tool call's id or its duration, and gitsess does not hook
preToolUse (a failing preToolUse command denies the call:
gitsess/agents/copilot_settings.py). So a call is counted when it ends: each
postToolUse or postToolUseFailure is one call, given an id of its own (its
timestamp and tool) so that counting takes it once, as it takes a Claude
Code call by its tool_use_id; a failure is counted at postToolUseFailure; a
call denied or interrupted before it ends is not counted; no duration is
summed. (A preToolUse payload still reads as a call starting, as a VS Code
compatible PreToolUse does; gitsess's own entries never send one.)
Subagents are counted at subagentStart / subagentStop ("The built-in
general-purpose agent does not emit" them: its calls count as `task` tools).
"""

from __future__ import annotations

from typing import Any

from gitsess.agents.fields import first_text, text
from gitsess.telemetry import event

AGENT = "copilot"
# The reference documents no project-directory variable: a repository hook
# runs in the directory Copilot CLI was started in ("For GitHub Copilot CLI,
# hooks are loaded from your current working directory"), where the hook
# finds the repository.
PROJECT_DIR_ENV: tuple[str, ...] = ()

KINDS = {
    "sessionStart": event.SESSION_START,
    "userPromptSubmitted": event.PROMPT,
    "preToolUse": event.TOOL_START,
    "postToolUse": event.TOOL_END,
    "postToolUseFailure": event.TOOL_FAIL,
    "subagentStart": event.SUBAGENT_START,
    "subagentStop": event.SUBAGENT_STOP,
    "agentStop": event.STOP,
    "preCompact": event.COMPACT,
    "sessionEnd": event.SESSION_END,
}
# The VS Code compatible names (a user's PascalCase entries, or a future
# file of ours) and the camelCase event each stands for.
_PASCAL = {
    "SessionStart": "sessionStart", "UserPromptSubmit": "userPromptSubmitted",
    "PreToolUse": "preToolUse", "PostToolUse": "postToolUse",
    "PostToolUseFailure": "postToolUseFailure", "Stop": "agentStop",
    "SubagentStop": "subagentStop", "PreCompact": "preCompact", "SessionEnd": "sessionEnd",
    "ErrorOccurred": "errorOccurred",
}


def _camel_event(p: dict[str, Any]) -> str:
    """The camelCase event a payload without hook_event_name comes from."""
    if "toolName" in p:
        if "toolResult" in p:
            return "postToolUse"
        return "postToolUseFailure" if isinstance(p.get("error"), str) else "preToolUse"
    if "agentName" in p:
        return "subagentStop" if "stopReason" in p or "response" in p else "subagentStart"
    if "errorContext" in p or isinstance(p.get("error"), dict):
        return "errorOccurred"
    if "stopReason" in p:
        return "agentStop"
    if "trigger" in p:
        return "preCompact"
    if "transformedPrompt" in p:
        return "userPromptTransformed"
    if "prompt" in p:
        return "userPromptSubmitted"
    if "source" in p:
        return "sessionStart"
    if "reason" in p:
        return "sessionEnd"
    return "Unknown"


def _failed(p: dict[str, Any]) -> bool:
    """A VS Code compatible PostToolUse whose result is not a success."""
    result = p.get("tool_result")
    return isinstance(result, dict) and result.get("result_type") in ("failure", "error")


def to_event(payload: dict[str, Any]) -> event.Event | None:
    """The event for a payload, or None when it names no session."""
    session_id = first_text(payload, ("sessionId", "session_id"), 4096)
    if session_id is None:
        return None
    named = text(payload, "hook_event_name")
    name = _PASCAL.get(named, named) if named is not None else _camel_event(payload)
    kind = KINDS.get(name, event.OTHER)
    if kind == event.TOOL_END and _failed(payload):
        kind = event.TOOL_FAIL
    source = text(payload, "source", 32)
    return event.Event(
        kind=kind,
        name=name,
        session_id=session_id,
        agent=AGENT,
        tool=first_text(payload, ("toolName", "tool_name")),
        agent_id=first_text(payload, ("agentId", "agent_id"), 128),
        agent_type=first_text(payload, ("agentName", "agent_name"), 128),
        # "new" is a fresh session as "startup" is (the reference's own
        # sample sessionStart input says "new"): both get the resume context.
        source="startup" if source == "new" else source,
        cwd=text(payload, "cwd", 4096),
        tool_use_id=_call_id(payload, name),
    )


def _call_id(p: dict[str, Any], name: str) -> str | None:
    """The id a call's end is counted under in gitsess's own (camelCase)
    entries: its timestamp (ms) and tool. A VS Code compatible payload gets
    none (an entry of the user's for PreToolUse counts the call at its start),
    nor does one without a timestamp (its end is then an event, not a call)."""
    at, tool = p.get("timestamp"), text(p, "toolName", 100)
    if name not in ("postToolUse", "postToolUseFailure") or "hook_event_name" in p:
        return None
    return f"copilot:{at}:{tool}" if type(at) is int and tool is not None else None


def reply(ev: event.Event | None, context: str) -> str:
    """What the hook prints. sessionStart's output "can inject
    additionalContext into the session" (Hook events table), a top-level
    field as in every other event's output object; every other event gets
    nothing ("Return {} or empty output" to take no action)."""
    if not context or ev is None or ev.kind != event.SESSION_START:
        return ""
    import json  # only a starting session pays for it: tool calls take the fast path

    return json.dumps({"additionalContext": context}, ensure_ascii=False) + "\n"
