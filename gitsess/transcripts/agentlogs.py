"""Counting what an agent's own transcript says it did (issue 11).

The hooks can miss events (Claude Code fires none for some subagent tool
calls, anthropics/claude-code #34692 and #65169; a busy machine drops any),
so the handoff also reads the agent's transcript and reconciles the two
(gitsess.transcripts.reconcile). This module only counts: it never stores a line, a
tool input, an output or a prompt's text. Each file is streamed one line at
a time, lines over MAX_LINE are skipped unread, and the sets that dedupe ids
are bounded (MAX_IDS), so memory stays flat whatever the file's size.

The formats, each from the agent's own source or documentation:

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

Codex (JSONL rollouts, `~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`;
openai/codex codex-rs/protocol/src/protocol.rs RolloutLine/RolloutItem and
models.rs ResponseItem): each line is {timestamp, type, payload} with type
session_meta, response_item, event_msg, turn_context or compacted.
response_item payloads of type function_call / custom_tool_call /
local_shell_call carry `call_id` and `name`; turn_context carries `model`;
event_msg `token_count` carries `info.total_token_usage` (cumulative) {input_tokens,
cached_input_tokens, output_tokens, reasoning_output_tokens}; `user_message`
is a prompt; `turn_aborted` an interruption. Failures are not marked in a
rollout (a failed command's output is plain text): not counted.

Gemini CLI (packages/core/src/services/chatRecordingService.ts and
chatRecordingTypes.ts; `~/.gemini/tmp/<project hash>/chats/session-*.json[l]`):
a JSONL file of message records {id, type: user|gemini|info|error|warning,
toolCalls: [{id, name, status}], tokens: {input, output, cached, thoughts,
tool, total}, model}, where a record may be written again under the same id
as it grows (the last one wins) and `{"$rewindTo": id}` drops the messages
from that id on; older versions wrote one JSON object with `messages`.
A tool call with status "error" is a failure, "cancelled" an interruption.

Cursor: its hook payload names a transcript_path, but the transcript's format
is neither documented nor stable (plain text in some versions): not read.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import stat
from collections.abc import Iterator
from typing import IO, Any

from gitsess.telemetry import counting, event

# A line longer than this is skipped unread (a pasted image, a huge tool
# output); what it holds is not a count we can trust anyway.
MAX_LINE = 16 << 20
# Ids remembered to dedupe tool calls and messages; past it, new ids count
# without dedupe (a session of a million calls is not one we have seen).
MAX_IDS = 1_000_000
# Subagent files read per session, and how deep below subagents/.
MAX_AGENT_FILES = 1000
MAX_DEPTH = 8
LEGACY_PROBES = 2000
PROBE_BYTES = 8 << 10
_AGENT_FILE = re.compile(r"agent-([A-Za-z0-9][A-Za-z0-9_-]{0,127})\.jsonl")
_SUBAGENT_TOOLS = ("Task", "Agent")
_INTERRUPTED = "[Request interrupted by user"
# User lines Claude Code writes for a local command's output: not prompts.
_NOT_PROMPTS = ("<local-command-stdout>", "<local-command-stderr>", "<local-command-caveat>")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_TOKEN_KINDS = ("input", "output", "cache_write", "cache_read")
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


class _Tally:
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
        if agent not in agents and len(agents) >= counting.MAX_KEYS:
            agent = counting.OVERFLOW_KEY
        return agents.setdefault(agent, {"tool_calls": 0, "failures": 0, "tokens": _tokens()})

    def call(self, cid: str | None, name: Any, agent: str) -> None:
        tool = event.clip(name) if isinstance(name, str) and name else "?"
        if cid is not None:
            if cid in self.calls:
                return
            if len(self.calls) < MAX_IDS:
                self.calls[cid] = tool
        c = self.c
        c["tool_calls"] += 1
        _bump(c["tools"], tool)
        mcp = event.split_mcp(tool)
        if mcp:
            server, method = mcp
            if server not in c["mcp"] and len(c["mcp"]) >= counting.MAX_KEYS:
                server = counting.OVERFLOW_KEY
            entry = c["mcp"].setdefault(server, {"total": 0, "methods": {}})
            entry["total"] += 1
            _bump(entry["methods"], method)
        if tool in _SUBAGENT_TOOLS:
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
        _bump(self.c["failed_tools"], tool or self.calls.get(cid or "", "?"))
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
        if name not in tokens and len(tokens) >= counting.MAX_KEYS:
            name = counting.OVERFLOW_KEY
        _add_tokens(tokens.setdefault(name, _tokens()), usage)
        _bump(self.c["models"], name)
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


def _tokens() -> dict[str, int]:
    return dict.fromkeys(_TOKEN_KINDS, 0)


def _add_tokens(into: dict[str, int], usage: dict[str, int]) -> None:
    for k in _TOKEN_KINDS:
        into[k] += usage.get(k, 0)


def _bump(d: dict[str, int], key: str) -> None:
    if key not in d and len(d) >= counting.MAX_KEYS:
        key = counting.OVERFLOW_KEY
    d[key] = d.get(key, 0) + 1


def _int(v: Any) -> int:
    return v if type(v) is int and 0 <= v < 2**53 else 0


def _text(v: Any, limit: int = 200) -> str | None:
    return v[:limit] if isinstance(v, str) and v else None


# -- reading files ------------------------------------------------------------


def _open_file(dir_fd: int | None, name: str) -> IO[bytes] | None:
    """A regular file opened without following a link; None otherwise."""
    try:
        fd = os.open(name, os.O_RDONLY | _NOFOLLOW | _NONBLOCK, dir_fd=dir_fd)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return os.fdopen(fd, "rb")


def _lines(fh: IO[bytes], tally: _Tally) -> Iterator[dict[str, Any]]:
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


# -- Claude Code ------------------------------------------------------------------


def _claude_usage(u: Any) -> dict[str, int]:
    if not isinstance(u, dict):
        return {}
    return {
        "input": _int(u.get("input_tokens")),
        "output": _int(u.get("output_tokens")),
        "cache_write": _int(u.get("cache_creation_input_tokens")),
        "cache_read": _int(u.get("cache_read_input_tokens")),
    }


def _claude_line(d: dict[str, Any], tally: _Tally, agent: str, main: bool) -> None:
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
        mid, rid = _text(msg.get("id"), 300), _text(d.get("requestId"), 300)
        usage = msg.get("usage")
        if isinstance(usage, dict):
            tally.message(f"{mid}:{rid}" if mid and rid else None, msg.get("model"),
                          _claude_usage(usage), who)
        for b in blocks:
            if isinstance(b, dict) and b.get("type") == "tool_use":
                tally.call(_text(b.get("id"), 300), b.get("name"), who)
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
                tally.failure(_text(b.get("tool_use_id"), 300), who)
        elif b.get("type") == "text" and isinstance(b.get("text"), str):
            texts.append(b["text"])
    if any(t.lstrip().startswith(_INTERRUPTED) for t in texts):
        tally.c["interruptions"] += 1
        return
    if not main or who != MAIN:
        return  # a subagent's "prompt" is its task, which the main agent wrote
    if d.get("isCompactSummary") is True:
        tally.summaries += 1
        return
    if d.get("isMeta") is True or results or not any(t.strip() for t in texts):
        return
    if all(t.lstrip().startswith(_NOT_PROMPTS) for t in texts if t.strip()):
        return
    tally.c["prompts"] += 1


def _claude_file(fh: IO[bytes], tally: _Tally, agent: str, main: bool) -> None:
    with fh:
        for d in _lines(fh, tally):
            _claude_line(d, tally, agent, main)


def read_claude(path: str) -> dict[str, Any]:
    """Counts from a Claude Code session transcript and all its subagents'."""
    tally = _Tally()
    fh = _open_file(None, path)
    if fh is None:
        tally.c["skipped"].append({"file": os.path.basename(path), "reason": "unreadable"})
        return tally.done()
    _claude_file(fh, tally, MAIN, True)
    folder, base = os.path.split(path)
    session = base[: -len(".jsonl")] if base.endswith(".jsonl") else ""
    if session and event.safe_session_name(session) == session:
        for dir_fd, name, label in _claude_agents(folder, session, tally):
            agent_fh = _open_file(dir_fd, name)
            if agent_fh is None:
                tally.c["skipped"].append({"file": label, "reason": "not a regular file"})
                continue
            _claude_file(agent_fh, tally, name[: -len(".jsonl")], False)
    return tally.done()


