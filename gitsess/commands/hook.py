"""`git sess hook`: count one agent hook event into git. Never breaks the agent.

Every input exits 0 inside the deadline (gitsess/agents/hook.py says how).
This is the hot path of every tool call: imports stay lazy, and the operator
and the resume context are imported only when a session is created or starts.
"""

from __future__ import annotations

# The C module that signal.py re-exports (see gitsess/agents/hook.py).
import _signal as signal
import io
import sys
import time

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (gitsess/telemetry/spill.py)
if TYPE_CHECKING:
    from typing import IO, Any

    from gitsess.agents.hook import Context
    from gitsess.store import Store
    from gitsess.telemetry.writer import Operator


def run(*, agent: str = "claude", stdin: IO[bytes] | None = None) -> int:
    started = time.monotonic()  # the deadline counts from here, imports included
    from gitsess.agents import hook

    if stdin is None:  # fd 0 closed: sys.stdin is None, and there is nothing to read
        stdin = getattr(sys.stdin, "buffer", None) or io.BytesIO()
    watchdog = hook.Watchdog(started, stdin)
    previous: Any = None
    try:
        previous = signal.signal(signal.SIGALRM, watchdog)
        signal.setitimer(signal.ITIMER_REAL, hook.DEFAULT_TIMEOUT_S)
    except (ValueError, OSError):  # not the main thread (tests calling run())
        pass
    try:
        _print(hook.serve(agent, stdin, started, watchdog, operator=operator, context=context))
    except Exception as exc:  # never a traceback into the agent
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"gitsess: hook: {msg[:300]}", file=sys.stderr)
    finally:
        try:  # not contextlib: its import costs a tool call's hook ~1.5 ms
            signal.setitimer(signal.ITIMER_REAL, 0)
            if previous is not None:  # a caller in-process (a test, a worker) gets its own back
                signal.signal(signal.SIGALRM, previous)
        except (ValueError, OSError, TypeError):
            pass
    return 0


def operator(store: Store) -> Operator:
    """Who runs the agent, asked by the writer only when it creates a session."""

    def ask() -> str | None:
        from gitsess.handoff.identity import operator

        # cache=False: the hook never writes the user's git config; the
        # handoff caches the operator id when it first needs it.
        return operator(store, cache=False).id

    return ask


def context(store: Store) -> Context:
    """The resume context a starting session reads."""

    def ask(deadline: float) -> str:
        from gitsess.resume import view

        return view.agent_context(store, deadline=deadline)

    return ask


def _print(out: str) -> None:
    """What the agent reads on stdout, in its own output contract."""
    if out:
        sys.stdout.write(out)
        sys.stdout.flush()
