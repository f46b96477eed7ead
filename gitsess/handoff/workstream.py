"""The workstream this worktree works on, when nobody names one.

Its own module, importing only the store: the SessionStart hook asks for it
(gitsess.resume.continued) and must not pay for composing a record.
"""

from __future__ import annotations

import re

from gitsess.store import Store

_WS_BAD = re.compile(r"[^A-Za-z0-9._/-]+")


def default(store: Store) -> str:
    """`sess.workstream`, else the current branch, else "main"."""
    configured = store.config_get("sess.workstream")
    if configured:
        return configured
    branch = store.head().branch
    ws = _WS_BAD.sub("-", branch or "").strip("-./")
    return ws[:100] or "main"
