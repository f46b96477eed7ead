"""`git sess demo`: replay a realistic Claude Code session into a throwaway
repository, through the real hook process and real git, and show what
gitsess recorded (gitsess/setup/demo.py)."""

from __future__ import annotations

from gitsess.setup import demo
from gitsess.store import Store


def run(*, keep: bool = False, directory: str | None = None) -> int:
    from gitsess.commands import status

    return demo.replay(keep=keep, directory=directory,
                       status=lambda repo: status.run(store=Store.discover(repo)))
