"""Legacy session documents -> git-native handoff records (issue 4, section 5).

A legacy document is markdown with YAML front matter, named `CONV-*.md` or
`<OP>-YYMMDD-NN.md`, usually in `docs/sessions/`. Each becomes what a real
handoff leaves behind, so that resume, log and show read it like any other:

* a commit made directly (on no branch) whose tree holds the original
  document, subject `handoff(<ws>): <title>` (or the policy's `subject:`),
  trailers Sess-Id, Sess-Operator, Sess-Workstream and Sess-Phase, commit time = the record's ended_at;
* the record as the note on it in refs/notes/sess (compare-and-swap);
* the ref refs/sess/h/<op>/<id> (created by compare-and-swap).

The mapping of a document onto the handoff schema is gitsess.handoff.legacy's; the
record is validated by gitsess.handoff.record, as any handoff. A document without
an id of its own gets `<op>-<YYMMDD of started_at>-<NN>`, the first NN
free; one without an operator (none in front matter or file name, no
--operator) is skipped.

Idempotence. A document is already imported when its id's ref exists and
that commit's tree holds a file of the document's name; for an allocated
id, when any ref of the same operator and day does. A ref of that id
holding another document is a conflict and is reported, never overwritten.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from typing import Any

from gitsess import refs
from gitsess.errors import RefError, ValidationError
from gitsess.handoff import subject as subject_line
from gitsess.handoff.identity import OPERATOR_RE
from gitsess.handoff.legacy import CONV, to_record
from gitsess.handoff.record import ID_RE, Record, render, validate
from gitsess.handoff.record import split_front_matter as split
from gitsess.store import Store
from gitsess.ui.timefmt import iso

NOTE_DEADLINE_S = 10.0
SKIP_DIRS = frozenset({".git", "node_modules", "__pycache__"})


@dataclass
class Outcome:
    """What became of one document (schemas/import-report.json, documents[])."""

    path: str
    status: str = "invalid"  # imported | skipped | invalid
    reason: str | None = None
    problems: list[str] = field(default_factory=list)
    id: str | None = None
    operator: str | None = None
    title: str | None = None
    ref: str | None = None
    commit: str | None = None

    def view(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class _Doc:
    outcome: Outcome
    name: str  # file name, as kept in the commit's tree
    raw: bytes
    record: Record
    id_given: bool  # id from front matter or file name (not allocated)


def find_documents(directory: str) -> list[str]:
    """Legacy documents under `directory` (or its docs/sessions), sorted."""
    base = os.path.join(directory, "docs", "sessions")
    if not os.path.isdir(base):
        base = directory
    found = []
    for dirpath, dirnames, files in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        found += [os.path.join(dirpath, f) for f in files if is_document(f)]
    return sorted(found)


def is_document(name: str) -> bool:
    return bool(CONV.match(name)) or (name.endswith(".md") and bool(ID_RE.match(name[:-3])))


def import_documents(
    store: Store,
    directory: str,
    *,
    operator: str | None = None,
    dry_run: bool = False,
    now_ms: int | None = None,
) -> list[Outcome]:
    """Import every legacy document under `directory`; one Outcome each, in path order."""
    at = iso(now_ms if now_ms is not None else time.time() * 1000)
    docs: list[_Doc] = []
    outcomes: list[Outcome] = []
    for path in find_documents(directory):
        doc = _read(path, _display(store, directory, path), operator, str(at))
        outcomes.append(doc.outcome if isinstance(doc, _Doc) else doc)
        if isinstance(doc, _Doc):
            docs.append(doc)
    taken = store.refs(refs.HANDOFFS)
    claimed: dict[str, list[str]] = {}  # id -> the documents that name it
    for d in docs:
        if d.id_given:
            claimed.setdefault(d.record.id, []).append(d.outcome.path)
    placed: dict[str, str] = {}  # ref -> document name, for refs made in this run
    for doc in docs:
        if _place(store, doc, taken, claimed, placed):
            _check(doc)
        out = doc.outcome
        if out.status != "imported" or out.ref is None:
            continue
        placed[out.ref] = doc.name
        taken[out.ref] = ""  # taken; the commit is written below (or not, in a dry run)
        if dry_run:
            continue
        try:
            _write(store, doc)
        except RefError as exc:  # another import made the same ref meanwhile
            out.status, out.reason, out.problems = "invalid", exc.message, ["id: ref exists"]
    return outcomes


# -- reading --------------------------------------------------------------------


def _display(store: Store, directory: str, path: str) -> str:
    """The path a report shows and `imported.source` keeps: repo-relative when inside."""
    # The path as found (a symlink's own name), in its real directory.
    full = os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))
    for root in (store.workdir, directory):
        if root:
            rel = os.path.relpath(full, os.path.realpath(root))
            if not rel.startswith(".."):
                return rel.replace(os.sep, "/")
    return full


def _read(path: str, shown: str, operator: str | None, at: str) -> _Doc | Outcome:
    out = Outcome(shown)
    if os.path.islink(path):  # its target may be anywhere (/etc/passwd): never read into git
        out.status, out.reason = "skipped", "a symbolic link: not followed"
        return out
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        out.reason = f"cannot read: {exc.strerror or exc}"
        return out
    try:
        text = raw.decode("utf-8")
        bad = raw.find(b"\0")  # valid UTF-8, but binary all the same
    except UnicodeDecodeError as exc:
        bad = exc.start
    if bad >= 0:
        out.reason = f"not a UTF-8 text document (byte {raw[bad]:#04x} at offset {bad})"
        return out
    try:
        legacy, body, _ = split(text)
    except ValidationError as exc:
        out.reason = exc.message  # names the line (gitsess.handoff.record.split_front_matter)
        return out
    name = os.path.basename(path)
    try:
        rec, id_given = to_record(legacy, body, name=name, source=shown, at=at, operator=operator)
    except ValidationError as exc:
        out.reason, out.problems = exc.message, exc.problems
        return out
    out.id, out.operator, out.title = rec.id or None, rec.front.get("operator"), rec.front["title"]
    if not out.operator:
        out.status = "skipped"
        out.reason = "no operator: none in front matter or file name; pass --operator"
        return out
    return _Doc(out, name, raw, rec, id_given)


# -- placing, checking, writing ------------------------------------------------


def _place(
    store: Store,
    doc: _Doc,
    taken: dict[str, str],
    claimed: dict[str, list[str]],
    placed: dict[str, str],
) -> bool:
    """Give the document its id and ref; False when it is skipped or in conflict."""
    out, rec = doc.outcome, doc.record
    op = str(rec.front["operator"])
    if not OPERATOR_RE.match(op):
        return True  # the schema check names the field
    if doc.id_given:
        ref = refs.handoff(op, rec.id)
        others = [p for p in claimed.get(rec.id, []) if p != out.path]
        if others:  # which one is right is for a person to say
            out.reason = f"id {rec.id} is also the id of {', '.join(others)}"
            out.problems = [f"id: {rec.id} is used by {len(others) + 1} documents"]
            return False
        if ref in taken:
            if _holds(store, taken[ref], doc.name, placed.get(ref)):
                out.status, out.reason, out.ref = "skipped", "already imported", ref
                out.commit = None if ref in placed else taken[ref]
            else:
                out.reason = f"id {rec.id} is already used by another handoff ({ref})"
                out.problems = [f"id: {rec.id} already names another handoff"]
            return False
        out.ref = ref
        return True
    started = rec.front.get("started_at")
    if not started:
        return True  # the schema check names started_at
    day = f"{started[2:4]}{started[5:7]}{started[8:10]}"
    prefix = refs.handoff(op, f"{op}-{day}-")
    for ref in sorted(r for r in taken if r.startswith(prefix)):
        if _holds(store, taken[ref], doc.name, placed.get(ref)):
            out.status, out.reason, out.ref = "skipped", "already imported", ref
            out.id = ref.rsplit("/", 1)[1]
            out.commit = None if ref in placed else taken[ref]
            return False
    n = 1
    while f"{prefix}{n:02d}" in taken or f"{op}-{day}-{n:02d}" in claimed:
        n += 1
    rec.front["id"] = out.id = f"{op}-{day}-{n:02d}"
    out.ref = prefix + f"{n:02d}"
    return True


def _holds(store: Store, commit: str, name: str, placed: str | None) -> bool:
    """Whether a handoff commit's tree holds a document of this name (ours, imported)."""
    if placed is not None:  # a ref this run made (or, in a dry run, would make)
        return placed == name
    try:
        return store.tree_file(commit, name) is not None
    except Exception:  # not a commit we can read: someone else's
        return False


