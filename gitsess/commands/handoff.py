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
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import IO, Any

from gitsess import handoff, handoffs, ids, policy, trailers
from gitsess.errors import ExitCode, GitsessError, UsageError, ValidationError
from gitsess.identity import operator as current_operator
from gitsess.record import Record, render
from gitsess.store import Store, git_env

RESULT_VERSION = 1
DEADLINE_S = 10.0
MESSAGE_FILE = "SESS_HANDOFF_MSG"
EDIT_FILE = "SESS_HANDOFF.md"
CHANGELOG_NAMES = ("CHANGELOG.md", "CHANGELOG", "CHANGES.md", "HISTORY.md")


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
) -> int:
    if repair is not None:
        return _repair(store, repair or "HEAD", as_json=as_json)
    try:
        return _handoff(store, file=file, quick=quick, title=title, workstream=workstream,
                        phase=phase, session_ids=session_ids, changelog=changelog,
                        confidence=confidence, use_draft=use_draft,
                        discard_draft=discard_draft, dry_run=dry_run, as_json=as_json,
                        stdin=stdin or sys.stdin)
    except ValidationError as exc:
        if as_json:
            _print_json({"v": RESULT_VERSION, "ok": False, "error": exc.message,
                         "problems": exc.problems, "draft": _draft_if_any(store)})
        raise


def _handoff(store: Store, *, file: str | None, quick: bool, title: str | None,
             workstream: str | None, phase: str | None, session_ids: tuple[str, ...],
             changelog: bool, confidence: str | None, use_draft: bool, discard_draft: bool,
             dry_run: bool, as_json: bool, stdin: IO[str]) -> int:
    if confidence is not None and confidence.upper() not in handoff.CONFIDENCE:
        raise UsageError(f"--confidence must be H, M or L, not '{confidence}'")
    head = store.head()
    if store.workdir is None:
        raise UsageError("a handoff commit needs a working tree (this repository is bare)")
    if head.detached:
        raise UsageError("HEAD is detached: a handoff commit belongs on a branch",
                         hint="git switch -c <branch> (or git switch <branch>), then retry")
    pol = policy.load_policy(store)
    me = current_operator(store)
    if discard_draft:
        _rotate_draft(store)
    kept = handoff.read_draft(store)
    narrative, write_min = _narrative(store, file=file, quick=quick, use_draft=use_draft,
                                      kept=kept, stdin=stdin, title=title)
    front = dict(narrative.front)
    draft_id = front.pop("_draft_id", None) or (kept.front.get("id") if kept else None)
    for key, value in (("title", title), ("workstream", workstream), ("phase", phase),
                       ("confidence", confidence.upper() if confidence else None)):
        if value is not None:
            front[key] = value
    if quick:
        front["quick"] = True
        front.setdefault("title", f"quick handoff on {head.branch or 'main'}")
    front.setdefault("workstream", handoff.default_workstream(store))
    front.setdefault("phase", None)
    if write_min is not None:
        front["handoff_write_min"] = write_min
    listed = front.pop("sessions", None) or []
    picked = list(session_ids) or [
        str(s.get("id")) if isinstance(s, dict) else str(s)
        for s in (listed if isinstance(listed, list) else [listed])
    ]
    sessions = (handoff.require_sessions(store, picked) if picked
                else handoff.own_live_sessions(store, me.id))
    now = time.time()
    date = ids.id_date(now)
    provisional = draft_id if isinstance(draft_id, str) and _usable(store, draft_id, me.id,
                                                                   date) else None
    front.update(id=provisional or _peek_id(store, me.id, date), operator=me.id, email=me.email)
    sections = dict(narrative.sections)
    handoff.sync_resume_prompt(front, sections)
    if not str(front.get("title") or "").strip():
        front["title"] = ""
    rec = Record(handoff.compute(store, front, sessions, pol, now=now), sections)
    errors, warnings = handoff.problems(rec, pol)
    errors += _title_problems(rec.front)
    if errors:
        path = handoff.write_draft(store, rec)
        raise ValidationError(
            f"handoff {rec.front['id']} not committed: {len(errors)} problem(s)",
            errors, hint=_retry_hint(store, path, errors, quick=quick),
        )
    if dry_run:
        if as_json:
            _print_json({"v": RESULT_VERSION, "ok": True, "dry_run": True, "id": rec.id,
                         "record": rec.front, "sections": rec.sections, "warnings": warnings})
        else:
            sys.stdout.write(render(rec))
            handoffs.warn(warnings)
        return 0
    deadline = time.monotonic() + DEADLINE_S
    hid = ids.allocate(store, me.id, now=now, prefer=rec.id, deadline=deadline)
    rec.front["id"] = hid
    path = handoff.write_draft(store, rec)
    try:
        commit = _commit(store, rec, changelog=changelog)
    except BaseException:
        ids.release(store, hid)
        raise
    # post-commit drops the draft once it has stored the record: a draft still
    # there means the hook did not run (not installed) or did not finish.
    hook_ran = not os.path.exists(path)
    done = handoffs.complete(store, commit, deadline=time.monotonic() + DEADLINE_S, pol=pol,
                             archive=not hook_ran)
    warnings += done.warnings
    if not hook_ran:
        warnings.append("the post-commit hook did not store this handoff, so git sess handoff "
                        "did (git sess install puts gitsess's hooks in place)")
    _report(store, rec, done, warnings, as_json=as_json)
    return 0


