"""The common counting of gitsess.transcripts.agentlogs: the counts' shape,
a tally deduped across one session's files, and files streamed one JSON line
at a time, never through a link.

It never stores a line, a tool input, an output or a prompt's text. Lines
over MAX_LINE are skipped unread, and the sets that dedupe ids are bounded
(MAX_IDS), so memory stays flat whatever the file's size.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from typing import IO, Any

from gitsess.telemetry import counting as telemetry_counting
from gitsess.telemetry import event

# A line longer than this is skipped unread (a pasted image, a huge tool
# output); what it holds is not a count we can trust anyway.
MAX_LINE = 16 << 20
# Ids remembered to dedupe tool calls and messages; past it, new ids count
# without dedupe (a session of a million calls is not one we have seen).
MAX_IDS = 1_000_000
SUBAGENT_TOOLS = ("Task", "Agent")
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
TOKEN_KINDS = ("input", "output", "cache_write", "cache_read")
MAIN = "main"


def new_counts() -> dict[str, Any]:
    """What a transcript holds, in the shape gitsess.transcripts.reconcile compares."""
    return {
        "tool_calls": 0,
        "tools": {},
        "mcp": {},
        "failures": 0,
        "failed_tools": {},
        "prompts": 0,
        "subagents": 0,
        "subagent_tool_calls": 0,
        "compactions": 0,
        "interruptions": 0,
        "tokens": {},  # model -> {input, output, cache_write, cache_read}
        "models": {},  # model -> messages
        "agents": {},  # subagent file stem -> {tool_calls, failures, tokens}
        "files": 0,
        "bytes": 0,
        "skipped": [],  # files left out, with why
    }


class Tally:
    """Running counts over one session's files, deduped across them."""

    def __init__(self) -> None:
        self.c = new_counts()
        self.calls: dict[str, str] = {}  # tool_use id -> tool name
        self.failed: set[str] = set()
        self.messages: set[str] = set()
        self.boundaries = 0
        self.summaries = 0

    def _agent(self, agent: str) -> dict[str, Any] | None:
        if agent == MAIN:
            return None
        agents = self.c["agents"]
        if agent not in agents and len(agents) >= telemetry_counting.MAX_KEYS:
            agent = telemetry_counting.OVERFLOW_KEY
        return agents.setdefault(agent, {"tool_calls": 0, "failures": 0, "tokens": zero_tokens()})

    def call(self, cid: str | None, name: Any, agent: str) -> None:
        tool = event.clip(name) if isinstance(name, str) and name else "?"
        if cid is not None:
            if cid in self.calls:
                return
            if len(self.calls) < MAX_IDS:
                self.calls[cid] = tool
        c = self.c
        c["tool_calls"] += 1
        bump(c["tools"], tool)
        mcp = event.split_mcp(tool)
        if mcp:
            server, method = mcp
            if server not in c["mcp"] and len(c["mcp"]) >= telemetry_counting.MAX_KEYS:
                server = telemetry_counting.OVERFLOW_KEY
            entry = c["mcp"].setdefault(server, {"total": 0, "methods": {}})
            entry["total"] += 1
            bump(entry["methods"], method)
        if tool in SUBAGENT_TOOLS:
            c["subagent_tool_calls"] += 1
        a = self._agent(agent)
        if a is not None:
            a["tool_calls"] += 1

    def failure(self, cid: str | None, agent: str, tool: str | None = None) -> None:
        if cid is not None:
            if cid in self.failed:
                return
            if len(self.failed) < MAX_IDS:
                self.failed.add(cid)
        self.c["failures"] += 1
        bump(self.c["failed_tools"], tool or self.calls.get(cid or "", "?"))
        a = self._agent(agent)
        if a is not None:
            a["failures"] += 1

    def message(self, key: str | None, model: Any, usage: dict[str, int], agent: str) -> None:
        """One model message's tokens, once per key (None: no dedupe possible)."""
        if key is not None:
            if key in self.messages:
                return
            if len(self.messages) < MAX_IDS:
                self.messages.add(key)
        name = event.clip(model) if isinstance(model, str) and model else "unknown"
        if name == "<synthetic>":
            return
        tokens = self.c["tokens"]
        if name not in tokens and len(tokens) >= telemetry_counting.MAX_KEYS:
            name = telemetry_counting.OVERFLOW_KEY
        _add_tokens(tokens.setdefault(name, zero_tokens()), usage)
        bump(self.c["models"], name)
        a = self._agent(agent)
        if a is not None:
            _add_tokens(a["tokens"], usage)

    def done(self) -> dict[str, Any]:
        c = self.c
        c["compactions"] = max(self.boundaries, self.summaries)
        # Compaction's agent-acompact-* files and 1.x sidechain lines are read
        # (their tokens are real) but are no subagent of their own.
        spawned = [a for a in c["agents"] if a.startswith("agent-")
                   and not a.startswith("agent-acompact")]
        c["subagents"] = max(len(spawned), c["subagent_tool_calls"])
        return c


def zero_tokens() -> dict[str, int]:
    return dict.fromkeys(TOKEN_KINDS, 0)


def _add_tokens(into: dict[str, int], usage: dict[str, int]) -> None:
    for k in TOKEN_KINDS:
        into[k] += usage.get(k, 0)


def bump(d: dict[str, int], key: str) -> None:
    if key not in d and len(d) >= telemetry_counting.MAX_KEYS:
        key = telemetry_counting.OVERFLOW_KEY
    d[key] = d.get(key, 0) + 1


def int_(v: Any) -> int:
    return v if type(v) is int and 0 <= v < 2**53 else 0


def text(v: Any, limit: int = 200) -> str | None:
    return v[:limit] if isinstance(v, str) and v else None


# -- reading files ------------------------------------------------------------


def open_file(dir_fd: int | None, name: str) -> IO[bytes] | None:
    """A regular file opened without following a link; None otherwise."""
    try:
        fd = os.open(name, os.O_RDONLY | NOFOLLOW | _NONBLOCK, dir_fd=dir_fd)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return os.fdopen(fd, "rb")


def lines(fh: IO[bytes], tally: Tally) -> Iterator[dict[str, Any]]:
    """The JSON objects of a JSONL stream, one at a time; others skipped."""
    tally.c["files"] += 1
    while True:
        line = fh.readline(MAX_LINE)
        if not line:
            return
        tally.c["bytes"] += len(line)
        if not line.endswith(b"\n") and len(line) >= MAX_LINE:
            while (rest := fh.readline(MAX_LINE)) and not rest.endswith(b"\n"):
                tally.c["bytes"] += len(rest)  # the rest of an over-long line, unread
            tally.c["bytes"] += len(rest)
            continue
        try:
            d = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(d, dict):
            yield d
