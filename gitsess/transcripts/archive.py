"""Agent transcripts archived with a handoff, redacted first (issue 3, section 5).

With the policy's `transcripts: local` or `push` (off is the default), the
handoff's post-commit calls `archive_for_handoff` with the sessions the
handoff covers. Each session's Claude Code transcript (JSONL) is read,
redacted in memory by gitsess.transcripts.redact, and only then written to git, as a
commit whose tree holds:

    transcript.jsonl    the redacted transcript
    redactions.json     what was removed from it, by secret type, never the
                        values (schemas/redactions.json)
    subagents/agent-<id>.jsonl
                        the session's subagent transcripts, redacted alike
    subagents.json      which those are, what was removed from each, and
                        which were left out and why (schemas/subagents.json)

under one ref per handoff and session:

    refs/sess/local/transcripts/<ID>/<session>   local: refs/sess/local/ is never pushed
    refs/sess/transcripts/<ID>/<session>         push: carried by the sync with refs/sess/*

`subagents/` and `subagents.json` appear only when the session has subagent
transcripts (gitsess.transcripts.subagents finds them): an archive without them reads as
before, and one with them adds to what an older reader reads, never changes it.

`TRANSCRIPTS_DIR`, when set, also receives `<ID>.jsonl` (the record id,
`<OPERATOR>-YYMMDD-NN`): the covered sessions' redacted transcripts, one
after the other, each followed by its subagents' (their lines carry
`isSidechain: true` and `agentId`).

Finding a transcript. Claude Code's hook payload carries `transcript_path`;
the hook keeps it in the session's local own-session marker (gitsess.transcripts.ownfiles),
session.json keeps `cwd` and the session id, and Claude Code keeps a session's
transcript at `~/.claude/projects/<cwd, '/' and '.' as '->/<session id>.jsonl`
(`CLAUDE_CONFIG_DIR` replaces `~/.claude`; recent versions turn every
character that is not a letter or digit into '-'). The recorded
`transcript_path` wins; then both spellings of the
folder; then any project folder holding `<session id>.jsonl`, session ids
being UUIDs. Whichever it is, it is read only through gitsess.transcripts.ownfiles: a
session this clone recorded, a regular file, never through a symbolic link.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from gitsess.errors import ValidationError
from gitsess.handoff.record import ID_RE
from gitsess.store import Store
from gitsess.telemetry import event, readers
from gitsess.transcripts import ownfiles
from gitsess.transcripts.subagents import MAX_SUBAGENTS, Found, find_subagents

if TYPE_CHECKING:
    from gitsess.transcripts.redact import Result

SETTINGS = ("off", "local", "push")
LOCAL_PREFIX = "refs/sess/local/transcripts/"
PUSH_PREFIX = "refs/sess/transcripts/"
TRANSCRIPT_FILE = "transcript.jsonl"
REDACTIONS_FILE = "redactions.json"
REDACTIONS_VERSION = 1
SUBAGENTS_DIR = "subagents"
SUBAGENTS_FILE = "subagents.json"
SUBAGENTS_VERSION = 1
# The post-commit's budget for one ref write (contention is unlikely: the
# ref is this handoff's own).
WRITE_DEADLINE_S = 10.0


def archive_for_handoff(
    store: Store,
    record_front: dict[str, Any],
    sessions: list[readers.Session],
    setting: str,
) -> list[str]:
    """Archive the covered sessions' transcripts; returns the refs written.

    `setting` is the policy's transcripts value: 'off' does nothing, 'local'
    and 'push' pick the ref namespace. A session whose transcript cannot be
    found or read is skipped with a warning on stderr (a handoff must not
    fail for it). Re-running is idempotent: an unchanged transcript leaves
    its ref alone, a longer one becomes a child commit of the last.
    """
    if setting not in SETTINGS:
        raise ValidationError(
            f"unknown transcripts setting '{setting}'", hint="use off, local or push"
        )
    if setting == "off" or not sessions:
        return []
    handoff_id = str(record_front.get("id") or "")
    if not ID_RE.match(handoff_id):
        raise ValidationError(f"cannot archive transcripts: bad handoff id '{handoff_id}'")
    prefix = LOCAL_PREFIX if setting == "local" else PUSH_PREFIX
    written: list[str] = []
    exported: list[bytes] = []
    for s in sessions:
        name = event.safe_session_name(s.session_id)
        # The one gate for any file a session names (gitsess.transcripts.ownfiles): only
        # this clone's sessions, only regular files, never through a link.
        try:
            found = ownfiles.session_transcript(store, s)
        except ownfiles.NotAllowed as exc:
            _warn(f"transcript of session {name} not archived: {exc}")
            continue
        if found is None:
            _warn(f"no transcript found for session {name}; not archived")
            continue
        ref = f"{prefix}{handoff_id}/{name}"
        stored = _archive_session(store, ref, handoff_id, name, found.path, found.data)
        if stored is not None:
            written.append(ref)
            exported.extend(stored)
    export_dir = os.environ.get("TRANSCRIPTS_DIR")
    if export_dir and exported:
        export(os.path.join(export_dir, f"{handoff_id}.jsonl"), b"".join(exported))
    return written


def _archive_session(
    store: Store, ref: str, handoff_id: str, name: str, path: str, raw: bytes
) -> list[bytes] | None:
    """Redact and store one session's transcript (`raw`, read from `path`) and
    its subagents'; returns what was stored (for TRANSCRIPTS_DIR)."""
    from gitsess.transcripts.redact import (
        redact_jsonl_many,  # loads detect-secrets: only when asked
    )

    found = find_subagents(path)
    for skip in found.skipped:
        _warn(f"subagent transcript {skip['file']} of session {name} not archived: "
              f"{skip['reason']}")
    if found.omitted:
        _warn(f"{found.omitted} subagent transcript(s) of session {name} past the first "
              f"{MAX_SUBAGENTS} not archived")
    main, *agents = redact_jsonl_many([raw, *found.data])
    del raw  # nothing unredacted goes further than this function
    found.data.clear()
    summary = {
        "v": REDACTIONS_VERSION,
        "handoff": handoff_id,
        "session": name,
        "redactions": main.counts,
        "detector": _detector(),
    }
    files = {a.name: r.data for a, r in zip(found.agents, agents, strict=True)}
    manifest = None
    if files or found.skipped or found.omitted:
        manifest = _manifest(summary, found, agents)
    _store(store, ref, main.data, summary, files, manifest)
    return [_line_ended(x) for x in (main.data, *files.values())]


