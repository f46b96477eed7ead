"""One agent hook event: its payload read, counted into git, and answered.

`serve` is the hook process's work (commands/hook.py calls it); `run_payload`
is the same for a payload already in memory, in-process (tests record
telemetry with it). Every input ends in an answer inside the deadline
(`sess.hookTimeout`, default 2 s); a failure prints one line to stderr.

The deadline bounds all waiting (stdin, the telemetry queue, CAS retries):
the writer spills the event before it. A watchdog (SIGALRM) ends the
process at the deadline, with one exception: a hook that is still starting
up or already writing its event when the deadline passes is not waiting but
starved of CPU (fifty hooks at once on two cores took 3-4 s just to import
pygit2), and killing it would lose an event while exiting 0. It may finish,
up to STARVED_LIMIT_S; past the deadline it waits on nothing (record tries
the ref once, then spills). While it reads its stdin, it goes on only as long
as the pipe has something to read (it is starved, not stalled): a hook whose
agent holds stdin open without writing exits at the deadline.

The operator and the SessionStart context come from layers above this one
(gitsess.handoff.identity, gitsess.resume): the caller passes them as
callables, asked only when a session is created or starts.

Tool calls take the fast path (gitsess/telemetry/spill.py): the event is
spilled through git's own plumbing, and neither pygit2 nor site-packages is
imported (the launcher starts Python with -IS; `full_python` adds
site-packages back when an event leaves the fast path). Every other event,
and a tool call whose spill git refused, goes to the pygit2 writer, which
folds the spills in. This module imports the stdlib-only store and telemetry
modules (JSON through jsonline); the store proper (pygit2) only off the fast path.
"""

from __future__ import annotations

# The C module that signal.py re-exports: signal.py wraps it in IntEnums at
# import, which costs ~0.6 ms (about 1% of a hook process) for one timer.
import _signal as signal
import io
import math
import os
import sys
import time

from gitsess.store import eventrefs, testpoint
from gitsess.telemetry import jsonline, spill
from gitsess.telemetry.event import SESSION_START, Event

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~5 ms with -IS)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from types import ModuleType
    from typing import IO, Any

    from gitsess.store import Store
    from gitsess.telemetry import writer

DEFAULT_TIMEOUT_S = 2.0
# How long a starved hook may take to finish writing its event (see above):
# below the 10 s timeout `git sess install` gives every agent's hooks
# (gitsess/agents/specs.py), so the agent never kills a hook mid-write.
STARVED_LIMIT_S = 8.0
# Payloads up to this size are parsed whole; a larger one (a huge
# tool_response) is drained and only its leading top-level fields are read.
MAX_PARSE_BYTES = 8 * 1024 * 1024
_HEAD_BYTES = 64 * 1024
_SCALARS = ("session_id", "conversation_id", "parent_conversation_id", "hook_event_name",
            "tool_name", "agent_id", "agent_type", "cwd", "tool_use_id", "transcript_path")
# Tests only: with it set to <path>, the hook creates <path>.reached just
# before it writes its event and waits (at most a minute) until <path>
# exists, so a test can let the deadline pass at exactly that point.
PAUSE_ENV = "GITSESS_TEST_PAUSE_BEFORE_RECORD"

if TYPE_CHECKING:
    # The resume context for a starting session (gitsess.resume.view.agent_context).
    Context = Callable[[float], str]


class Watchdog:
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

    def arm(self, seconds: float) -> None:
        """Fire in `seconds` (not in the main thread, e.g. a test's: no timer)."""
        try:  # noqa: SIM105  # not contextlib: its import costs a fast hook ~1.5 ms
            signal.setitimer(signal.ITIMER_REAL, seconds)
        except (ValueError, OSError):
            pass


def timeout(store: Store) -> float:
    """sess.hookTimeout in seconds, within [0.2, 60]; the default when unreadable."""
    return _timeout(store.config_get("sess.hookTimeout"))


def _timeout(raw: str | None) -> float:
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
            obj = jsonline.loads(data)
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
    import json  # oversize payloads only
    import re

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


class _Typing(type(sys)):  # type: ignore[misc]  # types.ModuleType, without importing types
    """A stand-in for `typing` while an adapter is imported on the fast path.

    Adapters import `Any` for their annotations (strings, with `from
    __future__ import annotations`), and importing typing costs a tool
    call's hook ~5 ms of its ~20 (it pulls in re, collections, functools).
    The stand-in serves `Any` and `TYPE_CHECKING`; any other name imports
    the real typing and answers from it, so an adapter that uses typing at
    run time still works. It is in sys.modules only during the import."""

    Any = object()
    TYPE_CHECKING = False

    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):  # the import system's questions (__path__, ...)
            raise AttributeError(name)
        sys.modules.pop("typing", None)
        import importlib

        return getattr(importlib.import_module("typing"), name)


def _adapter(agent: str) -> ModuleType | None:
    from gitsess import agents

    stand_in = sys.flags.no_site and "typing" not in sys.modules
    if stand_in:
        sys.modules["typing"] = _Typing("typing")
    try:
        adapter = agents.adapter(agent)
    finally:
        if stand_in and isinstance(sys.modules.get("typing"), _Typing):
            del sys.modules["typing"]
    if adapter is None:
        print(f"gitsess: hook: unknown agent '{agent[:40]}'", file=sys.stderr)
    return adapter


def full_python() -> None:
    """Leave the fast path: add site-packages (pygit2's home) when the
    launcher started Python without them (-S); a no-op otherwise."""
    if sys.flags.no_site and "site" not in sys.modules:
        import site

        site.main()


