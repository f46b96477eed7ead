"""The Store: a git repository seen through gitsess's needs, and how to open one.

It speaks gitsess's words (refs under refs/sess/, notes, config, commits) and
turns pygit2 errors into gitsess errors. Each concern lives in a module of
its own, composed here: config.py (HEAD, config), objects.py (blobs, trees,
written commits), commits.py (reading and walking commits), refdb.py (refs,
listings, compare-and-swap), locks.py (stale lock files), notes.py, and
gitcmd.py (the real git).
"""

from __future__ import annotations

import os

import pygit2

from gitsess.errors import GitsessError, NotARepoError
from gitsess.store.commits import CommitStore
from gitsess.store.notes import NoteStore

# A repository git made with --ref-format=reftable (git 2.45+) names the
# extension extensions.refstorage, which libgit2 1.9 refuses to open
# ("unsupported extension name"; its reftable backend, libgit2/libgit2#7117,
# is in no release pygit2 ships). Declared supported, libgit2 opens it for
# what gitsess reads there, the objects and the config, while the Store
# reads and writes every ref through git itself (StoreBase.reftable).
# With extensions.refstorage=files the refs are the files libgit2 reads.
pygit2.option(pygit2.enums.Option.SET_EXTENSIONS, ["refstorage"], 1)


class Store(NoteStore, CommitStore):
    """A git repository seen through gitsess's needs."""

    @classmethod
    def discover(cls, path: str = ".") -> Store:
        """Open the repository containing `path`; NotARepoError otherwise."""
        store = cls.try_discover(path)
        if store is None:
            raise NotARepoError(
                f"not a git repository (or any parent up to mount point): {os.path.abspath(path)}"
            )
        return store

    @classmethod
    def init(cls, path: str, *, initial_branch: str = "main") -> Store:
        """Create a new repository with a work tree at `path`."""
        try:
            return cls(pygit2.init_repository(path, initial_head=initial_branch))
        except (pygit2.GitError, OSError) as exc:
            raise GitsessError(f"cannot create a repository at {path}: {exc}") from exc

    @classmethod
    def try_discover(cls, path: str = ".") -> Store | None:
        """Like discover, but None when there is no repository (the hook's case)."""
        # GIT_DIR is honoured as git itself would when it is set (we may run
        # inside a git hook); otherwise walk up from `path`.
        git_dir = os.environ.get("GIT_DIR")
        try:
            if git_dir:
                return cls(pygit2.Repository(os.path.abspath(git_dir)))
            found = pygit2.discover_repository(path)
            if found is None:
                return None
            return cls(pygit2.Repository(found))
        except (pygit2.GitError, OSError, KeyError, ValueError):
            return None
