"""store: the one door to git, and the only package that imports pygit2.

Objects, refs (compare-and-swap, lock files, the one retry loop), notes,
config and the named git operations gitsess runs. No module outside this
package builds a git command line.

Import rule: store imports only gitsess.errors, gitsess.refs and itself.

The names below load their module (and so pygit2) on first use (PEP 562):
the pre-push hook imports store/plumbing.py alone and never pays for pygit2.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    from gitsess.refs import SESS as SESS_PREFIX
    from gitsess.store.commits import CommitInfo
    from gitsess.store.config import HeadInfo
    from gitsess.store.gitcmd import git_env
    from gitsess.store.locks import STALE_PACKED_LOCK_S, STALE_REF_LOCK_S
    from gitsess.store.notes import NOTES_REF
    from gitsess.store.refdb import valid_sess_ref
    from gitsess.store.repo import Store

# name -> (module, attribute)
_LAZY = {
    "SESS_PREFIX": ("gitsess.refs", "SESS"),
    "CommitInfo": ("gitsess.store.commits", "CommitInfo"),
    "HeadInfo": ("gitsess.store.config", "HeadInfo"),
    "git_env": ("gitsess.store.gitcmd", "git_env"),
    "STALE_PACKED_LOCK_S": ("gitsess.store.locks", "STALE_PACKED_LOCK_S"),
    "STALE_REF_LOCK_S": ("gitsess.store.locks", "STALE_REF_LOCK_S"),
    "NOTES_REF": ("gitsess.store.notes", "NOTES_REF"),
    "valid_sess_ref": ("gitsess.store.refdb", "valid_sess_ref"),
    "Store": ("gitsess.store.repo", "Store"),
}

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
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
