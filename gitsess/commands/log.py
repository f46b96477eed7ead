"""`git sess log`: one line per handoff across branches and remotes, newest first."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from gitsess import handoff_index
from gitsess.handoff_index import Handoff
from gitsess.resume import parse_duration
from gitsess.store import Store
from gitsess.timefmt import iso

SCHEMA_VERSION = 1


def entry(h: Handoff) -> dict[str, Any]:
    """One handoff as printed by log --json (schemas/log.json)."""
    return {
        "id": h.id,
        "operator": h.operator,
        "workstream": h.workstream,
        "phase": h.phase,
        "title": h.title,
        "at": iso(h.time * 1000),
        "commit": h.commit,
        "ref": h.ref,
        "source": h.source,
        "sessions": list(h.sessions),
    }


def line(h: Handoff, id_width: int, ws_width: int) -> str:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(h.time))
    ws = h.workstream + (f"/{h.phase}" if h.phase else "")
    return f"{h.id:<{id_width}}  {when}  {ws:<{ws_width}}  {h.title}".rstrip()


def run(*, store: Store, as_json: bool = False, operator: str | None = None,
        workstream: str | None = None, limit: int | None = None,
        since: str | None = None) -> int:
    cutoff = time.time() - parse_duration(since) if since else None
    index = handoff_index.build(store)
    shown = handoff_index.select(index.handoffs, operator=operator, workstream=workstream,
                                 since=cutoff, limit=limit)
    if as_json:
        json.dump({"v": SCHEMA_VERSION, "handoffs": [entry(h) for h in shown]}, sys.stdout,
                  indent=2)
        sys.stdout.write("\n")
        return 0
    if not shown:
        print("no handoffs" + (" match" if operator or workstream or since else " yet"))
        return 0
    id_width = max(len(h.id) for h in shown)
    ws_width = max(len(h.workstream) + (len(h.phase) + 1 if h.phase else 0) for h in shown)
    out = sys.stdout
    for h in shown:
        out.write(line(h, id_width, ws_width) + "\n")
    return 0
