"""The git config `git sess install` adds, and uninstall takes out again.

notes.rewriteRef (records follow amend and rebase) and, for every remote,
fetch refspecs that bring peers' refs into refs/sess/remotes/. Every value
install adds is listed in sess.added, so that uninstall removes exactly
those (and the sections they leave empty), never a value the person set.
"""

from __future__ import annotations

from gitsess import refs
from gitsess.store import Store, worktree
from gitsess.sync import exchange as sync

CFG_ADDED = "sess.added"  # "<key> <value>" config values install added


def _add_config(store: Store, key: str, value: str, lines: list[str]) -> None:
    """Add `key = value` unless present, and remember that gitsess added it."""
    if value in store.config_get_all(key):
        return
    worktree.add_config_value(store, key, value)
    worktree.add_config_value(store, CFG_ADDED, f"{key} {value}")
    lines.append(f"git config --add {key} {value}")


# A glob, not the ref itself: git warns "notes ref refs/notes/sess is
# invalid" on every amend and rebase while an exact rewriteRef does not exist
# yet (before the first handoff); a glob that matches nothing is silent.
REWRITE_REF = refs.NOTES + "*"


def configure_git(store: Store) -> list[str]:
    """notes.rewriteRef (records follow amend and rebase) and, for every
    remote, fetch refspecs that bring peers' refs into refs/sess/remotes/."""
    lines: list[str] = []
    _add_config(store, "notes.rewriteRef", REWRITE_REF, lines)
    for cmd in ("amend", "rebase"):
        # git's default is true; set it only where nobody decided, never over a "false".
        if store.config_get(f"notes.rewrite.{cmd}") is None:
            _add_config(store, f"notes.rewrite.{cmd}", "true", lines)
    for remote in sync.remotes(store):
        lines += ensure_refspecs(store, remote)
    return lines


def ensure_refspecs(store: Store, remote: str) -> list[str]:
    lines: list[str] = []
    for spec in refs.fetch_refspecs(remote):
        _add_config(store, f"remote.{remote}.fetch", spec, lines)
    return lines


def unconfigure_git(store: Store) -> list[str]:
    """Remove exactly the config values install added (and sections it left empty)."""
    lines = []
    sections = set()
    for entry in store.config_get_all(CFG_ADDED):
        key, _, value = entry.partition(" ")
        worktree.unset_config_value(store, key, value)
        sections.add(key.rsplit(".", 1)[0])
        lines.append(f"git config --unset {key} {value}")
    store.config_unset(CFG_ADDED)
    sections.add("sess")
    for section in sorted(sections):
        worktree.remove_section_if_empty(store, section)
    return lines
