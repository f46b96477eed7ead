"""Sessions and records through remotes: fetch, merge notes, push; never forced.

Layout (ARCHITECTURE.md): a remote's `refs/sess/{live,done,h}/*` are fetched
into `refs/sess/remotes/<remote>/{live,done,h}/*`, its `refs/notes/sess`
into `refs/sess/remotes/<remote>/notes`. Local-only refs (`refs/sess/local/`,
`refs/sess/pending/`) are never pushed or fetched.

Every pushed ref but the notes ref has a single writer, so a plain
fast-forward push is all it needs. The notes ref is shared: a rejected push
of it is answered by fetch, a union merge into `refs/notes/sess` (CAS, a
merge commit whose parents are both sides, so both sides stay fast-forwards)
and a retry. When both sides annotate one commit with different notes, both
records are kept in one note, separated by record.RECORD_SEPARATOR.

After a handoff the local `refs/sess/live/<s>` has become `refs/sess/done/<s>`;
the remote's copy of the live ref is deleted with a lease
(`--force-with-lease=<ref>:<oid>`), so only when it still points where we
last saw it and that is already part of our done chain.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from gitsess import refs
from gitsess.errors import GitsessError, RefError
from gitsess.handoff import record
from gitsess.store import Store
from gitsess.store import remote as git_remote
from gitsess.store.backoff import Backoff
from gitsess.sync import publish

ZERO = "0" * 40
# Set in the environment of every git gitsess starts to push: a pre-push
# shim that sees it runs nothing of gitsess's (the pushes also use --no-verify).
IN_PREPUSH = "GITSESS_IN_PREPUSH"


def remotes(store: Store) -> list[str]:
    return git_remote.names(store)


# -- notes: union merge ---------------------------------------------------


def merge_note_texts(a: str, b: str) -> str:
    """Both records, once each, in an order that does not depend on who merges."""
    seen: dict[str, str] = {}
    for rec in record.split_records(a) + record.split_records(b):
        seen.setdefault(rec.strip(), rec)
    return record.join_records(sorted(seen.values()))


def is_ancestor(store: Store, a: str, b: str) -> bool:
    return a == b or store.merge_base(a, b) == a


def merge_notes(store: Store, theirs: str, *, deadline: float) -> str | None:
    """Merge notes commit `theirs` into refs/notes/sess by CAS; the new tip."""

    def compute(old: str | None) -> str | None:
        if old is None or is_ancestor(store, old, theirs):
            return theirs
        if is_ancestor(store, theirs, old):
            return old
        mine, other = store.notes_map(old), store.notes_map(theirs)
        out = dict(mine)
        for annotated, blob in other.items():
            have = out.get(annotated)
            if have is None or have == blob:
                out[annotated] = blob
                continue
            text = merge_note_texts(
                store.read_blob(have).decode("utf-8", "replace"),
                store.read_blob(blob).decode("utf-8", "replace"),
            )
            out[annotated] = store.write_blob(text.encode())
        return store.write_notes_commit(out, [old, theirs], "Notes merged by 'git sess sync'\n")

    return store.update_ref(refs.NOTES, compute, deadline=deadline)


# -- fetch and push -------------------------------------------------------


@dataclass
class PushResult:
    pushed: list[str] = field(default_factory=list)  # refs sent (new or fast-forwarded)
    deleted: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)  # ref -> reason
    waiting: list[str] = field(default_factory=list)  # handoff refs whose branch the remote lacks
    error: str | None = None  # the push could not run at all
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None and not self.rejected


def env() -> dict[str, str]:
    return {IN_PREPUSH: "1", "GIT_TERMINAL_PROMPT": "0"}


def fetch(store: Store, remote: str, *, notes: bool = True, prune: bool = True) -> str | None:
    """Fetch the remote's session refs (and notes) into the tracking namespace.

    Returns None on success, else git's last line. A remote with no notes
    ref yet is not an error.
    """
    specs = refs.fetch_refspecs(remote)
    if not notes:
        specs = specs[:-1]
    got = git_remote.fetch(store, remote, specs, prune=prune, env=env())
    if not got.ok and notes and b"couldn't find remote ref" in got.err:
        got = git_remote.fetch(store, remote, specs[:-1], prune=prune, env=env())
    return None if got.ok else got.why


def fetch_and_merge(store: Store, remote: str, *, deadline: float) -> str | None:
    err = fetch(store, remote)
    if err is not None:
        return err
    theirs = store.ref(refs.tracking_notes(remote))
    if theirs is not None:
        merge_notes(store, theirs, deadline=deadline)
    return None


def push_specs(store: Store, remote: str, *,
               branches: dict[str, str]) -> tuple[list[str], publish.Plan]:
    """What to push: only what the remote's `branches` (and tags) make public
    (publish.py): live refs of sessions on those branches, handoff refs of
    commits they reach, a notes commit on top of the remote's, done and
    transcript refs of those handoffs; and leased deletions of remote live
    refs whose session has been handed off here and whose done ref is going
    there too."""
    specs = publish.live_refs(store, refs.tracking(remote), branches)
    plan = publish.plan(store, refs.tracking(remote), publish.bases(store, remote, branches))
    specs += plan.leases + plan.refs
    if plan.notes is not None:
        specs.append(f"{plan.notes}:{refs.NOTES}")
    going = {s.split(":", 1)[0] for s in plan.refs}
    return specs + stale_live_deletions(store, remote, going), plan


def stale_live_deletions(store: Store, remote: str, going: set[str] | None = None) -> list[str]:
    """Leased deletions of the remote's live refs of sessions handed off
    here, once their done ref is there or `going` there (a session whose
    handoff waits for its branch stays live remotely)."""
    out = []
    theirs = refs.tracking(remote)
    prefix = f"{theirs}live/"
    for name, oid in store.refs(prefix).items():
        session = name[len(prefix) :]
        done = store.ref(refs.done(session))
        there = done is not None and (refs.done(session) in (going or set())
                                      or store.ref(f"{theirs}done/{session}") == done)
        if store.ref(refs.live(session)) is None and done and there \
                and is_ancestor(store, oid, done):
            out += [f"--force-with-lease={refs.live(session)}:{oid}", f":{refs.live(session)}"]
    return out


def parse_porcelain(out: str, result: PushResult) -> None:
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) < 3 or len(parts[0]) != 1:
            continue
        flag, spec, summary = parts[0], parts[1], parts[2]
        dst = spec.split(":", 1)[-1]
        if flag == "!":
            result.rejected[dst] = summary.replace("[", "").replace("]", "").strip()
        elif flag == "-":
            result.deleted.append(dst)
        elif flag in (" ", "*", "+"):
            result.pushed.append(dst)


def push(store: Store, remote: str, *, deadline: float, attempts: int = 5) -> PushResult:
    """Push session refs and what the remote's commits make public
    (publish.py), without force; on a rejected notes ref, fetch, merge and
    retry (jittered) until `attempts` or `deadline` run out. Run after the
    person's push has ended: the remote is asked which commits it has."""
    result = PushResult()
    backoff = Backoff(first=0.05, cap=0.5, deadline=deadline)
    theirs = store.ref(refs.tracking_notes(remote))
    if theirs is not None:
        # Ours first takes in what we last fetched of theirs, so that the
        # notes differing from it (what the shim looks at) are only ours.
        merge_notes(store, theirs, deadline=deadline)
    for attempt in range(1, attempts + 1):
        branches = publish.remote_branches(store, remote, env())
        if branches is None:
            return PushResult(attempts=attempt, error=f"could not list the branches of {remote}")
        specs, plan = push_specs(store, remote, branches=branches)
        result = PushResult(attempts=attempt, waiting=plan.waiting)
        if not specs:
            return result
        got = git_remote.push_porcelain(
            store, remote, [s for s in specs if not s.startswith("--")],
            options=[s for s in specs if s.startswith("--")], env=env())
        parse_porcelain(got.out, result)
        if not got.ok and not result.rejected:
            result.error = got.why
            return result
        if plan.notes is not None and refs.NOTES not in result.rejected:
            published_notes(store, remote, plan.notes, deadline=deadline)
        if result.ok:
            return result
        retry = refs.NOTES in result.rejected or any(
            r.startswith(refs.LIVE) and r not in store.refs(refs.LIVE)
            for r in result.rejected
        )
        if not retry or attempt == attempts or time.monotonic() >= deadline:
            return result
        try:
            err = fetch_and_merge(store, remote, deadline=deadline)
        except (RefError, GitsessError) as exc:
            err = exc.message
        if err is not None:
            result.error = err
            return result
        if not backoff.wait():
            return result
    return result


