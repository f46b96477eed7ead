"""Merging gitsess's hook entries into an agent's settings file (Claude Code).

`.claude/settings.json` (or `settings.local.json`) belongs to the user:
install adds one hook entry per event the telemetry hook handles and touches
nothing else; a second install adds nothing; uninstall removes only entries
whose command is gitsess's hook. The file as it was before install is kept
as a blob under refs/sess/local/install/ (never pushed), so uninstall puts
it back byte for byte whenever what is left equals it; otherwise the user
changed the file since, and uninstall writes it back without gitsess's
entries (every user entry preserved). Each file install merged into is
listed in sess.agentSettings, so that uninstall finds it from any worktree
(gitsess/agentworktrees.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shlex
import stat
from typing import Any

from gitsess.errors import GitsessError, RefError
from gitsess.store import Store

# Claude Code's hook `timeout` is in seconds. The hook gives itself a 2 s
# deadline (sess.hookTimeout) and, starved of CPU, at most
# commands/hook.py's STARVED_LIMIT_S (8 s): every timeout here is above that,
# so Claude Code never kills a hook that would have recorded its event.
# SessionStart also prints the resume context; SessionEnd, which runs while
# the agent exits, gets its own explicit timeout rather than the default 60 s.
CLAUDE_EVENTS: dict[str, int] = {
    "SessionStart": 15,
    "UserPromptSubmit": 10,
    "PreToolUse": 10,
    "PostToolUse": 10,
    "PostToolUseFailure": 10,
    "SubagentStart": 10,
    "SubagentStop": 10,
    "Stop": 10,
    "PreCompact": 10,
    "SessionEnd": 10,
}
TOOL_EVENTS = frozenset({"PreToolUse", "PostToolUse", "PostToolUseFailure"})
_OURS = re.compile(r"(git-sess|gitsess\.main)['\"]?\s+hook\s+--agent[ =]claude\s*$")
ORIG_PREFIX = "refs/sess/local/install/"
CFG_CREATED = "sess.created"
CFG_SETTINGS = "sess.agentSettings"  # every settings file install merged into, any worktree
NAMES = ("settings.json", "settings.local.json")


def settings_path(store: Store, *, local: bool) -> str:
    if not store.workdir:
        raise GitsessError("agent settings need a working tree (this repository is bare)")
    return file_in(store.workdir, local=local)


def file_in(worktree: str, *, local: bool) -> str:
    return os.path.join(worktree, ".claude", NAMES[local])


def hook_command(argv: list[str]) -> str:
    return shlex.join([*argv, "hook", "--agent", "claude"])


def is_ours(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and entry.get("type") == "command"
        and isinstance(entry.get("command"), str)
        and bool(_OURS.search(entry["command"]))
    )


def merged(settings: dict[str, Any], command: str) -> dict[str, Any]:
    """`settings` with one gitsess entry per event (stale gitsess paths updated)."""
    out: dict[str, Any] = json.loads(json.dumps(settings))
    hooks = out.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise GitsessError("the settings file's \"hooks\" is not an object; not touching it")
    for event, timeout in CLAUDE_EVENTS.items():
        entry = {"type": "command", "command": command, "timeout": timeout}
        groups = hooks.setdefault(event, [])
        if not isinstance(groups, list):
            raise GitsessError(f'the settings file\'s "hooks.{event}" is not a list; not touching it')
        found = False
        for group in groups:
            inner = group.get("hooks") if isinstance(group, dict) else None
            if not isinstance(inner, list):
                continue
            for i, h in enumerate(inner):
                if is_ours(h):
                    if found:
                        inner[i] = None  # a duplicate from an older install
                    else:
                        inner[i] = {**h, **entry}
                        found = True
            group["hooks"] = [h for h in inner if h is not None]
        if not found:
            group = {"matcher": "*", "hooks": [entry]} if event in TOOL_EVENTS else {"hooks": [entry]}
            groups.append(group)
    return out


def stripped(settings: dict[str, Any]) -> dict[str, Any]:
    """`settings` without gitsess's entries, and without the groups, events
    and `hooks` object that held nothing else."""
    out: dict[str, Any] = json.loads(json.dumps(settings))
    hooks = out.get("hooks")
    if not isinstance(hooks, dict):
        return out
    for event in list(hooks):
        groups = hooks[event]
        if not isinstance(groups, list):
            continue
        keep = []
        for group in groups:
            inner = group.get("hooks") if isinstance(group, dict) else None
            if isinstance(inner, list) and any(is_ours(h) for h in inner):
                rest = [h for h in inner if not is_ours(h)]
                if not rest:
                    continue
                group["hooks"] = rest
            keep.append(group)
        if keep or not groups:
            hooks[event] = keep
        else:
            del hooks[event]
    if not hooks:
        del out["hooks"]
    return out


def _load(path: str) -> tuple[bytes | None, dict[str, Any]]:
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
            hint="fix the file (Claude Code reads it as JSON) and run install again",
        ) from exc
    if not isinstance(data, dict):
        raise GitsessError(f"{path} does not hold a JSON object; not touching it")
    return raw, data


def _dump(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


def _writable(path: str) -> None:
    """Refuse a settings file its owner made read-only, or one whose `.claude`
    is not a directory (before anything is changed)."""
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


def check(store: Store, argv: list[str], *, local: bool) -> None:
    """Raise what install would refuse, so that it refuses before changing anything."""
    path = settings_path(store, local=local)
    _, data = _load(path)
    if merged(data, hook_command(argv)) != data:
        _writable(path)


def install(store: Store, argv: list[str], *, local: bool) -> list[str]:
    path = settings_path(store, local=local)
    raw, data = _load(path)
    new = merged(data, hook_command(argv))
    if new == data:
        store.config_add(CFG_SETTINGS, path)
        return [f"up to date {path}"]
    _writable(path)
    # Listed before the file changes: uninstall, from whichever worktree, visits it.
    store.config_add(CFG_SETTINGS, path)
    if raw is None:
        d = os.path.dirname(path)
        if not os.path.isdir(d):
            os.makedirs(d)
            store.config_add(CFG_CREATED, d)
        store.config_add(CFG_CREATED, path)
    elif store.ref(_orig_ref(path)) is None:
        # First change by gitsess: keep the user's bytes for uninstall.
        with contextlib.suppress(RefError):
            store.cas_ref(_orig_ref(path), store.write_blob(raw), None)
    _write(path, _dump(new))
    return [f"merged gitsess hooks for {len(CLAUDE_EVENTS)} events into {path}"]


def uninstall(store: Store, spellings: list[str]) -> list[str]:
    """Take gitsess out of one settings file. `spellings` name that one file
    (a worktree's path as git lists it, as install saw it): its saved copy and
    records are found under any of them; the file is read from the first."""
    path = spellings[0]
    saved = saved_refs(store, spellings)
    orig_oid = next(iter(saved.values()), None)
    created = bool(_created(store, spellings))
    listed = bool(set(spellings) & set(store.config_get_all(CFG_SETTINGS)))
    try:
        raw, data = _load(path)
    except GitsessError as exc:
        if not (orig_oid or created or listed or _mentions_us(path)):
            forget(store, spellings)
            return []  # a broken file gitsess never touched: not uninstall's business
        exc.hint = ("fix the file, or take out its `git-sess hook --agent claude` entries by"
                    " hand, then run git sess uninstall again")
        raise
    lines = []
    if raw is not None:
        rest = stripped(data)
        if rest != data or (orig_oid and store.read_blob(orig_oid) != raw):
            _writable(path)
        orig = store.read_blob(orig_oid) if orig_oid else None
        if orig is not None and _same(orig, rest):
            if orig != raw:
                _write(path, orig)
                lines.append(f"restored {path}")
        elif created and not rest:
            os.unlink(path)
            lines.append(f"removed {path}")
        elif rest != data:
            _write(path, _dump(rest))
            lines.append(f"removed gitsess hooks from {path}")
    forget(store, spellings)
    return lines


def forget_dir(store: Store, spellings: list[str], *, remove: bool = False) -> None:
    """Forget the `.claude` directory of these settings files if install created
    it, removing it first when asked and empty (what is left in it is the user's)."""
    dirs = sorted({os.path.dirname(p) for p in spellings})
    if not _created(store, dirs):
        return
    if remove:
        with contextlib.suppress(OSError):
            os.rmdir(dirs[0])
    for d in dirs:
        _unset(store, CFG_CREATED, d)


def saved_refs(store: Store, spellings: list[str]) -> dict[str, str]:
    """The saved copies of the file before install (ref -> blob)."""
    refs = {_orig_ref(p): store.ref(_orig_ref(p)) for p in spellings}
    return {ref: oid for ref, oid in refs.items() if oid}


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
    created = [p for p in store.config_get_all(CFG_CREATED)
               if os.path.basename(p) in NAMES and os.path.basename(os.path.dirname(p)) == ".claude"]
    return list(dict.fromkeys(store.config_get_all(CFG_SETTINGS) + created))


def _created(store: Store, paths: list[str]) -> list[str]:
    return [p for p in store.config_get_all(CFG_CREATED) if p in paths]


def _unset(store: Store, key: str, value: str) -> None:
    store.run_git(["config", "--unset-all", "--fixed-value", key, value], check=False)


def _mentions_us(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return b"hook --agent claude" in fh.read()
    except OSError:
        return False


def _same(raw: bytes, data: dict[str, Any]) -> bool:
    try:
        return bool(json.loads(raw.decode("utf-8") or "{}") == data)
    except ValueError:
        return False


def installed(store: Store, *, local: bool) -> bool | None:
    """Whether every event has gitsess's entry (None when there is no file)."""
    try:
        raw, data = _load(settings_path(store, local=local))
    except GitsessError:
        return False
    if raw is None:
        return None
    hooks = data.get("hooks") if isinstance(data.get("hooks"), dict) else {}
    assert isinstance(hooks, dict)
    for event in CLAUDE_EVENTS:
        groups = hooks.get(event) or []
        if not any(
            is_ours(h)
            for g in groups if isinstance(g, dict) and isinstance(g.get("hooks"), list)
            for h in g["hooks"]
        ):
            return False
    return True
