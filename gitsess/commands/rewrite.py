"""The post-rewrite hook: handoff refs and notes follow amend and rebase."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from typing import IO

from gitsess.errors import GitsessError
from gitsess.store import Store
from gitsess.sync import rewrite


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
    from gitsess.handoff import check as guard

    rewritten = list(dict.fromkeys(mapping.values()))
    if args and args[0] == "rebase":
        rewritten += _renumber(store, set(rewritten))
    for new in rewritten:
        with contextlib.suppress(GitsessError):
            if store.note_oid(new) is not None:
                guard.check_commit(store, store.commit(new))
    return 0


def _renumber(store: Store, rebased: set[str]) -> list[str]:
    """`git pull --rebase` after another clone of the same operator pushed a
    handoff of the same id (issue 10): the fetch brought its ref, and the
    rebased handoff here is still unpushed, so it is renumbered now, before
    the next push would publish two handoffs under one id. One line each;
    never fails the rebase (`git sess doctor` reports what is left)."""
    from gitsess.sync import renumber

    out = []
    for c in renumber.collisions(store):
        if c.mine not in rebased or renumber.why_not(store, c) is not None:
            continue
        try:
            done = renumber.renumber(store, c)
        except GitsessError as exc:
            print(f"gitsess: handoff {c.id} collides with {c.remote}'s and was not renumbered:"
                  f" {exc.message}; see git sess doctor", file=sys.stderr)
            continue
        print(f"gitsess: renumbered handoff {done.old} to {done.new}: {done.remote} holds "
              f"another {done.old} (commit {done.commit[:12]})", file=sys.stderr)
        out.append(done.commit)
    return out
