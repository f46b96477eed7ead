"""Counting a Claude Code session transcript and its subagents' (gitsess.transcripts.agentlogs).

Claude Code (JSONL, one record per line; `~/.claude/projects/<folder>/<session>.jsonl`):
- `type: "assistant"` lines carry `message` = the API message: `id` (msg_...),
  `model`, `content` blocks and `usage` {input_tokens, output_tokens,
  cache_creation_input_tokens, cache_read_input_tokens}, and the line's
  `requestId` (req_...). A streamed message is written once per content block,
  each line repeating the same id, request id and usage, so tokens are counted
  once per (message id, request id), as ccusage does (ryoppippi/ccusage,
  src/data-loader.ts createUniqueHash: `${messageId}:${requestId}`, no
  dedupe when either is missing); model `<synthetic>` is Claude Code's own
  placeholder, not a model.
- `tool_use` blocks have an `id` (toolu_...) and a `name`; `tool_result` blocks
  (in `type: "user"` lines) have `tool_use_id` and `is_error`.
- `isMeta: true` user lines are injected context, `isCompactSummary: true` the
  summary a compaction writes, `isSidechain: true` a subagent's lines (1.x wrote
  them into the main file); a compaction also writes a `type: "system"`,
  `subtype: "compact_boundary"` line. A person pressing Esc leaves a user text
  "[Request interrupted by user]" or "[Request interrupted by user for tool use]".
- Subagents: 2.1.2 and later write `<session>/subagents/agent-<id>.jsonl`, and
  workflows nest them deeper (`subagents/workflows/<wf>/agent-<id>.jsonl`);
  earlier 2.x wrote `agent-<id>.jsonl` beside the session, naming it in
  `sessionId` (gitsess.transcripts.subagents documents the same layouts).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import IO, Any

from gitsess.telemetry import event
from gitsess.transcripts import counting

# Subagent files read per session, and how deep below subagents/.
MAX_AGENT_FILES = 1000
MAX_DEPTH = 8
LEGACY_PROBES = 2000
PROBE_BYTES = 8 << 10
_AGENT_FILE = re.compile(r"agent-([A-Za-z0-9][A-Za-z0-9_-]{0,127})\.jsonl")
_INTERRUPTED = "[Request interrupted by user"
# User lines Claude Code writes for a local command's output: not prompts.
_NOT_PROMPTS = ("<local-command-stdout>", "<local-command-stderr>", "<local-command-caveat>")
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


def _claude_usage(u: Any) -> dict[str, int]:
    if not isinstance(u, dict):
        return {}
    return {
        "input": counting.int_(u.get("input_tokens")),
        "output": counting.int_(u.get("output_tokens")),
        "cache_write": counting.int_(u.get("cache_creation_input_tokens")),
        "cache_read": counting.int_(u.get("cache_read_input_tokens")),
    }


def _claude_line(d: dict[str, Any], tally: counting.Tally, agent: str, main: bool) -> None:
    kind = d.get("type")
    if kind == "system":
        if d.get("subtype") == "compact_boundary" and main:
            tally.boundaries += 1
        return
    msg = d.get("message")
    if not isinstance(msg, dict):
        return
    # A 1.x sidechain line in the main file is a subagent's.
    who = "sidechain" if main and d.get("isSidechain") is True else agent
    content = msg.get("content")
    blocks = content if isinstance(content, list) else []
    if kind == "assistant":
        mid, rid = counting.text(msg.get("id"), 300), counting.text(d.get("requestId"), 300)
        usage = msg.get("usage")
        if isinstance(usage, dict):
            tally.message(f"{mid}:{rid}" if mid and rid else None, msg.get("model"),
                          _claude_usage(usage), who)
        for b in blocks:
            if isinstance(b, dict) and b.get("type") == "tool_use":
                tally.call(counting.text(b.get("id"), 300), b.get("name"), who)
        return
    if kind != "user":
        return
    texts = [content] if isinstance(content, str) else []
    results = False
    for b in blocks:
        if not isinstance(b, dict):
            continue
        if b.get("type") == "tool_result":
            results = True
            if b.get("is_error") is True:
                tally.failure(counting.text(b.get("tool_use_id"), 300), who)
        elif b.get("type") == "text" and isinstance(b.get("text"), str):
            texts.append(b["text"])
    if any(t.lstrip().startswith(_INTERRUPTED) for t in texts):
        tally.c["interruptions"] += 1
        return
    if not main or who != counting.MAIN:
        return  # a subagent's "prompt" is its task, which the main agent wrote
    if d.get("isCompactSummary") is True:
        tally.summaries += 1
        return
    if d.get("isMeta") is True or results or not any(t.strip() for t in texts):
        return
    if all(t.lstrip().startswith(_NOT_PROMPTS) for t in texts if t.strip()):
        return
    tally.c["prompts"] += 1


def _claude_file(fh: IO[bytes], tally: counting.Tally, agent: str, main: bool) -> None:
    with fh:
        for d in counting.lines(fh, tally):
            _claude_line(d, tally, agent, main)


def read_claude(path: str) -> dict[str, Any]:
    """Counts from a Claude Code session transcript and all its subagents'."""
    tally = counting.Tally()
    fh = counting.open_file(None, path)
    if fh is None:
        tally.c["skipped"].append({"file": os.path.basename(path), "reason": "unreadable"})
        return tally.done()
    _claude_file(fh, tally, counting.MAIN, True)
    folder, base = os.path.split(path)
    session = base[: -len(".jsonl")] if base.endswith(".jsonl") else ""
    if session and event.safe_session_name(session) == session:
        for dir_fd, name, label in _claude_agents(folder, session, tally):
            agent_fh = counting.open_file(dir_fd, name)
            if agent_fh is None:
                tally.c["skipped"].append({"file": label, "reason": "not a regular file"})
                continue
            _claude_file(agent_fh, tally, name[: -len(".jsonl")], False)
    return tally.done()


