"""Handoff ids `<OP>-YYMMDD-NN` and the refs that keep handoffs.

    refs/sess/h/<op>/<id>                   the handoff (points at its commit)
    refs/sess/remotes/<remote>/h/<op>/<id>  a peer's, as fetched
    refs/sess/local/reserve/<op>/<id>       an id being committed (never pushed)

YYMMDD is the local date of the handoff. NN counts the operator's handoffs
that day: one more than the highest NN among the local and fetched handoff
refs and the live reservations. Two concurrent handoffs (two worktrees of
one clone share their refs) cannot take the same NN: each reserves its id
by creating the reservation ref with compare-and-swap, and the loser takes
the next number. The reservation lives only while `git commit` runs: the
post-commit hook creates the handoff ref first and then drops the
reservation, and the reserver re-checks the handoff ref after reserving,
so an id is never handed out twice in one clone. A reservation left by a
killed process expires after RESERVATION_TTL_S.

Across clones, ids are unique as far as each clone has seen its peers'
work: the fetched handoff refs, and the Sess-Id trailers of the day in
every branch, remote-tracking branch and tag (a fresh clone that fetched
branches only, issue 10). Two clones of one operator that hand off on the
same day without fetching in between can both make NN; the second push of
that ref is refused (handoff refs are never forced), and the unpushed one
is renumbered (gitsess.sync.renumber).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from dataclasses import dataclass

from gitsess import refs
from gitsess.errors import RefError
from gitsess.handoff import identify
from gitsess.store import Store, history

RESERVATION_TTL_S = 600

ID_RE = re.compile(r"^(?P<op>[A-Za-z0-9][A-Za-z0-9_-]{0,31})-(?P<date>\d{6})-(?P<nn>\d{2,})$")


def split_id(hid: str) -> tuple[str, str, int] | None:
    """(operator, YYMMDD, NN) of a well-formed id, else None."""
    m = ID_RE.match(hid)
    if not m:
        return None
    return m.group("op"), m.group("date"), int(m.group("nn"))


def id_date(now: float) -> str:
    return time.strftime("%y%m%d", time.localtime(now))


def make_id(operator: str, date: str, nn: int) -> str:
    return f"{operator}-{date}-{nn:02d}"


@dataclass(frozen=True)
class HandoffRef:
    ref: str
    id: str
    commit: str
    remote: str | None  # None for a local ref


def handoff_refs(store: Store, operator: str | None = None) -> list[HandoffRef]:
    """Local and fetched handoff refs (of one operator when given)."""
    out = []
    for name, oid in store.refs(refs.HANDOFFS).items():
        parts = name[len(refs.HANDOFFS) :].split("/")
        if len(parts) == 2 and (operator is None or parts[0] == operator):
            out.append(HandoffRef(name, parts[1], oid, None))
    for name, oid in store.refs(refs.REMOTES).items():
        parts = name[len(refs.REMOTES) :].split("/")
        if len(parts) == 4 and parts[1] == "h" and (operator is None or parts[2] == operator):
            out.append(HandoffRef(name, parts[3], oid, parts[0]))
    return out


def find(store: Store, hid: str) -> HandoffRef | None:
    """The ref of a handoff id: the local one first, then a fetched one."""
    parts = split_id(hid)
    if parts is None:
        return None
    refs = [r for r in handoff_refs(store, parts[0]) if r.id == hid]
    refs.sort(key=lambda r: r.remote is not None)
    return refs[0] if refs else None


def previous(store: Store, operator: str, *, exclude: str | None = None) -> HandoffRef | None:
    """The operator's latest handoff by commit time (local or fetched)."""
    best: tuple[int, HandoffRef] | None = None
    for r in handoff_refs(store, operator):
        if r.id == exclude or not store.has_object(r.commit):
            continue
        t = store.commit(r.commit).commit_time
        if best is None or t > best[0]:
            best = (t, r)
    return best[1] if best else None


def in_history(store: Store, operator: str, date: str, *, now: float) -> set[int]:
    """NNs of `date` named by Sess-Id trailers in the history of every branch,
    remote-tracking branch and tag: handoffs whose refs this clone never got.

    One `git log`, bounded by --since (an id of `date` was committed within a
    day of it, whatever the time zone) and by --grep on the id's prefix.
    """
    prefix = f"{operator}-{date}-"
    # The prefix is [A-Za-z0-9_-] and digits (ID_RE): literal in a regexp.
    text = history.messages_naming_id_prefix(store, prefix, since_s=int(now) - 3 * 86400)
    if text is None:
        return set()
    out = set()
    for hid in identify.sess_ids_anywhere(text):
        parts = split_id(hid)
        if parts and parts[0] == operator and parts[1] == date:
            out.add(parts[2])
    return out


