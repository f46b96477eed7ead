"""`git sess install`: gitsess's git hooks where git will run them, git config
for notes and fetch refspecs, and with --agent the agent's hook settings."""

from __future__ import annotations

from gitsess.agents.specs import SPECS
from gitsess.errors import UsageError
from gitsess.setup import agentsettings, gitconfig, install
from gitsess.store import Store

AGENTS = tuple(SPECS)


def run(*, store: Store, agent: str | None = None, local: bool = False,
        into_committed: bool = False) -> int:
    if agent is not None and agent not in AGENTS:
        raise UsageError(f"unknown agent '{agent}'", hint="supported: " + ", ".join(AGENTS))
    if local and agent is None:
        raise UsageError("--local only applies to agent settings", hint="add --agent claude")
    spec = SPECS[agent] if agent is not None else None
    if spec is not None and local and len(spec.files) < 2:
        raise UsageError(f"--local only applies to Claude Code's settings; {spec.label} has"
                         f" one project file, {spec.dir}/{spec.files[0]}",
                         hint=f"git sess install --agent {spec.name}")
    argv = agentsettings.agent_argv(local=local)
    if spec is not None:  # refuse an unusable settings file before changing anything
        agentsettings.check(store, argv, spec, local=local)
    report = install.install_hooks(store, into_committed=into_committed)
    loc = report.location
    where = "core.hooksPath" if loc.source == "core.hooksPath" else "the repository's hooks"
    print(f"hooks: {loc.path} ({where}{', ' + loc.manager if loc.manager else ''})")
    for line in report.lines:
        print(f"  {line}")
    for line in report.notes:
        print(f"  note: {line}")
    if loc.manager == "husky" and not report.via:
        print("  note: husky rewrites this directory when it runs (npm install); run"
              " `git sess install` again after that (`git sess doctor` notices)")
    for line in gitconfig.configure_git(store):
        print(f"config: {line}")
    if spec is not None:
        for line in agentsettings.install(store, argv, spec, local=local):
            print(f"agent: {line}")
        if not local and not agentsettings.on_path():
            print(f"  note: git-sess is not on PATH, where {spec.label} looks for it: install.sh"
                  " links it into ~/.local/bin (or use --local to name this install)"
                  if len(spec.files) > 1 else
                  f"  note: git-sess is not on PATH, where {spec.label} looks for it: install.sh"
                  " links it into ~/.local/bin")
        if spec.note:
            print(f"  note: {spec.note}")
    return 0