def _claude_agents(folder: str, session: str,
                   tally: counting.Tally) -> Iterator[tuple[int, str, str]]:
    """(directory fd, file name, label) of every subagent file of `session`:
    below `<session>/subagents/` at any depth (never through a link), then
    the pre-2.1.2 `agent-*.jsonl` files beside it that name the session."""
    try:
        top = os.open(folder or ".", os.O_RDONLY | _DIRECTORY)
    except OSError:
        return
    seen = 0
    try:
        sub = _subdir(top, session)
        sub = _subdir(sub, "subagents", close=True) if sub is not None else None
        if sub is not None:
            for dir_fd, name, label in _walk(sub, "subagents", 0):
                if seen >= MAX_AGENT_FILES:
                    tally.c["skipped"].append({"file": label, "reason": "too many files"})
                    continue
                seen += 1
                yield dir_fd, name, label
        yield from _legacy(top, session)
    finally:
        os.close(top)


def _subdir(fd: int, name: str, *, close: bool = False) -> int | None:
    try:
        out: int | None = os.open(name, os.O_RDONLY | _DIRECTORY | counting.NOFOLLOW, dir_fd=fd)
    except OSError:
        out = None
    if close:
        os.close(fd)
    return out


def _walk(fd: int, label: str, depth: int) -> Iterator[tuple[int, str, str]]:
    """Agent files below the directory `fd` (closed when done), sorted, any depth."""
    try:
        with os.scandir(fd) as it:
            entries = sorted((e.name, e.is_dir(follow_symlinks=False)) for e in it)
        for name, is_dir in entries:
            if is_dir and depth < MAX_DEPTH:
                child = _subdir(fd, name)
                if child is not None:
                    yield from _walk(child, f"{label}/{name}", depth + 1)
            elif _AGENT_FILE.fullmatch(name):
                yield fd, name, f"{label}/{name}"
    except OSError:
        return
    finally:
        os.close(fd)


def _legacy(top: int, session: str) -> Iterator[tuple[int, str, str]]:
    wanted = re.compile(rb'"sessionId"\s*:\s*"' + re.escape(session.encode()) + rb'"')
    try:
        with os.scandir(top) as it:
            names = sorted(e.name for e in it if _AGENT_FILE.fullmatch(e.name))[:LEGACY_PROBES]
    except OSError:
        return
    for name in names:
        fh = counting.open_file(top, name)
        if fh is None:
            continue
        with fh:
            head = fh.read(PROBE_BYTES)
        if wanted.search(head.split(b"\n", 1)[0]):
            yield top, name, name
