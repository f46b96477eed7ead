"""What a push of session refs may publish: the records of commits the remote has.

A handoff ref drags its commit's whole history along, and a note names its
commit's branch, title and narrative: sent for a commit the remote lacks,
either publishes a branch nobody pushed. So every sender (the pre-push
send, `git sess sync`) first asks the remote which commits it has (its
branches and tags, by `git ls-remote`, after the person's push has ended)
and then sends only:

- the handoff refs whose commit those reach;
- a notes commit built on top of the remote's notes tip (a fast-forward,
  never forced) whose tree is the remote's notes plus ours of commits those
  reach; the local refs/notes/sess keeps everything;
- refs/sess/done/<session> and refs/sess/transcripts/<id>/<session> of the
  sessions those handoffs name;
- refs/sess/live/<session> of sessions whose branch (session.json) the
  remote has.

githooks/pre-push does the common case of the same in the shell.

A handoff ref the remote has on a commit no remote branch reaches (sent
before its push was rejected, then rebased) moves with a lease on its old
value: the ref has a single writer (our operator's namespace), so that is
no forced update of anyone else's work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from gitsess import refs
from gitsess.handoff import identify
from gitsess.store import Store
from gitsess.store import remote as git_remote


def remote_branches(store: Store, remote: str, env: dict[str, str]) -> dict[str, str] | None:
    """The remote's branches and tags (full name -> oid), asked of the remote
    itself (None: ls-remote failed), not read from refs/remotes/<remote>/:
    those may be stale, and a push to a URL has none."""
    return git_remote.remote_heads_and_tags(store, remote, env)


def tips(store: Store, branches: dict[str, str]) -> list[str]:
    """The tips of `branches` that exist here. A tip we lack cannot be
    walked; what it reaches waits for the next sync after a fetch."""
    return [o for o in dict.fromkeys(branches.values()) if store.has_object(o)]


def bases(store: Store, remote: str, branches: dict[str, str]) -> list[str]:
    """What the remote is known to have: the tips of `branches` that exist
    here, and our tracking branches of it (refs/remotes/<remote>/*), which
    git's own push has just moved to what it sent. A remote that moved on
    to a commit we lack (a teammate pushed in between) would otherwise
    leave the commits we just pushed with no base here to reach them, and
    their records unsent until the next sync (the ten-clone soak lost a
    note that way). A tracking branch names only commits the remote had."""
    mine = store.refs(f"{refs.GIT_REMOTES}{remote}/").values()
    return list(dict.fromkeys([*tips(store, branches), *(o for o in mine if store.has_object(o))]))


def live_refs(store: Store, tracking: str, branches: dict[str, str]) -> list[str]:
    """Specs of our live refs that differ from the remote's copies, each only
    when the branch its session started on (session.json) is one of the
    remote's `branches`: a session on a branch never pushed names that
    branch, and its paths. A session with no branch (detached) goes."""
    import json

    heads = {n[len(refs.HEADS):] for n in branches if n.startswith(refs.HEADS)}
    seen = store.refs(tracking + "live/")
    out = []
    for ref, oid in sorted(store.refs(refs.LIVE).items()):
        if seen.get(tracking + ref[len(refs.SESS):]) == oid:
            continue
        branch = None
        try:
            data = store.tree_file(oid, "session.json")
            meta = json.loads(data) if data and len(data) < 65536 else {}
            branch = meta.get("branch") if isinstance(meta, dict) else None
        except Exception:
            branch = None
        if isinstance(branch, str) and branch and branch not in heads:
            continue
        out.append(f"{ref}:{ref}")
    return out


def reached(store: Store, commits: Iterable[str], bases: list[str]) -> set[str]:
    """Of `commits`, those that exist here and that a commit of `bases` reaches."""
    present = [c for c in dict.fromkeys(commits) if len(c) == 40 and store.has_object(c)]
    if not present or not bases:
        return set()
    outside = git_remote.not_reached(store, present, bases)
    if outside is None:
        return set()
    return {c for c in present if c not in outside}


@dataclass
class Plan:
    refs: list[str] = field(default_factory=list)  # "<ref>:<ref>" specs, plain
    leases: list[str] = field(default_factory=list)  # --force-with-lease=<ref>:<old> ...
    waiting: list[str] = field(default_factory=list)  # handoff refs whose commit the remote lacks
    notes: str | None = None  # the notes commit to push (on top of the remote's)


def _sessions_of(store: Store, oid: str) -> list[str]:
    try:
        message = store.commit(oid).message
    except Exception:
        return []
    return identify.sessions(message)


def plan(store: Store, tracking: str, bases: list[str], *, notes: bool = True) -> Plan:
    """What to send to the remote whose fetched copies are under `tracking`
    (refs/sess/remotes/<remote>/) and whose branch and tag tips are `bases`
    (`notes=False`: without building the notes commit)."""
    out = Plan()
    seen = store.refs(tracking)

    def theirs(ref: str) -> str | None:
        return seen.get(tracking + ref[len(refs.SESS):])

    mine = store.refs(refs.HANDOFFS)
    olds = {r: theirs(r) for r in mine}
    ok = reached(store, [*mine.values(), *(o for o in olds.values() if o)], bases)
    published_ids: set[str] = set()
    sessions: set[str] = set()
    for ref, oid in sorted(mine.items()):
        if oid not in ok:
            if olds[ref] != oid:
                out.waiting.append(ref)
            continue
        published_ids.add(ref.rsplit("/", 1)[-1])
        sessions.update(_sessions_of(store, oid))
        old = olds[ref]
        if old == oid:
            continue
        if old is not None and old not in ok:
            # Our own ref, on a commit no remote branch has: move it, leased.
            out.leases.append(f"--force-with-lease={ref}:{old}")
        out.refs.append(f"{ref}:{ref}")
    for ref, oid in sorted(store.refs(refs.DONE).items()):
        if ref[len(refs.DONE):] in sessions and theirs(ref) != oid:
            out.refs.append(f"{ref}:{ref}")
    for ref, oid in sorted(store.refs(refs.TRANSCRIPTS).items()):
        hid = ref[len(refs.TRANSCRIPTS):].split("/", 1)[0]
        if hid in published_ids and theirs(ref) != oid:
            out.refs.append(f"{ref}:{ref}")
    if notes:
        out.notes = notes_commit(store, store.ref(tracking + "notes"), bases)
    return out


def notes_commit(store: Store, remote_tip: str | None, bases: list[str]) -> str | None:
    """A notes commit on top of `remote_tip` that adds our notes of commits
    `bases` reach (union-merged with the remote's note of the same commit);
    None when it would add nothing."""
    local = store.ref(refs.NOTES)
    if local is None:
        return None
    mine = store.notes_map(local)
    theirs = store.notes_map(remote_tip) if remote_tip else {}
    differ = {a: b for a, b in mine.items() if theirs.get(a) != b}
    if not differ:
        return None
    ok = reached(store, differ, bases)
    out = dict(theirs)
    changed = False
    for annotated in sorted(ok):
        blob = differ[annotated]
        have = theirs.get(annotated)
        if have is not None:
            from gitsess.sync import exchange as sync

            text = sync.merge_note_texts(store.read_blob(have).decode("utf-8", "replace"),
                                         store.read_blob(blob).decode("utf-8", "replace"))
            blob = store.write_blob(text.encode())
            if blob == have:
                continue
        out[annotated] = blob
        changed = True
    if not changed:
        return None
    return store.write_notes_commit(out, [remote_tip] if remote_tip else [],
                                    "Notes published by gitsess\n")