def _taken(store: Store, operator: str, date: str) -> set[int]:
    """NNs of `date` held by handoff refs or unexpired reservations."""
    out = set()
    names = [r.id for r in handoff_refs(store, operator)]
    for name, oid in store.refs(f"{refs.RESERVE}{operator}/").items():
        if _age(_reservation(store, oid)) < RESERVATION_TTL_S:
            names.append(name.rsplit("/", 1)[-1])
    for hid in names:
        parts = split_id(hid)
        if parts and parts[0] == operator and parts[1] == date:
            out.add(parts[2])
    return out


def _token(store: Store) -> str:
    return json.dumps({"git_dir": store.git_dir, "pid": os.getpid(), "at": int(time.time())})


def _reservation(store: Store, oid: str) -> dict[str, object]:
    try:
        data = json.loads(store.read_blob(oid))
    except Exception:  # not a blob, not JSON: an unreadable reservation is expired
        return {}
    return data if isinstance(data, dict) else {}


def _age(held: dict[str, object]) -> float:
    at = held.get("at")
    return time.time() - at if isinstance(at, (int, float)) else float(RESERVATION_TTL_S)


def reserved_elsewhere(store: Store, hid: str) -> bool:
    """True when another worktree or clone holds an unexpired reservation of `hid`."""
    parts = split_id(hid)
    if parts is None:
        return False
    old = store.ref(refs.reservation(parts[0], hid))
    if old is None:
        return False
    held = _reservation(store, old)
    return held.get("git_dir") != store.git_dir and _age(held) < RESERVATION_TTL_S


def is_taken(store: Store, hid: str) -> bool:
    """True when a handoff ref (local or fetched) already holds this id."""
    return find(store, hid) is not None


def reserve(store: Store, hid: str) -> bool:
    """Reserve one id; False when it is taken or reserved by a live other."""
    parts = split_id(hid)
    if parts is None or is_taken(store, hid):
        return False
    name = refs.reservation(parts[0], hid)
    blob = store.write_blob(_token(store).encode())
    try:
        store.cas_ref(name, blob, None)
    except RefError as exc:
        if exc.kind == "locked":  # another process is creating it right now
            return False
        if exc.kind != "modified":
            raise
        old = store.ref(name)
        held = _reservation(store, old) if old else {}
        mine = held.get("git_dir") == store.git_dir and held.get("pid") == os.getpid()
        if old is None or not (mine or _age(held) >= RESERVATION_TTL_S):
            return False
        try:
            store.cas_ref(name, blob, old)
        except RefError:
            return False
    # A handoff that finished between our scan and our reservation created
    # its ref before dropping its reservation: look again.
    if is_taken(store, hid):
        release(store, hid)
        return False
    return True


def release(store: Store, hid: str) -> None:
    """Drop a reservation (no-op when there is none)."""
    parts = split_id(hid)
    if parts is None:
        return
    name = refs.reservation(parts[0], hid)
    old = store.ref(name)
    if old is not None:
        with contextlib.suppress(RefError):
            store.cas_ref(name, None, old)


def allocate(store: Store, operator: str, *, now: float, prefer: str | None = None,
             deadline: float) -> str:
    """Reserve and return a fresh id for `operator`; `prefer` (a kept draft's
    id) is reused when it is of today and still free."""
    date = id_date(now)
    seen = in_history(store, operator, date, now=now)
    if prefer:
        parts = split_id(prefer)
        if (parts and parts[0] == operator and parts[1] == date and parts[2] not in seen
                and reserve(store, prefer)):
            return prefer
    while True:
        nn = max(_taken(store, operator, date) | seen, default=0) + 1
        hid = make_id(operator, date, nn)
        if reserve(store, hid):
            return hid
        time.sleep(0.001 + 0.004 * (os.getpid() % 7) / 7)  # let the racer finish its write
        if time.monotonic() >= deadline:
            raise RefError("locked", f"could not reserve a handoff id for {operator}",
                           hint="another handoff is being committed; retry in a moment")
