"""Installing gitsess's git hook shims into a repository, and taking them out.

Never clobber (DESIGN.md): a foreign hook keeps running. It is chained, in
one of three ways:

- moved, byte for byte, to `.gitsess-chained/<hook>.user`, with a wrapper as
  `<hook>.legacy`, which every gitsess shim runs first (the convention
  pre-commit also uses; kept out of `<hook>.legacy` itself because a later
  `pre-commit install` moves gitsess's shim there, over whatever is there);
- a symbolic link is moved to `<hook>.legacy` (a relative target still resolves);
- or, for a hook that finds its own job through its file name `$0` (husky's
  stubs: `.husky/_/h` runs `.husky/<basename $0>`; pre-commit's script: it
  runs `<its dir>/<hook>.legacy` and so would run itself), moved to
  `.gitsess-chained/<hook>` with a small wrapper as `<hook>.legacy` that runs
  it the way it expects to be run.

Uninstall undoes exactly that, so the hooks directory comes back byte for
byte. Hooks go where git will really run them: the common dir's hooks/
(shared by linked worktrees) or a repository-local `core.hooksPath`; a
`core.hooksPath` git would take from the global or system config, or a hooks
directory committed to the repository, makes install refuse with the reason
rather than install hooks that would not run (or that would end up committed).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field

from gitsess.errors import GitsessError
from gitsess.setup import hookmanagers
from gitsess.setup.shims import (
    CHAINED_DIR,
    HOOKS,
    LEGACY,
    USER,
    kind_of,
    read,
    render_shim,
    wrapper_text,
    write_exec,
)
from gitsess.store import Store, hookfiles, worktree

# Install state kept in the repository's git config (no state directory).
CFG_HOOKS_DIR = hookfiles.CFG_HOOKS_DIR  # where the shims were installed
CFG_CREATED = "sess.created"  # paths install created (removed again when empty)
CFG_VIA = "sess.hooksVia"  # committed hook scripts that run gitsess's private shims


# -- where git runs hooks -------------------------------------------------


@dataclass
class HooksLocation:
    path: str  # absolute directory git runs hooks from
    source: str  # "hooks" (the common dir's) or "core.hooksPath"
    scope: str | None = None  # git config scope of core.hooksPath
    manager: str | None = None  # "husky" when husky generated the directory
    problem: str | None = None  # why gitsess will not install there
    hint: str | None = None
    committed: bool = False  # the directory is committed to the repository


def hooks_location(store: Store) -> HooksLocation:
    """Where git will run this repository's hooks, and whether gitsess may install there."""
    setting = worktree.hooks_path_setting(store)
    if setting is None:
        return HooksLocation(os.path.join(store.common_dir, "hooks"), "hooks")
    scope, raw = setting
    # githooks(5): a relative core.hooksPath is taken from where hooks run,
    # the top of the worktree (the git dir in a bare repository).
    base = store.workdir or store.git_dir
    path = os.path.normpath(os.path.join(base, os.path.expanduser(raw)))
    loc = HooksLocation(path, "core.hooksPath", scope=scope, manager=_manager(path))
    if not raw or (os.path.lexists(path) and not os.path.isdir(path)):
        # An empty value or a file (/dev/null is the usual one) turns hooks off:
        # git looks for `<value>/<hook>` and finds nothing to run.
        what = "empty" if not raw else f"{raw}, which is not a directory"
        loc.problem = (
            f"core.hooksPath is set in the {scope} git config and is {what}:"
            " git runs no hooks in this repository, so gitsess's would not run either"
        )
        loc.hint = (
            f"if hooks are off on purpose, gitsess cannot record handoffs here; otherwise\n"
            f"  git config{_scope_flag(scope)} --unset core.hooksPath && git sess install"
        )
    elif scope not in ("local", "worktree"):
        loc.problem = (
            f"core.hooksPath is set in the {scope} git config to {raw}: every repository"
            " on this machine runs its hooks from there, so gitsess will not install into it"
        )
        loc.hint = (
            "give this repository its own hooks directory and run install again, e.g.\n"
            f"  git config core.hooksPath .git/hooks && git sess install\n"
            f"(copy or chain the hooks of {raw} there first if this repository needs them)"
        )
    elif _tracked(store, path):
        loc.committed = True
        loc.problem = (
            f"core.hooksPath points at {raw}, a directory committed to this repository:"
            " gitsess's hooks name this machine's interpreter and must not be committed"
        )
        scripts = hookmanagers.committed_scripts(store, path, True, loc.manager)
        loc.hint = hookmanagers.consent_hint(scripts, store, HOOKS) if scripts else None
    return loc


def _scope_flag(scope: str) -> str:
    return f" --{scope}" if scope in ("local", "worktree", "global", "system") else ""


def _manager(path: str) -> str | None:
    if os.path.isfile(os.path.join(path, "h")) or os.path.isfile(os.path.join(path, "husky.sh")):
        return "husky"
    return None


def _tracked(store: Store, path: str) -> bool:
    if not store.workdir:
        return False
    rel = os.path.relpath(path, store.workdir)
    if rel.startswith(".."):
        return False
    return worktree.is_tracked(store, rel)


