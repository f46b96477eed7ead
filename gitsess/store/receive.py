"""Named git operations for `git sess verify` (gitsess.verify): the remote's
default branch, a fetch of what verification reads, and the objects of a push
a pre-receive hook is deciding on.
"""

from __future__ import annotations

import os

from gitsess import refs
from gitsess.store import remote as git_remote
from gitsess.store.repo import Store


def default_base(store: Store, remote: str) -> str | None:
    """The remote's default branch as this clone knows it: `<remote>/HEAD`
    (what `git clone` and `git remote set-head` record), else its main, else
    its master; None when there is none."""
    for name in ("HEAD", "main", "master"):
        oid = store.resolve(f"{refs.GIT_REMOTES}{remote}/{name}")
        if oid is not None:
            return oid
    return None


def fetch_records(store: Store, remote: str) -> git_remote.Outcome:
    """Fetch the remote's session refs and notes into refs/sess/remotes/<remote>/,
    never forced: a tracking ref that would not fast-forward is left as it is
    (git then reports it and the rest is fetched)."""
    specs = [s.lstrip("+") for s in refs.fetch_refspecs(remote)]
    return git_remote.fetch(store, remote, specs, prune=False)


def see_quarantine(store: Store) -> None:
    """Inside a pre-receive hook, a push's objects wait in a quarantine
    directory (git's GIT_QUARANTINE_PATH, named by GIT_OBJECT_DIRECTORY;
    githooks(5), "pre-receive"); libgit2 does not read those variables, so the
    directory is added as an alternate for the store to read them."""
    if not os.environ.get("GIT_QUARANTINE_PATH"):
        return
    objects = os.environ.get("GIT_OBJECT_DIRECTORY")
    if objects and os.path.isdir(objects):
        store._repo.odb.add_disk_alternate(objects)
