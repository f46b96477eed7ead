"""`git sess install`: gitsess's git hooks where git will run them, git config
for notes and fetch refspecs, and with --agent the agent's hook settings."""

from __future__ import annotations

from gitsess.setup import agentcommands, agentsettings, gitconfig, install
from gitsess.store import Store


def run(*, store: Store, agent: str | None = None, local: bool = False,
        into_committed: bool = False) -> int:
    spec = agentsettings.requested(agent, local=local)
    argv = agentsettings.agent_argv(local=local)
    if spec is not None:  # refuse an unusable settings file before changing anything
        agentsettings.check(store, argv, spec, local=local)
    # Each step's lines as soon as it is done: a later step's error leaves
    # what was already changed on the screen.
    _say(install.install_hooks(store, into_committed=into_committed).text())
    _say([f"config: {line}" for line in gitconfig.configure_git(store)])
    if spec is not None:
        _say([f"agent: {line}" for line in agentsettings.install(store, argv, spec, local=local)])
        _say([f"agent: {line}" for line in agentcommands.install(store, spec.name, spec.label)])
        _say([f"  note: {line}" for line in agentsettings.install_notes(spec, local=local)])
    return 0


def _say(lines: list[str]) -> None:
    for line in lines:
        print(line)
