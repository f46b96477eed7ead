"""Where a session's telemetry lives in git, read by the writer and the readers alike.

One ref per agent session, `refs/sess/live/<session>`; one commit per event.
The tip's tree holds the session's cumulative counters, so reading a session
is O(1) and `git log refs/sess/live/<session>` is its timeline:

    session.json    who/where/when the session started (written once)
    counters.json   cumulative counters (counters.COUNTERS_VERSION)
    folded.json     spilled events already counted (only while any remain)
    calls.json      tool calls still open, and the last ones finished (issue 11)

An event that could not be written to its session's ref in time is spilled
to a ref of its own, `refs/sess/pending/<session>/<unique>`, holding the
event's line (`Event.line(spilled=True)`) as a blob, or, for a tool call's
short line, `<unique>.<the line in base64url>` pointing at the empty blob
(spillname.py); writer.py folds spills
in and the readers add any still pending.
"""

from __future__ import annotations

import json
import os
from typing import Any

from gitsess import refs
from gitsess.store import Store
from gitsess.telemetry import spillname
from gitsess.telemetry.event import Event


def dumps(obj: Any) -> bytes:
    """JSON as stored in a session's tree: compact, keys sorted."""
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


def pending_refs(store: Store, session: str, *, loose_only: bool) -> dict[str, str]:
    """A session's spill refs. `loose_only` first looks for the loose directory.

    Spills are rare, so the hot path stats one directory instead of listing
    every ref; a packed spill (after `git gc`) is then left to readers and to
    `settle`, which list everything.
    """
    prefix = refs.pending(session)
    if loose_only and not os.path.isdir(os.path.join(store.common_dir, prefix)):
        return {}
    return store.refs(prefix)


def has_spills(store: Store, ref: str) -> bool:
    """Whether `ref`'s session has spilled events not folded into a ref yet."""
    return bool(pending_refs(store, ref.rsplit("/", 1)[-1], loose_only=False))


def json_entry(store: Store, entries: dict[str, tuple[str, str]], name: str) -> Any:
    """The JSON of tree entry `name` (None when absent)."""
    entry = entries.get(name)
    if not entry:
        return None
    from gitsess.store.safejson import load_json  # bounded: peers' refs are fetched (issue 9)

    return load_json(store.read_blob(entry[1]))


def read_spill(store: Store, oid: str, session: str, name: str) -> Event | None:
    """A spilled event back from its ref's name or its blob; None for
    anything else."""
    line = spillname.decode(name)
    if line is None:
        try:
            line = store.read_blob(oid).decode("utf-8", "replace")
        except Exception:  # not a blob: not ours to count
            return None
    return Event.from_line(line, session, "")
