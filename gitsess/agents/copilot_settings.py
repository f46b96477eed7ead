"""GitHub Copilot CLI's repository hooks: .github/hooks/gitsess.json, a file
gitsess owns whole (Copilot CLI loads every `.github/hooks/*.json`, so a
user's own files there are never edited).

Citations are to https://docs.github.com/en/copilot/reference/hooks-reference
(github/docs content/copilot/reference/hooks-reference.md).
"""

from __future__ import annotations

from gitsess.agents.settings import Spec

SPEC = Spec(
    name="copilot",
    label="Copilot CLI",
    # "Repository-level hook files — .github/hooks/*.json in the repository root".
    dir=".github/hooks",
    files=("gitsess.json",),
    # "Command hooks": entries {"type": "command", "bash": ..., "timeoutSec": N};
    # `timeoutSec` is in seconds (default 30). camelCase event names, so the
    # payloads are the camelCase ones gitsess/agents/copilot.py reads.
    # errorOccurred, notification, permissionRequest and userPromptTransformed
    # are not hooked: telemetry counts none of them.
    events={"sessionStart": 15, "userPromptSubmitted": 10, "preToolUse": 10, "postToolUse": 10,
            "postToolUseFailure": 10, "subagentStart": 10, "subagentStop": 10, "agentStop": 10,
            "preCompact": 10, "sessionEnd": 10},
    grouped=False,
    # `bash` is the command every release reads ("One of bash/powershell";
    # the cross-platform `command` came later). No `powershell` entry: the
    # hook is `git-sess`, which gitsess installs on Unix only.
    key="bash",
    timeout_key="timeoutSec",
    # "Hook configuration files use JSON format with version 1."
    skeleton={"version": 1},
    # No async option: a command hook is waited for ("If multiple hooks of the
    # same type are configured, they execute in order"); only `notification`
    # hooks are fire-and-forget. A timed-out or failed hook is logged and
    # skipped, except preToolUse, which a crash or non-zero exit denies: the
    # hook always exits 0.
    note="Copilot CLI also runs the hooks in .claude/settings.json: with Claude Code's"
         " installed too, each Copilot event is counted twice",
)