# -- install --------------------------------------------------------------


@dataclass
class Report:
    location: HooksLocation
    lines: list[str] = field(default_factory=list)
    changed: bool = False
    notes: list[str] = field(default_factory=list)
    via: str | None = None  # committed hook scripts that run gitsess's private shims

    def say(self, line: str, changed: bool = True) -> None:
        self.lines.append(line)
        self.changed = self.changed or changed

    def text(self) -> list[str]:
        """What `git sess install` prints about the hooks."""
        loc = self.location
        where = "core.hooksPath" if loc.source == "core.hooksPath" else "the repository's hooks"
        out = [f"hooks: {loc.path} ({where}{', ' + loc.manager if loc.manager else ''})"]
        out += [f"  {line}" for line in self.lines]
        out += [f"  note: {line}" for line in self.notes]
        if loc.manager == "husky" and not self.via:
            out.append("  note: husky rewrites this directory when it runs (npm install); run"
                       " `git sess install` again after that (`git sess doctor` notices)")
        return out



def plan_problems(loc: HooksLocation, names: tuple[str, ...] = HOOKS) -> list[str]:
    """Hooks gitsess cannot chain safely, one line each (install refuses them all)."""
    problems = []
    for name in names:
        path = os.path.join(loc.path, name)
        kind = kind_of(path)
        legacy = kind_of(path + LEGACY)
        if kind in ("pre-commit", "husky") and legacy == "wrapper" and os.path.lexists(
                os.path.join(loc.path, CHAINED_DIR, name)):
            continue  # the manager rewrote its hook over gitsess's shim: chained again below
        if kind in ("pre-commit", "husky", "foreign") and legacy != "absent":
            problems.append(
                f"{path} is not gitsess's and {name}{LEGACY} exists beside it: chaining"
                " it would hide one of them"
            )
        if kind in ("pre-commit", "husky") and os.path.lexists(
            os.path.join(loc.path, CHAINED_DIR, name)
        ):
            problems.append(f"{os.path.join(loc.path, CHAINED_DIR, name)} is in the way")
        user = os.path.join(loc.path, CHAINED_DIR, name + USER)
        if kind == "foreign" and not os.path.islink(path) and os.path.lexists(user):
            problems.append(f"{user} is in the way")
    return problems


def install_hooks(store: Store, names: tuple[str, ...] = HOOKS, *,
                  into_committed: bool = False) -> Report:
    """Install the shims where git runs hooks, chaining what is there, or
    where a hook manager runs them (gitsess/setup/hookmanagers.py). Idempotent."""
    loc = hooks_location(store)
    report = Report(loc)
    scripts = None
    if loc.committed or not loc.problem:
        scripts = hookmanagers.committed_scripts(store, loc.path, loc.committed, loc.manager)
    if scripts is not None and (into_committed or hookmanagers.lines_present(scripts, names)):
        for line in hookmanagers.add_lines(store, scripts, names):
            report.say(line)
        for line in hookmanagers.install_private(store, names):
            report.say(line)
        report.via = scripts.path
        store.config_set(CFG_VIA, scripts.path)
        if scripts.active:  # git runs the committed scripts, and they run gitsess's
            if not report.changed:
                report.say(f"up to date (run from {scripts.path})", changed=False)
            return report
    elif into_committed:
        raise GitsessError("--into-committed-hooks: git runs no committed hook scripts here"
                           " (no husky, no committed core.hooksPath)",
                           hint="git sess install")
    elif scripts is not None and scripts.flavor.startswith("husky"):
        report.notes.append(
            f"husky runs hooks from {scripts.path}, and rewrites {scripts.path}/_ when it runs"
            " (npm install): to keep gitsess's hooks running then, for the whole team,\n"
            + hookmanagers.consent_hint(scripts, store, names))
    if loc.problem:
        raise GitsessError(f"not installing hooks: {loc.problem}", hint=loc.hint)
    managed: list[str] = []
    if hookmanagers.lefthook_config(store) or any(
            hookmanagers.is_lefthook_hook(read(os.path.join(loc.path, n)) or "") for n in names):
        managed = hookmanagers.lefthook_hooks(store, loc.path, names)
        names = tuple(n for n in names if n not in managed)
    problems = plan_problems(loc, names)
    if problems:
        raise GitsessError(
            "not installing hooks: " + "; ".join(problems),
            hint="move the extra file aside (or merge the two hooks) and run install again",
        )
    if managed:  # lefthook runs these: gitsess's jobs go into its local config
        for line in hookmanagers.write_lefthook_local(store, managed):
            report.say(line)
        for line in hookmanagers.install_private(store, managed):
            report.say(line)
    if not os.path.isdir(loc.path):
        os.makedirs(loc.path)
        store.config_add(CFG_CREATED, loc.path)
    for name in names:
        path = os.path.join(loc.path, name)
        kind = kind_of(path)
        if (name in hookfiles.ON_DEMAND and kind in ("absent", "ours")
                and kind_of(path + LEGACY) == "absent"):
            _install_on_demand(loc.path, name, kind, report)
            continue
        if kind in ("pre-commit", "husky"):
            chained = os.path.join(loc.path, CHAINED_DIR)
            if not os.path.isdir(chained):
                os.makedirs(chained)
            # Over a copy chained before: the manager rewrote its hook (husky
            # does on every `npm install`), so the newer one is what it runs.
            os.replace(path, os.path.join(chained, name))
            write_exec(path + LEGACY, wrapper_text(name, kind))
            report.say(f"chained {kind} hook {name} (kept in {CHAINED_DIR}/, run first)")
        elif kind == "foreign" and os.path.islink(path):
            # A link keeps its directory, so that a relative target still resolves.
            os.replace(path, path + LEGACY)
            report.say(f"chained existing hook {name} as {name}{LEGACY} (run first)")
        elif kind == "foreign":
            chained = os.path.join(loc.path, CHAINED_DIR)
            if not os.path.isdir(chained):
                os.makedirs(chained)
            os.replace(path, os.path.join(chained, name + USER))
            write_exec(path + LEGACY, wrapper_text(name, "foreign"))
            report.say(f"chained existing hook {name} (kept as {CHAINED_DIR}/{name}{USER},"
                       " run first)")
        if write_exec(path, render_shim(name)):
            report.say(f"installed {path}")
        else:
            report.say(f"up to date {path}", changed=False)
        if kind_of(parked := hookfiles.parked(loc.path, name)) == "ours":
            os.unlink(parked)  # parked before a hook came to be chained: always in place now
    store.config_set(CFG_HOOKS_DIR, loc.path)
    return report


