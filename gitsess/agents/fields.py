"""Reading one field of a hook payload that may be hostile.

A field is taken only when it has the type and the size gitsess expects;
anything else (a number for a name, a list for an id, a 10 MB string) reads
as absent, so an adapter never raises on a payload and never stores more
than a bounded name. Shared by the adapters written after claude.py.
"""

from __future__ import annotations

import math
from typing import Any

# A duration beyond a week is not a tool call's: drop it rather than let one
# hostile payload swamp the session's sum (the bound claude.py applies too).
MAX_DURATION_MS = 7 * 24 * 3600 * 1000


def text(payload: Any, key: str, limit: int = 200) -> str | None:
    """`payload[key]` when it is a non-empty string, clipped to `limit`."""
    value = payload.get(key) if isinstance(payload, dict) else None
    if isinstance(value, str) and value:
        return value[:limit]
    return None


def first_text(payload: Any, keys: tuple[str, ...], limit: int = 200) -> str | None:
    """The first of `keys` that holds a usable string."""
    for key in keys:
        value = text(payload, key, limit)
        if value is not None:
            return value
    return None


def duration_ms(value: Any) -> int | None:
    """A duration in milliseconds: an int, or a finite float (Cursor sends
    fractions such as 36.841), within [0, MAX_DURATION_MS]; else None."""
    if type(value) is int:  # bool is an int subclass: True is no duration
        ms = value
    elif type(value) is float and math.isfinite(value) and value >= 0:  # json.loads reads Infinity
        ms = round(value)
    else:
        return None
    return ms if 0 <= ms <= MAX_DURATION_MS else None


def mcp_name(server: str, method: str) -> str:
    """The name gitsess counts an MCP call under: `mcp__<server>__<method>`,
    which telemetry.split_mcp takes apart into the per-server counters."""
    return f"mcp__{server}__{method}"[:200]
