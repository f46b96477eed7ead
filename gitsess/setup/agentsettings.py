"""Merging gitsess's hook entries into an agent's settings file.

`.claude/settings.json` (or `settings.local.json`), `.gemini/settings.json`,
`.cursor/hooks.json`, `.codex/hooks.json`, `.qwen/settings.json` and
`.factory/settings.json` belong to the user (what differs between them is in
gitsess/agents/specs.py; Copilot CLI's `.github/hooks/gitsess.json` is
gitsess's own, handled the same way): install adds one hook entry per event the telemetry
hook handles and touches nothing else; a second install adds nothing;
uninstall removes only entries whose command is gitsess's hook for that
agent. The file as it was before install is kept as a blob under
refs/sess/local/install/ (never pushed), so uninstall puts it back byte for
byte whenever what is left equals it; otherwise the user changed the file
since, and uninstall writes it back without gitsess's entries (every user
entry preserved). Each file install merged into is listed in
sess.agentSettings, so that uninstall finds it from any worktree
(gitsess/setup/agentworktrees.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shlex
import shutil
import stat
from typing import Any

from gitsess import refs
from gitsess.agents.settings import (
    Spec,
    commands,
    equivalent,
    hooked,
    is_empty,
    merged,
    stripped,
)
from gitsess.agents.specs import SPECS, for_path
from gitsess.errors import BARE_HINT, GitsessError, RefError, UsageError
from gitsess.setup import jsonedit
from gitsess.setup.shims import gitsess_command
from gitsess.store import Store, worktree

ORIG_PREFIX = refs.INSTALL
CFG_CREATED = "sess.created"
CFG_SETTINGS = "sess.agentSettings"  # every settings file install merged into, any worktree


def settings_path(store: Store, spec: Spec, *, local: bool) -> str:
    if not store.workdir:
        # A usage error (2), as every command that needs a worktree (issue 10).
        raise UsageError("agent settings need a working tree (this repository is bare)",
                         hint=BARE_HINT)
    return file_in(store.workdir, spec, local=local)


def file_in(worktree: str, spec: Spec, *, local: bool) -> str:
    return os.path.join(worktree, spec.dir, spec.files[local])


# The program a shared settings file names: looked up on PATH on each
# teammate's machine (install.sh links git-sess into ~/.local/bin), so the
# committed file is the same for everyone. Only a --local file, which stays
# on this machine, names this install's absolute path (no lookup).
PATH_PROGRAM = "git-sess"


def agent_argv(*, local: bool) -> list[str]:
    return gitsess_command() if local else [PATH_PROGRAM]


def on_path() -> bool:
    return shutil.which(PATH_PROGRAM) is not None


def requested(agent: str | None, *, local: bool) -> Spec | None:
    """The spec `git sess install --agent AGENT [--local]` asks for; None
    without --agent; a usage error for an agent or a --local there is not."""
    if agent is not None and agent not in SPECS:
        raise UsageError(f"unknown agent '{agent}'", hint="supported: " + ", ".join(SPECS))
    if local and agent is None:
        raise UsageError("--local only applies to agent settings", hint="add --agent claude")
    spec = SPECS[agent] if agent is not None else None
    if spec is not None and local and len(spec.files) < 2:
        with_local = " and ".join(s.label for s in SPECS.values() if len(s.files) > 1)
        raise UsageError(f"--local only applies to {with_local} settings; {spec.label} has"
                         f" one project file, {spec.dir}/{spec.files[0]}",
                         hint=f"git sess install --agent {spec.name}")
    return spec


def install_notes(spec: Spec, *, local: bool) -> list[str]:
    """What install says after merging `spec`'s settings: where the agent
    looks for git-sess when that is not found, and the agent's own note."""
    notes = []
    if not local and not on_path():
        notes.append(f"git-sess is not on PATH, where {spec.label} looks for it: install.sh"
                     " links it into ~/.local/bin (or use --local to name this install)"
                     if len(spec.files) > 1 else
                     f"git-sess is not on PATH, where {spec.label} looks for it: install.sh"
                     " links it into ~/.local/bin")
    if spec.note:
        notes.append(spec.note)
    return notes


def hook_command(argv: list[str], spec: Spec) -> str:
    return shlex.join([*argv, "hook", "--agent", spec.name])


def _load(path: str, spec: Spec | None = None) -> tuple[bytes | None, dict[str, Any]]:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except (FileNotFoundError, NotADirectoryError):  # no file, or `.claude` is not a directory
        return None, {}
    except OSError as exc:  # unreadable: a worktree uninstall does not run in may be
        raise GitsessError(f"cannot read {path}: {exc.strerror}; not touching it") from exc
    try:
        data = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except ValueError as exc:
        raise GitsessError(
            f"{path} is not valid JSON ({exc}); not touching it",
            hint=f"fix the file ({spec.label if spec else 'the agent'} reads it as JSON) and run"
                 " install again",
        ) from exc
    if not isinstance(data, dict):
        raise GitsessError(f"{path} does not hold a JSON object; not touching it")
    return raw, data


