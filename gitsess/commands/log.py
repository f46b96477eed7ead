"""`git sess log`: one line per handoff across branches and remotes, newest first."""

from __future__ import annotations

import json
import sys
import time
import unicodedata
from typing import Any

from gitsess import handoff_index
from gitsess.errors import UsageError
from gitsess.handoff_index import Handoff
from gitsess.identity import OPERATOR_RE
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


def _ws(h: Handoff) -> str:
    return h.workstream + (f"/{h.phase}" if h.phase else "")


def width(text: str) -> int:
    """Terminal columns: East Asian wide characters take two (日本語 is 6)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def line(h: Handoff, id_width: int, ws_width: int) -> str:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(h.time))
    ws = _ws(h)
    pad = " " * (ws_width - width(ws))
    return f"{h.id:<{id_width}}  {when}  {ws}{pad}  {h.title}".rstrip()


def run(*, store: Store, as_json: bool = False, operator: str | None = None,
        workstream: str | None = None, limit: int | None = None,
        since: str | None = None) -> int:
    if operator is not None and not OPERATOR_RE.match(operator):
        raise UsageError(f"invalid operator '{operator}'",
                         hint="an operator is letters, digits, '-' and '_', e.g. RT")
    # Clamped at 1970: --since 99999999d means everything.
    cutoff = max(0.0, time.time() - parse_duration(since)) if since is not None else None
    index = handoff_index.build(store)
    shown = handoff_index.select(index.handoffs, operator=operator, workstream=workstream,
                                 since=cutoff, limit=limit)
    if as_json:
        json.dump({"v": SCHEMA_VERSION, "handoffs": [entry(h) for h in shown]}, sys.stdout,
                  indent=2)
        sys.stdout.write("\n")
        return 0
    if not shown:
        if limit != 0:  # -n 0 asks for nothing, as git log -0 does
            filtered = operator is not None or workstream is not None or since is not None
            print("no handoffs" + (" match" if filtered else " yet"))
        return 0
    id_width = max(len(h.id) for h in shown)
    ws_width = max(width(_ws(h)) for h in shown)
    out = sys.stdout
    for h in shown:
        out.write(line(h, id_width, ws_width) + "\n")
    return 0
