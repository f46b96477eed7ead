"""The worktrees of a repository, as `git worktree list --porcelain` lists them.

Linked worktrees share the common git dir (hooks, config, refs) but each has
its own files, so what gitsess puts into a worktree's files (agent settings)
must be found again in every one of them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from gitsess.store import Store, worktree


@dataclass(frozen=True)
class Worktree:
    path: str  # where git last knew it; it may be gone (deleted, moved by hand)
    bare: bool = False  # the main "worktree" of a bare repository: no files
    locked: bool = False  # `git worktree lock`: possibly on a drive not mounted now

    @property
    def reachable(self) -> bool:
        return not self.bare and os.path.isdir(self.path)


def listed(store: Store) -> list[Worktree]:
    """Every worktree git knows, the main one first; at least the current one."""
    out: list[Worktree] = []
    for field in worktree.worktree_fields(store):
        if field.startswith("worktree "):
            out.append(Worktree(field[len("worktree "):]))
        elif out and field == "bare":
            out[-1] = replace(out[-1], bare=True)
        elif out and (field == "locked" or field.startswith("locked ")):
            out[-1] = replace(out[-1], locked=True)
    if store.workdir and not any(same_dir(w.path, store.workdir) for w in out):
        out.insert(0, Worktree(store.workdir))  # GIT_WORK_TREE elsewhere than git records
    return out


def same_dir(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)
