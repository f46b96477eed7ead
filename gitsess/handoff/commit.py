"""Making a handoff: `git sess handoff`'s work between its options and its report.

`make` composes the record (gitsess.handoff.compose.for_handoff), reserves
its id (gitsess.handoff.ids), keeps it as the draft and makes the commit with
the real `git commit` (`make_commit`), so that commit-msg and post-commit
run as they would for a person (gitsess.handoff.hooks); then it completes
what post-commit did not (gitsess.handoff.persist). A full disk or a
read-only .git is reported as a StorageError saying what was left.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass, field
from typing import IO

from gitsess.errors import BARE_HINT, GitsessError, RefError, UsageError, ValidationError
from gitsess.handoff import changelog as changelog_file
from gitsess.handoff import compose, draft, ids, message, narrative, persist, policy
from gitsess.handoff import subject as subject_line
from gitsess.handoff.record import Record
from gitsess.store import Store, faults, history

DEADLINE_S = 10.0
MESSAGE_FILE = "SESS_HANDOFF_MSG"


@dataclass
class Made:
    """What `make` did: the record, and its completion (None for a dry run)."""

    rec: Record
    done: persist.Completion | None
    warnings: list[str] = field(default_factory=list)
    template: str = ""


def make(store: Store, *, file: str | None = None, quick: bool = False, title: str | None = None,
         workstream: str | None = None, phase: str | None = None,
         session_ids: tuple[str, ...] = (), changelog: bool = False,
         confidence: str | None = None, use_draft: bool = False, discard_draft: bool = False,
         dry_run: bool = False, stdin: IO[str] | None = None,
         allow_empty: bool = False) -> Made:
    """Compose, commit and store one handoff (ValidationError: refused, the draft kept)."""
    try:
        return _make(store, file=file, quick=quick, title=title, workstream=workstream,
                     phase=phase, session_ids=session_ids, changelog=changelog,
                     confidence=confidence, use_draft=use_draft,
                     discard_draft=discard_draft, dry_run=dry_run,
                     stdin=stdin or sys.stdin, allow_empty=allow_empty)
    except Exception as exc:
        reason = storage_fault(exc)
        if reason is None:
            raise
        raise faults.StorageError(f"handoff not made: {reason} (writing {store.git_dir})",
                                  hint=f"{faults.hint_for(reason)}, then rerun; nothing was "
                                       "committed") from None


def storage_fault(exc: BaseException) -> str | None:
    """A full disk or a read-only .git behind `exc` (an error gitsess raised on
    purpose says so itself, except a ref it could not lock)."""
    if isinstance(exc, faults.StorageError):
        return None
    if isinstance(exc, GitsessError) and not isinstance(exc, RefError):
        return None
    return faults.storage_fault(exc)


def _make(store: Store, *, file: str | None, quick: bool, title: str | None,
          workstream: str | None, phase: str | None, session_ids: tuple[str, ...],
          changelog: bool, confidence: str | None, use_draft: bool, discard_draft: bool,
          dry_run: bool, stdin: IO[str], allow_empty: bool = False) -> Made:
    if store.workdir is None:
        raise UsageError("a handoff commit needs a working tree (this repository is bare)",
                         hint=BARE_HINT)
    refuse_mid_operation(store)
    if store.head().detached:
        raise UsageError("HEAD is detached: a handoff commit belongs on a branch",
                         hint="git switch -c <branch> (or git switch <branch>), then retry")
    pol = policy.load_policy(store)
    if changelog:
        changelog_file.check_clean(store)
    if discard_draft:
        draft.set_aside(store)
    kept = draft.read_draft(store)
    told, write_min = narrative.read(store, file=file, quick=quick, use_draft=use_draft,
                                     kept=kept, stdin=stdin, title=title)
    if kept is not None and (file is not None or quick) and not use_draft:
        draft.set_aside(store)  # a new narrative replaces the draft; keep the old one aside
    flags = {"title": title, "workstream": workstream, "phase": phase,
             "confidence": confidence.upper() if confidence else None}
    rec, warnings = compose.for_handoff(store, pol, told, kept, flags, session_ids, quick=quick,
                                         write_min=write_min)
    if not allow_empty:
        compose.refuse_empty(store, rec)
    if dry_run:
        return Made(rec, None, warnings, pol.subject)
    hid = ids.allocate(store, str(rec.front["operator"]), now=time.time(), prefer=rec.id,
                       deadline=time.monotonic() + DEADLINE_S)
    rec.front["id"] = hid
    commit = None
    try:
        path = draft.write_draft(store, rec)
        commit = make_commit(
            store, rec, with_changelog=changelog,
            retry_hint=compose.retry_hint(store, path, [], quick=False), subject_template=pol.subject)
        # post-commit drops the draft once it has stored the record: a draft still
        # there means the hook did not run (not installed) or did not finish.
        hook_ran = not os.path.exists(path)
        done = persist.complete(store, commit, deadline=time.monotonic() + DEADLINE_S, pol=pol,
                                archive=not hook_ran)
    except BaseException as exc:
        # Without a commit the id goes back. With one, its reservation stays
        # until --repair stores the record (store_record releases it): the
        # commit carries the id, and nothing else yet keeps it from reuse.
        if commit is None:
            with contextlib.suppress(GitsessError, OSError):
                ids.release(store, hid)
        reason = storage_fault(exc)
        if reason is None:
            raise
        if commit is None:
            left = draft.kept(store)
            raise faults.StorageError(
                f"handoff {hid} not made: {reason} (writing {store.git_dir})",
                hint=f"{faults.hint_for(reason)}, then rerun; nothing was committed"
                     + (f" (the draft is kept in {draft.shown(left)})" if left else "")) from None
        raise faults.StorageError(
            f"handoff {hid} committed as {commit[:12]}, but its record was not stored: {reason}",
            hint=f"{faults.hint_for(reason)}, then run git sess handoff --repair {commit[:12]}",
        ) from None
    if not hook_ran:
        stamp(store, commit)
    warnings += done.warnings
    if not hook_ran:
        warnings.append("the post-commit hook did not store this handoff, so git sess handoff "
                        "did (git sess install puts gitsess's hooks in place)")
    return Made(rec, done, warnings, pol.subject)


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


def refuse_mid_operation(store: Store) -> None:
    """A handoff commit in the middle of a rebase, merge, ... would land inside it."""
    for name, what, finish in _IN_PROGRESS:
        if os.path.exists(os.path.join(store.git_dir, name)):
            raise UsageError(f"{what} is in progress: a handoff commit would land in the "
                             "middle of it", hint=f"finish it first: {finish}; then hand off")


def make_commit(store: Store, rec: Record, *, with_changelog: bool,
                retry_hint: str, subject_template: str = subject_line.DEFAULT) -> str:
    """`git commit` of the handoff: empty, or the CHANGELOG entry alone."""
    msg_path = os.path.join(store.git_dir, MESSAGE_FILE)
    try:
        with open(msg_path, "w", encoding="utf-8") as fh:
            fh.write(message.message(rec, subject_template))
        with changelog_file.entry(store, rec, enabled=with_changelog) as paths:
            proc = history.commit_handoff(store, msg_path, paths, {persist.REPORTS_FAULTS: "1"})
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


def stamp(store: Store, commit: str) -> None:
    """Check the stored handoff as pre-push will, and stamp it when it passes
    (gitsess.handoff.stamps), so that its push starts no Python. Never fails the
    caller: a handoff that does not pass is reported by the push itself."""
    from gitsess.handoff import check as guard

    with contextlib.suppress(GitsessError, OSError):  # OSError: a full disk, say
        guard.check_commit(store, store.commit(commit))
