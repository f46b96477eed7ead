"""Cursor's project hook settings: .cursor/hooks.json."""

from __future__ import annotations

from gitsess.agents.settings import Spec

SPEC = Spec(
    name="cursor",
    label="Cursor",
    dir=".cursor",
    files=("hooks.json",),
    # https://cursor.com/docs/hooks, "Per-Script Configuration Options": `timeout`
    # is in seconds. The tool-specific events (beforeShellExecution,
    # beforeMCPExecution, afterFileEdit, ...) repeat what preToolUse reports.
    events={"sessionStart": 15, "beforeSubmitPrompt": 10, "preToolUse": 10, "postToolUse": 10,
            "postToolUseFailure": 10, "subagentStart": 10, "subagentStop": 10, "stop": 10,
            "preCompact": 10, "sessionEnd": 10},
    grouped=False,
    typed=False,  # "command" is the default type; Cursor's own examples omit it
    # "Global Configuration Options": version, the config schema version, 1.
    skeleton={"version": 1},
    # "Project hooks run in any trusted workspace".
    note="Cursor runs a project's hooks only in a trusted workspace",
)
