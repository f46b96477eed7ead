"""`git sess handoff`, and the entries of the commit-msg and post-commit hooks.

The work is gitsess.handoff's: commit (compose, reserve, `git commit`,
complete), hooks (commit-msg, post-commit, --repair) and undo; this module
calls it and prints what it did.
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any

from gitsess import refs
from gitsess.errors import UsageError, ValidationError, warn
from gitsess.handoff import commit, draft, hooks, message, persist
from gitsess.handoff.record import Record, render
from gitsess.store import Store
from gitsess.ui.colour import paint

RESULT_VERSION = 1


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
    context: bool = False,
) -> int:
    if context:
        if file is not None or quick or undo is not None or repair is not None or dry_run:
            raise UsageError("--context commits nothing: it goes with --workstream, --session "
                             "and --json only", hint="git sess handoff --context, then "
                                                     "git sess handoff -F - ...")
        return _context(store, workstream, session_ids, as_json=as_json)
    if undo is not None:
        return _undo(store, undo or None, as_json=as_json)
    if repair is not None:
        return _repair(store, repair or "HEAD", as_json=as_json)
    try:
        made = commit.make(store, file=file, quick=quick, title=title, workstream=workstream,
                           phase=phase, session_ids=session_ids, changelog=changelog,
                           confidence=confidence, use_draft=use_draft,
                           discard_draft=discard_draft, dry_run=dry_run, stdin=stdin,
                           allow_empty=allow_empty)
    except ValidationError as exc:
        if as_json:
            _print_json({"v": RESULT_VERSION, "ok": False, "error": exc.message,
                         "problems": exc.problems, "draft": draft.kept(store)})
        raise
    if made.done is None:  # --dry-run
        rec = made.rec
        if as_json:
            _print_json({"v": RESULT_VERSION, "ok": True, "dry_run": True, "id": rec.id,
                         "record": rec.front, "sections": rec.sections,
                         "warnings": made.warnings})
        else:
            sys.stdout.write(render(rec))
            warn(*made.warnings)
        return 0
    _report(made.rec, made.done, made.warnings, as_json=as_json, template=made.template)
    return 0


def _report(rec: Record, done: persist.Completion, warnings: list[str], *,
            as_json: bool, template: str) -> None:
    if as_json:
        _print_json({
            "v": RESULT_VERSION, "ok": True, "id": done.id, "commit": done.commit,
            "ref": done.ref, "branch": rec.front.get("branch"),
            "subject": message.subject(rec.front, template), "sessions": done.sessions,
            "transcripts": done.transcripts, "warnings": warnings,
        })
        return
    branch = rec.front.get("branch") or "HEAD"
    print(f"[{branch} {done.commit[:7]}] {message.subject(rec.front, template)}")
    print(f"handoff {paint(done.id, 'id')}: {persist.front_summary(rec.front)}")
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


def _context(store: Store, workstream: str | None, session_ids: tuple[str, ...], *,
             as_json: bool) -> int:
    from gitsess.handoff import context

    doc = context.gather(store, workstream=workstream, session_ids=session_ids)
    if as_json:
        _print_json(doc)
    else:
        sys.stdout.write(context.text(doc))
    return 0


def _undo(store: Store, hid: str | None, *, as_json: bool) -> int:
    from gitsess.handoff import undo

    done = undo.take_back(store, hid)
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


def _repair(store: Store, rev: str, *, as_json: bool) -> int:
    done = hooks.repair(store, rev)
    if as_json:
        _print_json({"v": RESULT_VERSION, "ok": True, "id": done.id, "commit": done.commit,
                     "ref": done.ref, "sessions": done.sessions,
                     "transcripts": done.transcripts, "warnings": done.warnings})
        return 0
    print(f"handoff {done.id}: note and {done.ref} in place on {done.commit[:12]}")
    for sid, state in done.sessions.items():
        print(f"  session {sid}: {state}")
    warn(*done.warnings)
    return 0


# The git hooks' entries (gitsess.commands.githook names them).


def commit_msg_hook(store: Store, args: list[str], stdin: IO[str]) -> int:
    """Validate a commit carrying Sess- trailers; non-zero refuses it."""
    return hooks.commit_msg(store, args)


def post_commit_hook(store: Store, args: list[str], stdin: IO[str]) -> int:
    """Store the record of a handoff commit just made (never fails the commit)."""
    return hooks.post_commit(store)
