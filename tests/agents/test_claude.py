"""gitsess.agents.claude: Claude Code hook payloads -> gitsess events, for every handled event."""

from __future__ import annotations

from typing import Any

import pytest

from gitsess import agents
from gitsess.agents import claude
from gitsess.telemetry import counting, event
from tests.helpers import payload

EVENTS = [
    ("SessionStart", event.SESSION_START, {"source": "startup", "model": "claude-opus-4-5"}),
    ("UserPromptSubmit", event.PROMPT, {"prompt": "fix the flaky test"}),
    ("PreToolUse", event.TOOL_START, {"tool_name": "Bash", "tool_input": {"command": "ls"},
                                  "tool_use_id": "toolu_01"}),
    ("PostToolUse", event.TOOL_END, {"tool_name": "Bash", "tool_input": {"command": "ls"},
                                 "tool_response": {"stdout": "a"}, "duration_ms": 31}),
    ("PostToolUseFailure", event.TOOL_FAIL, {"tool_name": "Bash", "error": "exit 1",
                                         "duration_ms": 9}),
    ("SubagentStart", event.SUBAGENT_START, {"agent_id": "agent-1", "agent_type": "Explore"}),
    ("SubagentStop", event.SUBAGENT_STOP, {"agent_id": "agent-1", "agent_type": "Explore",
                                       "stop_hook_active": False}),
    ("Stop", event.STOP, {"stop_hook_active": False}),
    ("PreCompact", event.COMPACT, {"trigger": "auto", "custom_instructions": ""}),
    ("SessionEnd", event.SESSION_END, {"reason": "exit"}),
]


@pytest.mark.parametrize(("name", "kind", "fields"), EVENTS, ids=[e[0] for e in EVENTS])
def test_every_handled_event(name: str, kind: str, fields: dict[str, Any]) -> None:
    ev = claude.to_event(payload(name, "sess-1", **fields))
    assert ev is not None
    assert (ev.kind, ev.name, ev.session_id, ev.agent) == (kind, name, "sess-1", "claude-code")
    assert ev.cwd == "/work/project"
    assert ev.tool == fields.get("tool_name")
    assert ev.duration_ms == fields.get("duration_ms")
    assert ev.agent_id == fields.get("agent_id")
    assert ev.agent_type == fields.get("agent_type")
    assert set(claude.KINDS) == {e[0] for e in EVENTS}


def test_session_start_source_and_model() -> None:
    ev = claude.to_event(payload("SessionStart", source="resume", model="claude-opus-4-5"))
    assert ev is not None and (ev.source, ev.model) == ("resume", "claude-opus-4-5")
    ev = claude.to_event(payload("SessionStart", model={"id": "claude-sonnet-4-5",
                                                        "display_name": "Sonnet 4.5"}))
    assert ev is not None and ev.model == "claude-sonnet-4-5"
    ev = claude.to_event(payload("SessionStart", model={"display_name": "Sonnet"}))
    assert ev is not None and ev.model == "Sonnet"
    for bad in (None, 3, [], {}, ""):
        ev = claude.to_event(payload("SessionStart", model=bad))
        assert ev is not None and ev.model is None


@pytest.mark.parametrize("name", ["Notification", "PermissionRequest", "SomethingNew", ""])
def test_unknown_events_are_counted_as_other(name: str) -> None:
    ev = claude.to_event(payload(name, tool_name="Bash"))
    assert ev is not None and ev.kind == event.OTHER
    assert ev.name == (name or "Unknown")
    c = counting.new_counters()
    counting.apply(c, ev)
    assert c["events"] == 1 and c["tool_calls"] == 0 and c["by_event"] == {ev.name: 1}


def test_missing_or_ill_typed_event_name() -> None:
    for value in (None, 7, ["PreToolUse"]):
        p = payload("PreToolUse", tool_name="Bash")
        p["hook_event_name"] = value
        ev = claude.to_event(p)
        assert ev is not None and (ev.kind, ev.name) == (event.OTHER, "Unknown")


@pytest.mark.parametrize("sid", [None, 42, ["a"], {"a": 1}, "", True])
def test_no_usable_session_id_is_no_event(sid: Any) -> None:
    p = payload("Stop")
    p["session_id"] = sid
    assert claude.to_event(p) is None
    p.pop("session_id")
    assert claude.to_event(p) is None


@pytest.mark.parametrize(("value", "kept"), [
    (12, 12), (0, 0), ("12", None), (True, None), (False, None), (1.5, None), (-1, None),
    (10**30, None), (claude.MAX_DURATION_MS, claude.MAX_DURATION_MS), (None, None)])
def test_duration_ms_is_taken_only_when_sane(value: Any, kept: int | None) -> None:
    ev = claude.to_event(payload("PostToolUse", tool_name="Bash", duration_ms=value))
    assert ev is not None and ev.duration_ms == kept


def test_agent_id_events_count_as_subagent_activity() -> None:
    evs = [claude.to_event(p) for p in [
        payload("PreToolUse", tool_name="Read", agent_id="a1", agent_type="Explore"),
        payload("PostToolUse", tool_name="Read", agent_id="a1", agent_type="Explore"),
        payload("PreToolUse", tool_name="Bash"),
    ]]
    c = counting.new_counters()
    for ev in evs:
        assert ev is not None
        counting.apply(c, ev)
    assert c["subagent_events"] == 2 and c["tool_calls"] == 2


@pytest.mark.parametrize("tool", ["Task", "Agent"])
def test_agent_and_task_tools_are_subagents(tool: str) -> None:
    c = counting.new_counters()
    for p in [payload("PreToolUse", tool_name=tool, tool_input={"prompt": "look around"}),
              payload("PostToolUse", tool_name=tool), payload("PreToolUse", tool_name=tool)]:
        ev = claude.to_event(p)
        assert ev is not None
        counting.apply(c, ev)
    assert c["subagent_tool_calls"] == 2 and counting.subagents(c) == 2
    ev = claude.to_event(payload("SubagentStart", agent_id="x"))
    assert ev is not None
    for _ in range(3):
        counting.apply(c, ev)
    assert counting.subagents(c) == 3  # whichever evidence says more


def test_long_fields_are_clipped_and_private_ones_dropped() -> None:
    secret = "sk-ant-api03-secret"
    p = payload("PreToolUse", "s" * 5000, tool_name="T" * 1000, agent_id="a" * 500,
                tool_input={"command": secret}, prompt=secret, tool_response=secret)
    ev = claude.to_event(p)
    assert ev is not None
    assert len(ev.tool or "") == 200 and len(ev.agent_id or "") == 128
    assert len(ev.session_id) == 4096
    assert secret not in ev.line() and secret not in ev.line(spilled=True)
    assert secret not in repr(ev)


def test_the_adapter_registry() -> None:
    assert agents.adapter("claude") is claude
    assert agents.adapter("aider") is None  # no adapter: the hook ignores it


def test_reply_is_the_context_as_plain_text() -> None:
    ev = claude.to_event(payload("SessionStart", source="startup"))
    assert claude.reply(ev, "resume here\n") == "resume here\n"
    assert claude.reply(ev, "") == "" and claude.reply(None, "") == ""
