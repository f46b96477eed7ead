"""The post-rewrite hook's work: handoff refs and notes follow amend and
rebase (sync/rewrite.py), then the rewritten handoffs are checked and
stamped, and rebased ones whose id a remote holds are renumbered.

Nothing here fails the rewrite, which git has already done: what could not
follow is said in one line on stderr (`git sess doctor` reports the rest).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time

from gitsess.errors import GitsessError
from gitsess.store import Store
from gitsess.sync import rewrite

DEADLINE_S = 10.0


def post_rewrite(store: Store, kind: str | None, lines: str) -> None:
    """`kind` is git's argument ("amend" or "rebase"), `lines` its stdin."""
    mapping = rewrite.parse_rewrites(lines)
    try:
        # A squash in `git rebase -i` runs post-rewrite twice: "amend" mid-rebase
        # (the squashed commits still to come read the old notes), then "rebase".
        mid_rebase = any(os.path.isdir(os.path.join(store.git_dir, d))
                         for d in ("rebase-merge", "rebase-apply"))
        rewrite.follow(store, mapping, deadline=time.monotonic() + DEADLINE_S,
                       drop_old=not (mid_rebase and kind == "amend"))
    except GitsessError as exc:  # the rewrite itself is done; say what did not follow
        print(f"gitsess: handoff refs did not all follow the {kind or 'rewrite'}:"
              f" {exc.message}; run `git sess doctor --relink`", file=sys.stderr)
        return
    # The rewritten handoffs, checked as pre-push will and stamped when they
    # pass, so that their push starts no Python (post-commit ran before git
    # copied the notes, so it could not).
    from gitsess.handoff import check

    rewritten = list(dict.fromkeys(mapping.values()))
    if kind == "rebase":
        rewritten += _renumber(store, set(rewritten))
    for new in rewritten:
        with contextlib.suppress(GitsessError):
            if store.note_oid(new) is not None:
                check.check_commit(store, store.commit(new))


def _renumber(store: Store, rebased: set[str]) -> list[str]:
    """`git pull --rebase` after another clone of the same operator pushed a
    handoff of the same id (issue 10): the fetch brought its ref, and the
    rebased handoff here is still unpushed, so it is renumbered now, before
    the next push would publish two handoffs under one id. One line each."""
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
