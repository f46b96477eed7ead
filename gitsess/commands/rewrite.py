"""The post-rewrite hook: handoff refs and notes follow amend and rebase."""

from __future__ import annotations

from typing import IO

from gitsess.store import Store
from gitsess.sync import postrewrite


def post_rewrite_hook(store: Store, args: list[str], stdin: IO[str]) -> int:
    # Never fails: git has rewritten the commits already.
    postrewrite.post_rewrite(store, args[0] if args else None, stdin.read())
    return 0
