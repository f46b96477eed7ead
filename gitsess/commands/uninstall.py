"""`git sess uninstall`: take out only what install put in, restoring chained
hooks and agent settings byte for byte, in every worktree of the repository
(they share the hooks). Recorded sessions and handoffs stay."""

from __future__ import annotations

from gitsess.errors import GitsessError
from gitsess.setup import agentcommands, agentworktrees, gitconfig, install
from gitsess.store import Store


def run(*, store: Store) -> int:
    # The command files first: the directories they sit in (.claude) go with the settings.
    lines = [f"agent: {ln}" for ln in agentcommands.uninstall(store)]
    agent, left = agentworktrees.uninstall(store)  # a file left as it was is named below
    lines += [f"agent: {ln}" for ln in agent]
    lines += [f"hooks: {ln}" for ln in install.uninstall_hooks(store)]
    lines += [f"config: {ln}" for ln in gitconfig.unconfigure_git(store)]
    for line in lines or ["nothing to uninstall"]:
        print(line)
    print("kept: refs/sess/ and refs/notes/sess (your sessions and handoff records)")
    if left:
        raise GitsessError("; ".join(e.message for e in left), hint=left[0].hint)
    return 0