def _claude_agents(folder: str, session: str,
                   tally: _Tally) -> Iterator[tuple[int, str, str]]:
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
        out: int | None = os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=fd)
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
        fh = _open_file(top, name)
        if fh is None:
            continue
        with fh:
            head = fh.read(PROBE_BYTES)
        if wanted.search(head.split(b"\n", 1)[0]):
            yield top, name, name


# -- Codex ------------------------------------------------------------------------

_CODEX_CALLS = ("function_call", "custom_tool_call", "local_shell_call")


def read_codex(path: str) -> dict[str, Any]:
    """Counts from a Codex rollout file (no subagent files: Codex keeps none)."""
    tally = _Tally()
    fh = _open_file(None, path)
    if fh is None:
        tally.c["skipped"].append({"file": os.path.basename(path), "reason": "unreadable"})
        return tally.done()
    model: Any = None
    seen: dict[str, int] = {}
    with fh:
        for d in _lines(fh, tally):
            kind, p = d.get("type"), d.get("payload")
            if not isinstance(p, dict):
                continue
            if kind == "turn_context":
                model = p.get("model") or model
            elif kind == "compacted":
                tally.summaries += 1
            elif kind == "response_item" and p.get("type") in _CODEX_CALLS:
                name = p.get("name") or ("local_shell" if p.get("type") == "local_shell_call"
                                         else None)
                tally.call(_text(p.get("call_id"), 300) or _text(p.get("id"), 300), name, MAIN)
            elif kind == "event_msg":
                sub = p.get("type")
                if sub == "user_message":
                    tally.c["prompts"] += 1
                elif sub == "turn_aborted":
                    tally.c["interruptions"] += 1
                elif sub == "token_count":
                    info = p.get("info")
                    total = info.get("total_token_usage") if isinstance(info, dict) else None
                    if isinstance(total, dict):
                        now = _codex_usage(total)
                        # Cumulative: the same event is sometimes written twice,
                        # so only a change adds a message, and only the delta.
                        if now != seen:
                            delta = {k: max(0, now[k] - seen.get(k, 0)) for k in now}
                            tally.message(None, model, delta, MAIN)
                            seen = now
    return tally.done()


