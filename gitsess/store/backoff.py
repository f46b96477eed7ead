"""The one retry loop's pacing: jittered exponential backoff inside a deadline.

Every gitsess loop that waits for another writer (the telemetry flock, a
ref's compare-and-swap, a rejected notes push) paces itself with this, so
that the rules live in one place: the first wait is short (a first try that
succeeds never waits), waits double up to a cap, each is jittered by a factor
in [0.5, 1.5) so that racing writers spread out, and no wait runs past the
deadline.
"""

from __future__ import annotations

import os
import time


def jitter() -> float:
    """A factor in [0.5, 1.5), without importing random on the hook's hot path."""
    return 0.5 + int.from_bytes(os.urandom(2), "big") / 65536


class Backoff:
    """`while ...: if not backoff.wait(): give up` for one retry loop."""

    def __init__(self, *, first: float, cap: float, deadline: float) -> None:
        self.delay = first
        self.cap = cap
        self.deadline = deadline  # a time.monotonic() value

    def wait(self) -> bool:
        """Sleep before the next try and return True, or return False at once
        when the wait would end past the deadline."""
        if time.monotonic() + self.delay >= self.deadline:
            return False
        time.sleep(self.delay * jitter())
        self.delay = min(self.delay * 2, self.cap)
        return True
