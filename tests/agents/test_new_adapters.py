"""gitsess.agents.codex, copilot, qwen and droid: each documented event's kind,
Copilot CLI's camelCase events told apart by their fields, the VS Code
compatible format, hostile fields, each reply contract, the registry."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gitsess import agents
from gitsess.agents import codex, copilot, droid, qwen
from gitsess.telemetry import counting, event
from tests.agents import payloads as p


@pytest.mark.parametrize(("module", "session", "kinds"), [
    (codex, p.codex_session(), ["session_start", "prompt", "tool_start", "tool_end",
                                "tool_start", "tool_end", "tool_end", "subagent_start",
                                "subagent_stop", "other", "stop"]),
    (qwen, p.qwen_session(), ["session_start", "prompt", "tool_start", "tool_fail", "other",
                              "subagent_start", "tool_start", "tool_end", "subagent_stop",
                              "compact", "stop", "session_end"]),
    (droid, p.droid_session(), ["session_start", "prompt", "tool_start", "tool_end",
                                "tool_start", "subagent_stop", "tool_end", "other", "compact",
                                "stop", "session_end"]),
], ids=["codex", "qwen", "droid"])
def test_claude_compatible_kinds(module: Any, session: list[dict[str, Any]],
                                 kinds: list[str]) -> None:
    evs = [module.to_event(x) for x in session]
    assert [e.kind for e in evs] == kinds
    assert {e.agent for e in evs} == {module.AGENT} and all(e.cwd == "/work/project" for e in evs)
    assert all(e.duration_ms is None for e in evs)


def test_copilot_events_are_told_by_their_fields() -> None:
    session = p.copilot_session()
    evs = [copilot.to_event(x) for _, x in session]
    assert [e.name for e in evs] == [name for name, _ in session]
    assert [e.kind for e in evs] == ["session_start", "prompt", "tool_end", "tool_fail",
                                     "subagent_start", "tool_end", "subagent_stop", "tool_end",
                                     "tool_end", "compact", "stop", "session_end"]
    assert evs[0].source == "startup"  # "new" reads as a fresh start: it gets the context
    assert (evs[4].agent_type, evs[6].agent_id) == ("explore", "sub-1")
    pre = copilot.to_event(p.copilot(toolName="bash", toolArgs={"command": "ls"}))
    assert pre is not None and (pre.name, pre.kind, pre.tool_use_id) == ("preToolUse",
                                                                         "tool_start", None)


def test_copilot_calls_count_once_as_they_end() -> None:
    c = counting.new_counters()
    calls = counting.new_calls()
    end = p.copilot(100, toolName="bash", toolArgs={}, toolResult={"resultType": "success"})
    fail = p.copilot(200, toolName="bash", toolArgs={}, error="exit 1")
    for x in (end, end, fail, {**end, "timestamp": "soon"}):  # a repeat; no ms timestamp
        ev = copilot.to_event(x)
        assert ev is not None
        counting.apply(c, ev, calls)
    assert (c["tool_calls"], c["tools"], c["failures"]) == (2, {"bash": 2}, 1)
    # Events gitsess does not hook, as Copilot CLI sends them, are only events.
    for fields in ({"error": {"message": "x", "name": "E"}, "errorContext": "system",
                    "recoverable": True},
                   {"prompt": "a", "transformedPrompt": "b"}, {}):
        ev = copilot.to_event(p.copilot(**fields))
        assert ev is not None and ev.kind == event.OTHER


def test_copilot_vs_code_compatible_payloads() -> None:
    """A PascalCase entry's payload (hooks reference, "VS Code compatible format")."""
    base = {"session_id": p.COPILOT_SESSION, "timestamp": "2026-11-26T09:00:00.000Z",
            "cwd": "/work/project"}
    pre = copilot.to_event({"hook_event_name": "PreToolUse", **base, "tool_name": "Bash",
                            "tool_input": {"command": "ls"}})
    post = copilot.to_event({"hook_event_name": "PostToolUse", **base, "tool_name": "Bash",
                             "tool_input": {}, "tool_result": {"result_type": "failure",
                                                               "text_result_for_llm": "x"}})
    stop = copilot.to_event({"hook_event_name": "Stop", **base, "transcript_path": "/t",
                             "stop_reason": "end_turn"})
    assert pre is not None and (pre.name, pre.kind, pre.tool) == ("preToolUse", "tool_start", "Bash")
    assert post is not None and post.kind == event.TOOL_FAIL
    assert stop is not None and (stop.name, stop.kind) == ("agentStop", event.STOP)


