"""store: the one door to git, and the only package that imports pygit2.

Objects, refs (compare-and-swap, lock files, the one retry loop), notes,
config and the named git operations gitsess runs. No module outside this
package builds a git command line.

Import rule: store imports only gitsess.errors, gitsess.refs and itself.

The names below load store/repo.py (and so pygit2) on first use (PEP 562):
the pre-push hook imports store/plumbing.py alone and never pays for pygit2.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    from gitsess.store.repo import (
        NOTES_REF,
        SESS_PREFIX,
        STALE_PACKED_LOCK_S,
        STALE_REF_LOCK_S,
        CommitInfo,
        HeadInfo,
        Store,
        git_env,
        valid_sess_ref,
    )

__all__ = [
    "NOTES_REF",
    "SESS_PREFIX",
    "STALE_PACKED_LOCK_S",
    "STALE_REF_LOCK_S",
    "CommitInfo",
    "HeadInfo",
    "Store",
    "git_env",
    "valid_sess_ref",
]


def __getattr__(name: str) -> object:
    if name in __all__:
        from gitsess.store import repo

        return getattr(repo, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
