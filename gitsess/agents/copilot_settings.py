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
    # preToolUse is not hooked: "Command preToolUse hooks are fail-closed on
    # errors—a crash or non-zero exit ... denies the tool call", so a
    # teammate without git-sess on PATH (sh exits 127) could run no tool at
    # all. Every other event fails open ("Hook failures ... are logged and
    # skipped"); a call is counted when it ends (gitsess/agents/copilot.py).
    # errorOccurred, notification, permissionRequest and userPromptTransformed
    # are not hooked either: telemetry counts none of them.
    events={"sessionStart": 15, "userPromptSubmitted": 10, "postToolUse": 10,
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
    # hooks are fire-and-forget. So one hook process per tool call blocks.
    note="Copilot CLI also runs the hooks in .claude/settings.json: with Claude Code's"
         " installed too, each Copilot event is counted twice",
)
