"""The report as terminal text: colour only on a terminal (gitsess.ui.colour:
NO_COLOR and --no-color turn it off), every line cut to the width given."""

from __future__ import annotations

import time
from typing import Any, TextIO

from gitsess.ui import colour, columns

# Rows of each table shown before "… and N more".
TOP = 10


def _when(iso_text: str | None) -> str:
    return (iso_text or "?").replace("T", " ")[:16]


def _window(w: dict[str, Any]) -> str:
    parts = []
    if w["from"]:
        parts.append(f"since {_when(w['from'])}")
    for key in ("range", "branch", "operator", "workstream"):
        if w[key] is not None:
            parts.append(f"{key} {w[key]}")
    return ", ".join(parts) or "all time"


def _tokens(totals: dict[str, Any]) -> list[str]:
    if not totals["tokens"]:
        return ["tokens: not recorded yet (a record carries them once its session's "
                "transcript is reconciled at handoff)"]
    out = ["tokens per model:"]
    for model, t in sorted(totals["tokens"].items()):
        out.append(f"  {model}: in {t.get('input', 0)} out {t.get('output', 0)} cache write "
                   f"{t.get('cache_write', 0)} read {t.get('cache_read', 0)}")
    return out


def _bars(counts: dict[str, int], what: str) -> list[str]:
    if not counts:
        return [f"{what}: none recorded"]
    items = list(counts.items())
    shown = ", ".join(f"{k} {v}" for k, v in items[:TOP])
    more = f", … and {len(items) - TOP} more" if len(items) > TOP else ""
    return [f"{what}: {shown}{more}"]


def _table(rows: list[dict[str, Any]], key: str, other: str) -> list[str]:
    if not rows:
        return ["  none in this window"]
    head = [key, "handoffs", "sessions", "live", "tool calls", "failures", other]
    cells = [head] + [[r[key], str(r["handoffs"]), str(r["sessions"]), str(r["live"]),
                       str(r["tool_calls"]), str(r["failures"]), ", ".join(r[other])]
                      for r in rows[:TOP]]
    out = ["  " + line for line in columns.table(cells, [24, None, None, None, None, None, None])]
    if len(rows) > TOP:
        out.append(f"  … and {len(rows) - TOP} more")
    return out


Line = tuple[str, str | None]  # text, and the colour role of the whole line


def render(doc: dict[str, Any], *, cols: int | None, stream: TextIO) -> list[str]:
    """The report's lines, cut to `cols` (None: not cut), then coloured
    (a cut never lands inside a colour sequence)."""
    out = []
    for text, role in _lines(doc):
        text = columns.clip(text, cols) if cols else text
        out.append(colour.paint(text, role, stream) if role else text)
    return out


def _plain(lines: list[str]) -> list[Line]:
    return [(line, None) for line in lines]


def _lines(doc: dict[str, Any]) -> list[Line]:
    t = doc["totals"]
    lines: list[Line] = [(f"Team report ({_window(doc['window'])}, generated "
                          f"{_when(doc['generated_at'])} UTC)", "hint")]
    if not doc["complete"]:
        lines.append(("warning: the handoff index is incomplete (a deadline cut it short)",
                      "warning"))
    seen = doc["since_last_looked"]
    if seen["seen_at"] is not None:
        new = ": " + ", ".join(seen["new"][:TOP]) if seen["new"] else ""
        lines.append((f"since you last looked ({_when(seen['seen_at'])}): "
                      f"{_n(seen['handoffs'], 'handoff')}, {_n(seen['sessions'], 'session')}"
                      f" active{new}", "id"))
    lines += _plain([
        f"{_n(t['handoffs'], 'handoff')}, {_n(t['sessions'], 'session')} ({t['live_sessions']}"
        f" live), {_n(t['tool_calls'], 'tool call')}, {_n(t['mcp_calls'], 'MCP call')}, "
        f"{_n(t['failures'], 'failure')}, {_n(t['subagents'], 'subagent')}, "
        f"{_n(t['prompts'], 'prompt')}",
        *_tokens(t), ""])
    lines += [("Operators", "hint"), *_plain(_table(doc["operators"], "operator", "workstreams")),
              ("", None), ("Workstreams", "hint"),
              *_plain(_table(doc["workstreams"], "workstream", "operators")), ("", None)]
    lines += _plain([*_bars(doc["tools"], "tools"), *_bars(doc["mcp"], "MCP servers"),
                     *_branches(doc["branches"]), ""])
    lines += [("Invariants", "hint"), *_invariants(doc["invariants"]), ("", None),
              ("Latest handoffs", "hint"), *_plain(_latest(doc["handoffs"]))]
    return lines


def _branches(rows: list[dict[str, Any]]) -> list[str]:
    return _bars({r["branch"]: r["handoffs"] + r["sessions"] for r in rows},
                 "branches touched (handoffs + sessions)")


def _invariants(inv: dict[str, Any]) -> list[Line]:
    if not inv["by_name"]:
        return [("  none stated" + ("" if inv["recorded"] else " (no records read)"), None)]
    out: list[Line] = []
    for name, v in inv["by_name"].items():
        verdict, role = (("fail", "error") if v["fail"] else
                         ("warn", "warning") if v["warn"] else ("ok", "ok"))
        out.append((f"  {name}: {verdict}  pass {v['pass']}, warn {v['warn']}, "
                    f"fail {v['fail']}", role))
    for f in inv["findings"][:TOP]:
        out.append((f"    {f['handoff']} {f['name']}: {f['verdict']} ({f['severity']})",
                    "error" if f["verdict"] == "fail" else "warning"))
    if len(inv["findings"]) > TOP:
        out.append((f"    … and {len(inv['findings']) - TOP} more", None))
    return out


def _latest(handoffs: list[dict[str, Any]]) -> list[str]:
    if not handoffs:
        return ["  no handoffs in this window"]
    rows = [[h["id"], time.strftime("%Y-%m-%d %H:%M", time.localtime(h["at_ms"] / 1000)),
             h["workstream"], h["title"]] for h in handoffs[:TOP]]
    out = ["  " + line for line in columns.table(rows, [None, None, 32, None])]
    if len(handoffs) > TOP:
        out.append(f"  … and {len(handoffs) - TOP} more (git sess log)")
    return out


def _n(count: int, noun: str) -> str:
    """"1 handoff", "2 handoffs"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
