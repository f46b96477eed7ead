"""Checking a commit that claims to be a handoff: the verdict the pre-push
guard (gitsess.handoff.check) and the stamps (gitsess.handoff.stamps) rest on.

`check_commit` gives the problems of a commit with Sess- trailers (schema,
invariants recomputed from the telemetry the handoff covered, required
sections, a missing note), [] for any other commit; `examine` adds what that
verdict rests on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gitsess import refs
from gitsess.errors import GitsessError, ValidationError
from gitsess.handoff import compose, identify, ids, message, policy, record
from gitsess.handoff import operators as verify
from gitsess.handoff import sessions as agent_sessions
from gitsess.store import Store
from gitsess.telemetry import event, readers

# The finding of a handoff commit whose note is not there (verify --pre-receive hints on it).
MISSING_NOTE = "no record note under"


@dataclass
class Verdict:
    """What `examine` found: the problems, the note it read, and whether the
    verdict depends on nothing but the commit, that note and the policy
    (every covered session read at its recorded tip), so it may be
    remembered (gitsess.handoff.stamps)."""

    problems: list[str]
    note_oid: str | None = None
    pinned: bool = False


def check_commit(store: Store, commit_oid: str, pol: policy.Policy | None = None) -> list[str]:
    """Problems of a commit that carries Sess- trailers ([] for any other)."""
    return examine(store, commit_oid, pol).problems


def operator_verdict(store: Store, info: Any, pol: policy.Policy,
                     verifier: verify.Verifier | None = None) -> verify.Verdict | None:
    """gitsess.handoff.operators's verdict on whose handoff commit `info` (a CommitInfo)
    is: its author email must be its operator's and, with require_signed, git
    must verify its author's signature. None when it records no handoff."""
    from gitsess.handoff import index as handoff_index

    h = handoff_index.parse_commit(info.oid, info.message, info.commit_time)
    if h is None:
        return None
    h.email, h.author_time = info.author_email, info.author_time
    verifier = verifier or verify.Verifier.for_store(store, policy=pol)
    return verifier.verdict(verify.claim(h))


def examine(store: Store, commit_oid: str, pol: policy.Policy | None = None,
            verifier: verify.Verifier | None = None) -> Verdict:
    """check_commit's verdict, with what it rests on.

    The record is the commit's note (or, without one, what its message
    says, and the missing note is a problem). The invariants are recomputed
    from telemetry, never taken from the record's counts: for each session
    the counters of the telemetry commit the record names as its tip (what
    the handoff covered; events after the handoff belong to the next one),
    else, for a record without one, the session's refs (local, done or
    fetched).
    """
    info = store.commit(commit_oid)
    if not identify.claims_handoff(info.message):
        return Verdict([])
    pol = pol if pol is not None else policy.load_policy(store)
    short = commit_oid[:12]
    fm = message.from_message(info.message, template=pol.subject)
    out = [f"{short}: {p}" for p in fm.problems]
    hid = fm.front.get("id")
    # Issue 9: a Sess-Operator trailer is a claim; git's author (and signature)
    # must back it, or the handoff does not leave as that operator's.
    who = operator_verdict(store, info, pol, verifier)
    if who is not None and not who.ok:
        op = fm.front.get("operator") or "its operator"
        out.append(f"{short}: {hid}: git does not say this handoff is {op}'s ({who.reason})")
    note_oid = store.note_oid(commit_oid)
    note = store.read_blob(note_oid).decode("utf-8", "replace") if note_oid else None
    found = ids.find(store, str(hid)) if hid and note is None else None
    if found is not None and found.commit != commit_oid:
        # A rewrite carries its note along (gitsess.sync.rewrite); a copy has none.
        return Verdict([*out, f"{short}: {hid} is the id of handoff commit {found.commit[:12]}; "
                              "this commit is a copy (give it a new Sess-Id, or drop it)"])
    if note is None:
        out.append(f"{short}: {MISSING_NOTE} {refs.NOTES} "
                   f"(run git sess handoff --repair {short})")
        rec, errors, _ = compose.compose_for_commit(store, info.message, pol)
        out += [f"{short}: {p}" for p in errors if p not in fm.problems]
        return Verdict(_dedupe(out))
    verdict = Verdict(out, note_oid)
    try:
        rec = record.parse(note, id=hid or None)
    except ValidationError as exc:
        return Verdict([*out, f"{short}: note: {exc.message}"], note_oid)
    if hid and rec.front.get("id") != hid:
        out.append(f"{short}: note is for {rec.front.get('id')!r}, the trailer says {hid!r}")
    quick = bool(rec.front.get("quick"))
    out += [f"{short}: {p}" for p in record.validate(rec, quick=quick,
                                                       required=pol.required_sections)]
    verdict.problems = _dedupe(out)
    if not pol.invariants:
        # A stamp may keep only a verdict that fetching more records cannot change.
        verdict.pinned = who is None or who.fixed
        return verdict
    try:
        sessions, verdict.pinned = covered_sessions(store, fm.session_ids, rec)
        verdict.pinned = verdict.pinned and (who is None or who.fixed)
    except ValidationError as exc:
        verdict.problems = _dedupe(out + [f"{short}: {p} (cannot check invariants)"
                                          for p in exc.problems])
        return verdict
    for r in policy.evaluate(pol, agent_sessions.merged_counters(sessions)):
        if r["verdict"] == "fail":
            out.append(f"{short}: {hid}: {policy.describe(r)}")
    verdict.problems = _dedupe(out)
    return verdict


def covered_sessions(store: Store, session_ids: list[str],
                     rec: record.Record) -> tuple[list[readers.Session], bool]:
    """The sessions a handoff covers, as it covered them, and whether every
    one was read at the tip its record names (True) rather than from refs.

    A tip is taken only when it is a telemetry commit of that very session;
    ValidationError names each session found neither way.
    """
    tips = {str(s.get("id")): s.get("tip") for s in rec.front.get("sessions") or []
            if isinstance(s, dict)}
    pinned: list[readers.Session] = []
    rest: list[str] = []
    for sid in session_ids:
        tip = tips.get(sid)
        s = _at_tip(store, sid, tip) if isinstance(tip, str) else None
        if s is None:
            rest.append(sid)
        elif all(x.session_id != s.session_id for x in pinned):
            pinned.append(s)
    if not rest:
        return pinned, True
    more = agent_sessions.require_sessions(store, rest)
    return pinned + [s for s in more if all(x.session_id != s.session_id for x in pinned)], False


def _at_tip(store: Store, sid: str, tip: str) -> readers.Session | None:
    if len(tip) != 40 or not store.has_object(tip):
        return None
    ref = refs.DONE + event.safe_session_name(sid)
    try:
        store.commit(tip)  # a tree would do for read_session; a telemetry tip is a commit
        s = readers.read_session(store, ref, tip)
    except (GitsessError, KeyError, ValueError):
        return None
    # The session's own session.json must say so: read_session names a tip
    # without one (any commit: the handoff itself) after the ref, with
    # nothing counted, and a note edited to point there would pass anything.
    return s if s is not None and s.meta.get("session_id") == sid else None


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
