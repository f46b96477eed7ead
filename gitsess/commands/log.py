"""`git sess log`: one line per handoff across branches and remotes, newest first."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from gitsess.errors import UsageError
from gitsess.handoff import index as handoff_index
from gitsess.handoff import lookup
from gitsess.handoff import operators as verify
from gitsess.handoff.identity import OPERATOR_RE
from gitsess.handoff.index import Handoff
from gitsess.resume.view import parse_duration
from gitsess.store import Store
from gitsess.ui import columns, untrusted
from gitsess.ui.timefmt import iso

SCHEMA_VERSION = 1
# Columns a workstream/phase may take before it is cut with '…' (the title,
# last on the line, is never cut).
WS_COLS = 32


def entry(h: Handoff, usage: dict[str, Any] | None = None,
          v: verify.Verdict | None = None) -> dict[str, Any]:
    """One handoff as printed by log --json (schemas/log.json), its text
    made safe (gitsess.ui.untrusted): it comes from whoever pushed the commit."""
    usage = usage or {}
    out: dict[str, Any] = {
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
        "tokens": usage.get("tokens"),
        "models": usage.get("models"),
    }
    if v is not None:
        out["verified"] = v.as_json()
    if verify.future(max(h.time, h.author_time)):
        out["future"] = True
    return untrusted.tree(out)


def _ws(h: Handoff) -> str:
    # Each part on its own: a dangling ESC at the end of one would eat the
    # start of the next.
    ws, phase = untrusted.line(h.workstream), untrusted.line(h.phase or "")
    return ws + (f"/{phase}" if phase else "")


def row(h: Handoff, v: verify.Verdict | None = None) -> list[str]:
    """One handoff's cells: id, local time, workstream/phase, title (and what
    git does not vouch for: an operator it does not confirm, a future date)."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(h.time))
    marks = []
    if v is not None and not v.ok:
        marks.append(f"{v.status}: {v.reason}")
    if verify.future(max(h.time, h.author_time)):
        marks.append("dated in the future")
    return [h.id, when, _ws(h), h.title + "".join(f"  [{m}]" for m in marks)]


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
    verifier = verify.Verifier.for_store(
        store, claims=lambda: [verify.claim(h) for h in index.handoffs])
    verifier.prefetch(h.commit for h in shown)
    verdicts = [verifier.verdict(verify.claim(h)) for h in shown]
    if as_json:
        json.dump({"v": SCHEMA_VERSION,
                   "handoffs": [entry(h, lookup.usage(store, index, h), v)
                                for h, v in zip(shown, verdicts, strict=True)]},
                  sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if not shown:
        if limit != 0:  # -n 0 asks for nothing, as git log -0 does
            filtered = operator is not None or workstream is not None or since is not None
            print("no handoffs" + (" match" if filtered else " yet"))
        return 0
    rows = [row(h, v) for h, v in zip(shown, verdicts, strict=True)]
    for text in columns.table(rows, [None, None, WS_COLS, None]):
        sys.stdout.write(text + "\n")
    return 0