def published_notes(store: Store, remote: str, pushed: str, *, deadline: float) -> None:
    """The notes commit the remote now has: its tracking copy, and merged
    into ours so that the next one builds on it (ours keeps everything)."""
    store.update_ref(refs.tracking_notes(remote), lambda old: pushed, deadline=deadline)
    merge_notes(store, pushed, deadline=deadline)


def sync(store: Store, remote: str, *, deadline: float, attempts: int = 8) -> PushResult:
    """Fetch and merge the remote's sessions and notes, then push ours: what
    the remote's commits make public, as a git push does (records of a
    branch never pushed stay here until it is)."""
    err = fetch_and_merge(store, remote, deadline=deadline)
    if err is not None:
        return PushResult(error=err)
    return push(store, remote, deadline=deadline, attempts=attempts)


# What the pre-push send may take once the person's push has ended: its
# retries stop here, and `git sess sync` picks up what is left.
SEND_BUDGET_S = 20.0


def send_after_push(store: Store, remote: str) -> str | None:
    """The pre-push send: `push` with the pre-push budget; why it failed, or None."""
    result = push(store, remote, deadline=time.monotonic() + SEND_BUDGET_S, attempts=3)
    return None if result.ok else describe(result)


def describe(result: PushResult) -> str:
    if result.error:
        return result.error
    return "; ".join(f"{ref} {why}" for ref, why in sorted(result.rejected.items()))
