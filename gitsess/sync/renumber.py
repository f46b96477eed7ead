"""Handoff ids that collide across clones, and their renumbering (issue 10).

Two clones of one operator that hand off offline on the same day both make
`RT-261205-01`. The first push wins the ref; the second is refused as a
non-fast-forward (handoff refs are never forced), and the record would be
stranded. A collision is a local handoff ref whose id a remote also holds
(`refs/sess/remotes/<remote>/h/...`) at a different commit that is not a
rewrite of the same handoff: a rebase or an amend keeps the author date
and the Sess-Session trailers, two handoffs do not share both. (Ancestry
says nothing here: a `git pull --rebase` puts one clone's handoff on top of
the other's.)

Only an unpushed handoff is renumbered: its commit, and every commit of a
local branch built on it, reachable from no remote-tracking ref. Its
commit is rewritten with the next free id of the same day in the Sess-Id
trailer (and in the subject, when the subject template names the id);
the commits above it are copied onto it unchanged (same trees, authors,
dates and messages: the working tree and the index do not change); the
branches move by compare-and-swap; notes and handoff refs follow their
commits, and the renumbered record says its new id. Nothing is lost: a
refusal leaves everything as it was.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass

from gitsess import refs
from gitsess.errors import GitsessError, RefError
from gitsess.handoff import ids, record
from gitsess.handoff.trailers import SESS_SESSION, parse_trailers
from gitsess.store import Store
from gitsess.store import remote as git_remote

DEADLINE_S = 10.0


@dataclass(frozen=True)
class Collision:
    id: str
    ref: str  # the local handoff ref
    mine: str  # its commit
    theirs: str  # the commit the remote's ref names
    remote: str


@dataclass(frozen=True)
class Renumbered:
    old: str
    new: str
    commit: str  # the rewritten handoff commit
    remote: str


def collisions(store: Store, remote: str | None = None) -> list[Collision]:
    """Local handoffs whose id a remote holds for another handoff."""
    local = {r.ref[len(refs.HANDOFFS):]: r for r in ids.handoff_refs(store)
             if r.remote is None}
    out = []
    for r in ids.handoff_refs(store):
        if r.remote is None or (remote is not None and r.remote != remote):
            continue
        mine = local.get(r.ref.split("/h/", 1)[-1])
        if mine is None or mine.commit == r.commit:
            continue
        if _same_handoff(store, mine.commit, r.commit):
            continue  # one handoff, rewritten: not two
        out.append(Collision(mine.id, mine.ref, mine.commit, r.commit, r.remote))
    return out


def _same_handoff(store: Store, a: str, b: str) -> bool:
    if not (store.has_object(a) and store.has_object(b)):
        return False
    ca, cb = store.commit(a), store.commit(b)
    sessions = [parse_trailers(c.message).get(SESS_SESSION, []) for c in (ca, cb)]
    return ca.author_time == cb.author_time and sessions[0] == sessions[1]


def why_not(store: Store, c: Collision) -> str | None:
    """Why this collision cannot be renumbered here, or None."""
    if _on_remote(store, c.mine):
        return (f"its commit {c.mine[:12]} is on a remote-tracking branch already; "
                "rename it by hand (git commit --amend of its Sess-Id) where it was made")
    branches = _branches_with(store, c.mine)
    for tip in branches.values():
        if _on_remote(store, tip) or any(
                _on_remote(store, o) for o in git_remote.ancestry_path(store, c.mine, tip)):
            return "commits built on it were pushed; renumbering would rewrite them"
    return None


def renumber(store: Store, c: Collision, *, now: float | None = None) -> Renumbered:
    """Give the unpushed handoff of `c` the next free id of its day."""
    why = why_not(store, c)
    if why is not None:
        raise GitsessError(f"handoff {c.id} ({c.mine[:12]}) cannot be renumbered: {why}")
    now = time.time() if now is None else now
    parts = ids.split_id(c.id)
    assert parts is not None
    op, date, _nn = parts
    new = _next_free(store, op, date, now=now)
    deadline = time.monotonic() + DEADLINE_S
    try:
        mapping = _rewrite(store, c, new)
        _follow(store, c, new, mapping, deadline=deadline)
    finally:
        ids.release(store, new)
    return Renumbered(c.id, new, mapping[c.mine], c.remote)


def _next_free(store: Store, op: str, date: str, *, now: float) -> str:
    seen = ids.in_history(store, op, date, now=now)
    while True:
        nn = max(ids._taken(store, op, date) | seen, default=0) + 1
        hid = ids.make_id(op, date, nn)
        if ids.reserve(store, hid):
            return hid
        seen.add(nn)


def _on_remote(store: Store, oid: str) -> bool:
    """Whether a remote is known to have `oid`: on a remote-tracking branch,
    or under a fetched handoff ref."""
    return bool(git_remote.refs_containing(store, oid, refs.GIT_REMOTES, refs.REMOTES))


def _branches_with(store: Store, oid: str) -> dict[str, str]:
    """Local branches whose history holds `oid`: name -> tip."""
    return git_remote.refs_containing(store, oid, refs.HEADS)


def _copy(raw: bytes, mapping: dict[str, str]) -> bytes:
    """A commit object with its parents mapped; a signature is dropped (the
    signed bytes change, so it could only fail to verify)."""
    head, sep, message = raw.partition(b"\n\n")
    lines, skipping = [], False
    for line in head.split(b"\n"):
        if skipping and line.startswith(b" "):
            continue
        skipping = line.startswith((b"gpgsig ", b"gpgsig-sha256 "))
        if skipping:
            continue
        if line.startswith(b"parent "):
            old = line[7:].decode()
            line = b"parent " + mapping.get(old, old).encode()
        lines.append(line)
    return b"\n".join(lines) + sep + message


def _renamed_message(raw: bytes, old: str, new: str) -> bytes:
    """The Sess-Id trailer (as git reads it: any case, blanks before ':') and
    the subject say the new id."""
    head, sep, message = raw.partition(b"\n\n")
    text = message.decode("utf-8", "surrogateescape")
    text = re.sub(rf"(?mi)^(Sess-Id[ \t]*:[ \t]*){re.escape(old)}[ \t]*$",
                  lambda m: f"{m.group(1)}{new}", text)
    subject, nl, rest = text.partition("\n")
    text = subject.replace(old, new) + nl + rest
    return head + sep + text.encode("utf-8", "surrogateescape")


def _rewrite(store: Store, c: Collision, new: str) -> dict[str, str]:
    """Rewrite the handoff commit and the branch commits above it; move the
    branches (CAS). Returns old -> new commit for every rewritten commit."""
    branches = _branches_with(store, c.mine)
    renamed = _renamed_message(git_remote.raw_commit(store, c.mine), c.id, new)
    mapping = {c.mine: git_remote.write_raw_commit(store, _copy(renamed, {}))}
    for tip in dict.fromkeys(branches.values()):
        for oid in git_remote.ancestry_path(store, c.mine, tip):
            if oid not in mapping:
                raw = git_remote.raw_commit(store, oid)
                mapping[oid] = git_remote.write_raw_commit(store, _copy(raw, mapping))
    for name, tip in branches.items():
        # `git update-ref <ref> <new> <old>` is git's own compare-and-swap;
        # HEAD follows a checked-out branch, and the trees are the same.
        git_remote.move_branch(store, name, mapping.get(tip, tip), tip,
                               reason=f"gitsess: renumber {c.id} to {new}")
    return mapping


def _follow(store: Store, c: Collision, new: str, mapping: dict[str, str], *,
            deadline: float) -> None:
    """Notes and handoff refs onto the rewritten commits; the renamed record."""
    for old_oid, new_oid in mapping.items():
        text = store.note(old_oid)
        if text is None:
            continue
        if old_oid == c.mine:
            text = _renamed_record(text, c.id, new, new_oid)
        store.set_note(new_oid, text, deadline=deadline)
        store.set_note(old_oid, None, deadline=deadline)
    for r in ids.handoff_refs(store):
        if r.remote is None and r.commit in mapping and r.ref != c.ref:
            store.cas_ref(r.ref, mapping[r.commit], r.commit)
    op = ids.split_id(c.id)[0]  # type: ignore[index]
    store.cas_ref(refs.handoff(op, new), mapping[c.mine], None)
    # Moved meanwhile: the new ref is in place, and the old one is someone's.
    with contextlib.suppress(RefError):
        store.cas_ref(c.ref, None, c.mine)


def _renamed_record(text: str, old: str, new: str, commit: str) -> str:
    out = []
    for part in record.split_records(text):
        try:
            rec = record.parse(part)
        except GitsessError:
            out.append(part)
            continue
        if rec.id == old:
            rec.front["id"] = new
            rec.front["commit"] = commit
            part = record.render(rec)
        out.append(part)
    return record.join_records(out)
