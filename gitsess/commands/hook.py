"""`git sess hook`: count one agent hook event into git. Never breaks the agent.

Every input exits 0 inside the deadline (`sess.hookTimeout`, default 2 s); a
failure prints one line to stderr. This is the hot path of every tool call:
it imports json, the store and telemetry, and nothing else unless the event
asks for more (SessionStart prints the resume context).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sys
import time
from typing import IO, Any

DEFAULT_TIMEOUT_S = 2.0
# Payloads up to this size are parsed whole; a larger one (a huge
# tool_response) is drained and only its leading top-level fields are read.
MAX_PARSE_BYTES = 8 * 1024 * 1024
_HEAD_BYTES = 64 * 1024
_SCALARS = ("session_id", "hook_event_name", "tool_name", "agent_id", "agent_type", "cwd")


def _bail(signum: int, frame: Any) -> None:
    try:
        os.write(2, b"gitsess: hook deadline reached; event not recorded\n")
    finally:
        os._exit(0)


def _timeout(store: Any) -> float:
    raw = store.config_get("sess.hookTimeout")
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT_S
    except ValueError:
        return DEFAULT_TIMEOUT_S
    return min(max(value, 0.2), 60.0)


def read_payload(stream: IO[bytes], deadline: float) -> dict[str, Any] | None:
    """The payload as a dict, or None when it is not a JSON object.

    Reads in bounded chunks: whatever the size, memory stays under
    MAX_PARSE_BYTES plus one chunk.
    """
    kept: list[bytes] = []
    total = 0
    oversize = False
    while True:
        chunk = stream.read(1 << 20)
        if not chunk:
            break
        if total < MAX_PARSE_BYTES:
            kept.append(chunk)
        total += len(chunk)
        if total > MAX_PARSE_BYTES:
            oversize = True
            if time.monotonic() > deadline:
                break
    data = b"".join(kept)
    if not oversize:
        try:
            obj = json.loads(data)
        except (ValueError, RecursionError):
            return None
        return obj if isinstance(obj, dict) else None
    return _leading_fields(data[:_HEAD_BYTES])


def _leading_fields(head: bytes) -> dict[str, Any] | None:
    """Top-level string fields from the start of an oversize payload.

    Claude Code sends session_id, hook_event_name and tool_name before
    tool_input and tool_response, so the first occurrence is the top-level one.
    """
    text = head.decode("utf-8", "replace")
    out: dict[str, Any] = {}
    for key in _SCALARS:
        m = re.search(rf'"{key}"\s*:\s*"((?:[^"\\]|\\.)*)"', text)
        if m:
            try:
                out[key] = json.loads('"' + m.group(1) + '"')
            except ValueError:
                continue
    return out or None


def run(*, agent: str = "claude", stdin: IO[bytes] | None = None) -> int:
    started = time.monotonic()
    try:
        signal.signal(signal.SIGALRM, _bail)
        signal.setitimer(signal.ITIMER_REAL, DEFAULT_TIMEOUT_S)
    except (ValueError, OSError):  # not the main thread (tests calling run())
        pass
    try:
        return _run(agent, stdin or sys.stdin.buffer, started)
    except Exception as exc:  # never a traceback into the agent
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"gitsess: hook: {msg[:300]}", file=sys.stderr)
        return 0
    finally:
        with contextlib.suppress(ValueError, OSError):
            signal.setitimer(signal.ITIMER_REAL, 0)


def _run(agent: str, stdin: IO[bytes], started: float) -> int:
    from gitsess import agents
    from gitsess.store import Store

    adapter = agents.adapter(agent)
    if adapter is None:
        print(f"gitsess: hook: unknown agent '{agent[:40]}'", file=sys.stderr)
        return 0
    where = os.environ.get("CLAUDE_PROJECT_DIR") or "."
    store = Store.try_discover(where if os.path.isdir(where) else ".")
    if store is None:
        return 0  # not in a repository: nothing to do
    timeout = _timeout(store)
    if timeout != DEFAULT_TIMEOUT_S:
        try:
            left = timeout - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.05))
        except (ValueError, OSError):
            pass
    deadline = started + timeout
    payload = read_payload(stdin, deadline - 0.3)
    if payload is None:
        print("gitsess: hook: payload is not a JSON object; ignored", file=sys.stderr)
        return 0
    ev = adapter.to_event(payload)
    if ev is None:
        print("gitsess: hook: payload has no session_id; ignored", file=sys.stderr)
        return 0
    replay_at = os.environ.get("GITSESS_EVENT_TIME")
    if replay_at:  # a replay (git sess demo) gives each event its recorded time
        try:
            ev.at_ms = int(float(replay_at) * 1000)
        except ValueError:
            pass
    from gitsess import telemetry

    # Leave 0.15 s of the budget for the spill write should the CAS run out.
    telemetry.record(store, ev, deadline=deadline - 0.15)
    if ev.kind == telemetry.SESSION_START and ev.source in (None, "startup", "resume"):
        _print_resume_context(store, deadline)
    return 0


def _print_resume_context(store: Any, deadline: float) -> None:
    """SessionStart's stdout becomes the new session's context in Claude Code."""
    try:
        from gitsess import resume
    except ImportError:
        return
    context = resume.agent_context(store, deadline=deadline)
    if context:
        sys.stdout.write(context)
        sys.stdout.flush()
