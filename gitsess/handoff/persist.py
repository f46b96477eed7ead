"""Handoffs once committed: storing them, and checking any commit that claims to be one.

What others call:

- `parse_trailers(message)`: git's trailer rules (gitsess.handoff.trailers);
- `store_record(store, commit, text, deadline=...)`: the note (CAS) and the
  handoff ref, idempotently;
- `check_commit(store, commit)`: the problems of a commit with Sess-
  trailers (schema, invariants recomputed from the telemetry the handoff
  covered, required sections, a missing note), [] for any other commit;
  `examine` adds what that verdict rests on, for the pre-push guard and
  its stamps (gitsess.handoff.stamps);
- `complete(store, commit, deadline=...)`: everything post-commit does,
  idempotently (the note, the ref, live -> done, transcripts); `git sess
  handoff --repair` is this.

and, for `git sess handoff` and commit-msg, `make_commit` (the real `git
commit`) and `id_problems` (an id must be new).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from gitsess import refs
from gitsess.errors import GitsessError, RefError, ValidationError
from gitsess.handoff import changelog, claims, identify, ids, policy, record, trailers
from gitsess.handoff import compose as handoff
from gitsess.handoff import operators as verify
from gitsess.handoff.trailers import parse_trailers
from gitsess.store import CommitInfo, Store, faults, history
from gitsess.telemetry import core as telemetry

__all__ = [
    "Completion",
    "check_commit",
    "complete",
    "examine",
    "parse_trailers",
    "retire_session",
    "store_record",
]

MESSAGE_FILE = "SESS_HANDOFF_MSG"
# Set for the hooks of the `git commit` that `git sess handoff` runs: it
# completes the handoff itself when post-commit could not, and reports a
# full disk once, so post-commit says nothing of one.
REPORTS_FAULTS = "GITSESS_HANDOFF_REPORTS_FAULTS"
MERGE_MESSAGE = "gitsess: a later chain of this session, taken in by a handoff\n"


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


def _is_ancestor(store: Store, a: str, b: str) -> bool:
    return a == b or store.merge_base(a, b) == a


def retire_session(store: Store, sid: str, recorded_tip: str | None, *, deadline: float) -> str:
    """Move one session's telemetry, up to the tip its record names, from live to done;
    returns what happened.

    Spilled events are folded first (telemetry.settle). Then done is moved
    (compare-and-swap) to `recorded_tip`, and live to what came after it:
    events that arrived while the handoff committed are not the record's, so
    they stay live, for the next handoff (`_remainder`). A live chain that
    does not descend from `recorded_tip` started after the handoff (the
    agent's next event, after its ref was retired) and is left alone. A done
    ref already there (the session went on after an earlier handoff) gets a
    commit joining both chains, its counters the sum. Safe to run again: a
    retire killed between its two CAS leaves done at the tip and live
    unchanged, and the rerun only moves live.
    """
    name = telemetry.safe_session_name(sid)
    live_ref, done_ref = telemetry.LIVE + name, telemetry.DONE + name
    while True:
        if store.ref(live_ref) is not None:
            with contextlib.suppress(RefError):
                telemetry.settle(store, live_ref, deadline)
        # Under the hooks' writer lock, a .lock on the live ref is a dead
        # writer's, so clearing a stale one cannot race a live hook.
        try:
            with telemetry.writer_lock(store, deadline):
                outcome = _retire_once(store, live_ref, done_ref, recorded_tip)
        except telemetry.QueueTimeout:
            outcome = None
        if outcome is not None:
            return outcome
        if time.monotonic() >= deadline:
            raise RefError("locked", f"could not move {live_ref} to {done_ref} in time")


def _retire_once(store: Store, live_ref: str, done_ref: str,
                 recorded_tip: str | None) -> str | None:
    """One attempt of retire_session; None when a ref moved or was locked."""
    live = store.ref(live_ref)
    if live is None:
        return "done" if store.ref(done_ref) else "missing"
    known = bool(recorded_tip) and store.has_object(str(recorded_tip))
    if known and not _is_ancestor(store, str(recorded_tip), live):
        return "kept (a later chain)"
    cut = str(recorded_tip) if known else live
    rest = _remainder(store, live_ref, cut, live) if cut != live else None
    if cut != live and rest is None:
        cut = live  # not a plain chain of events past the tip: moved whole, as before
    done = store.ref(done_ref)
    if done is None or _is_ancestor(store, done, cut):
        target = cut
    elif _is_ancestor(store, cut, done):
        target = done
    else:
        target = _join(store, done, cut)
    try:
        if target != done:
            store.cas_ref(done_ref, target, done)
        store.cas_ref(live_ref, rest, live)
        return "retired" if rest is None else "retired (later events stay live)"
    except RefError as exc:
        if exc.kind not in ("modified", "locked", "missing"):
            raise  # e.g. a full disk: going round again would not help
        if exc.kind == "locked":
            store.clear_stale_locks(live_ref)
        return None


# How many events past the recorded tip a retire carries over (those of the
# seconds a handoff takes; a longer chain is moved whole, as before).
REMAINDER_LIMIT = 100_000


def _remainder(store: Store, live_ref: str, cut: str, live: str) -> str | None:
    """The events after `cut` on the live chain, as a chain of their own.

    The tip tree's counters are cumulative from the chain's first commit, so
    the later events cannot simply stay on top of the retired ones: the next
    record would count the retired ones again. Each later commit is written
    again, same message (its event lines), tree and time, with counters
    recounted from the first later event; the chain starts afresh, as the
    agent's next event after a retire always has, and the next retire joins
    it to done with the counters summed (`_join`). None when the chain
    between is not a plain line of event commits.
    """
    later: list[CommitInfo] = []
    oid = live
    while oid != cut:
        info = store.commit(oid)
        if len(info.parents) != 1 or len(later) >= REMAINDER_LIMIT:
            return None
        later.append(info)
        oid = info.parents[0]
    session = live_ref.rsplit("/", 1)[-1]
    counters = telemetry.new_counters()
    parent: str | None = None
    for info in reversed(later):
        events = [e for line in info.message.splitlines()
                  if (e := telemetry.Event.from_line(line, session, "")) is not None]
        for e in sorted(events, key=lambda e: e.at_ms):
            telemetry.apply(counters, e)
        entries = store.read_tree(info.oid)
        entries["counters.json"] = ("blob", store.write_blob(
            json.dumps(counters, separators=(",", ":"), sort_keys=True).encode()))
        parent = store.write_commit(store.write_tree(entries), [parent] if parent else [],
                                    info.message, when=info.commit_time)
    return parent


def _join(store: Store, done: str, live: str) -> str:
    a = telemetry.read_session(store, telemetry.DONE + "x", done)
    b = telemetry.read_session(store, telemetry.DONE + "x", live)
    counters = telemetry.merge_counters(a.counters if a else {}, b.counters if b else {})
    entries = store.read_tree(done)
    entries.pop("folded.json", None)
    entries["counters.json"] = ("blob", store.write_blob(
        json.dumps(counters, separators=(",", ":"), sort_keys=True).encode()))
    when = max(store.commit(done).commit_time, store.commit(live).commit_time)
    return store.write_commit(store.write_tree(entries), [done, live], MERGE_MESSAGE, when=when)


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
    draft = handoff.read_draft(store)
    if draft is not None and draft.front.get("id") == hid and draft.front.get("telemetry"):
        errors, _ = handoff.problems(draft, pol)
        if not errors:
            return draft, "draft"
    # Composed now, long after the commit: a session another handoff has
    # claimed since (this one's post-commit never ran) is that one's.
    message = _unclaimed(store, info.message, hid)
    rec, errors, _ = handoff.compose_for_commit(store, message, pol, draft=draft)
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
    _pause_for_tests()
    for s in rec.front.get("sessions") or []:
        try:
            done.sessions[s["id"]] = retire_session(store, s["id"], s.get("tip"),
                                                    deadline=deadline)
        except RefError as exc:
            done.warnings.append(f"session {s['id']}: not moved to done ({exc.message})")
    if archive and pol.transcripts != "off":
        done.transcripts, more = _archive(store, rec, pol)
        done.warnings += more
    handoff.drop_draft(store, hid)
    return done


def _pause_for_tests() -> None:
    """A deterministic point between a handoff's commit and its retire, for
    tests only: with GITSESS_TEST_PAUSE_BEFORE_RETIRE=<path> set, create
    <path>.reached and wait (at most a minute) until <path> exists."""
    path = os.environ.get("GITSESS_TEST_PAUSE_BEFORE_RETIRE")
    if not path:
        return
    with open(path + ".reached", "w", encoding="utf-8"):
        pass
    end = time.monotonic() + 60
    while not os.path.exists(path) and time.monotonic() < end:
        time.sleep(0.02)


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
                if (s := handoff.find_session(store, x["id"])) is not None]
    try:
        return transcript.archive_for_handoff(store, rec.front, sessions, pol.transcripts), []
    except GitsessError as exc:
        return [], [f"transcripts not archived: {exc.message}"]
    except OSError as exc:  # e.g. an unwritable TRANSCRIPTS_DIR: the record stays stored
        return [], [f"transcripts not archived: {exc.strerror or exc}"
                    f"{f' ({exc.filename})' if exc.filename else ''}"]


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
    fm = handoff.from_message(info.message, template=pol.subject)
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
        out.append(f"{short}: no record note under {refs.NOTES} "
                   f"(run git sess handoff --repair {short})")
        rec, errors, _ = handoff.compose_for_commit(store, info.message, pol)
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
    for r in policy.evaluate(pol, handoff.merged_counters(sessions)):
        if r["verdict"] == "fail":
            out.append(f"{short}: {hid}: {policy.describe(r)}")
    verdict.problems = _dedupe(out)
    return verdict


def covered_sessions(store: Store, session_ids: list[str],
                     rec: record.Record) -> tuple[list[telemetry.Session], bool]:
    """The sessions a handoff covers, as it covered them, and whether every
    one was read at the tip its record names (True) rather than from refs.

    A tip is taken only when it is a telemetry commit of that very session;
    ValidationError names each session found neither way.
    """
    tips = {str(s.get("id")): s.get("tip") for s in rec.front.get("sessions") or []
            if isinstance(s, dict)}
    pinned: list[telemetry.Session] = []
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
    more = handoff.require_sessions(store, rest)
    return pinned + [s for s in more if all(x.session_id != s.session_id for x in pinned)], False


def _at_tip(store: Store, sid: str, tip: str) -> telemetry.Session | None:
    if len(tip) != 40 or not store.has_object(tip):
        return None
    ref = telemetry.DONE + telemetry.safe_session_name(sid)
    try:
        store.commit(tip)  # a tree would do for read_session; a telemetry tip is a commit
        s = telemetry.read_session(store, ref, tip)
    except (GitsessError, KeyError, ValueError):
        return None
    # The session's own session.json must say so: read_session names a tip
    # without one (any commit: the handoff itself) after the ref, with
    # nothing counted, and a note edited to point there would pass anything.
    return s if s is not None and s.meta.get("session_id") == sid else None


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def front_summary(front: dict[str, Any]) -> str:
    t = front.get("telemetry") or {}
    g = front.get("git") or {}
    return (f"{len(front.get('sessions') or [])} session(s), {t.get('tool_calls', 0)} tool calls,"
            f" {t.get('failures', 0)} failures, {g.get('commits', 0)} commit(s)")


# -- making the commit, and the checks only commit-msg can make ------------------


def make_commit(store: Store, rec: record.Record, *, with_changelog: bool,
                retry_hint: str, subject_template: str = handoff.subject_line.DEFAULT) -> str:
    """`git commit` of the handoff: empty, or the CHANGELOG entry alone."""
    msg_path = os.path.join(store.git_dir, MESSAGE_FILE)
    try:
        with open(msg_path, "w", encoding="utf-8") as fh:
            fh.write(handoff.message(rec, subject_template))
        with changelog.entry(store, rec, enabled=with_changelog) as paths:
            proc = history.commit_handoff(store, msg_path, paths, {REPORTS_FAULTS: "1"})
            if proc.returncode != 0:
                out = (proc.stderr + proc.stdout).decode("utf-8", "replace")
                reason = faults.storage_fault(out)
                if reason is not None:
                    raise faults.StorageError(
                        f"handoff {rec.id} not committed: git commit failed: {reason}",
                        hint=f"{faults.hint_for(reason)}, then rerun; {retry_hint.splitlines()[0]}")
                raise ValidationError(
                    f"handoff {rec.id} refused by git commit (exit {proc.returncode})",
                    _hook_problems(out),
                    hint=retry_hint,
                )
            # What the hooks said on the way (post-commit's warnings: a
            # transcript not archived, a session not moved) is the person's.
            sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
    finally:
        with contextlib.suppress(OSError):
            os.unlink(msg_path)
    head = store.head().oid
    assert head is not None
    return head


def _hook_problems(output: str) -> list[str]:
    """git commit's output as problems: our commit-msg's items unwrapped,
    its header and hints dropped, anything else (another hook, git) kept."""
    out = []
    for line in output.splitlines():
        if line.startswith("  - "):
            out.append(line[4:])
        elif line.strip() and not line.startswith(("hint: ", "error: handoff ")):
            out.append(line.strip())
    return out[-30:]


def id_problems(store: Store, front: dict[str, Any]) -> list[str]:
    """The id must be new: not another commit's handoff, not reserved elsewhere."""
    hid = str(front.get("id") or "")
    if ids.split_id(hid) is None:
        return []
    if rebasing(store):
        return []  # a rebased copy replaces its original (post-rewrite moves the ref)
    found = ids.find(store, hid)
    if found is not None and (found.commit != store.head().oid or not _amending()):
        return [f"{trailers.SESS_ID}: {hid} is already the id of handoff commit "
                f"{found.commit[:12]} ({found.ref}); each handoff needs its own id"]
    if ids.reserved_elsewhere(store, hid):
        return [f"{trailers.SESS_ID}: {hid} is being committed by another worktree or process"]
    return []


def _amending() -> bool:
    """Whether the `git commit` running this hook amends HEAD.

    git tells its hooks nothing about --amend; on Linux the argv of the git
    above us says it (looked for up to a few parents: a hook manager may sit
    in between). Elsewhere a commit reusing the id of the handoff at HEAD is
    taken to be its amendment (post-commit and the pre-push guard still
    catch a copy on top).
    """
    pid = os.getppid()
    for _ in range(4):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                argv = fh.read().split(b"\0")
            with open(f"/proc/{pid}/stat", "rb") as fh:
                parent = int(fh.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return True
        if argv and os.path.basename(argv[0]) in (b"git", b"git.exe") and b"commit" in argv:
            return b"--amend" in argv
        if parent <= 1:
            break
        pid = parent
    return True


def rebasing(store: Store) -> bool:
    return any(os.path.exists(os.path.join(store.git_dir, d))
               for d in ("rebase-merge", "rebase-apply"))