def find_transcript(meta: dict[str, Any], session_id: str) -> str | None:
    """The path of a session's Claude Code transcript, or None (a symbolic
    link is never one). Archiving reads it through gitsess.transcripts.ownfiles instead,
    which also asks whose session it is."""
    for path in ownfiles.candidates(None, meta, session_id):
        try:
            if stat.S_ISREG(os.lstat(path).st_mode):
                return path
        except OSError:
            continue
    return None


def projects_dir() -> str:
    base = os.environ.get("CLAUDE_CONFIG_DIR") or os.path.join(os.path.expanduser("~"), ".claude")
    return os.path.join(base, "projects")


def project_folder(cwd: str) -> str:
    """Claude Code's folder name for a working directory ('/a/b.c' -> '-a-b-c')."""
    return re.sub(r"[/.]", "-", cwd)


def project_folders(meta: dict[str, Any]) -> Iterator[str]:
    """Claude Code's folder names for a session's cwd and worktree, both spellings."""
    seen: set[str] = set()
    for key in ("cwd", "worktree"):
        cwd = meta.get(key)
        if not isinstance(cwd, str) or not cwd:
            continue
        for folder in (project_folder(cwd), re.sub(r"[^A-Za-z0-9]", "-", cwd)):
            if folder not in seen:
                seen.add(folder)
                yield folder


def _manifest(summary: dict[str, Any], found: Found, results: list[Result]) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "v": SUBAGENTS_VERSION,
        "handoff": summary["handoff"],
        "session": summary["session"],
        "agents": [
            {"file": f"{SUBAGENTS_DIR}/{a.name}", "layout": a.layout, "redactions": r.counts}
            for a, r in zip(found.agents, results, strict=True)
        ],
        "skipped": found.skipped,
        "detector": summary["detector"],
    }
    if found.omitted:
        manifest["omitted"] = found.omitted
    return manifest


def _dumps(value: dict[str, Any]) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True) + "\n").encode()


def _store(
    store: Store,
    ref: str,
    data: bytes,
    summary: dict[str, Any],
    subagents: dict[str, bytes] | None = None,
    manifest: dict[str, Any] | None = None,
) -> str | None:
    entries = {
        TRANSCRIPT_FILE: ("blob", store.write_blob(data)),
        REDACTIONS_FILE: ("blob", store.write_blob(_dumps(summary))),
    }
    if subagents:
        sub = {name: ("blob", store.write_blob(body)) for name, body in subagents.items()}
        entries[SUBAGENTS_DIR] = ("tree", store.write_tree(sub))
    if manifest is not None:
        entries[SUBAGENTS_FILE] = ("blob", store.write_blob(_dumps(manifest)))
    tree = store.write_tree(entries)
    total = sum(summary["redactions"].values())
    if manifest is not None:
        total += sum(sum(a["redactions"].values()) for a in manifest["agents"])
    message = (
        f"transcript({summary['handoff']}): session {summary['session']}\n\n"
        f"Redacted before storing: {total} secret(s) removed.\n"
    )
    if subagents:
        message += f"Subagent transcripts: {len(subagents)}.\n"

    def compute(old: str | None) -> str | None:
        if old is not None and store.commit(old).tree == tree:
            return old
        return store.write_commit(tree, [old] if old else [], message)

    return store.update_ref(ref, compute, deadline=time.monotonic() + WRITE_DEADLINE_S)


def _line_ended(data: bytes) -> bytes:
    return data if not data or data.endswith(b"\n") else data + b"\n"


def export(path: str, data: bytes) -> None:
    """Write `path` atomically (a reader never sees half a transcript)."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".gitsess-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _detector() -> str:
    try:
        from detect_secrets.__version__ import VERSION

        return f"detect-secrets {VERSION}"
    except ImportError:  # pragma: no cover - a declared dependency
        return "detect-secrets"


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)
