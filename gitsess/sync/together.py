"""`git sess push`: branches and their own records in one atomic push.

gitsess's pre-push sends a handoff's records once the person's push has
ended (gitsess/sync/prepush.py): only then does the remote say which
commits it has, so a rejected push publishes nothing. A server that checks
records on receipt (examples/pre-receive, `git sess verify --pre-receive`)
then sees the branch before its records and refuses it as missing them.
`git sess push` sends both at once, with `git push --atomic`:

- the records publish.py would send once these branches are there: the
  remote's branches and tags plus the pushed commits are the bases, so a
  branch not named keeps its records here, as with any push;
- all or nothing: a rejected branch (not a fast-forward) takes its records
  back with it, and a notes ref the remote moved meanwhile is fetched,
  merged and tried again (never forced);
- git runs the pre-push hooks: gitsess's guard checks the handoff commits
  (and sends nothing more: the push carries its records itself), and the
  hooks it chains run as for any push.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from gitsess import refs
from gitsess.errors import GitsessError, RefError, UsageError
from gitsess.store import Store
from gitsess.store import remote as git_remote
from gitsess.sync import exchange, publish
from gitsess.telemetry import writer


@dataclass
class Branch:
    src: str  # the local ref pushed
    oid: str
    dst: str  # the remote ref it goes to


@dataclass
class Together:
    remote: str
    branches: list[Branch]
    result: exchange.PushResult
    records: list[str] = field(default_factory=list)  # record refs that went with them
    messages: list[str] = field(default_factory=list)  # git's and the remote's lines


def branches(store: Store, remote: str, specs: list[str]) -> list[Branch]:
    """REFSPECs as `git sess push` takes them: `<src>[:<dst>]`, never forced;
    none: the current branch, to its upstream branch on `remote` or its own name."""
    if not specs:
        head = store.head()
        if head.branch is None or head.oid is None:
            raise UsageError("HEAD is not on a branch with commits: name what to push",
                             hint="git sess push <remote> <branch>")
        dst = refs.HEADS + head.branch
        merge = store.config_get(f"branch.{head.branch}.merge")
        if merge and store.config_get(f"branch.{head.branch}.remote") == remote:
            dst = merge
        return [Branch(refs.HEADS + head.branch, head.oid, dst)]
    out = []
    for spec in specs:
        if spec.startswith("+"):
            raise UsageError(f"'{spec}': git sess push never forces",
                             hint="git push --force-with-lease, then git sess sync")
        src, _, dst = spec.partition(":")
        full = _local_ref(store, src)
        if full is None:
            raise UsageError(f"'{src}' is no local branch or tag",
                             hint="git sess push <remote> <branch>[:<remote branch>]")
        oid = store.ref(full)
        if oid is None:
            raise UsageError(f"'{src}' is no local branch or tag")
        if not dst:
            dst = full
        elif not dst.startswith("refs/"):
            dst = (refs.TAGS if full.startswith(refs.TAGS) else refs.HEADS) + dst
        if not dst.startswith((refs.HEADS, refs.TAGS)):
            raise UsageError(f"'{spec}': git sess push sends branches and tags",
                             hint="session refs and notes go with them, or with git sess sync")
        out.append(Branch(full, oid, dst))
    return out


def _local_ref(store: Store, name: str) -> str | None:
    if name.startswith((refs.HEADS, refs.TAGS)):
        return name if store.ref(name) else None
    for full in (refs.HEADS + name, refs.TAGS + name):
        if store.ref(full):
            return full
    return None


def push(store: Store, remote: str, pushed: list[Branch], *, deadline: float,
         attempts: int = 5) -> Together:
    """Push `pushed` with their records, atomically; retried after a fetch
    and merge when only the notes ref was behind."""
    if remote not in exchange.remotes(store):
        raise UsageError(f"no remote '{remote}'", hint="git remote -v; git sess push <remote>")
    # Tool calls' events wait as spills, which never travel: fold them first.
    writer.fold_pending(store, time.monotonic() + 2.0)
    theirs = store.ref(refs.tracking_notes(remote))
    if theirs is not None:
        exchange.merge_notes(store, theirs, deadline=deadline)
    out = Together(remote, pushed, exchange.PushResult())
    for attempt in range(1, attempts + 1):
        there = publish.remote_branches(store, remote, exchange.env())
        if there is None:
            out.result = exchange.PushResult(attempts=attempt,
                                             error=f"could not list the branches of {remote}")
            return out
        bases = dict(there)
        bases.update({b.dst: b.oid for b in pushed})
        specs, plan = exchange.push_specs(store, remote, branches=bases)
        records = [s for s in specs if not s.startswith("--")]
        got = git_remote.push_atomic(
            store, remote, [f"{b.src}:{b.dst}" for b in pushed] + records,
            options=[s for s in specs if s.startswith("--")],
            env={"GIT_TERMINAL_PROMPT": "0"})
        result = exchange.PushResult(attempts=attempt, waiting=plan.waiting)
        exchange.parse_porcelain(got.out, result)
        out.result, out.records = result, [s.split(":", 1)[-1] for s in records]
        out.messages = got.err.decode("utf-8", "replace").splitlines()
        if got.ok:
            result.rejected.clear()
            if plan.notes is not None:
                exchange.published_notes(store, remote, plan.notes, deadline=deadline)
            return out
        if not result.rejected:
            result.error = got.why or f"git push exited {got.code}"
            return out
        # --atomic: one refusal refuses all ("atomic push failed" for the
        # rest). Only a notes ref that moved is ours to mend; anything else
        # (a branch behind, the server's hook) is the person's to decide.
        real = {r for r, why in result.rejected.items() if "atomic" not in why}
        if real != {refs.NOTES} or attempt == attempts or time.monotonic() >= deadline:
            return out
        try:
            err = exchange.fetch_and_merge(store, remote, deadline=deadline)
        except (RefError, GitsessError) as exc:
            err = exc.message
        if err is not None:
            result.error = err
            return out
    return out