def _check(doc: _Doc) -> None:
    rec, out = doc.record, doc.outcome
    problems = validate(rec, quick=bool(rec.front.get("quick")))
    if problems:
        out.status, out.reason, out.problems = "invalid", "record is invalid", problems
        out.ref = None
    else:
        out.status, out.reason = "imported", None


def commit_message(front: dict[str, Any], template: str = subject_line.DEFAULT) -> str:
    trailers = [
        f"Sess-Id: {front['id']}",
        f"Sess-Operator: {front['operator']}",
        f"Sess-Workstream: {front['workstream']}",
    ]
    if front.get("phase"):
        trailers.append(f"Sess-Phase: {' '.join(str(front['phase']).split())}")
    source = front["imported"]["source"]
    return (
        f"{subject_line.render(template, front)}\n\n"
        f"Imported from {source} by git sess import.\n\n" + "\n".join(trailers) + "\n"
    )


def _write(store: Store, doc: _Doc) -> None:
    """Commit, note, then ref: a failure before the ref leaves nothing a re-run trips on."""
    rec, out = doc.record, doc.outcome
    tree = store.write_tree({doc.name: ("blob", store.write_blob(doc.raw))})
    when = dt.datetime.fromisoformat(str(rec.front["ended_at"]).replace("Z", "+00:00"))
    commit = store.write_commit(tree, [], commit_message(rec.front, subject_line.template_of(store)), when=when.timestamp())
    store.set_note(commit, render(rec), deadline=time.monotonic() + NOTE_DEADLINE_S)
    store.cas_ref(str(out.ref), commit, None)
    out.commit = commit
