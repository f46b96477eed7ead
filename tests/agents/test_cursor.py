"""gitsess.agents.cursor: Cursor hook payloads -> gitsess events, for every event
gitsess hooks, MCP calls with and without a server name, hostile fields, privacy."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gitsess import agents
from gitsess.agents import cursor
from gitsess.telemetry import counting, event
from tests.helpers import CURSOR_CONVERSATION, cursor_payload

SECRET = "sk-proj-fakeFAKEfake0123456789abcdefghijklmnop"

# Each event with the fields cursor.com/docs/hooks documents for it.
EVENTS = [
    ("sessionStart", event.SESSION_START, {"session_id": CURSOR_CONVERSATION,
                                       "is_background_agent": False, "composer_mode": "agent"}),
    ("beforeSubmitPrompt", event.PROMPT, {"prompt": f"use {SECRET}", "attachments": []}),
    ("preToolUse", event.TOOL_START, {"tool_name": "Shell",
                                  "tool_input": {"command": "npm install",
                                                 "working_directory": "/work/project"},
                                  "tool_use_id": "call_1\nctc_1", "cwd": "/work/project",
                                  "agent_message": "Installing dependencies..."}),
    ("postToolUse", event.TOOL_END, {"tool_name": "Shell", "tool_input": {"command": "npm test"},
                                 "tool_output": "{\"exitCode\":0}", "tool_use_id": "call_1",
                                 "cwd": "/work/project", "duration": 5432}),
    ("postToolUseFailure", event.TOOL_FAIL, {"tool_name": "Shell", "tool_input": {"command": "x"},
                                         "tool_use_id": "call_2", "cwd": "/work/project",
                                         "error_message": "Command timed out after 30s",
                                         "failure_type": "timeout", "duration": 30000,
                                         "is_interrupt": False}),
    ("subagentStart", event.SUBAGENT_START, {"subagent_id": "abc-123",
                                         "subagent_type": "generalPurpose",
                                         "task": "Explore the auth flow",
                                         "parent_conversation_id": CURSOR_CONVERSATION,
                                         "tool_call_id": "tc-789", "is_parallel_worker": False}),
    ("subagentStop", event.SUBAGENT_STOP, {"subagent_type": "generalPurpose", "status": "completed",
                                       "task": "Explore", "summary": SECRET, "duration_ms": 45000,
                                       "message_count": 12, "tool_call_count": 8,
                                       "loop_count": 0, "modified_files": []}),
    ("stop", event.STOP, {"status": "completed", "loop_count": 0}),
    ("preCompact", event.COMPACT, {"trigger": "auto", "context_usage_percent": 85}),
    ("sessionEnd", event.SESSION_END, {"session_id": CURSOR_CONVERSATION, "reason": "completed",
                                   "duration_ms": 45000, "is_background_agent": False,
                                   "final_status": "completed"}),
]


@pytest.mark.parametrize(("name", "kind", "fields"), EVENTS, ids=[e[0] for e in EVENTS])
def test_every_hooked_event(name: str, kind: str, fields: dict[str, Any]) -> None:
    ev = cursor.to_event(cursor_payload(name, **fields))
    assert ev is not None
    assert (ev.kind, ev.name, ev.session_id, ev.agent) == (kind, name, CURSOR_CONVERSATION,
                                                           "cursor")
    assert ev.cwd == "/work/project" and ev.model == "claude-4.5-sonnet-thinking"
    assert ev.tool == fields.get("tool_name")
    # Only a tool's own duration counts; sessionEnd's and subagentStop's are not one.
    assert ev.duration_ms == (fields.get("duration") if kind in (event.TOOL_END, event.TOOL_FAIL)
                              else None)
    assert ev.agent_id == fields.get("subagent_id")
    assert ev.agent_type == fields.get("subagent_type")
    assert set(cursor.KINDS) == {e[0] for e in EVENTS}


def test_a_session_counts_like_claudes() -> None:
    c = counting.new_counters()
    for name, _kind, fields in EVENTS:
        ev = cursor.to_event(cursor_payload(name, **fields))
        assert ev is not None
        counting.apply(c, ev)
    assert (c["tool_calls"], c["tools"], c["failures"], c["prompts"]) == (1, {"Shell": 1}, 1, 1)
    assert (c["subagent_starts"], c["subagent_stops"], c["compactions"]) == (1, 1, 1)
    assert c["duration_ms"] == 5432 + 30000


def test_session_id_sources() -> None:
    # sessionEnd as some releases send it: session_id only.
    ev = cursor.to_event({"session_id": "sess-9", "hook_event_name": "sessionEnd"})
    assert ev is not None and ev.session_id == "sess-9"
    # A subagent's start belongs to the conversation that spawned it.
    ev = cursor.to_event(cursor_payload("subagentStart", "child-conv",
                                        parent_conversation_id="parent-conv"))
    assert ev is not None and ev.session_id == "parent-conv"
    for bad in (None, 42, ["a"], {"a": 1}, "", True):
        p = cursor_payload("stop", bad, session_id=bad, parent_conversation_id=bad)
        assert cursor.to_event(p) is None


@pytest.mark.parametrize(("fields", "tool", "mcp"), [
    # Documented: the payload names the tool as `MCP:<tool>`, not the server.
    ({"tool_name": "MCP:create_issue"}, "MCP:create_issue", {}),
    # Seen in real payloads, not documented: a server name, then counted per server.
    ({"tool_name": "MCP:create_issue", "mcp_server_name": "github"}, "mcp__github__create_issue",
     {"github": {"total": 1, "methods": {"create_issue": 1}}}),
    ({"tool_name": "mcp__notion__search"}, "mcp__notion__search",
     {"notion": {"total": 1, "methods": {"search": 1}}}),
    # A url or launch command is never turned into a server name.
    ({"tool_name": "MCP:query", "url": "https://mcp.example.com/mcp",
      "command": f"npx server --token {SECRET}"}, "MCP:query", {}),
    ({"tool_name": "Read", "mcp_server_name": "github"}, "Read", {}),
    ({"tool_name": "MCP:query", "mcp_server_name": ["github"]}, "MCP:query", {}),
])
def test_mcp_calls(fields: dict[str, Any], tool: str, mcp: dict[str, Any]) -> None:
    ev = cursor.to_event(cursor_payload("preToolUse", tool_input={"q": SECRET}, **fields))
    assert ev is not None and ev.tool == tool
    c = counting.new_counters()
    counting.apply(c, ev)
    assert c["tools"] == {tool: 1} and c["mcp"] == mcp
    assert SECRET not in ev.line()


@pytest.mark.parametrize(("value", "kept"), [
    (12, 12), (0, 0), (36.841, 37), (0.4, 0), ("12", None), (True, None), (-1, None),
    (-0.5, None), (float("inf"), None), (float("nan"), None), (10**30, None), (1e300, None),
    (None, None)])
def test_duration_is_taken_only_when_sane(value: Any, kept: int | None) -> None:
    ev = cursor.to_event(cursor_payload("postToolUse", tool_name="Shell", duration=value))
    assert ev is not None and ev.duration_ms == kept


def test_cwd_falls_back_to_the_first_workspace_root() -> None:
    ev = cursor.to_event(cursor_payload("stop", workspace_roots=["/a", "/b"]))
    assert ev is not None and ev.cwd == "/a"
    ev = cursor.to_event(cursor_payload("preToolUse", cwd="/a/sub", workspace_roots=["/a"]))
    assert ev is not None and ev.cwd == "/a/sub"
    for roots in (None, [], [7], "/a", [""]):
        ev = cursor.to_event(cursor_payload("stop", workspace_roots=roots))
        assert ev is not None and ev.cwd is None


def test_model_id_is_preferred_to_the_legacy_slug() -> None:
    ev = cursor.to_event(cursor_payload("sessionStart", model_id="claude-opus-4-7",
                                        model="claude-opus-4-7-thinking-max"))
    assert ev is not None and ev.model == "claude-opus-4-7"
    ev = cursor.to_event(cursor_payload("sessionStart", model_id=None, model=7))
    assert ev is not None and ev.model is None


@pytest.mark.parametrize("name", ["beforeShellExecution", "afterShellExecution",
                                  "beforeMCPExecution", "afterMCPExecution", "afterFileEdit",
                                  "beforeReadFile", "afterAgentResponse", "afterAgentThought",
                                  "PreToolUse", "somethingNew", ""])
def test_other_events_are_counted_as_other(name: str) -> None:
    ev = cursor.to_event(cursor_payload(name, command=SECRET, text=SECRET, content=SECRET,
                                        tool_name="MCP:x", duration=5))
    assert ev is not None and ev.kind == event.OTHER and ev.name == (name or "Unknown")
    c = counting.new_counters()
    counting.apply(c, ev)
    assert c["tool_calls"] == 0 and c["duration_ms"] == 0


def test_hostile_field_types_are_dropped_not_raised() -> None:
    for value in (None, 7, 1.5, True, [], {}, ["preToolUse"], {"x": 1}):
        p = cursor_payload("preToolUse", tool_name=value, cwd=value, model=value,
                           subagent_id=value, subagent_type=value, mcp_server_name=value,
                           workspace_roots=[value], duration=value)
        p["hook_event_name"] = value
        ev = cursor.to_event(p)
        assert ev is not None and (ev.kind, ev.name) == (event.OTHER, "Unknown")
        assert (ev.tool, ev.cwd, ev.model, ev.agent_id, ev.duration_ms) == (None,) * 5


def test_long_fields_are_clipped_and_private_ones_never_kept() -> None:
    p = cursor_payload("postToolUseFailure", "c" * 5000, tool_name="MCP:" + "T" * 1000,
                       mcp_server_name="s" * 500, subagent_id="a" * 500,
                       tool_input={"command": SECRET}, error_message=SECRET,
                       tool_output=SECRET, user_email="rosa@example.com")
    ev = cursor.to_event(p)
    assert ev is not None
    assert len(ev.session_id) == 4096 and len(ev.tool or "") == 200
    assert len(ev.agent_id or "") == 128
    for out in (ev.line(), ev.line(spilled=True), repr(ev)):
        assert SECRET not in out and "rosa@example.com" not in out


def test_reply_is_always_a_json_object() -> None:
    start = cursor.to_event(cursor_payload("sessionStart"))
    tool = cursor.to_event(cursor_payload("preToolUse", tool_name="Shell"))
    assert json.loads(cursor.reply(start, "resume: step 3\n")) == {
        "additional_context": "resume: step 3\n"}
    # Nothing to say is still a JSON object: no permission decision, no follow-up.
    for ev, ctx in ((start, ""), (tool, "ctx"), (tool, ""), (None, "")):
        assert json.loads(cursor.reply(ev, ctx)) == {}


def test_the_registry_names_it() -> None:
    assert agents.adapter("cursor") is cursor
    assert cursor.PROJECT_DIR_ENV[0] == "CURSOR_PROJECT_DIR"
