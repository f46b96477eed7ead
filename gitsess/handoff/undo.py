"""`git sess handoff --undo [ID]`: take back an unpushed handoff (issue 10).

What a handoff left is taken back in the reverse order it was made: the
sessions' telemetry goes from refs/sess/done/ back to refs/sess/live/, the
note and the handoff ref are removed, and the commit is undone with
`git reset --soft` (the work it committed stays staged, as after
`git reset --soft HEAD^`).

Refused, with the reason, when
- the handoff was pushed: its ref was fetched back (refs/sess/remotes/) or
  its commit is on a remote-tracking branch; a teammate may already have
  resumed from it, and taking it back would rewrite published history;
- its commit is not HEAD: commits made on top of it would have to be
  rewritten (an interactive rebase is the person's call, not gitsess's);
- it is not this operator's.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field

from gitsess import refs
from gitsess.errors import GitsessError, RefError, UsageError
from gitsess.handoff import ids, record
from gitsess.store import Store, history
from gitsess.telemetry import event

DEADLINE_S = 10.0


@dataclass
class Undone:
    id: str
    commit: str
    ref: str
    reset_to: str | None  # the branch's new tip (None: the branch is unborn again)
    sessions: dict[str, str] = field(default_factory=dict)  # session -> what happened


def pick(store: Store, operator: str, hid: str | None) -> ids.HandoffRef:
    """The local handoff to take back: `hid`, else the operator's newest."""
    if hid is not None:
        if ids.split_id(hid) is None:
            raise UsageError(f"'{hid}' is not a handoff id", hint="ids look like RT-261126-01")
        found = ids.find(store, hid)
        if found is None:
            raise UsageError(f"no handoff {hid} in this clone")
        if found.remote is not None:
            raise UsageError(f"handoff {hid} was fetched from {found.remote}, not made here: "
                             "only an unpushed handoff of this clone can be taken back")
        if ids.split_id(hid)[0] != operator:  # type: ignore[index]
            raise UsageError(f"handoff {hid} is not yours (you are {operator})",
                             hint="each operator takes back their own handoffs")
        return found
    mine = [r for r in ids.handoff_refs(store, operator)
            if r.remote is None and store.has_object(r.commit)]
    if not mine:
        raise UsageError(f"no handoff of {operator} in this clone to take back")
    return max(mine, key=lambda r: (store.commit(r.commit).commit_time, r.id))


def why_not(store: Store, h: ids.HandoffRef) -> str | None:
    """The reason this handoff cannot be taken back, or None."""
    parts = ids.split_id(h.id)
    op = parts[0] if parts else ""
    for r in ids.handoff_refs(store, op):
        if r.remote is not None and r.id == h.id:
            return (f"it was pushed: {r.ref} shows {r.remote} has it, and a teammate may "
                    "have resumed from it")
    for name, notes in store.refs(refs.REMOTES).items():
        if name.endswith("/notes") and store.note_in(h.commit, notes) is not None:
            return f"it was pushed: its record is in {name}"
    on = history.remote_branches_containing(store, h.commit)
    if on:
        return (f"it was pushed: its commit {h.commit[:12]} is on {on[0]}; taking it back "
                "would rewrite published history")
    head = store.head()
    if head.oid != h.commit:
        where = f"{head.branch}" if head.branch else "HEAD"
        return (f"its commit {h.commit[:12]} is not the tip of {where}: commits made on top of "
                "it would have to be rewritten")
    return None


def undo(store: Store, h: ids.HandoffRef) -> Undone:
    """Take back handoff `h` (checked by why_not first)."""
    deadline = time.monotonic() + DEADLINE_S
    info = store.commit(h.commit)
    text = store.note(h.commit)
    out = Undone(h.id, h.commit, h.ref, info.parents[0] if info.parents else None)
    sessions = []
    if text is not None:
        with contextlib.suppress(GitsessError):
            rec = record.parse(text, id=h.id)
            sessions = [s for s in rec.front.get("sessions") or [] if isinstance(s, dict)]
    # The commit first: when git refuses (a locked index), nothing else moved.
    if out.reset_to is not None:
        history.reset_soft(store, out.reset_to)
    else:  # the repository's first commit: the branch goes back to unborn
        history.unborn_branch(store, str(store.head().branch), h.commit)
    if text is not None:
        store.set_note(h.commit, None, deadline=deadline)
    with contextlib.suppress(RefError):
        store.cas_ref(h.ref, None, h.commit)
    for s in sessions:
        sid = str(s.get("id") or "")
        if sid:
            tip = s.get("tip") if isinstance(s.get("tip"), str) else None
            out.sessions[sid] = _relive(store, sid, h.id, tip)
    return out


def _relive(store: Store, sid: str, hid: str, tip: str | None) -> str:
    """Give one session's events that handoff `hid` took back to live.

    The retire moved done to the record's tip, or to a commit joining an
    earlier handoff's done chain with it (gitsess.handoff.retire._join): only the
    part that was `hid`'s goes back, so that the next handoff does not count
    an earlier one's events again. The claim goes too, else the next handoff
    would take the events for a retire left unfinished (gitsess.handoff.claims).
    """
    from gitsess.handoff import claims

    name = event.safe_session_name(sid)
    live_ref, done_ref = refs.LIVE + name, refs.DONE + name
    claim = claims.get(store, sid)
    if claim is not None and claim.handoff == hid:
        with contextlib.suppress(RefError):
            store.cas_ref(refs.claim(name), None, store.ref(refs.claim(name)))
    done = store.ref(done_ref)
    if done is None:
        return "not in done (left as it is)"
    if store.ref(live_ref) is not None:
        return "kept in done (the session went on after the handoff)"
    ours, before = done, None
    if tip and tip != done:
        parents = store.commit(done).parents
        if len(parents) != 2 or parents[1] != tip:
            return "kept in done (its done chain is not this handoff's)"
        ours, before = tip, parents[0]
    try:
        store.cas_ref(live_ref, ours, None)
        store.cas_ref(done_ref, before, done)
    except RefError as exc:
        return f"left in done ({exc.message})"
    return "back to live"


def take_back(store: Store, hid: str | None) -> Undone:
    """Undo this operator's handoff `hid` (the latest when None); UsageError
    saying why when it cannot be taken back."""
    from gitsess.handoff.identity import operator

    found = pick(store, operator(store).id, hid)
    why = why_not(store, found)
    if why is not None:
        raise UsageError(f"handoff {found.id} cannot be taken back: {why}",
                         hint="a later handoff can say what changed; "
                              "git revert undoes its commit's changes")
    return undo(store, found)
