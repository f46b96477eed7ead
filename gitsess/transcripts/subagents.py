"""A session's subagent transcripts, found on disk beside its own.

A subagent (the Task or Agent tool, a workflow) writes its own JSONL beside
the main transcript. Claude Code 2.1.2 and later: in
`<session id>/subagents/agent-<agent id>.jsonl`, one flat folder whatever
the nesting (next to an `agent-<id>.meta.json` we do not read). Earlier 2.x:
in the project folder itself as `agent-<agent id>.jsonl`, whose lines name
the parent session in `sessionId`. 1.x wrote sidechain lines
(`isSidechain: true`) into the main transcript, which is archived anyway.

The SubagentStop hook's `agent_transcript_path` names the same files; we
find them from the main transcript's folder instead, so that no path from a
payload is ever opened. Only `agent-<id>.jsonl` names are taken, never
through a symbolic link and only from regular files, in bounded number and
size (MAX_SUBAGENTS, SUBAGENT_MAX_BYTES, SUBAGENTS_MAX_BYTES, LEGACY_PROBES);
what is left out is named in subagents.json and on stderr. Compaction's
`agent-acompact-*` files are left out too: they repeat the conversation to
summarise it.
"""

from __future__ import annotations

import errno
import heapq
import os
import re
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

from gitsess.telemetry import event

# Claude Code's folder for them, below `<session id>/`.
FOLDER = "subagents"
# Bounds on what one session's subagents may add (redaction costs ~0.6 s/MB).
MAX_SUBAGENTS = 256
SUBAGENT_MAX_BYTES = 64 << 20
SUBAGENTS_MAX_BYTES = 256 << 20
# Before 2.1.2, every session's agent files sat in the project folder: at
# most this many are opened, and only their first PROBE_BYTES read, to learn
# whose they are.
LEGACY_PROBES = 2000
PROBE_BYTES = 8 << 10
_AGENT_FILE = re.compile(r"agent-([A-Za-z0-9][A-Za-z0-9_-]{0,127})\.jsonl")
_COMPACTION = "agent-acompact-"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO named agent-x.jsonl must not hang us
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
# open(2) with O_NOFOLLOW fails on a link with ELOOP (Linux, macOS) or EMLINK (FreeBSD).
_LINK_ERRNOS = (errno.ELOOP, errno.EMLINK)


@dataclass
class Subagent:
    """One subagent transcript found beside a session's."""

    name: str  # agent-<id>.jsonl, as stored under subagents/
    layout: str  # 'subagents' (<session>/subagents/) or 'project' (before 2.1.2)


@dataclass
class Found:
    """A session's subagent transcripts: the files taken (and their bytes,
    unredacted), those left out with a reason, and how many went unread
    (over MAX_SUBAGENTS)."""

    agents: list[Subagent] = field(default_factory=list)
    data: list[bytes] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    omitted: int = 0
    budget: int = SUBAGENTS_MAX_BYTES

    def take(self, dir_fd: int, name: str, layout: str, data: bytes | None = None) -> None:
        if len(self.agents) + len(self.skipped) >= MAX_SUBAGENTS:
            self.omitted += 1
            return
        reason = "duplicate" if any(a.name == name for a in self.agents) else None
        if reason is None and data is None:
            try:
                data = _read(dir_fd, name, SUBAGENT_MAX_BYTES)
            except _Refused as exc:
                reason = str(exc)
            except OSError as exc:
                reason = "symbolic link" if exc.errno in _LINK_ERRNOS else "unreadable"
        if reason is None and data is not None and len(data) > self.budget:
            reason = "over the session's limit"
        if reason is not None or data is None:
            self.skipped.append({"file": name, "reason": reason or "unreadable"})
            return
        self.budget -= len(data)
        self.agents.append(Subagent(name, layout))
        self.data.append(data)


def find_subagents(transcript: str) -> Found:
    """The subagent transcripts of the session whose transcript is `transcript`.

    Never raises: a folder that cannot be read yields nothing, a file that
    cannot be taken is listed in `skipped` with its reason.
    """
    found = Found()
    folder, base = os.path.split(transcript)
    session = base[: -len(".jsonl")] if base.endswith(".jsonl") else ""
    if not session or event.safe_session_name(session) != session:
        return found  # not `<session id>.jsonl`: nothing beside it is known to be its own
    try:
        top = os.open(folder or ".", os.O_RDONLY | _DIRECTORY)
    except OSError:
        return found
    try:
        sub = _open_below(top, session, FOLDER)
        if sub is not None:
            try:
                names, more = _agent_names(sub, MAX_SUBAGENTS)
                found.omitted += more
                for name in names:
                    found.take(sub, name, "subagents")
            finally:
                os.close(sub)
        for name, whole in _legacy_agents(top, session):
            found.take(top, name, "project", whole)
    finally:
        os.close(top)
    return found


def _open_below(fd: int, *parts: str) -> int | None:
    """The directory `parts` below the directory `fd`, never through a link."""
    current = fd
    for part in parts:
        try:
            nxt: int | None = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=current)
        except OSError as exc:
            if exc.errno in (*_LINK_ERRNOS, errno.ENOTDIR):
                _warn(f"subagent transcripts: {part} is not a directory (a link?); not followed")
            nxt = None
        if current != fd:
            os.close(current)
        if nxt is None:
            return None
        current = nxt
    return current


def _agent_names(dir_fd: int, limit: int) -> tuple[list[str], int]:
    """The first `limit` agent-<id>.jsonl names in a directory, sorted (the
    same ones on every run), and how many more there were."""
    total = 0

    def matching() -> Iterator[str]:
        nonlocal total
        with os.scandir(dir_fd) as it:
            for entry in it:
                if _AGENT_FILE.fullmatch(entry.name) and not entry.name.startswith(_COMPACTION):
                    total += 1
                    yield entry.name

    try:
        names = heapq.nsmallest(limit, matching())
    except OSError:
        return [], 0
    return names, total - len(names)


def _legacy_agents(dir_fd: int, session: str) -> Iterator[tuple[str, bytes | None]]:
    """Agent files in the project folder (before Claude Code 2.1.2) whose first line
    names `session` as theirs: (name, its bytes when the probe read it all)."""
    names, more = _agent_names(dir_fd, LEGACY_PROBES)
    if more:
        _warn(f"subagent transcripts: {more} agent files past the first {LEGACY_PROBES} "
              "in the project folder were not examined")
    wanted = re.compile(rb'"sessionId"\s*:\s*"' + re.escape(session.encode()) + rb'"')
    for name in names:
        try:
            head = _read(dir_fd, name, PROBE_BYTES, whole=False)
        except (OSError, _Refused):
            continue  # whose it is cannot be told: it is not taken as this session's
        if wanted.search(head.split(b"\n", 1)[0]):
            yield name, head if len(head) < PROBE_BYTES else None


class _Refused(Exception):
    """A file that is not taken; the reason is its message."""


def _read(dir_fd: int, name: str, limit: int, whole: bool = True) -> bytes:
    """A regular file's bytes, opened without following a link: at most
    `limit`, and when `whole`, a longer file is _Refused."""
    fd = os.open(name, os.O_RDONLY | _NOFOLLOW | _NONBLOCK, dir_fd=dir_fd)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise _Refused("not a regular file")
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(limit + 1 if whole else limit)
    if whole and len(data) > limit:
        raise _Refused("too large")
    return data


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)
