"""gitsess.agents.gemini: Gemini CLI hook payloads -> gitsess events, for every
event Gemini CLI sends, MCP names of every release, hostile fields, privacy."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gitsess import agents
from gitsess.agents import gemini
from gitsess.telemetry import counting, event
from tests.helpers import GEMINI_SESSION, gemini_payload

SECRET = "AIzaSyD-fake-key-0123456789abcdefghijk"
GITHUB_CTX = {"server_name": "github", "tool_name": "create_issue", "command": "npx",
              "args": ["-y", "@modelcontextprotocol/server-github"], "cwd": "/work/project"}

# Each event with the fields Gemini CLI adds to the base input (types.ts).
EVENTS = [
    ("SessionStart", event.SESSION_START, {"source": "startup"}),
    ("BeforeAgent", event.PROMPT, {"prompt": f"deploy with {SECRET}"}),
    ("BeforeTool", event.TOOL_START, {"tool_name": "run_shell_command",
                                  "tool_input": {"command": "npm test", "description": "tests"}}),
    ("AfterTool", event.TOOL_END, {"tool_name": "run_shell_command",
                               "tool_input": {"command": "npm test"},
                               "tool_response": {"llmContent": "ok", "returnDisplay": "ok"}}),
    ("AfterAgent", event.STOP, {"prompt": "fix it", "prompt_response": "done",
                            "stop_hook_active": False}),
    ("PreCompress", event.COMPACT, {"trigger": "auto"}),
    ("SessionEnd", event.SESSION_END, {"reason": "exit"}),
]


@pytest.mark.parametrize(("name", "kind", "fields"), EVENTS, ids=[e[0] for e in EVENTS])
def test_every_hooked_event(name: str, kind: str, fields: dict[str, Any]) -> None:
    ev = gemini.to_event(gemini_payload(name, **fields))
    assert ev is not None
    assert (ev.kind, ev.name, ev.session_id, ev.agent) == (kind, name, GEMINI_SESSION, "gemini-cli")
    assert ev.cwd == "/work/project"
    assert ev.tool == fields.get("tool_name")
    assert ev.duration_ms is None and ev.model is None and ev.agent_id is None
    assert set(gemini.KINDS) == {e[0] for e in EVENTS}


def test_session_start_source() -> None:
    for source in ("startup", "resume", "clear"):
        ev = gemini.to_event(gemini_payload("SessionStart", source=source))
        assert ev is not None and ev.source == source
    ev = gemini.to_event(gemini_payload("SessionStart", source=["startup"]))
    assert ev is not None and ev.source is None


@pytest.mark.parametrize("error", [{"message": "exit 1", "type": "execution_failed"}, "boom"])
def test_after_tool_with_an_error_is_a_failure(error: Any) -> None:
    p = gemini_payload("AfterTool", tool_name="run_shell_command",
                       tool_response={"llmContent": "", "returnDisplay": "", "error": error})
    ev = gemini.to_event(p)
    assert ev is not None and (ev.kind, ev.name, ev.tool) == (event.TOOL_FAIL, "AfterTool",
                                                              "run_shell_command")
    c = counting.new_counters()
    counting.apply(c, ev)
    assert c["failures"] == 1 and c["failed_tools"] == {"run_shell_command": 1}


@pytest.mark.parametrize("response", [None, "text", [], {}, {"error": None}, {"error": {}},
                                      {"error": ""}])
def test_after_tool_without_an_error_is_an_end(response: Any) -> None:
    ev = gemini.to_event(gemini_payload("AfterTool", tool_name="glob", tool_response=response))
    assert ev is not None and ev.kind == event.TOOL_END


@pytest.mark.parametrize(("tool_name", "ctx", "expected"), [
    # mcp_context decides, whatever the release named the tool (mcp-tool.ts history).
    ("create_issue", GITHUB_CTX, "mcp__github__create_issue"),
    ("github__create_issue", GITHUB_CTX, "mcp__github__create_issue"),
    ("mcp_github_create_issue", GITHUB_CTX, "mcp__github__create_issue"),
    ("mcp__github__create_issue", GITHUB_CTX, "mcp__github__create_issue"),
    ("mcp_my_server_do_it", {"server_name": "my_server", "tool_name": "do_it"},
     "mcp__my_server__do_it"),
    ("x", {"server_name": "notion", "url": "https://mcp.notion.com/mcp"}, "mcp__notion__x"),
    # The hooks reference's own spelling, without context.
    ("mcp__linear__list_issues", None, "mcp__linear__list_issues"),
    # Ambiguous without context: counted under its own name, no server guessed.
    ("mcp_github_create_issue", None, "mcp_github_create_issue"),
    ("github__create_issue", None, "github__create_issue"),
    # A context that is not one is ignored.
    ("read_file", "github", "read_file"),
    ("read_file", {"server_name": 7}, "read_file"),
    ("read_file", {"server_name": ""}, "read_file"),
])
def test_mcp_calls_are_counted_per_server(tool_name: str, ctx: Any, expected: str) -> None:
    fields: dict[str, Any] = {"tool_name": tool_name, "tool_input": {"title": SECRET}}
    if ctx is not None:
        fields["mcp_context"] = ctx
    ev = gemini.to_event(gemini_payload("BeforeTool", **fields))
    assert ev is not None and ev.tool == expected
    c = counting.new_counters()
    counting.apply(c, ev)
    assert c["tools"] == {expected: 1}
    split = event.split_mcp(expected)
    assert c["mcp"] == ({split[0]: {"total": 1, "methods": {split[1]: 1}}} if split else {})


@pytest.mark.parametrize("name", ["Notification", "BeforeModel", "AfterModel",
                                  "BeforeToolSelection", "PreToolUse", "SomethingNew", ""])
def test_other_events_are_counted_as_other(name: str) -> None:
    ev = gemini.to_event(gemini_payload(name, notification_type="ToolPermission",
                                        message="Allow?", details={"tool": "x"},
                                        llm_request={"messages": [{"content": SECRET}]}))
    assert ev is not None and ev.kind == event.OTHER and ev.name == (name or "Unknown")
    assert SECRET not in ev.line()


@pytest.mark.parametrize("sid", [None, 42, ["a"], {"a": 1}, "", True])
def test_no_usable_session_id_is_no_event(sid: Any) -> None:
    p = gemini_payload("AfterAgent")
    p["session_id"] = sid
    assert gemini.to_event(p) is None
    del p["session_id"]
    assert gemini.to_event(p) is None


def test_hostile_field_types_are_dropped_not_raised() -> None:
    for value in (None, 7, 1.5, True, [], {}, ["BeforeTool"], {"x": 1}):
        p = gemini_payload("BeforeTool", tool_name=value, cwd=value, source=value,
                           mcp_context=value, tool_response=value)
        p["hook_event_name"] = value
        ev = gemini.to_event(p)
        assert ev is not None and (ev.kind, ev.name) == (event.OTHER, "Unknown")
        assert ev.tool is None and ev.cwd is None and ev.source is None


def test_long_fields_are_clipped_and_private_ones_never_kept() -> None:
    p = gemini_payload("AfterTool", "s" * 5000, tool_name="T" * 1000, cwd="/" + "d" * 9000,
                       tool_input={"command": SECRET}, prompt=SECRET,
                       tool_response={"llmContent": SECRET, "returnDisplay": SECRET},
                       mcp_context={"server_name": "n" * 500, "tool_name": "m" * 500,
                                    "command": SECRET, "args": [SECRET], "url": SECRET})
    ev = gemini.to_event(p)
    assert ev is not None
    assert len(ev.session_id) == 4096 and len(ev.cwd or "") == 4096
    assert ev.tool == "mcp__" + "n" * 100 + "__" + "m" * 93
    for out in (ev.line(), ev.line(spilled=True), repr(ev)):
        assert SECRET not in out


def test_timestamp_is_not_the_event_time() -> None:
    ev = gemini.to_event(gemini_payload("BeforeTool", tool_name="glob",
                                        timestamp="1970-01-01T00:00:00Z"))
    assert ev is not None and ev.at_ms > 1_700_000_000_000


def test_reply_puts_the_context_in_additional_context() -> None:
    start = gemini.to_event(gemini_payload("SessionStart", source="startup"))
    tool = gemini.to_event(gemini_payload("BeforeTool", tool_name="glob"))
    out = json.loads(gemini.reply(start, "gitsess resume for RT\n<ok> & é\n"))
    assert out == {"hookSpecificOutput": {"hookEventName": "SessionStart",
                                          "additionalContext": "gitsess resume for RT\n<ok> & é\n"}}
    # Anything else prints nothing: exit 0 with plain text is shown to the user.
    assert gemini.reply(start, "") == "" and gemini.reply(tool, "ctx") == ""
    assert gemini.reply(None, "") == ""


def test_the_registry_names_it() -> None:
    assert agents.adapter("gemini") is gemini
    assert gemini.PROJECT_DIR_ENV[0] == "GEMINI_PROJECT_DIR"
