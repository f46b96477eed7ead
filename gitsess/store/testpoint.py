"""Named pause points for tests: a process reaches a phase and waits there.

A test sets the point's variable to a path; the process creates
`<path>.reached` and waits (at most a minute) until `<path>` exists, so the
test can act (stop it, hold a lock, let a deadline pass) at exactly that
phase instead of sleeping and hoping. Unset, a point costs one lookup.
"""

from __future__ import annotations

import os
import time

TYPE_CHECKING = False  # not typing's: the hook's fast path imports this (gitsess/telemetry/spill.py)
if TYPE_CHECKING:
    from collections.abc import Mapping


def pause(variable: str, env: Mapping[str, str] | None = None) -> None:
    path = (os.environ if env is None else env).get(variable)
    if not path:
        return
    with open(path + ".reached", "w", encoding="utf-8"):
        pass
    end = time.monotonic() + 60
    while not os.path.exists(path) and time.monotonic() < end:
        time.sleep(0.02)
