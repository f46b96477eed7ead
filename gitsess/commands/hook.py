"""`git sess hook`: count one agent hook event into git. Never breaks the agent.

Every input exits 0 inside the deadline (`sess.hookTimeout`, default 2 s); a
failure prints one line to stderr. This is the hot path of every tool call:
it imports json, the store and telemetry, and nothing else unless the event
asks for more (SessionStart prints the resume context).

The deadline bounds all waiting (stdin, the telemetry queue, CAS retries):
telemetry.record spills the event before it. A watchdog (SIGALRM) ends the
process at the deadline, with one exception: a hook that is still starting
up or already writing its event when the deadline passes is not waiting but
starved of CPU (fifty hooks at once on two cores took 3-4 s just to import
pygit2), and killing it would lose an event while exiting 0. It may finish,
up to STARVED_LIMIT_S; past the deadline it waits on nothing (record tries
the ref once, then spills). While it reads its stdin, it goes on only as long
as the pipe has something to read (it is starved, not stalled): a hook whose
agent holds stdin open without writing exits at the deadline.
"""

from __future__ import annotations

# The C module that signal.py re-exports: signal.py wraps it in IntEnums at
# import, which costs ~0.6 ms (about 1% of a hook process) for one timer.
import _signal as signal
import contextlib
import io
import json
import math
import os
import re
import sys
import time
from typing import IO, Any

DEFAULT_TIMEOUT_S = 2.0
# How long a starved hook may take to finish writing its event (see above):
# below the 10 s timeout `git sess install` gives every agent's hooks
# (agentspecs.SPECS), so the agent never kills a hook mid-write.
STARVED_LIMIT_S = 8.0
# Payloads up to this size are parsed whole; a larger one (a huge
# tool_response) is drained and only its leading top-level fields are read.
MAX_PARSE_BYTES = 8 * 1024 * 1024
_HEAD_BYTES = 64 * 1024
_SCALARS = ("session_id", "conversation_id", "parent_conversation_id", "hook_event_name",
            "tool_name", "agent_id", "agent_type", "cwd", "tool_use_id", "transcript_path")


class _Watchdog:
    """SIGALRM handler: what the hook is doing decides whether it may go on."""

    def __init__(self, started: float, stdin: IO[bytes]) -> None:
        self.phase = "starting"  # starting | reading | recording | recorded
        self.limit = started + STARVED_LIMIT_S
        self.stdin = stdin

    def __call__(self, signum: int, frame: Any) -> None:
        left = self.limit - time.monotonic()
        if self.phase in ("starting", "recording") and left > 0:
            signal.setitimer(signal.ITIMER_REAL, left)
            return
        if self.phase == "reading" and left > 0 and self._stdin_ready():
            signal.setitimer(signal.ITIMER_REAL, min(left, 0.5))  # look again soon
            return
        note = b"after recording the event" if self.phase == "recorded" else b"event not recorded"
        try:
            os.write(2, b"gitsess: hook deadline reached; " + note + b"\n")
        finally:
            os._exit(0)

    def _stdin_ready(self) -> bool:
        """Data (or its end) is waiting in the pipe: the reader is slow, not stuck."""
        import select

        try:
            fd = self.stdin.fileno()
        except (AttributeError, OSError, ValueError):
            return True  # an in-memory stream never blocks
        try:
            return bool(select.select([fd], [], [], 0)[0])
        except (OSError, ValueError):
            return False


def _timeout(store: Any) -> float:
    raw = store.config_get("sess.hookTimeout")
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT_S
    except ValueError:
        return DEFAULT_TIMEOUT_S
    if not math.isfinite(value):  # "nan" would make every deadline test false
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

    Claude Code and Gemini CLI send session_id, hook_event_name and tool_name
    before tool_input and tool_response, so the first occurrence is the
    top-level one. (Gemini CLI's mcp_context comes after them and is lost
    here: such an event counts under its tool's name, without a server.)
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
    if stdin is None:  # fd 0 closed: sys.stdin is None, and there is nothing to read
        stdin = getattr(sys.stdin, "buffer", None) or io.BytesIO()
    watchdog = _Watchdog(started, stdin)
    previous: Any = None
    try:
        previous = signal.signal(signal.SIGALRM, watchdog)
        signal.setitimer(signal.ITIMER_REAL, DEFAULT_TIMEOUT_S)
    except (ValueError, OSError):  # not the main thread (tests calling run())
        pass
    try:
        return _run(agent, stdin, started, watchdog)
    except Exception as exc:  # never a traceback into the agent
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"gitsess: hook: {msg[:300]}", file=sys.stderr)
        return 0
    finally:
        with contextlib.suppress(ValueError, OSError, TypeError):
            signal.setitimer(signal.ITIMER_REAL, 0)
            if previous is not None:  # a caller in-process (a test, a worker) gets its own back
                signal.signal(signal.SIGALRM, previous)


def _run(agent: str, stdin: IO[bytes], started: float, watchdog: _Watchdog) -> int:
    from gitsess import agents
    from gitsess.store import Store

    adapter = agents.adapter(agent)
    if adapter is None:
        print(f"gitsess: hook: unknown agent '{agent[:40]}'", file=sys.stderr)
        return 0
    where = next((d for d in map(os.environ.get, adapter.PROJECT_DIR_ENV)
                  if d and os.path.isdir(d)), ".")
    store = Store.try_discover(where)
    if store is None:
        return 0  # not in a repository: nothing to do
    timeout = _timeout(store)
    watchdog.limit = started + max(STARVED_LIMIT_S, 2 * timeout)
    if timeout != DEFAULT_TIMEOUT_S:
        try:
            left = timeout - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.05))
        except (ValueError, OSError):
            pass
    deadline = started + timeout
    watchdog.phase = "reading"
    if time.monotonic() >= deadline:  # starved past it while starting: check stdin soon
        with contextlib.suppress(ValueError, OSError):
            signal.setitimer(signal.ITIMER_REAL, 0.5)
    payload = read_payload(stdin, deadline - 0.3)
    if payload is None:
        print("gitsess: hook: payload is not a JSON object; ignored", file=sys.stderr)
        return _reply(adapter, None, "")
    ev = adapter.to_event(payload)
    if ev is None:
        print("gitsess: hook: payload names no session; ignored", file=sys.stderr)
        return _reply(adapter, None, "")
    replay_at = os.environ.get("GITSESS_EVENT_TIME")
    if replay_at:  # a replay (git sess demo) gives each event its recorded time
        with contextlib.suppress(ValueError, OverflowError):  # "inf" overflows int()
            ev.at_ms = int(float(replay_at) * 1000)
    from gitsess.telemetry import core as telemetry

    # Leave 0.15 s of the budget for the spill write should the CAS run out.
    watchdog.phase = "recording"
    telemetry.record(store, ev, deadline=deadline - 0.15)
    watchdog.phase = "recorded"
    context = ""
    if ev.kind == telemetry.SESSION_START and ev.source in (None, "startup", "resume"):
        from gitsess.resume import view as resume

        context = resume.agent_context(store, deadline=deadline)
    return _reply(adapter, ev, context)


def _reply(adapter: Any, ev: Any, context: str) -> int:
    """Print what the agent reads on stdout: the new session's context at
    SessionStart, in the agent's own output contract (the adapter's reply)."""
    out = adapter.reply(ev, context)
    if out:
        sys.stdout.write(out)
        sys.stdout.flush()
    return 0
