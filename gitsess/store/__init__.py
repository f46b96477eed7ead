"""store: the one door to git, and the only package that imports pygit2.

Objects, refs (compare-and-swap, lock files, the one retry loop), notes,
config and the named git operations gitsess runs. No module outside this
package builds a git command line.

Import rule: store imports only gitsess.errors, gitsess.refs and itself.
"""

from gitsess.refs import SESS as SESS_PREFIX
from gitsess.store.commits import CommitInfo
from gitsess.store.config import HeadInfo
from gitsess.store.gitcmd import git_env
from gitsess.store.locks import STALE_PACKED_LOCK_S, STALE_REF_LOCK_S
from gitsess.store.notes import NOTES_REF
from gitsess.store.refdb import valid_sess_ref
from gitsess.store.repo import Store

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
