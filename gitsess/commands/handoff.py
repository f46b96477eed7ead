"""`git sess handoff`, and gitsess's side of the commit-msg and post-commit hooks.

`run` composes the record, validates it, reserves an id and makes the
handoff commit with the real `git commit` (so commit-msg and post-commit run
as they would for a person); `commit_msg_hook` validates any commit with
Sess- trailers; `post_commit_hook` stores what was validated. The composed
record waits in $GIT_DIR/SESS_HANDOFF (the draft) between the three, and
stays there when anything refuses it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from typing import IO, Any

from gitsess import refs
from gitsess.errors import (
    BARE_HINT,
    ExitCode,
    GitsessError,
    RefError,
    UsageError,
    ValidationError,
    warn,
)
from gitsess.handoff import changelog as gitsess_changelog
from gitsess.handoff import compose as handoff
from gitsess.handoff import identify, ids, narrative, policy
from gitsess.handoff import persist as handoffs
from gitsess.handoff.identity import HINT, shared_with
from gitsess.handoff.identity import operator as current_operator
from gitsess.handoff.record import Record, render
from gitsess.store import Store, faults
from gitsess.telemetry import core as telemetry
from gitsess.ui.colour import paint, prefixed

RESULT_VERSION = 1
DEADLINE_S = 10.0


# -- git sess handoff -----------------------------------------------------------


def run(
    *,
    store: Store,
    file: str | None = None,
    quick: bool = False,
    title: str | None = None,
    workstream: str | None = None,
    phase: str | None = None,
    session_ids: tuple[str, ...] = (),
    changelog: bool = False,
    confidence: str | None = None,
    use_draft: bool = False,
    discard_draft: bool = False,
    repair: str | None = None,
    dry_run: bool = False,
    as_json: bool = False,
    stdin: IO[str] | None = None,
    allow_empty: bool = False,
    undo: str | None = None,
) -> int:
    if undo is not None:
        return _undo(store, undo or None, as_json=as_json)
    if repair is not None:
        return _repair(store, repair or "HEAD", as_json=as_json)
    try:
        return _handoff(store, file=file, quick=quick, title=title, workstream=workstream,
                        phase=phase, session_ids=session_ids, changelog=changelog,
                        confidence=confidence, use_draft=use_draft,
                        discard_draft=discard_draft, dry_run=dry_run, as_json=as_json,
                        stdin=stdin or sys.stdin, allow_empty=allow_empty)
    except ValidationError as exc:
        if as_json:
            _print_json({"v": RESULT_VERSION, "ok": False, "error": exc.message,
                         "problems": exc.problems, "draft": _draft_if_any(store)})
        raise
    except Exception as exc:
        reason = _storage_fault(exc)
        if reason is None:
            raise
        raise faults.StorageError(f"handoff not made: {reason} (writing {store.git_dir})",
                                  hint=f"{faults.hint_for(reason)}, then rerun; nothing was "
                                       "committed") from None


def _storage_fault(exc: BaseException) -> str | None:
    """A full disk or a read-only .git behind `exc` (an error gitsess raised on
    purpose says so itself, except a ref it could not lock)."""
    if isinstance(exc, faults.StorageError):
        return None
    if isinstance(exc, GitsessError) and not isinstance(exc, RefError):
        return None
    return faults.storage_fault(exc)


def _handoff(store: Store, *, file: str | None, quick: bool, title: str | None,
             workstream: str | None, phase: str | None, session_ids: tuple[str, ...],
             changelog: bool, confidence: str | None, use_draft: bool, discard_draft: bool,
             dry_run: bool, as_json: bool, stdin: IO[str], allow_empty: bool = False) -> int:
    if store.workdir is None:
        raise UsageError("a handoff commit needs a working tree (this repository is bare)",
                         hint=BARE_HINT)
    _refuse_mid_operation(store)
    if store.head().detached:
        raise UsageError("HEAD is detached: a handoff commit belongs on a branch",
                         hint="git switch -c <branch> (or git switch <branch>), then retry")
    pol = policy.load_policy(store)
    if changelog:
        gitsess_changelog.check_clean(store)
    if discard_draft:
        _rotate_draft(store)
    kept = handoff.read_draft(store)
    told, write_min = narrative.read(store, file=file, quick=quick, use_draft=use_draft,
                                     kept=kept, stdin=stdin, title=title)
    if kept is not None and (file is not None or quick) and not use_draft:
        _rotate_draft(store)  # a new narrative replaces the draft; keep the old one aside
    flags = {"title": title, "workstream": workstream, "phase": phase,
             "confidence": confidence.upper() if confidence else None}
    rec, warnings = _compose(store, pol, told, kept, flags, session_ids, quick=quick,
                             write_min=write_min)
    if not allow_empty:
        _refuse_empty(store, rec)
    if dry_run:
        if as_json:
            _print_json({"v": RESULT_VERSION, "ok": True, "dry_run": True, "id": rec.id,
                         "record": rec.front, "sections": rec.sections, "warnings": warnings})
        else:
            sys.stdout.write(render(rec))
            warn(*warnings)
        return 0
    hid = ids.allocate(store, str(rec.front["operator"]), now=time.time(), prefer=rec.id,
                       deadline=time.monotonic() + DEADLINE_S)
    rec.front["id"] = hid
    commit = None
    try:
        path = handoff.write_draft(store, rec)
        commit = handoffs.make_commit(
            store, rec, with_changelog=changelog,
            retry_hint=_retry_hint(store, path, [], quick=False), subject_template=pol.subject)
        # post-commit drops the draft once it has stored the record: a draft still
        # there means the hook did not run (not installed) or did not finish.
        hook_ran = not os.path.exists(path)
        done = handoffs.complete(store, commit, deadline=time.monotonic() + DEADLINE_S, pol=pol,
                                 archive=not hook_ran)
    except BaseException as exc:
        # Without a commit the id goes back. With one, its reservation stays
        # until --repair stores the record (store_record releases it): the
        # commit carries the id, and nothing else yet keeps it from reuse.
        if commit is None:
            with contextlib.suppress(GitsessError, OSError):
                ids.release(store, hid)
        reason = _storage_fault(exc)
        if reason is None:
            raise
        if commit is None:
            left = _draft_if_any(store)
            raise faults.StorageError(
                f"handoff {hid} not made: {reason} (writing {store.git_dir})",
                hint=f"{faults.hint_for(reason)}, then rerun; nothing was committed"
                     + (f" (the draft is kept in {_shown(left)})" if left else "")) from None
        raise faults.StorageError(
            f"handoff {hid} committed as {commit[:12]}, but its record was not stored: {reason}",
            hint=f"{faults.hint_for(reason)}, then run git sess handoff --repair {commit[:12]}",
        ) from None
    if not hook_ran:
        _stamp(store, commit)
    warnings += done.warnings
    if not hook_ran:
        warnings.append("the post-commit hook did not store this handoff, so git sess handoff "
                        "did (git sess install puts gitsess's hooks in place)")
    _report(rec, done, warnings, as_json=as_json, template=pol.subject)
    return 0


# What git leaves in the git dir while an operation waits for the person
# (wt-status.c wt_status_get_state), and how they end it.
_IN_PROGRESS = (
    ("rebase-merge", "a rebase", "git rebase --continue (or --abort)"),
    ("rebase-apply", "a rebase or git am", "git rebase --continue / git am --continue (or --abort)"),
    ("MERGE_HEAD", "a merge", "git commit to conclude it (or git merge --abort)"),
    ("CHERRY_PICK_HEAD", "a cherry-pick", "git cherry-pick --continue (or --abort)"),
    ("REVERT_HEAD", "a revert", "git revert --continue (or --abort)"),
    ("BISECT_LOG", "a bisect", "git bisect reset"),
)


def _refuse_mid_operation(store: Store) -> None:
    """A handoff commit in the middle of a rebase, merge, ... would land inside it."""
    for name, what, finish in _IN_PROGRESS:
        if os.path.exists(os.path.join(store.git_dir, name)):
            raise UsageError(f"{what} is in progress: a handoff commit would land in the "
                             "middle of it", hint=f"finish it first: {finish}; then hand off")


def _compose(store: Store, pol: policy.Policy, told: narrative.Narrative, kept: Record | None,
             flags: dict[str, str | None], session_ids: tuple[str, ...], *, quick: bool,
             write_min: float | None) -> tuple[Record, list[str]]:
    """The record to commit, validated; ValidationError (the draft kept) when it is not.

    Flags win over the narrative's front matter, which wins over defaults
    (workstream: sess.workstream, else the branch). The sessions are the
    --session ones, else the narrative's (a draft's), else this operator's
    live sessions in this worktree.
    """
    me = current_operator(store)
    shared = shared_with(store, me)
    if shared:  # said before the commit, so that the person can still choose
        print(prefixed(f"warning: {shared}", sys.stderr), file=sys.stderr)
        print(prefixed(f"hint: {HINT}", sys.stderr), file=sys.stderr)
    front = dict(told.front)
    draft_id = front.pop("_draft_id", None) or (kept.front.get("id") if kept else None)
    front.update({k: v for k, v in flags.items() if v is not None})
    if quick:
        front["quick"] = True
        front.setdefault("title", f"quick handoff on {store.head().branch or 'main'}")
    front.setdefault("workstream", handoff.default_workstream(store))
    front.setdefault("phase", None)
    front.setdefault("title", "")
    if write_min is not None:
        front["handoff_write_min"] = write_min
    listed = front.pop("sessions", None) or []
    try:
        sessions = _sessions(store, me.id, listed, session_ids)
    except ValidationError as exc:
        if any(v.strip() for v in told.sections.values()):  # stdin is read once: keep it
            path = handoff.write_draft(store, Record({**front, "sessions": listed},
                                                     dict(told.sections)))
            exc.hint = (f"{exc.hint}\nyour narrative is kept in {_shown(path)}: fix its "
                        "sessions, then `git sess handoff --draft`")
        raise
    now = time.time()
    date = ids.id_date(now)
    usable = isinstance(draft_id, str) and _usable(store, draft_id, me.id, date)
    front.update(id=draft_id if usable else _peek_id(store, me.id, date), operator=me.id,
                 email=me.email)
    sections = dict(told.sections)
    handoff.sync_resume_prompt(front, sections)
    rec = Record(handoff.compute(store, front, sessions, pol, now=now), sections)
    errors, warnings = handoff.problems(rec, pol)
    if errors:
        path = handoff.write_draft(store, rec)
        raise ValidationError(
            f"handoff {rec.front['id']} not committed: {len(errors)} problem(s)",
            errors, hint=_retry_hint(store, path, errors, quick=quick),
        )
    return rec, warnings


def _refuse_empty(store: Store, rec: Record) -> None:
    """A handoff that covers no agent session and no commit records nothing
    anyone can resume from (issue 10: `--quick` made "0 session(s), 0 tool
    calls, 0 commit(s)", even as an empty repository's first commit)."""
    git = rec.front.get("git") or {}
    if rec.front.get("sessions") or int(git.get("commits") or 0) > 0:
        return
    has_text = any(str(v).strip() for v in rec.sections.values())
    kept = f"; the draft is kept in {_shown(handoff.write_draft(store, rec))}" if has_text else ""
    raise ValidationError(
        "nothing to hand off: no agent session and no commit of yours since "
        f"{rec.front.get('started_at') or 'the last handoff'}",
        hint=f"commit your work first, or pass --allow-empty to record this handoff "
             f"anyway{kept}")


def _sessions(store: Store, me: str, listed: Any, session_ids: tuple[str, ...],
              ) -> list[telemetry.Session]:
    """--session's sessions, else the narrative's `sessions:`, else this operator's
    live ones here; ValidationError for junk, unknown or another operator's."""
    from gitsess.handoff import claims
    from gitsess.transcripts import ownfiles

    listed = listed if isinstance(listed, list) else [listed]
    bad = [f"sessions[{i}]: {s!r} is not a session id" for i, s in enumerate(listed)
           if not isinstance(s.get("id") if isinstance(s, dict) else s, (str, int))]
    if bad and not session_ids:
        raise ValidationError("the narrative's sessions: are not session ids", bad,
                              hint="give a list of ids (sessions: [<id>, ...]) or --session ID")
    picked = list(session_ids) or [
        str(s.get("id")) if isinstance(s, dict) else str(s) for s in listed]
    sessions = handoff.settle_spills(store, handoff.require_sessions(store, picked) if picked
                                     else handoff.own_live_sessions(store, me))
    # A handoff killed between its commit and its retire left the events it
    # claimed live: move them now, so that this record does not claim them too.
    sessions, finished = claims.finish(store, sessions, deadline=time.monotonic() + DEADLINE_S)
    warn(*finished)
    # A session with nothing live left was claimed whole by an earlier record.
    taken = [f"sessions[{i}]: session {s.session_id} was handed off already, by {c.handoff}"
             for i, s in enumerate(sessions)
             if s.ref.startswith(telemetry.DONE) and (c := claims.get(store, s.session_id))]
    if taken:
        raise ValidationError("sessions already claimed by another handoff", taken,
                              hint="a session's events belong to one record; leave it out")
    # A session whose telemetry was fetched is a peer's whatever its
    # session.json says (gitsess.transcripts.ownfiles): it is theirs to hand off.
    fetched = [f"sessions[{i}]: {why}" for i, s in enumerate(sessions)
               if s.ref.startswith(refs.REMOTES)
               and (why := ownfiles.not_recorded_here(store, s))]
    if fetched:
        raise ValidationError("sessions recorded by another clone", fetched,
                              hint="leave them out (--session names yours); the clone that "
                                   "recorded them hands them off")
    foreign = handoff.foreign_sessions(sessions, me)
    if foreign:
        raise ValidationError("sessions of another operator", foreign,
                              hint="leave them out (--session names yours); their operator "
                                   "hands them off")
    return sessions


def _usable(store: Store, hid: str, op: str, date: str) -> bool:
    parts = ids.split_id(hid)
    return bool(parts and parts[0] == op and parts[1] == date and not ids.is_taken(store, hid))


def _peek_id(store: Store, op: str, date: str) -> str:
    """The id the next reservation would most likely get (for a draft)."""
    taken = [p[2] for r in ids.handoff_refs(store, op)
             if (p := ids.split_id(r.id)) and p[1] == date]
    taken += ids.in_history(store, op, date, now=time.time())
    return ids.make_id(op, date, max(taken, default=0) + 1)


def _shown(path: str) -> str:
    return os.path.relpath(path) if not os.path.relpath(path).startswith("../..") else path


def _retry_hint(store: Store, path: str, errors: list[str], *, quick: bool) -> str:
    lines = [f"nothing was committed; the draft is kept in {_shown(path)}"]
    if any(e.startswith("invariants.") for e in errors):
        lines.append("an invariant of the policy failed: that is what the sessions did, not "
                     "what the narrative says;")
        lines.append("change the policy (.gitsess.yaml) or the sessions covered (--session ID)")
    if any(e.startswith(("sections.", "resume_prompt")) for e in errors) and not quick:
        lines.append("fill the sections named above (or pass --quick for a minimal handoff)")
    lines.append("then rerun with the same options, or edit the draft and run "
                 "`git sess handoff --draft` (plain `git sess handoff` opens it in $EDITOR)")
    return "\n".join(lines)


# -- reporting --------------------------------------------------------------------


def _report(rec: Record, done: handoffs.Completion, warnings: list[str], *,
            as_json: bool, template: str) -> None:
    if as_json:
        _print_json({
            "v": RESULT_VERSION, "ok": True, "id": done.id, "commit": done.commit,
            "ref": done.ref, "branch": rec.front.get("branch"),
            "subject": handoff.subject(rec.front, template), "sessions": done.sessions,
            "transcripts": done.transcripts, "warnings": warnings,
        })
        return
    branch = rec.front.get("branch") or "HEAD"
    print(f"[{branch} {done.commit[:7]}] {handoff.subject(rec.front, template)}")
    print(f"handoff {paint(done.id, 'id')}: {handoffs.front_summary(rec.front)}")
    from gitsess.transcripts.reconcile import disagreements

    for line in disagreements(rec.front.get("telemetry")):  # hooks and transcript differ
        print(f"  {line}")
    print(f"  note on {done.commit[:12]} ({refs.NOTES}), ref {done.ref}")
    for sid, state in done.sessions.items():
        print(f"  session {sid}: " + (f"telemetry moved to {refs.DONE}"
                                      if state in ("retired", "done") else state))
    for ref in done.transcripts:
        print(f"  transcript {ref}")
    warn(*warnings)


def _print_json(doc: dict[str, Any]) -> None:
    json.dump(doc, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def _draft_if_any(store: Store) -> str | None:
    path = handoff.draft_path(store)
    return path if os.path.exists(path) else None


def _rotate_draft(store: Store) -> None:
    """Set the draft aside as SESS_HANDOFF~ (one level, as an editor's backup)."""
    path = handoff.draft_path(store)
    with contextlib.suppress(FileNotFoundError):
        os.replace(path, path + "~")


# -- undo -------------------------------------------------------------------------


def _undo(store: Store, hid: str | None, *, as_json: bool) -> int:
    from gitsess.handoff import undo

    me = current_operator(store)
    found = undo.pick(store, me.id, hid)
    why = undo.why_not(store, found)
    if why is not None:
        raise UsageError(f"handoff {found.id} cannot be taken back: {why}",
                         hint="a later handoff can say what changed; "
                              "git revert undoes its commit's changes")
    done = undo.undo(store, found)
    if as_json:
        _print_json({"v": RESULT_VERSION, "ok": True, "undone": True, "id": done.id,
                     "commit": done.commit,
                     "ref": done.ref, "head": done.reset_to, "sessions": done.sessions})
        return 0
    print(f"handoff {done.id} taken back: commit {done.commit[:12]} undone (files and index "
          f"untouched), note and {done.ref} removed")
    for sid, state in done.sessions.items():
        print(f"  session {sid}: {state}")
    return 0


# -- repair -----------------------------------------------------------------------


def _repair(store: Store, rev: str, *, as_json: bool) -> int:
    """Redo post-commit for a handoff commit (by rev or id), idempotently."""
    oid = None
    if ids.split_id(rev):
        found = ids.find(store, rev)
        oid = found.commit if found else None
    oid = oid or store.resolve(rev)
    if oid is None:
        raise UsageError(f"no commit or handoff '{rev}'",
                         hint="give a handoff id (RT-261126-01) or a commit")
    if identify.handoff_id(store.commit(oid).message) is None:
        raise UsageError(f"commit {oid[:12]} is not a handoff (no Sess-Id trailer)")
    done = handoffs.complete(store, oid, deadline=time.monotonic() + DEADLINE_S)
    _stamp(store, oid)
    if as_json:
        _print_json({"v": RESULT_VERSION, "ok": True, "id": done.id, "commit": done.commit,
                     "ref": done.ref, "sessions": done.sessions,
                     "transcripts": done.transcripts, "warnings": done.warnings})
        return 0
    print(f"handoff {done.id}: note and {done.ref} in place on {oid[:12]}")
    for sid, state in done.sessions.items():
        print(f"  session {sid}: {state}")
    warn(*done.warnings)
    return 0


# -- the git hooks ----------------------------------------------------------------


def commit_msg_hook(store: Store, args: list[str], stdin: IO[str]) -> int:
    """Validate a commit carrying Sess- trailers; non-zero refuses it."""
    if not args:
        print("error: commit-msg: no message file given", file=sys.stderr)
        return int(ExitCode.USAGE)
    with open(args[0], encoding="utf-8", errors="replace") as fh:
        text = fh.read()
    comment = store.config_get("core.commentChar") or "#"
    comment = "#" if comment == "auto" or len(comment) != 1 else comment
    if not identify.claims_handoff(text, comment):
        return 0
    hid = identify.handoff_id(text, comment) or "(no Sess-Id)"
    try:
        pol = policy.load_policy(store)
        rec, errors, warnings = handoff.compose_for_commit(
            store, text, pol, draft=handoff.read_draft(store), comment=comment)
    except ValidationError as exc:
        _refuse(hid, [exc.message, *exc.problems], exc.hint)
        return int(ExitCode.FAILURE)
    errors += handoffs.id_problems(store, rec.front)
    if errors:
        _refuse(hid, errors, None)
        return int(ExitCode.FAILURE)
    warn(*warnings)
    try:
        handoff.write_draft(store, rec)
    except OSError as exc:
        reason = faults.storage_fault(exc)
        if reason is None:
            raise
        print(f"error: handoff {hid} refused by gitsess (commit-msg): cannot keep its record: "
              f"{reason}", file=sys.stderr)
        print(f"hint: {faults.hint_for(reason)}, then commit again", file=sys.stderr)
        return int(ExitCode.FAILURE)
    return 0


def _refuse(hid: str, problems: list[str], hint: str | None) -> None:
    print(f"error: handoff {hid} refused by gitsess (commit-msg): "
          f"{len(problems)} problem(s)", file=sys.stderr)
    for p in problems:
        print(f"  - {p}", file=sys.stderr)
    for line in (hint or "fix the message (or the sessions it names) and commit again "
                 "(git keeps it in .git/COMMIT_EDITMSG);\ngit sess handoff writes handoffs "
                 "for you").splitlines():
        print(f"hint: {line}", file=sys.stderr)


def post_commit_hook(store: Store, args: list[str], stdin: IO[str]) -> int:
    """Store the record of a handoff commit just made (never fails the commit)."""
    head = store.head().oid
    if head is None:
        return 0
    hid = identify.handoff_id(store.commit(head).message)
    if hid is None:
        return 0
    parts = ids.split_id(hid)
    found = ids.find(store, hid) if parts is not None else None
    if parts is not None and found is not None and found.commit != head:
        # A rewrite of a recorded handoff (amend, rebase, cherry-pick): git
        # copies the note (notes.rewriteRef) and post-rewrite moves the ref
        # (gitsess.sync.rewrite); a note written here would be concatenated.
        handoff.drop_draft(store, hid)
        if handoffs.amended_from(store, head, parts[0], hid) is None and not handoffs.rebasing(store):
            print(f"gitsess: {hid} is recorded on {found.commit[:12]}; this copy is not "
                  "a new handoff", file=sys.stderr)
        return 0
    try:
        done = handoffs.complete(store, head, deadline=time.monotonic() + DEADLINE_S)
    except GitsessError as exc:
        if os.environ.get(handoffs.REPORTS_FAULTS) and faults.storage_fault(exc.message):
            return int(ExitCode.FAILURE)  # git sess handoff reports it, once
        print(f"error: gitsess post-commit: {exc.message}", file=sys.stderr)
        for p in getattr(exc, "problems", []):
            print(f"  - {p}", file=sys.stderr)
        print(f"hint: {exc.hint or 'fix the cause, then run git sess handoff --repair'}",
              file=sys.stderr)
        return int(exc.exit_code)
    except Exception as exc:  # a full disk, a read-only .git: not a bug
        reason = _storage_fault(exc)
        if reason is None:
            raise
        if os.environ.get(handoffs.REPORTS_FAULTS):
            return int(ExitCode.FAILURE)  # git sess handoff reports it, once
        print(f"error: gitsess post-commit: the record of {hid} was not stored: {reason}",
              file=sys.stderr)
        print(f"hint: {faults.hint_for(reason)}, then run git sess handoff --repair",
              file=sys.stderr)
        return int(ExitCode.FAILURE)
    warn(*done.warnings)
    _stamp(store, head)
    return 0


def _stamp(store: Store, commit: str) -> None:
    """Check the stored handoff as pre-push will, and stamp it when it passes
    (gitsess.handoff.stamps), so that its push starts no Python. Never fails the
    caller: a handoff that does not pass is reported by the push itself."""
    from gitsess.handoff import check as guard

    with contextlib.suppress(GitsessError, OSError):  # OSError: a full disk, say
        guard.check_commit(store, store.commit(commit))
