"""What `git sess doctor --relink` and `--fix` repair before the diagnosis:
records re-attached after a squash merge or a history rewrite, handoffs
renumbered whose id a remote holds for another, orphaned handoff refs and
notes moved or dropped (gitsess.sync's rewrite, vanished, renumber, orphans)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from gitsess.store import Store
from gitsess.sync import orphans, rewrite, vanished

# Each repair's budget for its ref writes.
DEADLINE_S = 30


@dataclass
class Repairs:
    relinked: list[dict[str, Any]] = field(default_factory=list)  # schemas/doctor.json
    renumbered: list[dict[str, Any]] = field(default_factory=list)
    fixed: orphans.Fixed | None = None


def repair(store: Store, *, relink: bool, fix: bool) -> Repairs:
    done = Repairs()
    if fix:
        done.renumbered = _renumber(store)
        done.fixed = orphans.fix(store, deadline=time.monotonic() + DEADLINE_S)
    if relink:
        for r in rewrite.relink(store, deadline=time.monotonic() + DEADLINE_S):
            done.relinked.append({"record": r.record_id, "commit": r.commit,
                                  "from": r.origin, "moved_ref": r.moved_ref})
        # Then those on commits only a handoff ref reaches (after git filter-repo, say).
        for back in vanished.relink(store, deadline=time.monotonic() + DEADLINE_S):
            done.relinked.append({"record": back.record_id, "commit": back.commit,
                                  "from": back.origin, "moved_ref": None})
    return done


def _renumber(store: Store) -> list[dict[str, Any]]:
    """--fix: renumber each unpushed handoff whose id a remote holds for another."""
    from gitsess.sync import renumber

    out = []
    for c in renumber.collisions(store):
        if renumber.why_not(store, c) is None:
            done = renumber.renumber(store, c)
            out.append({"from": done.old, "to": done.new, "commit": done.commit,
                        "remote": done.remote})
    return out
