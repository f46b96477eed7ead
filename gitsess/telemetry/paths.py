"""Machine paths in telemetry that travels: relative to the repository.

A session's `session.json` (refs/sess/live|done/<session>) is pushed, and
an absolute cwd or worktree names the person's home and directory layout.
They are stored relative to the repository's common git dir (stable across
its linked worktrees: the main worktree's top is ".."), and read back
against this clone's. Paths stored absolute by older versions read as they are.
"""

from __future__ import annotations

import os

from gitsess.store import Store


def to_repo(store: Store, path: str | None) -> str | None:
    """`path` relative to the repository's common git dir (None if it cannot be)."""
    if not path or not os.path.isabs(path):
        return path
    try:
        return os.path.relpath(path, store.common_dir)
    except ValueError:  # another drive (Windows): no relative form
        return None


def from_repo(store: Store, path: object) -> str | None:
    """A path `to_repo` wrote, made absolute again in this clone."""
    if not isinstance(path, str) or not path:
        return None
    if os.path.isabs(path):
        return path
    return os.path.normpath(os.path.join(store.common_dir, path))
