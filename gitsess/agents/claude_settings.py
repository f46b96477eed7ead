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
    # https://code.claude.com/docs/en/hooks, "Run hooks in the background":
    # by default a hook blocks Claude until it completes; `"async": true` on a
    # `type: "command"` hook (the only type that may) starts it and goes on
    # at once. The reference names no event that refuses it. What an async
    # hook prints is delivered on the next turn (its decision fields and exit
    # code have no effect), and `timeout` bounds the background process (the
    # same 10-minute default). Telemetry needs no answer, so every event but
    # SessionStart runs async: SessionStart's stdout *is* the resume context,
    # which must reach the session before its first turn, so it blocks.
    # (SessionEnd runs as Claude Code exits, which may not wait for a hook,
    # async or not: anthropics/claude-code#41577.)
    async_events=frozenset({"UserPromptSubmit", "PreToolUse", "PostToolUse",
                            "PostToolUseFailure", "SubagentStart", "SubagentStop", "Stop",
                            "PreCompact", "SessionEnd"}),
)
