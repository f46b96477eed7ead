"""The post-rewrite hook: handoff refs and notes follow amend and rebase."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from typing import IO

from gitsess import rewrite
from gitsess.errors import GitsessError
from gitsess.store import Store


def post_rewrite_hook(store: Store, args: list[str], stdin: IO[str]) -> int:
    mapping = rewrite.parse_rewrites(stdin.read())
    try:
        # A squash in `git rebase -i` runs post-rewrite twice: "amend" mid-rebase
        # (the squashed commits still to come read the old notes), then "rebase".
        mid_rebase = any(os.path.isdir(os.path.join(store.git_dir, d))
                         for d in ("rebase-merge", "rebase-apply"))
        rewrite.follow(store, mapping, deadline=time.monotonic() + 10,
                       drop_old=not (mid_rebase and args[:1] == ["amend"]))
    except GitsessError as exc:  # the rewrite itself is done; say what did not follow
        print(f"gitsess: handoff refs did not all follow the {args[0] if args else 'rewrite'}:"
              f" {exc.message}; run `git sess doctor --relink`", file=sys.stderr)
        return 0
    # The rewritten handoffs, checked as pre-push will and stamped when they
    # pass, so that their push starts no Python (post-commit ran before git
    # copied the notes, so it could not). Never fails the rewrite.
    from gitsess import guard

    for new in dict.fromkeys(mapping.values()):
        with contextlib.suppress(GitsessError):
            if store.note_oid(new) is not None:
                guard.check_commit(store, store.commit(new))
    return 0
