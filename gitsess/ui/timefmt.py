"""Time formatting shared by every printed view."""

from __future__ import annotations

import time

# RFC 3339 has four-digit years: a crafted commit or event time outside them
# is shown at the nearest end rather than as an invalid date-time.
_MAX_S = 253402300799  # 9999-12-31T23:59:59Z


def iso(ms: int | float | None) -> str | None:
    """Epoch milliseconds -> RFC 3339 UTC ('2026-11-26T07:53:00Z'), None stays None."""
    if ms is None:
        return None
    seconds = ms / 1000
    seconds = 0 if seconds != seconds else min(max(seconds, 0), _MAX_S)  # NaN -> epoch
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def ago(ms: int | float | None, now_ms: float | None = None) -> str:
    """A short age: '45s ago', '12m ago', '3h ago', '2d ago'."""
    if ms is None:
        return "never"
    now = now_ms if now_ms is not None else time.time() * 1000
    s = max(0, int((now - ms) / 1000))
    if s < 60:
        return f"{s}s ago"
    if s < 3600:
        return f"{s // 60}m ago"
    if s < 86400:
        return f"{s // 3600}h ago"
    return f"{s // 86400}d ago"
