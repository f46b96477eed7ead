from __future__ import annotations

import json

from tests.helpers import Repo, fsck, payload


def test_hook_counts_tools_and_mcp(repo: Repo) -> None:
    for p in [
        payload("SessionStart", source="startup", model="claude-opus-4-5"),
        payload("UserPromptSubmit", prompt="do it"),
        payload("PreToolUse", tool_name="Bash", tool_input={"command": "ls"}),
        payload("PostToolUse", tool_name="Bash", tool_response={"stdout": "x"}, duration_ms=12),
        payload("PreToolUse", tool_name="mcp__notion_offplan__notion-search"),
        payload("PostToolUseFailure", tool_name="mcp__notion_offplan__notion-search", error="boom"),
    ]:
        assert repo.hook(p).returncode == 0
    out = json.loads(repo.sess("status", "--json", check=True).stdout)
    (s,) = out["sessions"]
    assert s["tool_calls"] == 2
    assert s["tools"] == {"Bash": 1, "mcp__notion_offplan__notion-search": 1}
    assert s["mcp"] == {"notion_offplan": {"total": 1, "methods": {"notion-search": 1}}}
    assert s["failures"] == 1 and s["prompts"] == 1 and s["events"] == 6
    assert s["model"] == "claude-opus-4-5" and s["duration_ms"] == 12
    # status folded the tool calls' spills: one commit, its lines in time order.
    log = repo.git("log", "--format=%B", "refs/sess/live/s1").stdout.split()
    assert [json.loads(line)["event"] for line in log] == [
        "PreToolUse", "PostToolUse", "PreToolUse", "PostToolUseFailure", "UserPromptSubmit",
        "SessionStart"]
    assert repo.refs("refs/sess/pending/") == {}
    assert fsck(repo).returncode == 0
