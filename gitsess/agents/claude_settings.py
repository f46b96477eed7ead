"""Claude Code's project hook settings: .claude/settings.json (and settings.local.json)."""

from __future__ import annotations

from gitsess.agents.settings import Spec

SPEC = Spec(
    name="claude",
    label="Claude Code",
    dir=".claude",
    files=("settings.json", "settings.local.json"),
    # Claude Code's hook `timeout` is in seconds.
    events={"SessionStart": 15, "UserPromptSubmit": 10, "PreToolUse": 10, "PostToolUse": 10,
            "PostToolUseFailure": 10, "SubagentStart": 10, "SubagentStop": 10, "Stop": 10,
            "PreCompact": 10, "SessionEnd": 10},
    tool_events=frozenset({"PreToolUse", "PostToolUse", "PostToolUseFailure"}),
    # docs.claude.com/en/docs/claude-code/hooks, "Hook execution details":
    # all matching hooks run in parallel.
    parallel=True,
)
