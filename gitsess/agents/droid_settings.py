"""Factory Droid's project hook settings: .factory/settings.json (and settings.local.json).

Citations are to https://docs.factory.ai/reference/hooks-reference.
"""

from __future__ import annotations

from gitsess.agents.settings import Spec

SPEC = Spec(
    name="droid",
    label="Factory Droid",
    # "Droid hooks are configured in your settings files: ... .factory/settings.json
    # - Project settings; .factory/settings.local.json - Local project settings
    # (not committed)", grouped under matchers as Claude Code's are. Later
    # releases keep hooks in .factory/hooks.json and read settings.json's
    # `hooks` only when hooks.json is absent
    # (https://docs.factory.ai/harness/hooks.md, "Configuration"): doctor says
    # so when that file exists.
    dir=".factory",
    files=("settings.json", "settings.local.json"),
    # `timeout`: "How long a command should run, in seconds".
    events={"SessionStart": 15, "UserPromptSubmit": 10, "PreToolUse": 10, "PostToolUse": 10,
            "SubagentStop": 10, "Stop": 10, "PreCompact": 10, "SessionEnd": 10},
    # "Use * to match all tools" (matcher applies to PreToolUse and PostToolUse).
    tool_events=frozenset({"PreToolUse", "PostToolUse"}),
    # No async option is documented: every Droid hook blocks.
)
