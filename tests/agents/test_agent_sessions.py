"""`git sess hook --agent codex|copilot|qwen|droid` end to end: one real hook
process per event of a whole session, fed the payload shapes each agent
documents or publishes (tests/agents/payloads.py cites them), read back by
`git sess status --json` with exact counts; each agent's SessionStart reply
in its own output contract; nothing private in git."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest

from tests.agents import payloads as p
from tests.helpers import SESS, Repo, fsck, make_handoff

LIVE = "refs/sess/live/"


def hook(repo: Repo, agent: str, data: dict[str, Any]) -> subprocess.CompletedProcess[bytes]:
    """One real `git-sess hook --agent AGENT` process, as the agent's settings run it."""
    proc = subprocess.run([*SESS, "hook", "--agent", agent], cwd=repo.path,
                          input=json.dumps(data).encode(), capture_output=True, timeout=120,
                          env=dict(os.environ))
    assert proc.returncode == 0 and proc.stderr == b"", proc.stderr
    return proc


def status(repo: Repo) -> dict[str, Any]:
    (s,) = json.loads(repo.setup("status", "--json").stdout)["sessions"]
    assert isinstance(s, dict)
    return s


def no_secret_in_git(repo: Repo) -> None:
    objects = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"],
                             cwd=repo.path, capture_output=True, check=True).stdout
    assert objects and p.SECRET.encode() not in objects
    assert fsck(repo).returncode == 0


def test_a_codex_session(repo: Repo) -> None:
    make_handoff(repo, "RT-261126-01", resume_prompt="Pick up at step 3 of the migration.")
    events = p.codex_session()
    for payload in events:
        out = hook(repo, "codex", payload).stdout
        if payload["hook_event_name"] == "SessionStart":
            ctx = json.loads(out)["hookSpecificOutput"]
            assert ctx["hookEventName"] == "SessionStart"
            assert "Pick up at step 3 of the migration." in ctx["additionalContext"]
        else:
            assert out == b""
    s = status(repo)
    assert (s["session_id"], s["agent"], s["model"]) == (p.CODEX_SESSION, "codex",
                                                         "gpt-5.1-codex")
    assert s["events"] == len(events) == 11
    # call_2's PostToolUse came twice: counted once, by its tool_use_id.
    assert (s["tool_calls"], s["tools"]) == (2, {"Bash": 1, "apply_patch": 1})
    assert (s["failures"], s["prompts"], s["subagents"], s["compactions"]) == (0, 1, 1, 0)
    assert s["by_event"]["PermissionRequest"] == 1 and s["interruptions"] == 0
    no_secret_in_git(repo)


def test_a_copilot_session(repo: Repo) -> None:
    make_handoff(repo, "RT-261126-01", resume_prompt="Pick up at step 3 of the migration.")
    for event, payload in p.copilot_session():
        out = hook(repo, "copilot", payload).stdout
        if event == "sessionStart":  # source "new": a fresh session gets the context
            assert "Pick up at step 3" in json.loads(out)["additionalContext"]
        else:
            assert out == b""
    s = status(repo)
    assert (s["session_id"], s["agent"]) == (p.COPILOT_SESSION, "copilot")
    assert s["events"] == 12
    # The event of each camelCase payload is told by its fields alone.
    assert s["by_event"] == {
        "sessionStart": 1, "userPromptSubmitted": 1, "postToolUse": 4, "postToolUseFailure": 1,
        "subagentStart": 1, "subagentStop": 1, "preCompact": 1, "agentStop": 1, "sessionEnd": 1}
    # Calls are counted as they end, failed ones included.
    assert (s["tool_calls"], s["tools"]) == (5, {"bash": 2, "edit": 1, "view": 1, "task": 1})
    assert (s["failures"], s["prompts"], s["subagents"], s["compactions"]) == (1, 1, 1, 1)
    no_secret_in_git(repo)


def test_a_qwen_session(repo: Repo) -> None:
    events = p.qwen_session()
    for payload in events:
        out = hook(repo, "qwen", payload).stdout
        if payload["hook_event_name"] == "SessionStart":  # the first run's context, as JSON
            assert "no handoff yet" in json.loads(out)["hookSpecificOutput"]["additionalContext"]
        else:
            assert out == b""
    s = status(repo)
    assert (s["session_id"], s["agent"], s["model"]) == (p.QWEN_SESSION, "qwen-code",
                                                         "qwen3-coder-plus")
    assert s["events"] == len(events) == 12
    assert (s["tool_calls"], s["tools"]) == (2, {"run_shell_command": 1, "read_file": 1})
    # The continuation's UserPromptSubmit is an event, not a prompt.
    assert s["by_event"]["UserPromptSubmit"] == 2 and s["prompts"] == 1
    assert (s["failures"], s["subagents"], s["compactions"]) == (1, 1, 1)
    no_secret_in_git(repo)


def test_a_droid_session(repo: Repo) -> None:
    make_handoff(repo, "RT-261126-01", resume_prompt="Pick up at step 3 of the migration.")
    events = p.droid_session()
    for payload in events:
        out = hook(repo, "droid", payload).stdout
        if payload["hook_event_name"] == "SessionStart":
            ctx = json.loads(out)["hookSpecificOutput"]["additionalContext"]
            assert "Pick up at step 3 of the migration." in ctx
        else:
            assert out == b""
    s = status(repo)
    assert (s["session_id"], s["agent"]) == (p.DROID_SESSION, "droid")
    assert s["events"] == len(events) == 11
    assert (s["tool_calls"], s["tools"]) == (2, {"Create": 1, "Task": 1})
    assert (s["failures"], s["prompts"], s["subagents"], s["compactions"]) == (0, 1, 1, 1)
    assert s["by_event"]["Notification"] == 1
    no_secret_in_git(repo)


@pytest.mark.parametrize("agent", ["codex", "copilot", "qwen", "droid"])
def test_payloads_without_a_session_are_ignored(repo: Repo, agent: str) -> None:
    """In-process: a payload naming no session records nothing and replies as
    the agent expects when there is nothing to say."""
    for bad in ({"hook_event_name": "PreToolUse", "tool_name": "Bash"},
                {"toolName": "bash", "toolArgs": {}}, {"sessionId": 7, "session_id": ["x"]}):
        out = repo.record(bad, agent=agent)
        assert out.returncode == 0 and out.stdout == b""
    assert repo.refs(LIVE) == {}
