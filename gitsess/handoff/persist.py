"""Handoffs once committed: storing their records, and what post-commit does.

- `store_record(store, commit, text, deadline=...)`: the note (CAS) and the
  handoff ref, idempotently;
- `complete(store, commit, deadline=...)`: everything post-commit does,
  idempotently (the note, the ref, live -> done through
  gitsess.handoff.retire, transcripts); `git sess handoff --repair` is this.

Checking a commit that claims to be a handoff is gitsess.handoff.examine's;
making the commit, gitsess.handoff.commit's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gitsess import refs
from gitsess.errors import GitsessError, RefError, ValidationError
from gitsess.handoff import claims, compose, draft, identify, ids, policy, record, retire, trailers
from gitsess.handoff import sessions as agent_sessions
from gitsess.store import Store, testpoint

# Set for the hooks of the `git commit` that `git sess handoff` runs: it
# completes the handoff itself when post-commit could not, and reports a
# full disk once, so post-commit says nothing of one.
REPORTS_FAULTS = "GITSESS_HANDOFF_REPORTS_FAULTS"


def store_record(store: Store, commit_oid: str, text: str, *, deadline: float,
                 replaces: str | None = None) -> str:
    """Write `text` as the note on `commit_oid` and create its handoff ref.

    Idempotent: an equal note and a ref already at the commit are left as
    they are. `replaces` is a commit the ref may be moved from (an amended
    handoff); a ref at any other commit raises GitsessError.
    """
    rec = record.parse(text)
    hid, op = str(rec.front.get("id") or ""), str(rec.front.get("operator") or "")
    if ids.split_id(hid) is None or not op:
        raise ValidationError(f"record has no valid id/operator ({hid!r}, {op!r})")
    store.set_note(commit_oid, text, deadline=deadline)
    ref = refs.handoff(op, hid)

    def move(old: str | None) -> str | None:
        return commit_oid if old is None or (replaces is not None and old == replaces) else old

    now_at = store.update_ref(ref, move, deadline=deadline)
    if now_at != commit_oid:
        raise GitsessError(
            f"handoff id {hid} is already taken by commit {str(now_at)[:12]}",
            hint=f"the note is on {commit_oid[:12]}; give this handoff a new Sess-Id "
                 "(git commit --amend) and run git sess handoff --repair",
        )
    ids.release(store, hid)
    return ref


@dataclass
class Completion:
    id: str
    commit: str
    ref: str
    sessions: dict[str, str] = field(default_factory=dict)  # session -> what happened
    transcripts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def record_for(store: Store, commit_oid: str, pol: policy.Policy) -> tuple[record.Record, str]:
    """The record to store for a handoff commit, and where it came from.

    The note when there is one (a repair keeps it); else the draft of the same
    id, validated by commit-msg; else one composed from the message (a commit
    made with --no-verify, or before the hooks were installed), which must
    validate now.
    """
    info = store.commit(commit_oid)
    hid = identify.handoff_id(info.message)
    if hid is None:
        raise GitsessError(f"commit {commit_oid[:12]} is not a handoff (no Sess-Id trailer)")
    note = store.note(commit_oid)
    if note is not None:
        rec = record.parse(note, id=hid)
        if rec.front.get("id") == hid:
            return rec, "note"
    kept = draft.read_draft(store)
    if kept is not None and kept.front.get("id") == hid and kept.front.get("telemetry"):
        errors, _ = compose.problems(kept, pol)
        if not errors:
            return kept, "draft"
    # Composed now, long after the commit: a session another handoff has
    # claimed since (this one's post-commit never ran) is that one's.
    message = _unclaimed(store, info.message, hid)
    rec, errors, _ = compose.compose_for_commit(store, message, pol, draft=kept)
    if errors:
        raise ValidationError(
            f"handoff {hid} ({commit_oid[:12]}) does not validate; its record was not stored",
            errors,
            hint="fix the message with git commit --amend (the commit-msg hook checks it), "
                 "then run git sess handoff --repair",
        )
    return rec, "message"


def _unclaimed(store: Store, message: str, hid: str) -> str:
    """`message` without the Sess-Session trailers of sessions another handoff claimed."""
    out = []
    for line in message.split("\n"):
        key, sep, value = line.partition(":")
        if (sep and key.strip().lower() == trailers.SESS_SESSION.lower()
                and claims.claimed_elsewhere(store, value.strip(), hid)):
            continue
        out.append(line)
    return "\n".join(out)


def complete(store: Store, commit_oid: str, *, deadline: float,
             pol: policy.Policy | None = None, archive: bool = True) -> Completion:
    """Everything post-commit does for a handoff commit; safe to run again.

    `archive=False` skips the transcripts (the hook archived them already).
    """
    pol = pol if pol is not None else policy.load_policy(store)
    rec, _source = record_for(store, commit_oid, pol)
    rec.front["commit"] = commit_oid
    text = record.render(rec)
    hid = str(rec.front["id"])
    ref = store_record(store, commit_oid, text, deadline=deadline)
    done = Completion(hid, commit_oid, ref)
    for s in rec.front.get("sessions") or []:
        claims.mark(store, s["id"], hid, s.get("tip"), deadline=deadline)
    # A deterministic point between a handoff's commit and its retire, for tests.
    testpoint.pause("GITSESS_TEST_PAUSE_BEFORE_RETIRE")
    for s in rec.front.get("sessions") or []:
        try:
            done.sessions[s["id"]] = retire.retire_session(store, s["id"], s.get("tip"),
                                                    deadline=deadline)
        except RefError as exc:
            done.warnings.append(f"session {s['id']}: not moved to done ({exc.message})")
    if archive and pol.transcripts != "off":
        done.transcripts, more = _archive(store, rec, pol)
        done.warnings += more
    draft.drop_draft(store, hid)
    return done


def amended_from(store: Store, commit_oid: str, op: str, hid: str) -> str | None:
    """The commit this one amended, when the handoff ref points at it.

    `git commit --amend` leaves the old commit as HEAD@{1}, not a parent.
    """
    old = store.ref(refs.handoff(op, hid))
    if old is None or old == commit_oid or old in store.commit(commit_oid).parents:
        return None
    prev = store.resolve("HEAD@{1}")
    return old if prev == old else None


def _archive(store: Store, rec: record.Record, pol: policy.Policy) -> tuple[list[str], list[str]]:
    from gitsess.transcripts import archive as transcript

    sessions = [s for x in rec.front.get("sessions") or []
                if (s := agent_sessions.find_session(store, x["id"])) is not None]
    try:
        return transcript.archive_for_handoff(store, str(rec.front.get("id") or ""), sessions,
                                               pol.transcripts), []
    except GitsessError as exc:
        return [], [f"transcripts not archived: {exc.message}"]
    except OSError as exc:  # e.g. an unwritable TRANSCRIPTS_DIR: the record stays stored
        return [], [f"transcripts not archived: {exc.strerror or exc}"
                    f"{f' ({exc.filename})' if exc.filename else ''}"]


def front_summary(front: dict[str, Any]) -> str:
    t = front.get("telemetry") or {}
    g = front.get("git") or {}
    return (f"{len(front.get('sessions') or [])} session(s), {t.get('tool_calls', 0)} tool calls,"
            f" {t.get('failures', 0)} failures, {g.get('commits', 0)} commit(s)")
