"""`git sess resume` as text for a terminal (gitsess.resume builds the document).

Columns line up by display width (gitsess.columns: CJK, emoji and combining
marks); fetched names and titles print on one line, control characters as '?'.
"""

from __future__ import annotations

import time
from typing import Any

from gitsess.columns import cell, table
from gitsess.resume import age, branch_line
from gitsess.timefmt import ago

PEER_WORKSTREAMS_SHOWN = 15
NAME_COLS = 30  # a workstream name in a table, cut with '…' beyond


def peer_line(p: dict[str, Any], now_ms: float) -> str:
    seen = p.get("last_seen")
    seen_text = (f'last seen {seen["id"]} ("{cell(seen["title"])}", {age(seen, now_ms)})'
                 if seen else "")
    calls = f"{p['tool_calls']} tool calls"
    if p["sessions"] > 1:
        calls = f"{p['sessions']} sessions, {calls}"
    if p["active"]:
        text = f"active now ({calls})" + (f"; {seen_text}" if seen_text else "")
    elif seen_text:
        text = seen_text
    else:
        idle = ago(now_ms - (p.get("last_event_age_s") or 0) * 1000, now_ms)
        text = f"last active {idle} ({calls}), no handoff yet"
    return f"Peer activity — {cell(p['operator'])}: {text}"


def render(doc: dict[str, Any], *, now: float | None = None) -> str:
    now_ms = (time.time() if now is None else now) * 1000
    lines: list[str] = []
    last = doc.get("last_handoff")
    if last is None:
        lines.append(str(doc["message"]))
    else:
        phase = f", phase {last['phase']}" if last.get("phase") else ""
        lines.append(cell(f'Last handoff: {last["id"]} "{last["title"]}" '
                          f"({last['workstream']}{phase}), {age(last, now_ms)}"))
        lines.append(f"  {cell(branch_line(last['branch'], last))}")
        if last.get("resume_prompt"):
            lines += ["", "Resume prompt:", last["resume_prompt"]]
        if last.get("summary"):
            lines += ["", "Summary:", last["summary"]]
    mine, peers = doc["workstreams"]["mine"], doc["workstreams"]["peers"]
    if mine:
        lines += ["", "Your workstreams:"]
        rows = [[w["name"], w["phase"] or "-", f"last {w['last']['id']}",
                 f"\"{w['last']['title']}\", {age(w['last'], now_ms)}"] for w in mine]
        for w, row in zip(mine, table(rows, [NAME_COLS, None, None, None]), strict=True):
            lines.append(f"  {row}")
            lines += [f"    ? {cell(q)}" for q in w.get("open_questions", [])]
    if peers:
        lines += ["", "Peers' workstreams:"]
        shown = peers[:PEER_WORKSTREAMS_SHOWN]
        rows = [[w["name"], w["owner"], w["phase"] or "-", age(w["last"], now_ms)]
                for w in shown]
        lines += [f"  {row}" for row in table(rows, [NAME_COLS, None, None, None])]
        if len(peers) > PEER_WORKSTREAMS_SHOWN:
            lines.append(f"  … and {len(peers) - PEER_WORKSTREAMS_SHOWN} more "
                         "(git sess resume --json, git sess log --workstream W)")
    if doc["peers"]:
        lines.append("")
        lines += [peer_line(p, now_ms) for p in doc["peers"]]
    if not doc.get("complete", True):
        lines += ["", "(partial: the deadline cut the read short)"]
    return "\n".join(lines) + "\n"
