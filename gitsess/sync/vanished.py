"""Records whose commits vanished in a history rewrite (issue 9, deliverable 8).

`git filter-repo` (or any rewrite that is not amend or rebase) gives every
commit a new id and moves every ref, the handoff refs included, but it does
not know notes: each record stays on the commit it annotated, which no ref
reaches any more (and which `git gc` then deletes). The rewritten handoff
commits still carry their `Sess-Id` trailers. Two kinds of them can take
their records back:

- a commit on a branch: gitsess.sync.rewrite's `unlinked`/`relink` already find
  and re-attach those (its scan is of local branches);
- a commit a handoff ref points at, on no branch (its feature branch was
  deleted, or squash-merged with a message of its own): `relink` below.

`find` lists every record on a commit that nothing reaches (no local or
remote-tracking branch, tag or handoff ref), and where its Sess-Id is
carried now; doctor reports them, `doctor --relink` maps all it can.
A record whose id no other commit carries is only reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitsess import refs
from gitsess.handoff import identify
from gitsess.store import Store
from gitsess.store import remote as git_remote
from gitsess.sync import exchange as sync
from gitsess.sync import rewrite


@dataclass
class Vanished:
    record_id: str
    commit: str  # the commit the record annotates, which nothing reaches
    carrier: str | None  # a reachable commit whose message has its Sess-Id, without the record
    ref: str | None  # the handoff ref at the carrier, when that is how it was found


def _reachable(store: Store, oids: set[str]) -> set[str]:
    """Those of `oids` that a branch, remote-tracking branch, tag or handoff ref reaches."""
    if not oids:
        return set()
    tips = [o for n, o in {**store.refs(refs.HANDOFFS), **store.refs(refs.REMOTES)}.items()
            if "/h/" in n or n.startswith(refs.HANDOFFS)]
    seen = git_remote.reached_by_any_ref(store, tips)
    return oids & seen


def find(store: Store) -> list[Vanished]:
    """Records on commits that nothing reaches, each with where its id is carried now."""
    tip = store.ref(refs.NOTES)
    if tip is None:
        return []
    notes = store.notes_map(tip)
    present = {o for o in notes if store.has_object(o)}
    alive = _reachable(store, present)
    gone = [o for o in notes if o not in alive]
    if not gone:
        return []
    by_id = _carriers(store)
    out = []
    for oid in sorted(gone):
        text = store.read_blob(notes[oid]).decode("utf-8", "replace")
        for hid in sorted(rewrite.record_ids(text)):
            carrier, ref = by_id.get(hid, (None, None))
            if carrier is not None and hid in rewrite.record_ids(store.note(carrier)):
                continue  # already relinked: the old note is a leftover, not a lost record
            if carrier is None and oid not in present:
                continue  # a commit never here (a peer's unfetched one) tells of no rewrite
            out.append(Vanished(hid, oid, carrier, ref))
    return out


def _carriers(store: Store) -> dict[str, tuple[str, str | None]]:
    """Sess-Id -> (a reachable commit carrying it, its handoff ref if found by one).

    Handoff refs first (a ref names its record's commit), then local branches."""
    out: dict[str, tuple[str, str | None]] = {}
    for name, oid in sorted(store.refs(refs.HANDOFFS).items()):
        hid = name.rsplit("/", 1)[-1]
        try:
            message = store.commit(oid).message
        except Exception:  # a ref at a non-commit: not a carrier
            continue
        if hid in _carried_ids(message):
            out.setdefault(hid, (oid, name))
    tips = sorted(set(store.refs(refs.HEADS).values()))
    for n, commit in enumerate(store.walk(tips)):
        if n >= rewrite.SCAN_LIMIT:
            break
        for hid in _carried_ids(commit.message):
            out.setdefault(hid, (commit.oid, None))
    return out


@dataclass
class Relinked:
    record_id: str
    commit: str
    origin: str


def relink(store: Store, *, deadline: float) -> list[Relinked]:
    """Put each vanished record back on the commit a handoff ref names for it.

    Run after rewrite.relink, which has mapped the ones on branches (and
    moved their handoff refs). The note is merged (union) into whatever the
    commit has; the ref is already where it belongs.
    """
    out = []
    for v in find(store):
        if v.carrier is None or v.ref is None:
            continue
        found = rewrite.find_record(store, v.record_id)
        if found is None:
            continue
        text, origin = found
        store.set_note(v.carrier, text, deadline=deadline, merge=sync.merge_note_texts)
        out.append(Relinked(v.record_id, v.carrier, origin))
    return out


def _carried_ids(message: str) -> set[str]:
    """The Sess-Ids a commit message carries (indented too, as in a squash message)."""
    return set(identify.sess_ids_anywhere(message))
