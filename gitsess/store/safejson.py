"""Bounded JSON for what is read from git objects a peer could have pushed
(a session's session.json, counters.json, folded.json).

Kept apart from gitsess.store.safeyaml: the agent hook reads telemetry trees on
every tool call, and importing PyYAML there would cost it ~10 ms.
"""

from __future__ import annotations

import json
from typing import Any

# session.json, counters.json, folded.json: a few KiB each in practice.
JSON_MAX_BYTES = 1024 * 1024


def load_json(data: bytes | str, *, max_bytes: int = JSON_MAX_BYTES) -> Any:
    """ValueError when `data` is larger than `max_bytes`, not JSON, or nested
    too deeply (the json module raises RecursionError for that: issue 9's
    exit 70)."""
    if len(data) > max_bytes:
        raise ValueError(f"JSON larger than {max_bytes} bytes")
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
