"""Time formatting shared by every printed view."""

from __future__ import annotations

import time


def iso(ms: int | float | None) -> str | None:
    """Epoch milliseconds -> RFC 3339 UTC ('2026-11-26T07:53:00Z'), None stays None."""
    if ms is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))


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