def serve(agent: str, stdin: IO[bytes], started: float, watchdog: Watchdog, *,
          operator: Callable[[Store], writer.Operator], context: Callable[[Store], Context]) -> str:
    """The hook process's work, from its stdin to what it prints on stdout.

    `operator(store)` and `context(store)` give the callables `run_payload`
    takes, once the repository is known.
    """
    adapter = _adapter(agent)
    if adapter is None:
        return ""
    where = next((d for d in map(os.environ.get, adapter.PROJECT_DIR_ENV)
                  if d and os.path.isdir(d)), ".")
    common = eventrefs.common_dir(where)
    if common is None:
        return ""  # not in a repository: nothing to do
    config = eventrefs.Config(where, common)
    limit = _timeout(config.get("sess.hookTimeout"))
    watchdog.limit = started + max(STARVED_LIMIT_S, 2 * limit)
    if limit != DEFAULT_TIMEOUT_S:
        watchdog.arm(max(limit - (time.monotonic() - started), 0.05))
    deadline = started + limit
    watchdog.phase = "reading"
    if time.monotonic() >= deadline:  # starved past it while starting: check stdin soon
        watchdog.arm(0.5)
    payload = read_payload(stdin, deadline - 0.3)

    def discover() -> Store | None:
        full_python()
        from gitsess.store import Store

        return Store.try_discover(where)

    return _count(config, discover, adapter, payload, os.environ, deadline,
                  operator, context, watchdog)


def run_payload(store: Store, agent: str, payload: bytes,
                env: Mapping[str, str] | None = None, *, deadline: float | None = None,
                operator: writer.Operator | None = None,
                context: Context | None = None) -> str:
    """Count one hook payload in-process, as `git sess hook --agent <agent>`
    does with `payload` on its stdin in `env` (os.environ when None); returns
    what the hook would print on stdout. `operator` names who runs the
    agent when the session is new; `context` gives SessionStart's reply."""
    adapter = _adapter(agent)
    if adapter is None:
        return ""
    deadline = time.monotonic() + timeout(store) if deadline is None else deadline
    data = read_payload(io.BytesIO(payload), deadline - 0.3)
    config = eventrefs.Config(store.workdir or store.git_dir, store.common_dir)
    return _count(config, lambda: store, adapter, data, os.environ if env is None else env,
                  deadline, lambda _: operator, lambda _: context, None)


def _count(config: eventrefs.Config, discover: Callable[[], Store | None],
           adapter: ModuleType, payload: dict[str, Any] | None, env: Mapping[str, str],
           deadline: float, operator: Callable[[Store], writer.Operator | None],
           context: Callable[[Store], Context | None], watchdog: Watchdog | None) -> str:
    """Record the payload's event: a tool call through git's plumbing (the
    fast path), anything else (or a spill git refused) through the pygit2
    writer; `discover()` gives the store when it is needed."""
    if payload is None:
        print("gitsess: hook: payload is not a JSON object; ignored", file=sys.stderr)
        return str(adapter.reply(None, ""))
    ev: Event | None = adapter.to_event(payload)
    if ev is None:
        print("gitsess: hook: payload names no session; ignored", file=sys.stderr)
        return str(adapter.reply(None, ""))
    replay_at = env.get("GITSESS_EVENT_TIME")
    if replay_at:  # a replay (git sess demo) gives each event its recorded time
        try:  # noqa: SIM105  # not contextlib (see Watchdog.arm)
            ev.at_ms = int(float(replay_at) * 1000)
        except (ValueError, OverflowError):  # "inf" overflows int()
            pass
    if watchdog is not None:
        watchdog.phase = "recording"
    testpoint.pause(PAUSE_ENV, env)
    if spill.fast(ev, env, config) and spill.store_event(config, ev) is not None:
        claim = spill.fold_claim(config, ev)
        if claim is not None:
            try:
                store = discover()
                if store is not None:
                    _fold(store, ev, deadline - 0.15, operator(store))
            finally:
                if claim >= 0:
                    os.close(claim)
        if watchdog is not None:
            watchdog.phase = "recorded"
        return str(adapter.reply(ev, ""))
    store = discover()
    if store is None:
        return ""
    from gitsess.telemetry import writer

    # Leave 0.15 s of the budget for the spill write should the CAS run out.
    writer.record(store, ev, deadline=deadline - 0.15, operator=operator(store))
    if watchdog is not None:
        watchdog.phase = "recorded"
    from gitsess.store import hookfiles

    # Git starts AI disclosure's hook only while a session may be live
    # (gitsess/store/hookfiles.py): every event that runs Python arms it,
    # a session's first event among them (tool calls of a session that has
    # its ref take the fast path, and a turn begins with a prompt).
    hookfiles.arm_for_disclosure(store)
    text = ""
    ask = context(store)
    if ask is not None and ev.kind == SESSION_START and ev.source in (None, "startup", "resume"):
        text = ask(deadline)
    return str(adapter.reply(ev, text))


def _fold(store: Store, ev: Event, deadline: float, operator: writer.Operator | None) -> None:
    """Fold the session's spills (the pending bound, gitsess/telemetry/spill.py).
    Best effort: the event is stored already, and a fold that cannot finish
    leaves the spills for the next one."""
    from gitsess import refs
    from gitsess.errors import GitsessError
    from gitsess.telemetry import writer
    from gitsess.telemetry.event import safe_session_name

    ref = refs.live(safe_session_name(ev.session_id))
    import contextlib

    with contextlib.suppress(GitsessError):
        writer.settle(store, ref, max(deadline, time.monotonic() + 0.5), operator)
