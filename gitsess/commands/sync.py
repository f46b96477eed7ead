"""`git sess sync [REMOTE]`: fetch peers' sessions and records, merge the
notes, push ours; never forced, retried on rejection."""

from __future__ import annotations

import time

from gitsess import sync
from gitsess.errors import ExitCode, GitsessError, RefError, UsageError
from gitsess.store import Store

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
    before = set(store.refs(sync.tracking(name)))
    try:
        result = sync.sync(store, name, deadline=time.monotonic() + BUDGET_S)
    except RefError as exc:
        raise GitsessError(f"could not merge the notes from {name}: {exc.message}",
                           hint="another gitsess is writing; run git sess sync again") from exc
    if result.error:
        raise GitsessError(f"sync with {name} failed: {result.error}",
                           hint="check the remote (git fetch " + name + ") and run git sess sync again")
    fetched = len(set(store.refs(sync.tracking(name))) - before)
    print(f"synced {name}: {fetched} new peer ref{'s' if fetched != 1 else ''} fetched,"
          f" {len(result.pushed)} pushed, {len(result.deleted)} handed-off live"
          f" ref{'s' if len(result.deleted) != 1 else ''} removed remotely"
          + (f" ({result.attempts} attempts)" if result.attempts > 1 else ""))
    if result.waiting:
        n = len(result.waiting)
        print(f"  {n} handoff{'s' if n != 1 else ''} kept here until {'their' if n != 1 else 'its'}"
              " branch is pushed")
    if result.rejected:
        for ref, why in sorted(result.rejected.items()):
            print(f"  not pushed: {ref} ({why})")
        print("hint: a handoff or session ref is never forced; if history was rewritten"
              " after it was pushed, see git sess doctor")
        return int(ExitCode.CONFLICT)
    return 0
