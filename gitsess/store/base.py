"""What every part of the Store shares: the open repository and its paths.

The Store is composed of one small class per concern (config, objects,
commits, refs, notes, running git); each builds on this base and on the
parts it uses, so that `store.xxx(...)` reads the same from every caller.
"""

from __future__ import annotations

import os

import pygit2


class StoreBase:
    """The repository handle, its directories and the per-command ref listings."""

    def __init__(self, repo: pygit2.Repository) -> None:
        self._repo = repo
        self.git_dir = os.path.abspath(repo.path)
        self.common_dir = common_dir(self.git_dir)
        # Git's reftable ref backend (git 2.45+): libgit2 1.9 has no reader for
        # it (repo.py opens such a repository for its objects only), so every
        # ref is read and written through git itself (refdb.py, config.py).
        self.reftable = os.path.isdir(os.path.join(self.common_dir, "reftable"))
        workdir = repo.workdir
        self.workdir = os.path.abspath(workdir) if workdir else None
        self._sig: tuple[str, str] | None = None
        self._common_repo: pygit2.Repository | None = None
        # prefix -> {ref: oid}, as listed once in this process (see refdb.py).
        self._listings: dict[str, dict[str, str]] = {}
        # Ref updates a pre-receive hook is deciding on (refdb.RefStore.receive):
        # read as if made, never written by the Store itself.
        self._incoming: dict[str, str | None] = {}

    def reopen(self) -> None:
        """A fresh libgit2 handle on the same repository.

        libgit2 (1.9.7) drops a packed ref from its in-memory packed-refs
        before it takes packed-refs.lock; when the lock is held, the delete
        fails and the next delete through the same handle reports success
        and changes nothing. After a lock failure the store starts afresh.
        """
        self._repo = pygit2.Repository(self.git_dir)
        self._common_repo = None

    def forget_refs(self) -> None:
        """Drop the ref listings read so far: the next `refs(prefix)` lists again.

        Called on every ref write of this Store and every git it runs (a git
        process may write refs: fetch, commit and its hooks, update-ref).
        """
        self._listings.clear()


def common_dir(git_dir: str) -> str:
    """The shared git dir of a linked worktree (gitrepository-layout(5))."""
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as fh:
            rel = fh.read().strip()
    except OSError:
        return git_dir
    return os.path.normpath(os.path.join(git_dir, rel))
