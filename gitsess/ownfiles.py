"""The one gate between a session's telemetry and a file on this machine.

A session ref can name files: `session.json` keeps the agent's `cwd` and
(gitsess.telemetry, issue 11) the payload's `transcript_path`. Session refs
also travel between clones, so a teammate with push rights can write any
value there, `transcript_path: ~/.ssh/id_rsa` included, and anyone can put
a symbolic link where a transcript is looked for. A handoff must never
archive such a file into git (issue 9, deliverable 4). Every path read on
behalf of a session therefore goes through `session_transcript` here:

1. Only a session this clone recorded. Its ref is under `refs/sess/live/`
   or `refs/sess/done/` (a fetched one is under `refs/sess/remotes/`), and
   its marker `refs/sess/local/own/<session>` exists: telemetry's writer
   creates the marker when it creates the session's ref, and
   `refs/sess/local/` is never pushed or fetched, so no peer can make one.
   A session recorded before the markers existed has none and is refused
   too (its transcript is simply not archived).
2. Only the path this machine's hook recorded (the agent's own
   `transcript_path`, from a session.json that this clone wrote), or the
   path Claude Code keeps it at under its transcript directory
   (`~/.claude/projects/<folder>/<session id>.jsonl`, gitsess.transcript).
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
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from gitsess import telemetry
from gitsess.store import Store

# A transcript larger than this is not archived (redaction costs ~0.6 s/MB).
MAX_BYTES = 256 << 20
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
# open(2) with O_NOFOLLOW fails on a link with ELOOP (Linux, macOS) or EMLINK (FreeBSD).
_LINK_ERRNOS = (errno.ELOOP, errno.EMLINK)


class NotAllowed(Exception):
    """A session or file gitsess will not read; the message says why."""


@dataclass
class Transcript:
    path: str
    data: bytes


def not_recorded_here(store: Store, s: telemetry.Session) -> str | None:
    """Why `s` is not a session this clone recorded; None when it is."""
    name = s.ref.rsplit("/", 1)[-1]
    if not s.ref.startswith((telemetry.LIVE, telemetry.DONE)):
        where = s.ref.split("/")[3] if s.ref.startswith("refs/sess/remotes/") else s.ref
        return (f"session {name} was recorded by another clone: its telemetry was fetched "
                f"from remote {where} ({s.ref})")
    if store.ref(telemetry.OWN + name) is None:
        return (f"session {name} was not recorded by this clone's hooks (no "
                f"{telemetry.OWN}{name}: fetched into {s.ref}, made by hand, or recorded "
                "before gitsess kept that mark)")
    return None


def session_transcript(store: Store, s: telemetry.Session, *,
                       limit: int = MAX_BYTES) -> Transcript | None:
    """The transcript of session `s`, read through the gate above.

    None when no transcript is found; NotAllowed (with the reason) when the
    session is not this clone's or a candidate file is refused.
    """
    reason = not_recorded_here(store, s)
    if reason is not None:
        raise NotAllowed(reason)
    refused: list[str] = []
    for path in candidates(s.meta, s.session_id):
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


def candidates(meta: dict[str, Any], session_id: str) -> Iterator[str]:
    """Where a session's transcript may be, best first (nothing is opened here)."""
    from gitsess.transcript import project_folders, projects_dir

    explicit = meta.get("transcript_path")
    if isinstance(explicit, str) and os.path.isabs(explicit) and "\0" not in explicit:
        yield explicit
    raw = meta.get("raw_session_id") or meta.get("session_id") or session_id
    # Only a safe id (telemetry stores the raw id only when it is one) may
    # become a file name: no '/' or '..' from a payload reaches the path.
    if not isinstance(raw, str) or telemetry.safe_session_name(raw) != raw:
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

    Below the agent's transcript directory every component is checked;
    elsewhere (a path the agent gave) the file itself. FileNotFoundError
    when it is not there, NotAllowed when it is refused.
    """
    from gitsess.transcript import projects_dir

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
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise NotAllowed(f"{path} is not a regular file")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise NotAllowed(f"{path} is larger than {limit >> 20} MB")
    return data
