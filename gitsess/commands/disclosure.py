"""The entry of git's prepare-commit-msg hook: AI disclosure (gitsess.handoff.disclosure)."""

from __future__ import annotations

from typing import IO

from gitsess.handoff import hooks
from gitsess.store import Store


def prepare_commit_msg_hook(store: Store, args: list[str], stdin: IO[str]) -> int:
    """githooks/prepare-commit-msg: $1 the message file, $2 its source, $3 a commit."""
    return hooks.prepare_commit_msg(store, args)
