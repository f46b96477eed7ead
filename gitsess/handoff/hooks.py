"""gitsess's side of git's commit-msg and post-commit hooks, and --repair.

`commit_msg` validates any commit that claims to be a handoff (any Sess-
trailer, gitsess.handoff.identify) and keeps the record it validated as the
draft; `post_commit` stores it (never failing the commit); `repair` redoes
post-commit for a handoff commit, idempotently.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from gitsess.errors import ExitCode, GitsessError, UsageError, ValidationError, warn
from gitsess.handoff import compose, disclosure, draft, identify, ids, persist, policy, trailers
from gitsess.handoff.commit import DEADLINE_S, stamp, storage_fault
from gitsess.store import Store, faults, hookfiles
from gitsess.store import history as git_history
from gitsess.store import remote as git_remote


def commit_msg(store: Store, args: list[str]) -> int:
    """Validate a commit carrying Sess- trailers; non-zero refuses it."""
    if not args:
        print("error: commit-msg: no message file given", file=sys.stderr)
        return int(ExitCode.USAGE)
    with open(args[0], encoding="utf-8", errors="replace") as fh:
        text = fh.read()
    comment = store.config_get("core.commentChar") or "#"
    comment = "#" if comment == "auto" or len(comment) != 1 else comment
    if not disclosed(store, text, comment):
        return int(ExitCode.FAILURE)
    if not identify.claims_handoff(text, comment):
        return 0
    hid = identify.handoff_id(text, comment) or "(no Sess-Id)"
    try:
        pol = policy.load_policy(store)
        rec, errors, warnings = compose.compose_for_commit(
            store, text, pol, draft=draft.read_draft(store), comment=comment)
    except ValidationError as exc:
        _refuse(hid, [exc.message, *exc.problems], exc.hint)
        return int(ExitCode.FAILURE)
    errors += id_problems(store, rec.front)
    if errors:
        _refuse(hid, errors, None)
        return int(ExitCode.FAILURE)
    warn(*warnings)
    try:
        draft.write_draft(store, rec)
    except OSError as exc:
        reason = faults.storage_fault(exc)
        if reason is None:
            raise
        print(f"error: handoff {hid} refused by gitsess (commit-msg): cannot keep its record: "
              f"{reason}", file=sys.stderr)
        print(f"hint: {faults.hint_for(reason)}, then commit again", file=sys.stderr)
        return int(ExitCode.FAILURE)
    # git looks for post-commit once the commit is written: this commit runs it.
    hookfiles.arm(store, "post-commit")
    return 0


def disclosed(store: Store, text: str, comment: str) -> bool:
    """The policy's disclosure check of the commit being made (gitsess.handoff.disclosure):
    False refuses it (severity error); warnings are printed. The shim starts
    Python for it only when the policy names `disclosure` and a session ref or
    an Assisted-by trailer is there (githooks/commit-msg)."""
    try:
        pol = policy.load_policy(store)
    except ValidationError:
        return True  # a handoff reports the broken policy; an ordinary commit is not ours
    if pol.disclosure == "off":
        return True
    at_ms = _commit_ms(store)
    found = disclosure.problems(text, at_ms, pol, index=disclosure.SessionIndex.read(store),
                                live=disclosure.live_here(store, at_ms), comment=comment)
    if not found:
        return True
    if pol.disclosure_severity == "warn":
        warn(*found)
        return True
    print(f"error: commit refused by gitsess (commit-msg): {len(found)} disclosure "
          "problem(s)", file=sys.stderr)
    for p in found:
        print(f"  - {p}", file=sys.stderr)
    print(f"hint: {disclosure.TRAILER} names an agent whose session gitsess recorded "
          f"(.gitsess.yaml disclosure: {pol.disclosure}); git keeps the message in "
          ".git/COMMIT_EDITMSG", file=sys.stderr)
    return False


def _commit_ms(store: Store) -> int:
    seconds = git_history.committer_time(store)
    return int((time.time() if seconds is None else seconds) * 1000)


def prepare_commit_msg(store: Store, args: list[str]) -> int:
    """Add `Assisted-by` for the sessions live in this worktree (policy
    disclosure). Never fails the commit; merges, squashes and reused
    messages (-c, -C, --amend: git's "commit" source) are left as they are."""
    if not args or (len(args) > 1 and args[1] in ("merge", "squash", "commit")):
        return 0
    try:
        pol = policy.load_policy(store)
        if pol.disclosure == "off":
            return 0
        at_ms = _commit_ms(store)
        live = disclosure.live_here(store, at_ms)
        values = [v for s in live if (v := disclosure.trailer_value(s))]
        if not values:
            if not live and not disclosure.any_live(store, at_ms):
                # Session refs are there, but none is live in any worktree:
                # git need not start this hook until an event arms it again.
                hookfiles.disarm(store, "prepare-commit-msg")
            return 0
        with open(args[0], encoding="utf-8", errors="surrogateescape") as fh:
            text = fh.read()
        comment = store.config_get("core.commentChar") or "#"
        comment = "#" if comment == "auto" or len(comment) != 1 else comment
        new = disclosure.with_trailers(text, values, comment)
        if new is not None:
            with open(args[0], "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write(new)
    except (GitsessError, OSError) as exc:
        warn(f"gitsess prepare-commit-msg: no {disclosure.TRAILER} added: "
             f"{getattr(exc, 'message', exc)}")
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


def post_commit(store: Store) -> int:
    """Store the record of a handoff commit just made (never fails the commit)."""
    hookfiles.disarm(store, "post-commit")  # armed by commit-msg for this commit
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
        draft.drop_draft(store, hid)
        if persist.amended_from(store, head, parts[0], hid) is None and not rebasing(store):
            print(f"gitsess: {hid} is recorded on {found.commit[:12]}; this copy is not "
                  "a new handoff", file=sys.stderr)
        return 0
    try:
        done = persist.complete(store, head, deadline=time.monotonic() + DEADLINE_S)
    except GitsessError as exc:
        if os.environ.get(persist.REPORTS_FAULTS) and faults.storage_fault(exc.message):
            return int(ExitCode.FAILURE)  # git sess handoff reports it, once
        print(f"error: gitsess post-commit: {exc.message}", file=sys.stderr)
        for p in getattr(exc, "problems", []):
            print(f"  - {p}", file=sys.stderr)
        print(f"hint: {exc.hint or 'fix the cause, then run git sess handoff --repair'}",
              file=sys.stderr)
        return int(exc.exit_code)
    except Exception as exc:  # a full disk, a read-only .git: not a bug
        reason = storage_fault(exc)
        if reason is None:
            raise
        if os.environ.get(persist.REPORTS_FAULTS):
            return int(ExitCode.FAILURE)  # git sess handoff reports it, once
        print(f"error: gitsess post-commit: the record of {hid} was not stored: {reason}",
              file=sys.stderr)
        print(f"hint: {faults.hint_for(reason)}, then run git sess handoff --repair",
              file=sys.stderr)
        return int(ExitCode.FAILURE)
    warn(*done.warnings)
    stamp(store, head)
    return 0


def repair(store: Store, rev: str) -> persist.Completion:
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
    done = persist.complete(store, oid, deadline=time.monotonic() + DEADLINE_S)
    stamp(store, oid)
    return done


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
    argv = git_remote.calling_argv(
        lambda a: bool(a) and os.path.basename(a[0]) in (b"git", b"git.exe") and b"commit" in a)
    return argv is None or b"--amend" in argv


def rebasing(store: Store) -> bool:
    return any(os.path.exists(os.path.join(store.git_dir, d))
               for d in ("rebase-merge", "rebase-apply"))
