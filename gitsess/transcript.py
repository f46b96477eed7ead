"""Agent transcripts archived with a handoff, redacted first (issue 3, section 5).

With the policy's `transcripts: local` or `push` (off is the default), the
handoff's post-commit calls `archive_for_handoff` with the sessions the
handoff covers. Each session's Claude Code transcript (JSONL) is read,
redacted in memory by gitsess.redact, and only then written to git, as a
commit whose tree holds:

    transcript.jsonl    the redacted transcript
    redactions.json     what was removed, by secret type, never the values
                        (schemas/redactions.json)

under one ref per handoff and session:

    refs/sess/local/transcripts/<ID>/<session>   local: refs/sess/local/ is never pushed
    refs/sess/transcripts/<ID>/<session>         push: carried by the sync with refs/sess/*

`TRANSCRIPTS_DIR`, when set, also receives `<ID>.jsonl` (the record id,
`<OPERATOR>-YYMMDD-NN`): the covered sessions' redacted transcripts, one
after the other.

Finding a transcript. Claude Code's hook payload carries `transcript_path`;
telemetry keeps `cwd` and the session id, and Claude Code keeps a session's
transcript at `~/.claude/projects/<cwd, '/' and '.' as '->/<session id>.jsonl`
(`CLAUDE_CONFIG_DIR` replaces `~/.claude`; recent versions turn every
character that is not a letter or digit into '-'). An explicit
`transcript_path` in the session's metadata wins; then both spellings of the
folder; then any project folder holding `<session id>.jsonl`, session ids
being UUIDs.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

from gitsess import telemetry
from gitsess.errors import ValidationError
from gitsess.record import ID_RE
from gitsess.store import Store

SETTINGS = ("off", "local", "push")
LOCAL_PREFIX = "refs/sess/local/transcripts/"
PUSH_PREFIX = "refs/sess/transcripts/"
TRANSCRIPT_FILE = "transcript.jsonl"
REDACTIONS_FILE = "redactions.json"
REDACTIONS_VERSION = 1
# The post-commit's budget for one ref write (contention is unlikely: the
# ref is this handoff's own).
WRITE_DEADLINE_S = 10.0


def archive_for_handoff(
    store: Store,
    record_front: dict[str, Any],
    sessions: list[telemetry.Session],
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
    from gitsess.redact import redact_jsonl  # loads detect-secrets: only when asked

    prefix = LOCAL_PREFIX if setting == "local" else PUSH_PREFIX
    written: list[str] = []
    exported: list[bytes] = []
    for s in sessions:
        name = telemetry.safe_session_name(s.session_id)
        path = find_transcript(s.meta, s.session_id)
        if path is None:
            _warn(f"no transcript found for session {name}; not archived")
            continue
        try:
            with open(path, "rb") as fh:
                raw = fh.read()
        except OSError as exc:
            _warn(f"cannot read the transcript of session {name}: {exc.strerror}")
            continue
        result = redact_jsonl(raw)
        del raw  # nothing unredacted goes further than this function
        ref = f"{prefix}{handoff_id}/{name}"
        summary = {
            "v": REDACTIONS_VERSION,
            "handoff": handoff_id,
            "session": name,
            "redactions": result.counts,
            "detector": _detector(),
        }
        _store(store, ref, result.data, summary)
        written.append(ref)
        exported.append(result.data if result.data.endswith(b"\n") else result.data + b"\n")
    export_dir = os.environ.get("TRANSCRIPTS_DIR")
    if export_dir and exported:
        export(os.path.join(export_dir, f"{handoff_id}.jsonl"), b"".join(exported))
    return written


def find_transcript(meta: dict[str, Any], session_id: str) -> str | None:
    """The path of a session's Claude Code transcript, or None."""
    explicit = meta.get("transcript_path")
    if isinstance(explicit, str) and os.path.isfile(explicit):
        return explicit
    raw = meta.get("raw_session_id") or meta.get("session_id") or session_id
    # Only a safe id (telemetry stores the raw id only when it is one) may
    # become a file name: no '/' or '..' from a payload reaches the path.
    if not isinstance(raw, str) or telemetry.safe_session_name(raw) != raw:
        return None
    root = projects_dir()
    for folder in _project_folders(meta):
        path = os.path.join(root, folder, f"{raw}.jsonl")
        if os.path.isfile(path):
            return path
    try:
        folders = sorted(os.listdir(root))
    except OSError:
        return None
    for folder in folders:
        path = os.path.join(root, folder, f"{raw}.jsonl")
        if os.path.isfile(path):
            return path
    return None


def projects_dir() -> str:
    base = os.environ.get("CLAUDE_CONFIG_DIR") or os.path.join(os.path.expanduser("~"), ".claude")
    return os.path.join(base, "projects")


def project_folder(cwd: str) -> str:
    """Claude Code's folder name for a working directory ('/a/b.c' -> '-a-b-c')."""
    return re.sub(r"[/.]", "-", cwd)


def _project_folders(meta: dict[str, Any]) -> Iterator[str]:
    seen: set[str] = set()
    for key in ("cwd", "worktree"):
        cwd = meta.get(key)
        if not isinstance(cwd, str) or not cwd:
            continue
        for folder in (project_folder(cwd), re.sub(r"[^A-Za-z0-9]", "-", cwd)):
            if folder not in seen:
                seen.add(folder)
                yield folder


def _store(store: Store, ref: str, data: bytes, summary: dict[str, Any]) -> str | None:
    blob = store.write_blob(data)
    meta_blob = store.write_blob((json.dumps(summary, indent=2, sort_keys=True) + "\n").encode())
    tree = store.write_tree({TRANSCRIPT_FILE: ("blob", blob), REDACTIONS_FILE: ("blob", meta_blob)})
    total = sum(summary["redactions"].values())
    message = (
        f"transcript({summary['handoff']}): session {summary['session']}\n\n"
        f"Redacted before storing: {total} secret(s) removed.\n"
    )

    def compute(old: str | None) -> str | None:
        if old is not None and store.commit(old).tree == tree:
            return old
        return store.write_commit(tree, [old] if old else [], message)

    return store.update_ref(ref, compute, deadline=time.monotonic() + WRITE_DEADLINE_S)


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
