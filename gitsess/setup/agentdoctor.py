"""`git sess doctor`'s checks of the agents' settings files (gitsess/setup/doctor.py
runs them): entries missing or from an older install, a program that is not
there, a machine path in a shared file, an agent's own switches that stop hooks."""

from __future__ import annotations

import os
import shutil
from typing import Any

from gitsess.agents import specs as agentspecs
from gitsess.agents.settings import stale as stale_entries
from gitsess.setup import agentcommands, agentsettings, shims
from gitsess.setup.doctor import Diagnosis, Finding
from gitsess.store import Store, worktree


def check(store: Store, d: Diagnosis) -> None:
    """Every agent settings file with gitsess's entries: complete, current, runnable here."""
    if not store.workdir:
        return
    wired = False
    commands: dict[str, agentspecs.Spec] = {}
    for spec in agentspecs.SPECS.values():
        for local, name in enumerate(spec.files):
            state, missing, data = agentsettings.state(store, spec, local=bool(local))
            if state not in ("partial", "full"):
                continue
            wired = True
            path = f"{spec.dir}/{name}"
            if missing:
                d.findings.append(Finding(
                    "agent", "warning", f"{path} hooks gitsess into {len(spec.events) - len(missing)}"
                    f" of {len(spec.events)} {spec.label} events; not recorded: {', '.join(missing)}",
                    f"git sess install --agent {spec.name}{' --local' if local else ''}"))
            if stale := stale_entries(spec, data):  # an older install's (without async: blocking)
                d.findings.append(Finding(
                    "agent", "warning", f"{path} has gitsess entries from an older install for"
                    f" {', '.join(stale)}{': now async, so they no longer block' if spec.async_events else ''}",
                    f"git sess install --agent {spec.name}{' --local' if local else ''}"))
            if spec is agentspecs.GEMINI:
                _gemini_switches(data, path, d)
            elif spec is agentspecs.DROID:
                _droid_hooks_file(store, path, d)
            _agent_programs(store, spec, bool(local), path, data, d)
            for rel in agentcommands.outdated(store, spec.name):  # once per file (Codex and
                commands.setdefault(rel, spec)                    # Copilot share their skills)
    for rel, spec in commands.items():
        d.findings.append(Finding(
            "agent", "info", f"{rel} is missing or outdated: {spec.label} lacks"
            " that gitsess command (/handoff, /sess-resume)", f"git sess install --agent {spec.name}"))
    if not wired:
        d.findings.append(Finding("agent", "info", "no agent's settings have gitsess hooks"
                                  f" ({', '.join(s.label for s in agentspecs.SPECS.values())}):"
                                  " agent sessions are not recorded here",
                                  "git sess install --agent " + "|".join(agentspecs.SPECS)))


def _droid_hooks_file(store: Store, path: str, d: Diagnosis) -> None:
    # Droid reads settings.json's hooks only without .factory/hooks.json (docs.factory.ai/harness/hooks.md)
    if store.workdir and os.path.isfile(os.path.join(store.workdir, ".factory", "hooks.json")):
        d.findings.append(Finding("agent", "warning", f"{path} has gitsess's hooks, but Droid"
                                  " ignores them while .factory/hooks.json exists",
                                  "move that file's hooks into .factory/settings.json"))


def _agent_programs(store: Store, spec: agentspecs.Spec, local: bool, path: str,
                    data: dict[str, Any], d: Diagnosis) -> None:
    """A shared settings file must name `git-sess` (found on each teammate's
    PATH), never this machine's path; and that git-sess must be on PATH."""
    flag = " --local" if local else ""
    for prog in agentsettings.programs(spec, data):
        if prog == agentsettings.PATH_PROGRAM:
            if not agentsettings.on_path():
                d.findings.append(Finding(
                    "agent", "warning", f"{path} runs `git-sess` from PATH, and PATH has no"
                    f" git-sess: {spec.label} cannot run gitsess's hooks",
                    "run gitsess's install.sh (it links git-sess into ~/.local/bin), or"
                    f" ln -s {shims.gitsess_command()[0]} ~/.local/bin/git-sess"))
        elif not local:
            tracked = worktree.is_tracked(store, path)
            d.findings.append(Finding(
                "agent", "warning", f"{path} names this machine's {prog}"
                f"{' and is committed' if tracked else ', and teams commit it'}: on a"
                " teammate's machine that path is not there",
                f"git sess install --agent {spec.name}  (writes `git-sess hook --agent"
                f" {spec.name}`, found on PATH)"))
        elif not shims.executable(prog) and not shutil.which(prog):
            d.findings.append(Finding(
                "agent", "warning", f"{path} runs {prog}, which is gone (an older install)",
                f"git sess install --agent {spec.name}{flag}"))


def _gemini_switches(data: dict[str, Any], path: str, d: Diagnosis) -> None:
    """Gemini CLI's switches that stop every hook: hooksConfig.enabled
    (settingsSchema.ts, "When disabled, no hooks will be executed") and, in
    earlier releases, tools.enableHooks (docs/hooks/index.md)."""
    for section, key in (("hooksConfig", "enabled"), ("tools", "enableHooks")):
        value = data.get(section)
        if isinstance(value, dict) and value.get(key) is False:
            d.findings.append(Finding(
                "agent", "warning", f"{path} sets {section}.{key} to false: Gemini CLI runs no"
                " hooks, gitsess's included", f"set {section}.{key} to true in {path}"))
