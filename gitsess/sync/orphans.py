"""Handoff refs and notes on commits no branch reaches (`git sess doctor`, `--fix`).

They come from history rewritten after a record was made: a handoff ref
sent before its push was rejected and then rebased (gitsess before issue
9), a note git's notes.rewriteRef copied and kept on the old commit, a
branch deleted after a squash merge. `log` and `show` would name a commit
that is on no branch. `--fix` repairs what is ours and loses no record:

- our handoff ref moves to the branch commit that carries its Sess-Id
  (the rewrite), and its record goes along; the next push moves the
  remote's copy with a lease on its old value (publish.plan);
- a note on an orphaned commit is removed when every record in it is also
  in a note on a commit a branch reaches; otherwise it is kept and said so.

A peer's handoff ref is theirs to fix: it is reported only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gitsess import refs
from gitsess.handoff import identify, record
from gitsess.store import Store
from gitsess.sync import exchange as sync
from gitsess.sync import publish, rewrite

SCAN_LIMIT = 10000


@dataclass
class Orphans:
    refs: dict[str, str] = field(default_factory=dict)  # handoff ref (ours or tracking) -> commit
    notes: list[str] = field(default_factory=list)  # annotated commits no branch reaches


def _branch_tips(store: Store) -> list[str]:
    return sorted({*store.refs(refs.HEADS).values(), *store.refs(refs.GIT_REMOTES).values()})


def find(store: Store) -> Orphans:
    bases = _branch_tips(store)
    out = Orphans()
    handoffs = {**store.refs(refs.HANDOFFS),
                **{r: o for r, o in store.refs(refs.REMOTES).items() if "/h/" in r}}
    local = store.ref(refs.NOTES)
    annotated = list(store.notes_map(local)) if local else []
    ok = publish.reached(store, [*handoffs.values(), *annotated], bases)
    # A commit this clone lacks (a peer's, on a branch not fetched) is no
    # orphan that we can tell: left out.
    out.refs = {r: o for r, o in sorted(handoffs.items())
                if o not in ok and store.has_object(o)}
    out.notes = sorted(a for a in annotated if a not in ok and store.has_object(a))
    return out


def by_sess_id(store: Store) -> dict[str, str]:
    """Sess-Id -> the newest commit on a branch whose message names it."""
    out: dict[str, str] = {}
    for n, commit in enumerate(store.walk(_branch_tips(store))):
        if n >= SCAN_LIMIT:
            break
        for hid in identify.sess_ids_anywhere(commit.message):
            out.setdefault(hid, commit.oid)
    return out


@dataclass
class Fixed:
    moved: dict[str, str] = field(default_factory=dict)  # ref -> new commit
    dropped: list[str] = field(default_factory=list)  # notes removed (annotated commits)
    kept: list[str] = field(default_factory=list)  # orphaned notes whose records exist nowhere else
    left: list[str] = field(default_factory=list)  # refs not ours, or with no commit to go to


def fix(store: Store, *, deadline: float) -> Fixed:
    found = find(store)
    done = Fixed()
    ids = by_sess_id(store) if found.refs or found.notes else {}
    for ref, oid in found.refs.items():
        target = ids.get(ref.rsplit("/", 1)[-1])
        if not ref.startswith(refs.HANDOFFS) or target is None:
            done.left.append(ref)
            continue
        found_record = rewrite.find_record(store, ref.rsplit("/", 1)[-1])
        if found_record is not None:
            store.set_note(target, found_record[0], deadline=deadline,
                           merge=sync.merge_note_texts)
        store.update_ref(ref, rewrite._move(oid, target), deadline=deadline)
        done.moved[ref] = target
    if not found.notes:
        return done
    tip = store.ref(refs.NOTES)
    notes = store.notes_map(tip) if tip else {}
    orphaned = set(found.notes)
    elsewhere: set[str] = set()
    for annotated, blob in notes.items():
        if annotated not in orphaned:
            elsewhere |= set(rewrite.record_ids(store.read_blob(blob).decode("utf-8", "replace")))
    for annotated in found.notes:
        text = store.note(annotated) or ""
        mine = {i for part in record.split_records(text) for i in rewrite.record_ids(part)}
        if mine and mine <= elsewhere:
            store.set_note(annotated, None, deadline=deadline)
            done.dropped.append(annotated)
        else:
            done.kept.append(annotated)
    return done
