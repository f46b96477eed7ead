"""Gemini CLI's project hook settings: .gemini/settings.json.

Citations are to google-gemini/gemini-cli.
"""

from __future__ import annotations

from gitsess.agents.settings import Spec

SPEC = Spec(
    name="gemini",
    label="Gemini CLI",
    # Project settings: .gemini/settings.json (docs/hooks/index.md, "Configuration
    # layers"); there is no local variant.
    dir=".gemini",
    files=("settings.json",),
    # docs/hooks/reference.md: `timeout` is in milliseconds (default 60000).
    # BeforeModel, AfterModel and BeforeToolSelection are not hooked: they fire
    # on every model call (AfterModel on every streamed chunk) and carry the
    # whole prompt, and telemetry counts none of them. Notification adds nothing.
    events={"SessionStart": 15000, "BeforeAgent": 10000, "BeforeTool": 10000,
            "AfterTool": 10000, "AfterAgent": 10000, "PreCompress": 10000, "SessionEnd": 10000},
    # "*" matches every tool (docs/hooks/index.md, "Matchers").
    tool_events=frozenset({"BeforeTool", "AfterTool"}),
    # A name lets `/hooks disable gitsess` (and hooksConfig.disabled) turn them off.
    entry={"name": "gitsess"},
    # docs/hooks/reference.md: `sequential` orders the hooks of one group
    # only (gitsess's are a group of their own); docs/hooks/index.md: the CLI
    # "waits for all matching hooks to complete".
    parallel=True,
    # hookRunner.ts: "Blocked execution of project hook in untrusted folder".
    note="Gemini CLI runs a project's hooks only in a trusted folder",
)
