"""The one gate between a session's telemetry and a file on this machine.

A session ref can name files: `session.json` keeps the agent's `cwd`, and
session refs travel between clones, so a teammate with push rights can write
any value there (`transcript_path: ~/.ssh/id_rsa` included), and anyone can
put a symbolic link where a transcript is looked for. A handoff must never
archive such a file into git (issue 9, deliverable 4), nor may reconciliation
(issue 11) count one. Every path read on behalf of a session therefore goes
through `session_transcript` (read it whole) or `transcript_path` (for
readers that stream it) here:

1. Only a session this clone recorded. Its ref is under `refs/sess/live/`
   or `refs/sess/done/` (a fetched one is under `refs/sess/remotes/`), and
   its marker `refs/sess/local/own/<session>` exists: telemetry's writer
   creates the marker when it creates the session's ref, and
   `refs/sess/local/` is never pushed or fetched, so no peer can make one.
   A session recorded before the markers existed has none and is refused
   too (its transcript is simply not archived).
2. Only the path this machine's hook recorded: the payload's
   `transcript_path`, kept in the marker itself, a blob
   `{"v": 1, "transcript_path": <str or null>}` (a machine path stays
   local: session.json, which is pushed, never holds it; issue 9,
   deliverable 5); or the path Claude Code keeps it at under its transcript
   directory (`~/.claude/projects/<folder>/<session id>.jsonl`,
   gitsess.transcripts.archive). A path outside the agent's directory that the hook
   recorded is read as the agent gave it.
3. Only a regular file, never through a symbolic link: below the agent's
   directory every component is opened with O_NOFOLLOW relative to the one
   before it (a link anywhere below fails), the file itself with O_NOFOLLOW
   and O_NONBLOCK (a FIFO cannot hang us), and fstat must say regular. The
   agent's directory itself may be a link (dotfiles often are); it is the
   user's own configuration, not a session's.

`NotAllowed` carries the reason, for a warning or a refusal.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from gitsess import refs
from gitsess.errors import GitsessError
from gitsess.store import Store
from gitsess.telemetry import event, readers, writer

# A transcript larger than this is not archived (redaction costs ~0.6 s/MB).
MAX_BYTES = 256 << 20
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
# open(2) with O_NOFOLLOW fails on a link with ELOOP (Linux, macOS) or EMLINK (FreeBSD).
_LINK_ERRNOS = (errno.ELOOP, errno.EMLINK)
# The marker is written by this clone's hook: a few hundred bytes. Anything
# larger was not, and is not parsed. The path is capped like the adapters'.
_MARKER_BYTES = 16 << 10
_PATH_CHARS = 4096


class NotAllowed(Exception):
    """A session or file gitsess will not read; the message says why."""


@dataclass
class Transcript:
    path: str
    data: bytes


def not_recorded_here(store: Store, s: readers.Session) -> str | None:
    """Why `s` is not a session this clone recorded; None when it is."""
    name = s.ref.rsplit("/", 1)[-1]
    if not s.ref.startswith((refs.LIVE, refs.DONE)):
        where = s.ref.split("/")[3] if s.ref.startswith("refs/sess/remotes/") else s.ref
        return (f"session {name} was recorded by another clone: its telemetry was fetched "
                f"from remote {where} ({s.ref})")
    if store.ref(refs.OWN + name) is None:
        return (f"session {name} was not recorded by this clone's hooks (no "
                f"{refs.OWN}{name}: fetched into {s.ref}, made by hand, or recorded "
                "before gitsess kept that mark)")
    return None


def session_transcript(store: Store, s: readers.Session, *,
                       limit: int = MAX_BYTES) -> Transcript | None:
    """The transcript of session `s`, read through the gate above.

    None when no transcript is found; NotAllowed (with the reason) when the
    session is not this clone's or a candidate file is refused.
    """
    reason = not_recorded_here(store, s)
    if reason is not None:
        raise NotAllowed(reason)
    refused: list[str] = []
    for path in candidates(_recorded(store, s), _local_meta(store, s), s.session_id):
        try:
            data = read_regular(path, limit=limit)
        except FileNotFoundError:
            continue
        except NotAllowed as exc:
            refused.append(str(exc))
            continue
        except OSError as exc:
            refused.append(f"{path}: {exc.strerror or exc}")
            continue
        return Transcript(path, data)
    if refused:
        raise NotAllowed("; ".join(dict.fromkeys(refused)))
    return None


def transcript_path(store: Store, s: readers.Session) -> str | None:
    """The gated path of session `s`'s transcript, for a reader that streams it.

    The same gate as `session_transcript`, without reading the file: None
    when the session is not this clone's, or no candidate is a regular file
    reached through no link. The reader opens it again with O_NOFOLLOW
    (gitsess.transcripts.agentlogs), so a file swapped for a link meanwhile is not read.
    """
    if not_recorded_here(store, s) is not None:
        return None
    for path in candidates(_recorded(store, s), _local_meta(store, s), s.session_id):
        try:
            os.close(open_regular(path))
        except (NotAllowed, OSError):
            continue
        return path
    return None


def _local_meta(store: Store, s: readers.Session) -> dict[str, Any]:
    """The session's metadata with cwd and worktree absolute in this clone:
    session.json keeps them relative to the repository (gitsess.telemetry.paths), and
    Claude Code names its project folder after the absolute cwd."""
    from gitsess.telemetry import paths

    return {**s.meta, "cwd": paths.from_repo(store, s.meta.get("cwd")),
            "worktree": paths.from_repo(store, s.meta.get("worktree"))}


def _recorded(store: Store, s: readers.Session) -> str | None:
    oid = store.ref(refs.OWN + s.ref.rsplit("/", 1)[-1])
    return recorded_transcript(store, oid) if oid is not None else None


def recorded_transcript(store: Store, marker: str) -> str | None:
    """The transcript path the own-session marker blob `marker` holds.

    None when it holds none, or is not a marker this version wrote (a commit,
    as markers once were, or anything malformed or oversized)."""
    try:
        raw = store.read_blob(marker)
    except (GitsessError, KeyError, ValueError):
        return None
    if len(raw) > _MARKER_BYTES:
        return None
    try:
        doc = json.loads(raw)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
        return None
    if not isinstance(doc, dict) or doc.get("v") != writer.OWN_VERSION:
        return None
    path = doc.get("transcript_path")
    if not isinstance(path, str) or len(path) > _PATH_CHARS:
        return None
    return path


def candidates(recorded: str | None, meta: dict[str, Any],
               session_id: str) -> Iterator[str]:
    """Where a session's transcript may be, best first (nothing is opened here).

    `recorded` is the path this clone's hook recorded (the marker's), if any;
    `meta` (session.json) only names the folders Claude Code would use."""
    from gitsess.transcripts.archive import project_folders, projects_dir

    if recorded and os.path.isabs(recorded) and "\0" not in recorded:
        yield recorded
    raw = meta.get("raw_session_id") or meta.get("session_id") or session_id
    # Only a safe id (telemetry stores the raw id only when it is one) may
    # become a file name: no '/' or '..' from a payload reaches the path.
    if not isinstance(raw, str) or event.safe_session_name(raw) != raw:
        return
    root = projects_dir()
    seen: set[str] = set()
    for folder in project_folders(meta):
        seen.add(folder)
        yield os.path.join(root, folder, f"{raw}.jsonl")
    try:
        folders = sorted(os.listdir(root))
    except OSError:
        return
    for folder in folders:
        if folder not in seen:
            yield os.path.join(root, folder, f"{raw}.jsonl")


def read_regular(path: str, *, limit: int = MAX_BYTES) -> bytes:
    """The bytes of the regular file `path`, never through a symbolic link.

    FileNotFoundError when it is not there, NotAllowed when it is refused
    (see `open_regular`) or larger than `limit`.
    """
    with os.fdopen(open_regular(path), "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise NotAllowed(f"{path} is larger than {limit >> 20} MB")
    return data


def open_regular(path: str) -> int:
    """A read-only descriptor of the regular file `path`, never through a link.

    Below the agent's transcript directory every component is checked;
    elsewhere (a path the agent gave) the file itself. FileNotFoundError
    when it is not there, NotAllowed when it is refused. The caller closes it.
    """
    from gitsess.transcripts.archive import projects_dir

    path = os.path.normpath(path)
    root = os.path.normpath(projects_dir())
    rel = os.path.relpath(path, root) if path.startswith(root + os.sep) else None
    if rel is not None and not rel.startswith(".."):
        folder, parts = root, rel.split(os.sep)
    else:
        folder, parts = os.path.dirname(path), [os.path.basename(path)]
    dir_fd = os.open(folder, os.O_RDONLY | _DIRECTORY)
    try:
        for part in parts[:-1]:
            try:
                nxt = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=dir_fd)
            except OSError as exc:
                if exc.errno in (*_LINK_ERRNOS, errno.ENOTDIR):
                    raise NotAllowed(f"{path}: {part} is a symbolic link or not a "
                                     "directory; not followed") from None
                raise
            os.close(dir_fd)
            dir_fd = nxt
        try:
            fd = os.open(parts[-1], os.O_RDONLY | _NOFOLLOW | _NONBLOCK, dir_fd=dir_fd)
        except OSError as exc:
            if exc.errno in _LINK_ERRNOS:
                raise NotAllowed(f"{path} is a symbolic link; not followed") from None
            raise
    finally:
        os.close(dir_fd)
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        os.close(fd)
        raise
    if not regular:
        os.close(fd)
        raise NotAllowed(f"{path} is not a regular file")
    return fd