def _usable(store: Store, hid: str, op: str, date: str) -> bool:
    parts = ids.split_id(hid)
    return bool(parts and parts[0] == op and parts[1] == date and not ids.is_taken(store, hid))


def _peek_id(store: Store, op: str, date: str) -> str:
    """The id the next reservation would most likely get (for a draft)."""
    taken = [p[2] for r in ids.handoff_refs(store, op)
             if (p := ids.split_id(r.id)) and p[1] == date]
    return ids.make_id(op, date, max(taken, default=0) + 1)


def _title_problems(front: dict[str, Any]) -> list[str]:
    title = str(front.get("title") or "")
    if not title.strip():
        return ["title: is required (--title, or `title:` in the narrative's front matter)"]
    if "\n" in title:
        return ["title: must be one line"]
    return []


def _retry_hint(store: Store, path: str, errors: list[str], *, quick: bool) -> str:
    shown = os.path.relpath(path) if not os.path.relpath(path).startswith("../..") else path
    lines = [f"nothing was committed; the draft is kept in {shown}"]
    if any(e.startswith("invariants.") for e in errors):
        lines.append("an invariant of the policy failed: that is what the sessions did, not "
                     "what the narrative says;")
        lines.append("change the policy (.gitsess.yaml) or the sessions covered (--session ID)")
    if any(e.startswith(("sections.", "resume_prompt")) for e in errors) and not quick:
        lines.append("fill the sections named above (or pass --quick for a minimal handoff)")
    lines.append("then rerun with the same options, or edit the draft and run "
                 "`git sess handoff --draft` (plain `git sess handoff` opens it in $EDITOR)")
    return "\n".join(lines)


# -- the narrative ----------------------------------------------------------------


def _narrative(store: Store, *, file: str | None, quick: bool, use_draft: bool,
               kept: Record | None, stdin: IO[str], title: str | None,
               ) -> tuple[handoff.Narrative, float | None]:
    if file is not None and use_draft:
        raise UsageError("--file and --draft are exclusive")
    if use_draft:
        if kept is None:
            raise UsageError("there is no draft to use", hint="run git sess handoff without --draft")
        return handoff.parse_narrative(render(kept), source=handoff.DRAFT_FILE), None
    if file == "-":
        return handoff.parse_narrative(stdin.read(), source="stdin"), None
    if file is not None:
        try:
            with open(file, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {file}: {getattr(exc, 'strerror', None) or exc}",
                             ) from exc
        return handoff.parse_narrative(text, source=file), None
    if quick:
        return handoff.Narrative(), None
    return _edit(store, kept, title)


def _edit(store: Store, kept: Record | None, title: str | None,
          ) -> tuple[handoff.Narrative, float | None]:
    """$EDITOR on the kept draft (offered back) or on the template."""
    path = os.path.join(store.git_dir, EDIT_FILE)
    if kept is not None:
        text = render(kept).replace(
            "---\n", "---\n# A draft kept from an earlier attempt; computed fields are "
            "recomputed.\n# git sess handoff --discard-draft starts over.\n", 1)
        print(f"note: editing the draft kept in {handoff.draft_path(store)}", file=sys.stderr)
    else:
        text = handoff.template(title=title, workstream=handoff.default_workstream(store),
                                phase=None, summary_hint="write the handoff below")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    editor = store.run_git(["var", "GIT_EDITOR"], check=False).stdout.decode().strip() or "vi"
    started = time.monotonic()
    # As git runs its editor (run-command.c prepare_shell_cmd): through sh.
    rc = subprocess.run(["sh", "-c", f'{editor} "$@"', editor, path], env=git_env(),
                        check=False).returncode
    minutes = round((time.monotonic() - started) / 60, 1)
    if rc != 0:
        raise GitsessError(f"the editor ({editor}) exited with status {rc}; nothing was committed",
                           hint=f"your text is kept in {path}; retry with "
                                f"git sess handoff --file {path}")
    with open(path, encoding="utf-8") as fh:
        edited = fh.read()
    narrative = handoff.parse_narrative(edited, source=path)
    if not any(v.strip() for v in narrative.sections.values()):
        raise GitsessError("the narrative is empty; handoff aborted",
                           hint=f"what you wrote is in {path}")
    return narrative, minutes


