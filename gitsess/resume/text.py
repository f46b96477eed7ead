"""`git sess resume` as text for a terminal (gitsess.resume.view builds the document).

Columns line up by display width (gitsess.ui.columns: CJK, emoji and combining
marks), and the text is bounded for a terminal: the prompt and the summary
by rows of an 80-column screen, each list by rows, names and titles by
columns, cut with '…'. Every cut says what it left out and that `--all`
(full=True) shows it; --json is never cut.
"""

from __future__ import annotations

import time
from typing import Any

from gitsess.resume.view import age, branch_line
from gitsess.ui import untrusted
from gitsess.ui.columns import cell, clip, clip_lines, table, wrap
from gitsess.ui.timefmt import ago

PROMPT_ROWS = 30  # rows of an 80-column terminal
SUMMARY_ROWS = 12
WORKSTREAMS_SHOWN = 8  # yours, each with at most QUESTIONS_SHOWN open questions
QUESTIONS_SHOWN = 2
PEER_WORKSTREAMS_SHOWN = 10
PEERS_SHOWN = 8
# Columns of one-line text: a workstream name, an owner or a phase in a
# table; a title; an open question.
NAME_COLS = 30
OWNER_COLS = 16
PHASE_COLS = 16
TITLE_COLS = 50
QUESTION_COLS = 72
ALL = "git sess resume --all"


def _fit(text: str, cols: int, full: bool) -> str:
    """One line of fetched text (a title, a question): single-line, cut unless `full`."""
    return cell(text) if full else clip(cell(text), cols)


def _more(n: int, what: str, indent: str = "  ") -> str:
    return f"{indent}… {n} more {what}{'' if n == 1 else 's'} ({ALL})"


def _block(label: str, text: str, rows: int, full: bool, cols: int | None = None) -> list[str]:
    """A free-text field, verbatim but for what gitsess.ui.untrusted removes:
    whole, or its first `rows` terminal rows; on a terminal `cols` wide,
    wrapped at spaces."""
    text = untrusted.text(text)
    if cols:
        text = wrap(text, cols)
    if full:
        return ["", f"{label}:", text]
    shown, cut = clip_lines(text, rows, cols or 80)
    return ["", f"{label}:", *shown, *([_more(cut, "line")] if cut else [])]


def _unverified(brief: dict[str, Any]) -> str:
    """', unverified' for a record git does not say is its operator's (gitsess.handoff.operators)."""
    v = brief.get("verified")
    return f", {v['status']}" if isinstance(v, dict) and v.get("status") != "verified" else ""


def peer_line(p: dict[str, Any], now_ms: float, *, full: bool = False) -> str:
    seen = p.get("last_seen")
    seen_text = ""
    if seen:
        title = _fit(seen["title"], TITLE_COLS, full)
        seen_text = f'last seen {seen["id"]} ("{title}", {age(seen, now_ms)}{_unverified(seen)})'
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


def _last_handoff(last: dict[str, Any], now_ms: float, full: bool,
                  cols: int | None = None) -> list[str]:
    phase = f", phase {_fit(last['phase'], PHASE_COLS, full)}" if last.get("phase") else ""
    lines = [f'Last handoff: {last["id"]} "{_fit(last["title"], TITLE_COLS, full)}" '
             f"({_fit(last['workstream'], NAME_COLS, full)}{phase}), {age(last, now_ms)}",
             f"  {cell(branch_line(last['branch'], last))}"]
    later = last.get("superseded_by")
    if later:
        lines.append(f"  superseded: {cell(later['operator'])}'s handoff {later['id']} on the same "
                     f"workstream came after it, {age(later, now_ms)}{_unverified(later)} "
                     f"(git sess show {later['id']})")
    if last.get("resume_prompt"):
        lines += _block("Resume prompt", last["resume_prompt"], PROMPT_ROWS, full, cols)
    if last.get("summary"):
        lines += _block("Summary", last["summary"], SUMMARY_ROWS, full, cols)
    return lines


def _mine(mine: list[dict[str, Any]], now_ms: float, full: bool,
          whose: str = "Your") -> list[str]:
    """Your (or X's) workstreams, a table, each row followed by its open questions."""
    shown = mine if full else mine[:WORKSTREAMS_SHOWN]
    rows = [[w["name"], w["phase"] or "-", f"last {w['last']['id']}",
             f"\"{_fit(w['last']['title'], TITLE_COLS, full)}\", {age(w['last'], now_ms)}"]
            for w in shown]
    caps = [None] * 4 if full else [NAME_COLS, PHASE_COLS, None, None]
    lines = ["", f"{whose} workstreams:"]
    for w, row in zip(shown, table(rows, caps), strict=True):
        lines.append(f"  {row}")
        questions = w.get("open_questions", [])
        asked = questions if full else questions[:QUESTIONS_SHOWN]
        lines += [f"    ? {_fit(q, QUESTION_COLS, full)}" for q in asked]
        if len(questions) > len(asked):
            lines.append(_more(len(questions) - len(asked), "open question", "    "))
    if len(mine) > len(shown):
        lines.append(_more(len(mine) - len(shown), "workstream"))
    return lines


def _peer_workstreams(peers: list[dict[str, Any]], now_ms: float, full: bool) -> list[str]:
    shown = peers if full else peers[:PEER_WORKSTREAMS_SHOWN]
    rows = [[w["name"], w["owner"], w["phase"] or "-", age(w["last"], now_ms) + _unverified(w["last"])]
            for w in shown]
    caps = [None] * 4 if full else [NAME_COLS, OWNER_COLS, PHASE_COLS, None]
    lines = ["", "Peers' workstreams:", *(f"  {row}" for row in table(rows, caps))]
    if len(peers) > len(shown):
        lines.append(_more(len(peers) - len(shown), "workstream"))
    return lines


def render(doc: dict[str, Any], *, now: float | None = None, full: bool = False,
           cols: int | None = None, other: bool = False) -> str:
    """The resume document as text; `full` lifts every bound (`--all`);
    `cols`: the terminal's width, to wrap free text at; `other`: the
    document is another operator's (`--operator X`), said as "X's"."""
    now_ms = (time.time() if now is None else now) * 1000
    last = doc.get("last_handoff")
    lines = [str(doc["message"])] if last is None else _last_handoff(last, now_ms, full, cols)
    mine, peer_ws = doc["workstreams"]["mine"], doc["workstreams"]["peers"]
    if mine:
        lines += _mine(mine, now_ms, full, f"{cell(doc['operator'])}'s" if other else "Your")
    if peer_ws:
        lines += _peer_workstreams(peer_ws, now_ms, full)
    peers = doc["peers"]
    if peers:
        shown = peers if full else peers[:PEERS_SHOWN]
        lines += ["", *(peer_line(p, now_ms, full=full) for p in shown)]
        if len(peers) > len(shown):
            lines.append(_more(len(peers) - len(shown), "peer"))
    if not doc.get("complete", True):
        lines += ["", "(partial: the deadline cut the read short)"]
    return "\n".join(lines) + "\n"