def _codex_usage(u: dict[str, Any]) -> dict[str, int]:
    # OpenAI's input_tokens include the cached ones; gitsess's input does not.
    cached = _int(u.get("cached_input_tokens"))
    return {"input": max(0, _int(u.get("input_tokens")) - cached),
            "output": _int(u.get("output_tokens")), "cache_write": 0, "cache_read": cached}


# -- Gemini CLI -------------------------------------------------------------------


def read_gemini(path: str) -> dict[str, Any]:
    """Counts from a Gemini CLI chat file (JSONL, or the older single JSON)."""
    tally = _Tally()
    fh = _open_file(None, path)
    if fh is None:
        tally.c["skipped"].append({"file": os.path.basename(path), "reason": "unreadable"})
        return tally.done()
    records: dict[str, dict[str, Any]] = {}  # by message id: a later record replaces
    with fh:
        if path.endswith(".json"):
            tally.c["files"] += 1
            data = fh.read(MAX_LINE + 1)
            tally.c["bytes"] += len(data)
            with contextlib.suppress(ValueError, RecursionError):
                whole = json.loads(data) if len(data) <= MAX_LINE else None
                msgs = whole.get("messages") if isinstance(whole, dict) else None
                for m in msgs if isinstance(msgs, list) else []:
                    if isinstance(m, dict) and isinstance(m.get("id"), str):
                        records[m["id"]] = _gemini_slim(m)
        else:
            for d in _lines(fh, tally):
                rewind = d.get("$rewindTo")
                if isinstance(rewind, str):
                    keys = list(records)
                    cut = keys.index(rewind) if rewind in records else 0
                    for k in keys[cut:]:
                        del records[k]
                elif isinstance(d.get("id"), str) and "type" in d:
                    records.pop(d["id"], None)  # re-inserted last: order of the latest write
                    if len(records) < MAX_IDS:
                        records[d["id"]] = _gemini_slim(d)
    for mid, m in records.items():
        if m["type"] == "user":
            tally.c["prompts"] += 1
        for cid, name, status in m["calls"]:
            tally.call(cid, name, MAIN)
            if status == "error":
                tally.failure(cid, MAIN, event.clip(name) if name else None)
            elif status == "cancelled":
                tally.c["interruptions"] += 1
        if m["tokens"] is not None:
            tally.message(mid, m["model"], m["tokens"], MAIN)
    return tally.done()


def _gemini_slim(m: dict[str, Any]) -> dict[str, Any]:
    """Only the counts of a message record: never its content."""
    calls = []
    for tc in m.get("toolCalls") or []:
        if isinstance(tc, dict):
            calls.append((_text(tc.get("id"), 300), _text(tc.get("name")),
                          tc.get("status") if isinstance(tc.get("status"), str) else None))
    t = m.get("tokens")
    tokens = None
    if isinstance(t, dict):
        cached = _int(t.get("cached"))
        tokens = {"input": max(0, _int(t.get("input")) - cached),
                  "output": _int(t.get("output")) + _int(t.get("thoughts")),
                  "cache_write": 0, "cache_read": cached}
    return {"type": m.get("type"), "calls": calls, "tokens": tokens, "model": m.get("model")}


READERS = {
    "claude-code": read_claude,
    "codex": read_codex,
    "gemini-cli": read_gemini,
}


def read(agent: str | None, path: str) -> dict[str, Any] | None:
    """The counts of `path` as `agent`'s transcript; None for an agent whose
    transcripts gitsess does not read."""
    reader = READERS.get(agent or "")
    if reader is None:
        return None
    try:
        return reader(path)
    except OSError as exc:  # vanished mid-read, EIO: no counts rather than a traceback
        if exc.errno in (errno.ENOENT, errno.EIO, errno.ESTALE, errno.EACCES):
            return None
        raise
