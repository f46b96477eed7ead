"""store: the one door to git, and the only package that imports pygit2.

Objects, refs (compare-and-swap, lock files, the one retry loop), notes,
config and the named git operations gitsess runs. No module outside this
package builds a git command line.

Import rule: store imports only gitsess.errors, gitsess.refs and itself.
"""

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