def _dump(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


def _edited(spec: Spec, raw: bytes | None, data: dict[str, Any], new: dict[str, Any]) -> bytes:
    """The file with gitsess's entries added in its own indent and key order
    (gitsess/setup/jsonedit.py: the diff is the added entries only), or written
    whole where its text cannot be edited so."""
    if raw is not None and raw.strip():
        text = jsonedit.edit(raw.decode("utf-8"), data, new, lists_first=spec.parallel)
        if text is not None:
            return text.encode("utf-8")
    return _dump(new)


def _writable(path: str) -> None:
    """Refuse a settings file its owner made read-only, or one whose directory
    (`.claude`, `.gemini`, `.github/hooks`...) is not a directory (before
    anything is changed)."""
    d = os.path.dirname(path)
    if os.path.lexists(d) and not os.path.isdir(d):
        raise GitsessError(f"{d} is not a directory; not touching it")
    with contextlib.suppress(FileNotFoundError):
        if not os.stat(path).st_mode & stat.S_IWUSR:
            raise GitsessError(
                f"{path} is read-only; not touching it",
                hint=f"make it writable (chmod u+w {shlex.quote(path)}) and run the command again",
            )


def _write(path: str, data: bytes) -> None:
    """Replace the file's bytes atomically, keeping what the user set up: a
    symlinked settings file (dotfiles) is written through, and keeps its mode."""
    target = os.path.realpath(path)
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    tmp = f"{target}.gitsess-tmp-{os.getpid()}"
    with open(tmp, "wb") as fh:
        fh.write(data)
    if mode is not None:
        os.chmod(tmp, mode)
    os.replace(tmp, target)


def _orig_ref(path: str) -> str:
    return ORIG_PREFIX + hashlib.sha1(os.path.abspath(path).encode()).hexdigest()[:16]


def _current(path: str, spec: Spec) -> tuple[bytes | None, dict[str, Any]]:
    """The file's bytes and settings; a file install would create starts as the
    agent's skeleton (Cursor's `"version": 1`)."""
    raw, data = _load(path, spec)
    if raw is None:
        data = json.loads(json.dumps(spec.skeleton))
    return raw, data


def check(store: Store, argv: list[str], spec: Spec, *, local: bool) -> None:
    """Raise what install would refuse, so that it refuses before changing anything."""
    path = settings_path(store, spec, local=local)
    _, data = _current(path, spec)
    if merged(spec, data, hook_command(argv, spec)) != data:
        _writable(path)


def install(store: Store, argv: list[str], spec: Spec, *, local: bool) -> list[str]:
    path = settings_path(store, spec, local=local)
    raw, data = _current(path, spec)
    new = merged(spec, data, hook_command(argv, spec))
    if new == data:
        store.config_add(CFG_SETTINGS, path)
        return [f"up to date {path}"]
    _writable(path)
    # Listed before the file changes: uninstall, from whichever worktree, visits it.
    store.config_add(CFG_SETTINGS, path)
    if raw is None:
        # Each directory made is recorded (Copilot CLI's .github/hooks may
        # need .github too), so that uninstall removes what install made.
        missing = []
        d = os.path.dirname(path)
        while not os.path.isdir(d) and d != os.path.dirname(d):
            missing.append(d)
            d = os.path.dirname(d)
        for d in reversed(missing):
            os.mkdir(d)
            store.config_add(CFG_CREATED, d)
        store.config_add(CFG_CREATED, path)
    elif store.ref(_orig_ref(path)) is None:
        # First change by gitsess: keep the user's bytes for uninstall.
        with contextlib.suppress(RefError):
            store.cas_ref(_orig_ref(path), store.write_blob(raw), None)
    _write(path, _edited(spec, raw, data, new))
    return [f"merged gitsess hooks for {len(spec.events)} events into {path}"]


def uninstall(store: Store, spellings: list[str]) -> list[str]:
    """Take gitsess out of one settings file. `spellings` name that one file
    (a worktree's path as git lists it, as install saw it): its saved copy and
    records are found under any of them; the file is read from the first."""
    path = spellings[0]
    spec = for_path(path)
    if spec is None:  # not an agent settings file gitsess knows: only its records go
        forget(store, spellings)
        return []
    saved = saved_refs(store, spellings)
    orig_oid = next(iter(saved.values()), None)
    created = bool(_created(store, spellings))
    listed = bool(set(spellings) & set(store.config_get_all(CFG_SETTINGS)))
    try:
        raw, data = _load(path, spec)
    except GitsessError as exc:
        if not (orig_oid or created or listed or _mentions_us(path, spec)):
            forget(store, spellings)
            return []  # a broken file gitsess never touched: not uninstall's business
        exc.hint = (f"fix the file, or take out its `git-sess hook --agent {spec.name}` entries"
                    " by hand, then run git sess uninstall again")
        raise
    lines = []
    if raw is not None and orig_oid is None and not created and _committed_as_is(store, path, raw):
        # Install never changed this file (a teammate committed gitsess's
        # entries; install found them up to date): it is the team's, left as is.
        forget(store, spellings)
        return [f"left {path} as committed (the team's; install did not change it)"]
    if raw is not None:
        rest = stripped(spec, data)
        if rest != data or (orig_oid and store.read_blob(orig_oid) != raw):
            _writable(path)
        orig = store.read_blob(orig_oid) if orig_oid else None
        if orig is not None and _same(orig, rest):
            if orig != raw:
                _write(path, orig)
                lines.append(f"restored {path}")
        elif created and is_empty(spec, rest):
            os.unlink(path)
            lines.append(f"removed {path}")
        elif rest != data:
            _write(path, _dump(rest))
            lines.append(f"removed gitsess hooks from {path}")
    forget(store, spellings)
    return lines


def _committed_as_is(store: Store, path: str, raw: bytes) -> bool:
    """Whether the file's bytes are those committed at HEAD (a file of this
    worktree; another worktree's is not compared, and so not left)."""
    if not store.workdir:
        return False
    rel = os.path.relpath(path, store.workdir)
    if rel.startswith(".."):
        return False
    return worktree.committed_at_head(store, rel) == raw


def forget_dir(store: Store, spellings: list[str], *, remove: bool = False) -> None:
    """Forget the directories of these settings files (one worktree's `.claude`,
    `.gemini`, `.github/hooks` and `.github`..., under any spelling) that
    install created, removing each first when asked and empty (what is left
    in it is the user's), the deepest first."""
    by_rel: dict[str, list[str]] = {}
    for p in sorted(spellings):
        spec = for_path(p)
        rel = spec.dir if spec is not None else os.path.basename(os.path.dirname(p))
        d = os.path.dirname(p)
        while True:
            if d not in by_rel.setdefault(rel, []):
                by_rel[rel].append(d)
            if "/" not in rel:
                break
            rel, d = rel.rsplit("/", 1)[0], os.path.dirname(d)
    for rel in sorted(by_rel, key=lambda r: -r.count("/")):
        dirs = by_rel[rel]
        if not _created(store, dirs):
            continue
        if remove:
            with contextlib.suppress(OSError):
                os.rmdir(dirs[0])
        for d in dirs:
            _unset(store, CFG_CREATED, d)


def saved_refs(store: Store, spellings: list[str]) -> dict[str, str]:
    """The saved copies of the file before install (ref -> blob)."""
    saved = {_orig_ref(p): store.ref(_orig_ref(p)) for p in spellings}
    return {ref: oid for ref, oid in saved.items() if oid}


def has_state(store: Store, spellings: list[str]) -> bool:
    """Whether install saved or recorded anything for these settings files."""
    dirs = [os.path.dirname(p) for p in spellings]
    return bool(saved_refs(store, spellings) or _created(store, spellings + dirs)
                or set(spellings) & set(store.config_get_all(CFG_SETTINGS)))


def forget(store: Store, spellings: list[str]) -> None:
    """Drop what install saved and recorded for these settings files."""
    for ref, oid in saved_refs(store, spellings).items():
        with contextlib.suppress(RefError):
            store.cas_ref(ref, None, oid)
    for key in (CFG_CREATED, CFG_SETTINGS):
        for p in set(spellings) & set(store.config_get_all(key)):
            _unset(store, key, p)


def recorded(store: Store) -> list[str]:
    """Settings files install merged into or created, in any worktree."""
    created = [p for p in store.config_get_all(CFG_CREATED) if for_path(p) is not None]
    return list(dict.fromkeys(store.config_get_all(CFG_SETTINGS) + created))


def _created(store: Store, paths: list[str]) -> list[str]:
    return [p for p in store.config_get_all(CFG_CREATED) if p in paths]


def _unset(store: Store, key: str, value: str) -> None:
    worktree.unset_config_value(store, key, value)


def _mentions_us(path: str, spec: Spec) -> bool:
    try:
        with open(path, "rb") as fh:
            return f"hook --agent {spec.name}".encode() in fh.read()
    except OSError:
        return False


def _same(raw: bytes, data: dict[str, Any]) -> bool:
    try:
        saved = json.loads(raw.decode("utf-8") or "{}")
    except ValueError:
        return False
    return isinstance(saved, dict) and equivalent(saved, data)


def state(store: Store, spec: Spec, *, local: bool) -> tuple[str, list[str], dict[str, Any]]:
    """How this worktree's settings file for `spec` stands: "absent" (no file),
    "unreadable", "none" (no gitsess entry), "partial" or "full"; the events
    without gitsess's entry; and the settings read."""
    try:
        raw, data = _load(settings_path(store, spec, local=local), spec)
    except GitsessError:
        return "unreadable", list(spec.events), {}
    if raw is None:
        return "absent", list(spec.events), {}
    have = hooked(spec, data)
    missing = [e for e in spec.events if e not in have]
    return ("full" if not missing else "partial" if have else "none"), missing, data


def programs(spec: Spec, data: dict[str, Any]) -> list[str]:
    """The programs gitsess's entries in these settings run (argv[0] of each
    command; one that does not split is given whole)."""
    out = []
    for command in commands(spec, data):
        try:
            argv = shlex.split(command)
        except ValueError:
            argv = [command]
        if argv and argv[0] not in out:
            out.append(argv[0])
    return out
