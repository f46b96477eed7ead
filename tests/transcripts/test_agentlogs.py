"""Issue 11: the transcript readers on files in Claude Code's, Codex's and
Gemini CLI's formats. Which file may be read for a session is
gitsess.transcripts.ownfiles' question (tests/test_transcript_marker.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitsess.transcripts import agentlogs, counting
from tests.transcripthelpers import SESSION, Claude


def test_codex_rollout(tmp_path: Path) -> None:
    """openai/codex RolloutLine: {timestamp, type, payload}."""
    lines = [
        {"type": "session_meta", "payload": {"id": "019a2d7a", "cwd": "/work/project",
                                             "cli_version": "0.46.0"}},
        {"type": "turn_context", "payload": {"cwd": "/work/project", "model": "gpt-5-codex"}},
        {"type": "event_msg", "payload": {"type": "user_message", "message": "fix it"}},
        {"type": "response_item", "payload": {"type": "function_call", "name": "shell",
                                              "arguments": "{}", "call_id": "call_1"}},
        {"type": "response_item", "payload": {"type": "function_call_output",
                                              "call_id": "call_1", "output": "ok"}},
        {"type": "response_item", "payload": {"type": "custom_tool_call", "name": "apply_patch",
                                              "call_id": "call_2", "input": "..."}},
        {"type": "response_item", "payload": {"type": "function_call",
                                              "name": "mcp__notion__search", "call_id": "call_3"}},
        {"type": "event_msg", "payload": {"type": "token_count", "info": {"total_token_usage": {
            "input_tokens": 1000, "cached_input_tokens": 800, "output_tokens": 50}}}},
        {"type": "event_msg", "payload": {"type": "token_count", "info": {"total_token_usage": {
            "input_tokens": 1000, "cached_input_tokens": 800, "output_tokens": 50}}}},
        {"type": "event_msg", "payload": {"type": "turn_aborted", "reason": "interrupted"}},
        {"type": "compacted", "payload": {"message": "summary"}},
        {"type": "event_msg", "payload": {"type": "token_count", "info": {"total_token_usage": {
            "input_tokens": 2500, "cached_input_tokens": 1800, "output_tokens": 90}}}},
    ]
    path = tmp_path / "rollout-2026-11-26T08-00-00-019a2d7a.jsonl"
    path.write_text("".join(json.dumps({"timestamp": "2026-11-26T08:00:00.000Z", **d}) + "\n"
                            for d in lines) + "{not json\n")
    c = agentlogs.read("codex", str(path))
    assert c is not None
    assert (c["tool_calls"], c["prompts"], c["interruptions"], c["compactions"]) == (3, 1, 1, 1)
    assert c["mcp"] == {"notion": {"total": 1, "methods": {"search": 1}}}
    assert c["tokens"] == {"gpt-5-codex": {"input": 700, "output": 90, "cache_write": 0,
                                           "cache_read": 1800}}
    assert c["models"] == {"gpt-5-codex": 2}


def test_gemini_chat_jsonl_and_legacy_json(tmp_path: Path) -> None:
    """chatRecordingService: records rewritten under one id (the last wins), $rewindTo."""
    def msg(mid: str, kind: str, **extra: object) -> dict[str, object]:
        return {"id": mid, "timestamp": "2026-11-26T08:00:00.000Z", "type": kind,
                "content": [{"text": "x"}], **extra}
    tokens = {"input": 1200, "output": 30, "cached": 1000, "thoughts": 5, "total": 1235}
    calls = [{"id": "c1", "name": "read_file", "status": "success"},
             {"id": "c2", "name": "run_shell_command", "status": "error"},
             {"id": "c3", "name": "write_file", "status": "cancelled"}]
    records = [
        {"sessionId": "3f1c9e52", "projectHash": "ab12", "startTime": "2026-11-26T08:00:00Z"},
        msg("m1", "user"),
        msg("m2", "gemini", toolCalls=calls[:1], model="gemini-2.5-pro"),
        msg("m2", "gemini", toolCalls=calls, tokens=tokens, model="gemini-2.5-pro"),
        msg("m3", "user"),
        msg("m4", "gemini", toolCalls=[{"id": "c9", "name": "x", "status": "success"}]),
        {"$rewindTo": "m3"},
        {"$set": {"summary": "s"}},
    ]
    path = tmp_path / "session-2026-11-26T08-00-3f1c9e52.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    c = agentlogs.read("gemini-cli", str(path))
    assert c is not None
    assert (c["tool_calls"], c["failures"], c["interruptions"], c["prompts"]) == (3, 1, 1, 1)
    assert c["failed_tools"] == {"run_shell_command": 1}
    assert c["tokens"] == {"gemini-2.5-pro": {"input": 200, "output": 35, "cache_write": 0,
                                              "cache_read": 1000}}
    legacy = tmp_path / "session-old.json"
    legacy.write_text(json.dumps({"sessionId": "x", "projectHash": "y", "messages": [
        msg("m1", "user"), msg("m2", "gemini", toolCalls=calls, tokens=tokens,
                               model="gemini-2.5-pro")]}))
    old = agentlogs.read("gemini-cli", str(legacy))
    assert old is not None and (old["tool_calls"], old["failures"]) == (3, 1)


def test_over_long_lines_are_skipped_and_memory_stays_bounded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(counting, "MAX_LINE", 4096)
    c = Claude()
    c.call("toolu_1", "Read", mid="m1", rid="r1")
    c.prompt("y" * 10000)  # longer than MAX_LINE: skipped unread, not a prompt
    c.call("toolu_2", "Read", mid="m2", rid="r2")
    path = c.write(tmp_path / f"{SESSION}.jsonl")
    got = agentlogs.read_claude(str(path))
    assert (got["tool_calls"], got["prompts"]) == (2, 0)
    assert got["bytes"] == path.stat().st_size


def test_claude_prompts_compactions_interruptions_and_sidechains(tmp_path: Path) -> None:
    """Only a person's prompts count; 1.x sidechain lines in the main file are
    a subagent's; compaction's agent-acompact file is read but spawned nothing."""
    c = Claude()
    c.prompt("first prompt")
    c.prompt("<system-reminder>context</system-reminder>", isMeta=True)
    c.prompt("<local-command-stdout>ok</local-command-stdout>")
    c.call("toolu_1", "Bash", mid="m1", rid="r1")
    c.prompt("[Request interrupted by user for tool use]")
    c.lines.append({**c._base("system"), "subtype": "compact_boundary", "content": "compacted"})
    c.prompt("This session is being continued from a previous conversation...",
             isCompactSummary=True)
    c.prompt("second prompt")
    side = Claude(agent="x1")
    side.call("toolu_s", "Read", mid="ms", rid="rs", error=True)
    c.lines += side.lines  # 1.x: in the main file, isSidechain true
    path = c.write(tmp_path / f"{SESSION}.jsonl")
    compact = Claude(agent="acompact-1")
    compact.assistant("mc", "rc", "claude-opus-4-5", {"input_tokens": 1, "output_tokens": 2},
                      [{"type": "text", "text": "summary"}])
    compact.write(tmp_path / SESSION / "subagents" / "agent-acompact-1.jsonl")
    got = agentlogs.read_claude(str(path))
    assert (got["prompts"], got["compactions"], got["interruptions"]) == (2, 1, 1)
    assert (got["tool_calls"], got["failures"], got["subagents"]) == (2, 1, 0)
    assert got["agents"]["sidechain"]["failures"] == 1
    assert got["agents"]["agent-acompact-1"]["tokens"]["output"] == 2


def test_a_transcript_reached_through_a_link_is_not_read(tmp_path: Path) -> None:
    """The counting opens files with O_NOFOLLOW: a link in place of the
    transcript (or of a subagent's file) counts nothing."""
    c = Claude()
    c.call("toolu_1", "Read", mid="m1", rid="r1")
    real = c.write(tmp_path / "real.jsonl")
    (tmp_path / "p").mkdir()
    link = tmp_path / "p" / f"{SESSION}.jsonl"
    link.symlink_to(real)
    got = agentlogs.read_claude(str(link))
    assert got["tool_calls"] == 0 and got["files"] == 0
    assert got["skipped"] == [{"file": link.name, "reason": "unreadable"}]

    main = c.write(tmp_path / "q" / f"{SESSION}.jsonl")
    agents = main.parent / SESSION / "subagents"
    agents.mkdir(parents=True)
    (agents / "agent-a1.jsonl").symlink_to(real)
    got = agentlogs.read_claude(str(main))
    assert got["tool_calls"] == 1 and got["files"] == 1
    assert got["skipped"] == [{"file": "subagents/agent-a1.jsonl", "reason": "not a regular file"}]
