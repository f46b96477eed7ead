"""Hook managers that own a hooks directory gitsess must not write into, and
the ways each of them supports to run gitsess's hooks as well.

- A committed hooks directory (husky 8's `.husky` as core.hooksPath, a plain
  committed `.githooks`) and husky 9's scripts (`.husky/<hook>`, run by the
  stubs it regenerates in `.husky/_` on every `npm install`): gitsess's shims
  name this machine's interpreter and must never be committed. With the
  person's consent (`git sess install --into-committed-hooks`) each committed
  script gets one marked line that runs gitsess's shim from a private
  directory in the git dir when it is there, and does nothing on a machine
  without gitsess. A teammate's install finds the lines already committed and
  only writes the private shims. Uninstall takes out exactly the lines it
  added (the person who added them).
- lefthook: its hooks live in .git/hooks, but `lefthook install` renames any
  hook it finds to `<hook>.old` and never runs that, and re-installs on its
  own when its config changes. gitsess's jobs go into `lefthook-local.yml`,
  lefthook's own local, uncommitted config (https://lefthook.dev, "Local
  config"), for the hooks lefthook runs; the jobs run the private shims.

The private shims are the ordinary ones (githooks/), installed in
`<git common dir>/gitsess/hooks/`.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import yaml

from gitsess.errors import GitsessError
from gitsess.store import Store, worktree

PRIVATE = ("gitsess", "hooks")  # under the common git dir
LINE_MARK = "# gitsess: runs gitsess's hook where installed (git sess install --into-committed-hooks)"
CFG_LINES = "sess.committedHook"  # "<how> <path>": created | appended | appended-eol
CFG_LEFTHOOK = "sess.lefthookLocal"  # the lefthook-local file install wrote
CFG_EXCLUDE = "sess.excludeAdded"  # a line install added to info/exclude
HUSKY8_HEAD = '#!/usr/bin/env sh\n. "$(dirname -- "$0")/_/husky.sh"\n\n'
LEFTHOOK_MAIN = ("lefthook.yml", ".lefthook.yml", "lefthook.yaml", ".lefthook.yaml",
                 ".config/lefthook.yml", ".config/lefthook.yaml", "lefthook.json",
                 ".lefthook.json", "lefthook.toml", ".lefthook.toml", "lefthook.jsonc",
                 ".lefthook.jsonc", ".config/lefthook.json", ".config/lefthook.toml")
LEFTHOOK_LOCAL_MARK = "# gitsess: written by `git sess install`; `git sess uninstall` removes it"
MAX_CONFIG = 1 << 20  # a lefthook config larger than this is not read for its hook names
# lefthook passes git's arguments as {1}, {2} (https://lefthook.dev, "Capture
# ARGS from git"); pre-push and post-rewrite read git's lines on stdin
# (use_stdin, "Pass the stdin from the OS to the command").
LEFTHOOK_ARGS = {"commit-msg": " {1}", "post-commit": "", "pre-push": " {1} {2}",
                 "post-rewrite": " {1}", "prepare-commit-msg": " {1} {2} {3}"}
STDIN_HOOKS = ("pre-push", "post-rewrite")


def private_dir(store: Store) -> str:
    return os.path.join(store.common_dir, *PRIVATE)


def line(name: str) -> str:
    """The line added to a committed hook script: runs gitsess's shim where
    this clone has one, passes the hook's arguments and stdin, and fails the
    script (sh -e) when gitsess's hook fails."""
    return (f'gitsess_hook="$(git rev-parse --git-common-dir)/{"/".join(PRIVATE)}/{name}"; '
            f'[ ! -x "$gitsess_hook" ] || "$gitsess_hook" "$@"  {LINE_MARK}')


def _read(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_CONFIG).decode("utf-8", "replace")
    except OSError:
        return None


def has_line(path: str) -> bool:
    return LINE_MARK in (_read(path) or "")


# -- committed hook scripts ------------------------------------------------


@dataclass
class Scripts:
    path: str  # the directory of committed hook scripts
    flavor: str  # husky8 | husky9 | plain
    active: bool  # git runs them now (else husky is not installed in this clone yet)