# -- the commit -------------------------------------------------------------------


def _commit(store: Store, rec: Record, *, changelog: bool) -> str:
    """`git commit` of the handoff: empty, or the CHANGELOG entry alone.

    --only (with --allow-empty and no path: an empty commit) leaves whatever
    the user has staged out of the handoff; --cleanup=whitespace keeps the
    `## Section` headings whatever commit.cleanup says.
    """
    msg_path = os.path.join(store.git_dir, MESSAGE_FILE)
    with open(msg_path, "w", encoding="utf-8") as fh:
        fh.write(handoff.message(rec))
    try:
        with _changelog_entry(store, rec, enabled=changelog) as paths:
            args = ["commit", "--only", "--allow-empty", "--cleanup=whitespace", "--no-edit",
                    "-F", msg_path, "--", *paths]
            proc = store.run_git(args, check=False)
            if proc.returncode != 0:
                out = (proc.stderr + proc.stdout).decode("utf-8", "replace")
                raise ValidationError(
                    f"handoff {rec.id} refused by git commit (exit {proc.returncode})",
                    _hook_problems(out),
                    hint=_retry_hint(store, handoff.draft_path(store), [], quick=False),
                )
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


@contextlib.contextmanager
def _changelog_entry(store: Store, rec: Record, *, enabled: bool) -> Iterator[list[str]]:
    """Prepend the handoff to the CHANGELOG for the commit; put it back if that fails."""
    if not enabled:
        yield []
        return
    assert store.workdir is not None
    name = next((n for n in CHANGELOG_NAMES if os.path.exists(os.path.join(store.workdir, n))),
                CHANGELOG_NAMES[0])
    path = os.path.join(store.workdir, name)
    try:
        with open(path, encoding="utf-8") as fh:
            before: str | None = fh.read()
    except FileNotFoundError:
        before = None
    tracked = store.run_git(["ls-files", "--error-unmatch", "--", name],
                            check=False).returncode == 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(changelog_text(before, rec))
    if not tracked:
        store.run_git(["add", "--intent-to-add", "--", name])
    ok = False
    try:
        yield [name]
        ok = True
    finally:
        if not ok:
            if before is None:
                with contextlib.suppress(OSError):
                    os.unlink(path)
            else:
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(before)
            if not tracked:
                store.run_git(["rm", "--cached", "-q", "--", name], check=False)


def changelog_text(before: str | None, rec: Record) -> str:
    """The CHANGELOG with this handoff's entry first (under a leading `# ` title)."""
    f = rec.front
    summary = rec.sections.get("Summary", "").strip().split("\n\n")[0].strip()
    entry = f"## {str(f['ended_at'])[:10]} {f['title']} ({f['id']}, {f['workstream']})\n\n"
    if summary:
        entry += summary + "\n\n"
    if not before:
        return "# Changelog\n\n" + entry
    lines = before.split("\n")
    if lines and lines[0].startswith("# "):
        head, rest = lines[0], "\n".join(lines[1:]).lstrip("\n")
        return f"{head}\n\n{entry}{rest}"
    return entry + before


# -- reporting --------------------------------------------------------------------


def _report(store: Store, rec: Record, done: handoffs.Completion, warnings: list[str], *,
            as_json: bool) -> None:
    if as_json:
        _print_json({
            "v": RESULT_VERSION, "ok": True, "id": done.id, "commit": done.commit,
            "ref": done.ref, "branch": rec.front.get("branch"),
            "subject": handoff.subject(rec.front), "sessions": done.sessions,
            "transcripts": done.transcripts, "warnings": warnings,
        })
        return
    branch = rec.front.get("branch") or "HEAD"
    print(f"[{branch} {done.commit[:7]}] {handoff.subject(rec.front)}")
    print(f"handoff {done.id}: {handoffs.front_summary(rec.front)}")
    print(f"  note on {done.commit[:12]} (refs/notes/sess), ref {done.ref}")
    for sid, state in done.sessions.items():
        print(f"  session {sid}: " + ("telemetry moved to refs/sess/done/"
                                      if state in ("retired", "done") else state))
    for ref in done.transcripts:
        print(f"  transcript {ref}")
    handoffs.warn(warnings)


