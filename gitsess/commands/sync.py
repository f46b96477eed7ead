"""`git sess sync [REMOTE]`: fetch peers' sessions and records, merge the
notes, push ours; never forced, retried on rejection."""

from __future__ import annotations

import sys
import time

from gitsess import refs
from gitsess.errors import ExitCode, GitsessError, RefError, UsageError
from gitsess.store import Store
from gitsess.sync import exchange as sync
from gitsess.ui.colour import paint, prefixed

BUDGET_S = 60.0


def default_remote(store: Store) -> str:
    names = sync.remotes(store)
    head = store.head()
    upstream = store.config_get(f"branch.{head.branch}.remote") if head.branch else None
    for candidate in (upstream, "origin"):
        if candidate in names:
            return candidate
    if len(names) == 1:
        return names[0]
    if not names:
        raise UsageError("this repository has no remote to sync with",
                         hint="git remote add origin <url>, then git sess sync")
    raise UsageError("more than one remote and none is origin or the upstream",
                     hint="name one: git sess sync <remote>  (" + ", ".join(names) + ")")


def run(*, store: Store, remote: str | None = None) -> int:
    name = remote or default_remote(store)
    before = set(store.refs(refs.tracking(name)))
    deadline = time.monotonic() + BUDGET_S
    try:
        # sync.sync, with the renumbering between its fetch and its push: a
        # handoff renumbered after its ref or one above it went would leave
        # the remote a ref that every later push is refused.
        fetch_error = sync.fetch_and_merge(store, name, deadline=deadline)
        renumbered = _renumber(store, name) if fetch_error is None else []
        result = (sync.PushResult(error=fetch_error) if fetch_error is not None else
                  sync.push(store, name, deadline=deadline, attempts=8))
    except RefError as exc:
        raise GitsessError(f"could not merge the notes from {name}: {exc.message}",
                           hint="another gitsess is writing; run git sess sync again") from exc
    if result.error:
        raise GitsessError(f"sync with {name} failed: {result.error}",
                           hint="check the remote (git fetch " + name + ") and run git sess sync again")
    fetched = len(set(store.refs(refs.tracking(name))) - before)
    done = (f"{fetched} new peer ref{'s' if fetched != 1 else ''} fetched,"
            f" {len(result.pushed)} pushed, {len(result.deleted)} handed-off live"
            f" ref{'s' if len(result.deleted) != 1 else ''} removed remotely"
            + (f" ({result.attempts} attempts)" if result.attempts > 1 else ""))
    for line in renumbered:
        stream = sys.stderr if line.startswith("warning:") else sys.stdout
        print(prefixed(line, stream), file=stream)
    if result.rejected:
        # A sync that leaves something unpushed failed: said on stderr, and
        # no line before it claims success (issue 10).
        failed = len(result.rejected)
        err = sys.stderr
        print(prefixed(f"error: sync with {name} incomplete: {failed} ref{'s' if failed != 1 else ''}"
                       f" not pushed ({done})", err), file=err)
        for ref, why in sorted(result.rejected.items()):
            print(f"  not pushed: {ref} ({why})", file=err)
        print(prefixed("hint: a handoff or session ref is never forced; if history was rewritten"
                       " after it was pushed, see git sess doctor", err), file=err)
        return int(ExitCode.CONFLICT)
    print(f"{paint('synced', 'ok')} {name}: {done}")
    if result.waiting:
        n = len(result.waiting)
        print(f"  {n} handoff{'s' if n != 1 else ''} kept here until {'their' if n != 1 else 'its'}"
              " branch is pushed")
    return 0


def _renumber(store: Store, remote: str) -> list[str]:
    """Renumber this clone's unpushed handoffs whose id the remote holds for
    another handoff (two offline clones of one operator); one line each."""
    from gitsess.sync import renumber

    out = []
    for c in renumber.collisions(store, remote):
        why = renumber.why_not(store, c)
        if why is not None:
            out.append(f"warning: handoff {c.id} collides with {remote}'s {c.id} and was not "
                       f"renumbered: {why}")
            continue
        done = renumber.renumber(store, c)
        out.append(f"renumbered handoff {done.old} to {done.new}: {remote} holds another "
                   f"{done.old} (commit {done.commit[:12]})")
    return out
