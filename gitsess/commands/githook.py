"""`git sess githook <name> ...`: the Python side of the shims in githooks/.

Each git hook maps to one function `(store, args, stdin) -> int`; its module
is imported only when that hook fires.
"""

from __future__ import annotations

import importlib
import sys
from typing import IO

from gitsess.store import Store

HANDLERS = {
    "commit-msg": "gitsess.commands.handoff:commit_msg_hook",
    "post-commit": "gitsess.commands.handoff:post_commit_hook",
    "prepare-commit-msg": "gitsess.commands.disclosure:prepare_commit_msg_hook",
    "pre-push-check": "gitsess.commands.guard:pre_push_check_hook",
    "pre-push-send": "gitsess.commands.guard:pre_push_send_hook",
    "post-rewrite": "gitsess.commands.rewrite:post_rewrite_hook",
}


def run(*, store: Store, name: str, args: list[str], stdin: IO[str] | None = None) -> int:
    target = HANDLERS.get(name)
    if target is None:
        print(f"error: unknown git hook '{name}'", file=sys.stderr)
        return 2
    module, func = target.split(":")
    handler = getattr(importlib.import_module(module), func)
    rv: int = handler(store, args, stdin or sys.stdin)
    return rv