def committed_scripts(store: Store, hooks_path: str, tracked: bool,
                      manager: str | None) -> Scripts | None:
    """The committed hook scripts git runs (or will, once husky is installed here)."""
    if not store.workdir:
        return None
    if tracked:
        husky8 = os.path.isfile(os.path.join(hooks_path, "_", "husky.sh"))
        return Scripts(hooks_path, "husky8" if husky8 else "plain", True)
    if manager == "husky" and os.path.basename(hooks_path) == "_":
        return Scripts(os.path.dirname(hooks_path), "husky9", True)
    husky = os.path.join(store.workdir, ".husky")
    if os.path.isdir(husky) and _is_tracked(store, husky):
        texts = [_read(os.path.join(husky, n)) or "" for n in os.listdir(husky)]
        flavor = "husky8" if any("husky.sh" in t for t in texts) else "husky9"
        return Scripts(husky, flavor, False)
    return None


def _is_tracked(store: Store, path: str) -> bool:
    rel = os.path.relpath(path, store.workdir)
    return worktree.is_tracked(store, rel)


def lines_present(scripts: Scripts, names: tuple[str, ...]) -> bool:
    return all(has_line(os.path.join(scripts.path, n)) for n in names)


def consent_hint(scripts: Scripts, store: Store, names: tuple[str, ...]) -> str:
    rel = os.path.relpath(scripts.path, store.workdir or ".")
    return (
        f"gitsess can add one marked line to each of {rel}/{{{','.join(names)}}} that runs"
        " gitsess's hook where gitsess is installed (and nothing elsewhere); then commit it:\n"
        "  git sess install --into-committed-hooks\n"
        f"  git add {rel} && git commit -m 'hooks: run gitsess where installed'")


def add_lines(store: Store, scripts: Scripts, names: tuple[str, ...]) -> list[str]:
    """Add the marked line to each committed script (creating those missing)."""
    out = []
    for name in names:
        path = os.path.join(scripts.path, name)
        text = _read(path)
        if text is not None and LINE_MARK in text:
            continue
        if text is None:
            head = {"husky8": HUSKY8_HEAD, "husky9": "", "plain": "#!/bin/sh\n"}[scripts.flavor]
            _write(path, head + line(name) + "\n", 0o755)
            store.config_add(CFG_LINES, f"created {path}")
            out.append(f"created {path} (one line that runs gitsess's {name})")
            continue
        last = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        if last and last[-1].lstrip().startswith(("exit", "exec ")):
            raise GitsessError(
                f"{path} ends with `{last[-1].strip()}`: a line added after it would never run",
                hint=f"add this line above it yourself, then run install again:\n  {line(name)}")
        eol = text.endswith("\n") or not text
        mode = os.stat(path).st_mode & 0o7777
        _write(path, text + ("" if eol else "\n") + line(name) + "\n", mode)
        store.config_add(CFG_LINES, f"{'appended' if eol else 'appended-eol'} {path}")
        out.append(f"added one line to {path} (runs gitsess's {name})")
    return out


def _write(path: str, text: str, mode: int) -> None:
    tmp = f"{path}.gitsess-tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def remove_lines(store: Store) -> list[str]:
    """Take out exactly the lines (and files) add_lines added, byte for byte."""
    out = []
    for entry in store.config_get_all(CFG_LINES):
        how, _, path = entry.partition(" ")
        text = _read(path)
        if text is not None:
            name = os.path.basename(path)
            added = line(name) + "\n"
            if how == "created" and text.endswith(added) and text.count("\n") <= 4:
                os.unlink(path)
                out.append(f"removed {path}")
            elif added in text:
                i = text.rindex(added)
                drop = 1 if how == "appended-eol" and i > 0 and text[i - 1] == "\n" else 0
                mode = os.stat(path).st_mode & 0o7777
                _write(path, text[:i - drop] + text[i + len(added):], mode)
                out.append(f"took gitsess's line out of {path}")
        worktree.unset_config_value(store, CFG_LINES, entry)
    return out


# -- lefthook -------------------------------------------------------------


def is_lefthook_hook(text: str) -> bool:
    return "call_lefthook" in text or "lefthook run" in text


def lefthook_config(store: Store) -> str | None:
    if not store.workdir:
        return None
    for name in LEFTHOOK_MAIN:
        path = os.path.join(store.workdir, name)
        if os.path.isfile(path):
            return path
    return None


def lefthook_hooks(store: Store, hooks_path: str, names: tuple[str, ...]) -> list[str]:
    """The hooks lefthook runs here: named at the top of its main config
    (YAML or JSON, read bounded), or already installed by it."""
    found: set[str] = set()
    config = lefthook_config(store)
    if config and config.endswith((".yml", ".yaml", ".json")):
        text = _read(config) or ""
        with contextlib.suppress(yaml.YAMLError, RecursionError):
            data = yaml.safe_load(text) if len(text) < MAX_CONFIG else None
            if isinstance(data, dict):
                found |= {k for k in data if isinstance(k, str)}
    for name in names:
        if is_lefthook_hook(_read(os.path.join(hooks_path, name)) or ""):
            found.add(name)
    return [n for n in names if n in found]


