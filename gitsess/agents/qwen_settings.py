"""Qwen Code's project hook settings: .qwen/settings.json.

Citations are to QwenLM/qwen-code docs/users/features/hooks.md.
"""

from __future__ import annotations

from gitsess.agents.settings import Spec

_EVENTS = ("UserPromptSubmit", "PreToolUse", "PostToolUse", "PostToolUseFailure",
           "SubagentStart", "SubagentStop", "Stop", "PreCompact", "SessionEnd")

SPEC = Spec(
    name="qwen",
    label="Qwen Code",
    # "Hooks are configured in Qwen Code settings, typically in
    # .qwen/settings.json"; grouped under matchers as Claude Code's are.
    dir=".qwen",
    files=("settings.json",),
    # "Command Hooks": `timeout` is in milliseconds (default 60000). (Should a
    # release read seconds, 10000 s is only a looser bound; seconds written
    # here would kill the hook after 10 ms under the documented unit.)
    events={"SessionStart": 15000, **dict.fromkeys(_EVENTS, 10000)},
    # "Matcher Syntax": "*" matches all.
    tool_events=frozenset({"PreToolUse", "PostToolUse", "PostToolUseFailure"}),
    # A name shows in Qwen Code's logs and /hooks ("Hook name (for logging)").
    entry={"name": "gitsess"},
    # "Parallel vs Sequential Execution": hooks execute in parallel by default.
    parallel=True,
    # "Async Hooks": only `command` hooks may set "async": true, which "runs the
    # hook in the background without blocking the main flow"; it "cannot
    # return decision control" and its output reaches the next turn. Every
    # event but SessionStart (whose output is the resume context) runs so.
    async_events=frozenset(_EVENTS),
    # "Security Model": "Project-level hooks require trusted folder status".
    note="Qwen Code runs a project's hooks only in a trusted folder",
)