@pytest.mark.parametrize("module", [codex, copilot, qwen, droid], ids=lambda m: m.AGENT)
def test_hostile_fields_are_dropped_not_raised(module: Any) -> None:
    for value in (None, 7, 1.5, True, [], {}, ["x"], {"x": 1}):
        payload = {"session_id": "s", "sessionId": "s", "hook_event_name": value,
                   "tool_name": value, "toolName": value, "cwd": value, "agent_id": value,
                   "agentName": value, "source": value, "model": value, "tool_use_id": value}
        ev = module.to_event(payload)
        assert ev is not None and ev.tool is None and ev.cwd is None and ev.agent_id is None
    long = module.to_event({"session_id": "s" * 5000, "sessionId": "s" * 5000,
                            "hook_event_name": "PreToolUse", "tool_name": "T" * 999,
                            "toolName": "T" * 999, "toolArgs": {}})
    assert long is not None and len(long.session_id) == 4096 and len(long.tool or "") == 200


@pytest.mark.parametrize("module", [codex, copilot, qwen, droid], ids=lambda m: m.AGENT)
def test_nothing_private_is_kept(module: Any) -> None:
    session = ([x for _, x in p.copilot_session()] if module is copilot else
               {codex: p.codex_session, qwen: p.qwen_session, droid: p.droid_session}[module]())
    c = counting.new_counters()
    for x in session:
        ev = module.to_event(x)
        assert ev is not None
        counting.apply(c, ev)
        for out in (ev.line(), ev.line(spilled=True), repr(ev)):
            assert p.SECRET not in out
    assert p.SECRET not in json.dumps(c)


@pytest.mark.parametrize(("module", "start"), [
    (codex, p.codex("SessionStart", source="startup")),
    (qwen, p.qwen("SessionStart", source="startup")),
    (droid, p.droid("SessionStart", source="startup")),
], ids=["codex", "qwen", "droid"])
def test_session_start_reply_is_hook_specific_output(module: Any, start: dict[str, Any]) -> None:
    ev = module.to_event(start)
    assert json.loads(module.reply(ev, "resume: step 3\n")) == {"hookSpecificOutput": {
        "hookEventName": "SessionStart", "additionalContext": "resume: step 3\n"}}
    tool = module.to_event({**start, "hook_event_name": "PreToolUse", "tool_name": "Bash"})
    for e, ctx in ((ev, ""), (tool, "ctx"), (None, "")):
        assert module.reply(e, ctx) == ""


def test_copilot_reply() -> None:
    ev = copilot.to_event(p.copilot(source="startup"))
    assert json.loads(copilot.reply(ev, "step 3")) == {"additionalContext": "step 3"}
    tool = copilot.to_event(p.copilot(toolName="bash", toolArgs={}))
    assert copilot.reply(ev, "") == copilot.reply(tool, "ctx") == copilot.reply(None, "") == ""


def test_the_registry_names_them() -> None:
    for name, module in (("codex", codex), ("copilot", copilot), ("qwen", qwen),
                         ("droid", droid)):
        assert agents.adapter(name) is module
    assert qwen.PROJECT_DIR_ENV == ("QWEN_PROJECT_DIR",)
    assert droid.PROJECT_DIR_ENV == ("FACTORY_PROJECT_DIR",)


def test_disclosure_names_each_agent_by_its_agent_value() -> None:
    """An Assisted-by trailer names the agent as `--agent` does (claude, qwen,
    ...), whatever the adapter's own AGENT says (handoff may not import agents,
    so its map is checked here)."""
    from gitsess import agents
    from gitsess.handoff import disclosure

    for name in agents.ADAPTERS:
        adapter = agents.adapter(name)
        assert adapter is not None
        assert disclosure.agent_name(adapter.AGENT) == name
