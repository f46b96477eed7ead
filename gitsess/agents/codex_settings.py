"""Codex CLI's project hook settings: .codex/hooks.json.

Citations are to openai/codex.
"""

from __future__ import annotations

from gitsess.agents.settings import Spec

SPEC = Spec(
    name="codex",
    label="Codex CLI",
    # codex-rs/hooks/src/engine/discovery.rs (load_hooks_json): each config
    # layer's folder may hold hooks.json; a project's layer is its .codex
    # folder (ConfigLayerSource::Project { dot_codex_folder }), loaded only in
    # a trusted project. The file is {"hooks": {<Event>: [<matcher group>]}}
    # (codex-rs/config/src/hook_config.rs, HooksFile / MatcherGroup).
    dir=".codex",
    files=("hooks.json",),
    # hook_config.rs (HookHandlerConfig::Command): `timeout` (alias
    # `timeoutSec`) is in seconds; discovery.rs: default 600, at least 1.
    # SubagentStart/SubagentStop exist in later releases only; an older Codex
    # ignores event names it does not know (HookEventsToml denies no unknown
    # field). PermissionRequest and PostCompact add nothing telemetry counts.
    events={"SessionStart": 15, "UserPromptSubmit": 10, "PreToolUse": 10, "PostToolUse": 10,
            "SubagentStart": 10, "SubagentStop": 10, "Stop": 10, "PreCompact": 10},
    # codex-rs/hooks/src/events/common.rs: "*" is the match-all matcher.
    tool_events=frozenset({"PreToolUse", "PostToolUse"}),
    # No entry is async: current sources run `"async": true` commands in the
    # background (codex-rs/hooks/src/engine/async_command.rs), but releases
    # at least up to 0.153 drop such an entry with "skipping async hook ...:
    # async hooks are not supported yet" (discovery.rs then), so an async
    # entry would record nothing there. Every Codex hook blocks the turn.
    # discovery.rs: a project hook runs only once trusted, and its trust is a
    # hash of the entry (command_hook_hash): a changed entry needs trusting
    # again.
    note="Codex CLI runs a project's hooks only in a trusted project, and each new or changed"
         " hook only after you trust it in /hooks",
)