def lefthook_local_path(store: Store) -> str:
    config = lefthook_config(store) or "lefthook.yml"
    dot = "." if os.path.basename(config).startswith(".") else ""
    return os.path.join(store.workdir or "", f"{dot}lefthook-local.yml")


def lefthook_local_text(store: Store, names: list[str]) -> str:
    out = [LEFTHOOK_LOCAL_MARK]
    for name in names:
        out += [f"{name}:", "  commands:", "    gitsess:",
                f"      run: '\"$(git rev-parse --git-common-dir)/{'/'.join(PRIVATE)}/{name}\""
                f"{LEFTHOOK_ARGS[name]}'"]
        if name in STDIN_HOOKS:
            out.append("      use_stdin: true")
    return "\n".join(out) + "\n"


def write_lefthook_local(store: Store, names: list[str]) -> list[str]:
    path = lefthook_local_path(store)
    want = lefthook_local_text(store, names)
    have = _read(path)
    if have == want:
        return []
    if have is not None and LEFTHOOK_LOCAL_MARK not in have:
        raise GitsessError(
            f"not installing hooks: {path} exists and is yours; gitsess puts its lefthook"
            " jobs there",
            hint=f"add these lines to {os.path.basename(path)} and run install again:\n" + want)
    others = [p for p in _local_variants(store) if p != path]
    if others:
        raise GitsessError(f"not installing hooks: lefthook already has a local config, {others[0]}",
                           hint="add gitsess's jobs to it by hand:\n" + want)
    _write(path, want, 0o644)
    store.config_set(CFG_LEFTHOOK, path)
    rel = "/" + os.path.relpath(path, store.workdir or "")
    if not worktree.is_ignored(store, path):
        exclude = os.path.join(store.common_dir, "info", "exclude")
        os.makedirs(os.path.dirname(exclude), exist_ok=True)
        text = _read(exclude) or ""
        with open(exclude, "a", encoding="utf-8") as fh:
            fh.write(("" if not text or text.endswith("\n") else "\n") + rel + "\n")
        store.config_set(CFG_EXCLUDE, rel)
    return [f"wrote {path} (lefthook runs gitsess's {', '.join(names)}; kept out of git"
            " by .git/info/exclude)"]


def _local_variants(store: Store) -> list[str]:
    if not store.workdir:
        return []
    out = []
    for main in LEFTHOOK_MAIN:
        local = main.replace("lefthook.", "lefthook-local.")
        path = os.path.join(store.workdir, local)
        if os.path.isfile(path):
            out.append(path)
    return out


def remove_lefthook_local(store: Store) -> list[str]:
    out = []
    path = store.config_get(CFG_LEFTHOOK)
    if path:
        text = _read(path)
        if text is not None and text.startswith(LEFTHOOK_LOCAL_MARK):
            os.unlink(path)
            out.append(f"removed {path}")
        store.config_unset(CFG_LEFTHOOK)
    rel = store.config_get(CFG_EXCLUDE)
    if rel:
        exclude = os.path.join(store.common_dir, "info", "exclude")
        text = _read(exclude)
        if text is not None and (rel + "\n") in text:
            i = text.rindex(rel + "\n")
            _write(exclude, text[:i] + text[i + len(rel) + 1:], 0o644)
        store.config_unset(CFG_EXCLUDE)
    return out


# -- the private shims ----------------------------------------------------


def install_private(store: Store, names: list[str] | tuple[str, ...]) -> list[str]:
    from gitsess.setup.shims import render_shim, write_exec

    d = private_dir(store)
    os.makedirs(d, exist_ok=True)
    out = []
    for name in names:
        if write_exec(os.path.join(d, name), render_shim(name)):
            out.append(f"installed {os.path.join(d, name)}")
    return out


def remove_private(store: Store) -> list[str]:
    d = private_dir(store)
    out = []
    if os.path.isdir(d):
        for name in os.listdir(d):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(d, name))
                out.append(f"removed {os.path.join(d, name)}")
        for p in (d, os.path.dirname(d)):
            with contextlib.suppress(OSError):
                os.rmdir(p)
    return out