def _install_on_demand(d: str, name: str, kind: str, report: Report) -> None:
    """Park the shim of a hook gitsess owns outright, to be armed when there
    is work (gitsess/store/hookfiles.py); what was in place is taken away."""
    path = os.path.join(d, name)
    src = hookfiles.parked(d, name)
    was_armed = hookfiles.armed(d, name)
    os.makedirs(os.path.dirname(src), exist_ok=True)
    changed = write_exec(src, render_shim(name))
    if kind == "ours" and (changed or not was_armed):
        # A shim of an install before on-demand hooks, or a link to the parked
        # shim just replaced: the next arming links the new one.
        os.unlink(path)
        changed = True
    if changed:
        report.say(f"installed {path} on demand (kept as {CHAINED_DIR}/{name}"
                   f"{hookfiles.SUFFIX}; git runs it only while it has work)")
    else:
        report.say(f"up to date {path} (on demand)", changed=False)


def uninstall_hooks(store: Store, names: tuple[str, ...] = HOOKS) -> list[str]:
    """Remove gitsess's shims and put chained hooks back, byte for byte."""
    dirs = {hooks_location(store).path}
    recorded = store.config_get(CFG_HOOKS_DIR)
    if recorded:
        dirs.add(recorded)
    lines = []
    for d in sorted(dirs):
        if not os.path.isdir(d):
            continue
        for name in names:
            lines += _uninstall_one(d, name)
        with contextlib.suppress(OSError):
            os.rmdir(os.path.join(d, CHAINED_DIR))
    for path in store.config_get_all(CFG_CREATED):
        if path in dirs:  # a hooks directory install made: removed when left empty
            with contextlib.suppress(OSError):
                os.rmdir(path)
                lines.append(f"removed {path}")
            worktree.unset_config_value(store, CFG_CREATED, path)
    store.config_unset(CFG_HOOKS_DIR)
    lines += hookmanagers.remove_lines(store)
    lines += hookmanagers.remove_lefthook_local(store)
    lines += hookmanagers.remove_private(store)
    store.config_unset(CFG_VIA)
    return lines


def _uninstall_one(d: str, name: str) -> list[str]:
    path = os.path.join(d, name)
    legacy = path + LEGACY
    chained = os.path.join(d, CHAINED_DIR, name)
    user = chained + USER
    if not os.path.lexists(chained):
        chained = user
    lines = []
    kind = kind_of(path)
    if kind == "ours":
        os.unlink(path)
        lines.append(f"removed {path}")
    if kind_of(parked := hookfiles.parked(d, name)) == "ours":
        os.unlink(parked)
        if kind != "ours":
            lines.append(f"removed {path} (on demand: {CHAINED_DIR}/{name}{hookfiles.SUFFIX})")
    lk = kind_of(legacy)
    if lk == "wrapper" and os.path.lexists(chained):
        if kind_of(path) == "absent":
            os.replace(chained, path)
            os.unlink(legacy)
            lines.append(f"restored {path}")
    elif lk == "ours":  # another tool chained gitsess's shim: drop only the shim
        os.unlink(legacy)
        lines.append(f"removed {legacy}")
        if os.path.lexists(user):  # the hook gitsess chained goes where that tool runs it
            os.replace(user, legacy)
            lines.append(f"restored {legacy} (the hook that was {name}; {kind} runs it)")
    if kind_of(path + ".old") == "ours":  # lefthook's install renames a hook it finds so
        os.unlink(path + ".old")
        lines.append(f"removed {path}.old")
    elif lk != "absent" and kind_of(path) == "absent":
        os.replace(legacy, path)
        lines.append(f"restored {path}")
    return lines
