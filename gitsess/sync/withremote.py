"""`git sess sync`'s exchange with one remote: which remote, then fetch,
renumber, push; what the command reports is read from the Outcome."""

from __future__ import annotations

from dataclasses import dataclass, field

from gitsess import refs
from gitsess.errors import GitsessError, RefError, UsageError
from gitsess.store import Store
from gitsess.sync import exchange


def default_remote(store: Store) -> str:
    """The branch's upstream remote, else origin, else the only one."""
    names = exchange.remotes(store)
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


@dataclass
class Outcome:
    remote: str
    result: exchange.PushResult
    fetched: int = 0  # peer refs new in the tracking namespace
    renumbered: list[str] = field(default_factory=list)  # one line each; "warning: ..." or not

    def summary(self) -> str:
        r = self.result
        return (f"{self.fetched} new peer ref{'s' if self.fetched != 1 else ''} fetched,"
                f" {len(r.pushed)} pushed, {len(r.deleted)} handed-off live"
                f" ref{'s' if len(r.deleted) != 1 else ''} removed remotely"
                + (f" ({r.attempts} attempts)" if r.attempts > 1 else ""))


def sync(store: Store, name: str, *, deadline: float) -> Outcome:
    """exchange.sync, with the renumbering between its fetch and its push: a
    handoff renumbered after its ref or one above it went would leave the
    remote a ref that every later push is refused. Raises when the exchange
    failed; a rejected ref is in the outcome."""
    before = set(store.refs(refs.tracking(name)))
    try:
        fetch_error = exchange.fetch_and_merge(store, name, deadline=deadline)
        renumbered = _renumber(store, name) if fetch_error is None else []
        result = (exchange.PushResult(error=fetch_error) if fetch_error is not None else
                  exchange.push(store, name, deadline=deadline, attempts=8))
    except RefError as exc:
        raise GitsessError(f"could not merge the notes from {name}: {exc.message}",
                           hint="another gitsess is writing; run git sess sync again") from exc
    if result.error:
        raise GitsessError(f"sync with {name} failed: {result.error}",
                           hint="check the remote (git fetch " + name + ") and run git sess sync again")
    fetched = len(set(store.refs(refs.tracking(name))) - before)
    return Outcome(name, result, fetched, renumbered)


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