def _print_json(doc: dict[str, Any]) -> None:
    json.dump(doc, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def _draft_if_any(store: Store) -> str | None:
    path = handoff.draft_path(store)
    return path if os.path.exists(path) else None


def _rotate_draft(store: Store) -> None:
    path = handoff.draft_path(store)
    with contextlib.suppress(FileNotFoundError):
        os.replace(path, path + "~")


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
    t = trailers.parse_trailers(store.commit(oid).message)
    if trailers.first(t, trailers.SESS_ID) is None:
        raise UsageError(f"commit {oid[:12]} is not a handoff (no Sess-Id trailer)")
    done = handoffs.complete(store, oid, deadline=time.monotonic() + DEADLINE_S)
    if as_json:
        _print_json({"v": RESULT_VERSION, "ok": True, "id": done.id, "commit": done.commit,
                     "ref": done.ref, "sessions": done.sessions,
                     "transcripts": done.transcripts, "warnings": done.warnings})
        return 0
    print(f"handoff {done.id}: note and {done.ref} in place on {oid[:12]}")
    for sid, state in done.sessions.items():
        print(f"  session {sid}: {state}")
    handoffs.warn(done.warnings)
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
    t = trailers.parse_trailers(text, comment)
    if not trailers.has_sess_trailers(t):
        return 0
    hid = trailers.first(t, trailers.SESS_ID) or "(no Sess-Id)"
    try:
        pol = policy.load_policy(store)
        rec, errors, warnings = handoff.compose_for_commit(
            store, text, pol, draft=handoff.read_draft(store), comment=comment)
    except ValidationError as exc:
        _refuse(hid, [exc.message, *exc.problems], exc.hint)
        return int(ExitCode.FAILURE)
    errors += _id_problems(store, rec.front)
    if errors:
        _refuse(hid, errors, None)
        return int(ExitCode.FAILURE)
    handoffs.warn(warnings)
    handoff.write_draft(store, rec)
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


def _id_problems(store: Store, front: dict[str, Any]) -> list[str]:
    """The id must be new: not another commit's handoff, not reserved elsewhere."""
    hid = str(front.get("id") or "")
    if ids.split_id(hid) is None:
        return []
    if _rebasing(store):
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

    git tells its hooks nothing about --amend; on Linux the parent's argv
    says it. Elsewhere a commit reusing the id of the handoff at HEAD is
    taken to be its amendment (post-commit and the pre-push guard still
    catch a copy on top).
    """
    try:
        with open(f"/proc/{os.getppid()}/cmdline", "rb") as fh:
            argv = fh.read().split(b"\0")
    except OSError:
        return True
    return any(a == b"--amend" for a in argv)


def _rebasing(store: Store) -> bool:
    return any(os.path.exists(os.path.join(store.git_dir, d))
               for d in ("rebase-merge", "rebase-apply"))


def post_commit_hook(store: Store, args: list[str], stdin: IO[str]) -> int:
    """Store the record of a handoff commit just made (never fails the commit)."""
    head = store.head().oid
    if head is None:
        return 0
    t = trailers.parse_trailers(store.commit(head).message)
    hid = trailers.first(t, trailers.SESS_ID)
    if hid is None:
        return 0
    parts = ids.split_id(hid)
    found = ids.find(store, hid) if parts is not None else None
    if parts is not None and found is not None and found.commit != head:
        # A rewrite of a recorded handoff (amend, rebase, cherry-pick): git
        # copies the note (notes.rewriteRef) and post-rewrite moves the ref
        # (gitsess.rewrite); a note written here would be concatenated.
        handoff.drop_draft(store, hid)
        if handoffs.amended_from(store, head, parts[0], hid) is None and not _rebasing(store):
            print(f"gitsess: {hid} is recorded on {found.commit[:12]}; this copy is not "
                  "a new handoff", file=sys.stderr)
        return 0
    try:
        done = handoffs.complete(store, head, deadline=time.monotonic() + DEADLINE_S)
    except GitsessError as exc:
        print(f"error: gitsess post-commit: {exc.message}", file=sys.stderr)
        for p in getattr(exc, "problems", []):
            print(f"  - {p}", file=sys.stderr)
        print(f"hint: {exc.hint or 'fix the cause, then run git sess handoff --repair'}",
              file=sys.stderr)
        return int(exc.exit_code)
    handoffs.warn(done.warnings)
    return 0
