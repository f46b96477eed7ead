"""The report as one self-contained HTML page (`git sess report --html FILE`).

Charts are plain SVG written here, not a bundled chart library: the page then
needs no script at all, so its Content-Security-Policy can forbid every
script and every remote load (`default-src 'none'`, the one stylesheet
allowed by its hash); a 10,000-handoff page stays well under 2 MB; and every
string from git reaches the page through one escaping function, `_e`.
Handoff ids, names and titles are a teammate's text: nothing of theirs is
written unescaped, into an attribute unquoted, or into a URL.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Iterable
from typing import Any

from gitsess.ui.timefmt import iso

# The newest handoffs the table and the records list hold; the rest are in
# `git sess log` (a person reads a few hundred rows, not ten thousand).
TABLE_MAX = 1000
LANES_MAX = 100
BARS_MAX = 20
PLOT_W, LABEL_W, LANE_H = 900, 140, 22
# Tableau 10: distinct hues that stay legible on white.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
           "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")
LIVE, NONE = "#555555", "#cccccc"

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
.meta,.note{color:#666}dl.totals{display:grid;grid-template-columns:repeat(4,auto);gap:4px 16px}
dt{color:#666}dd{margin:0;font-weight:600}svg text{font:11px system-ui,sans-serif;fill:#333}
.lane{fill:#f6f6f6}.hm{fill:#111}.fail{fill:#e15759}.warn{fill:#edc948}.pass{fill:#59a14f}
.bar{fill:#4e79a7}.failbar{fill:#e15759}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #eee;padding:3px 6px;text-align:left;vertical-align:top}
.legend span{display:inline-block;margin-right:12px}.sw{font-size:16px}
article{border-left:3px solid #ddd;padding:2px 10px;margin:8px 0}article:target{border-color:#e15759}
article dl{display:grid;grid-template-columns:max-content auto;gap:0 12px;margin:4px 0}
.bad{color:#b00020;font-weight:600}
"""
for _i, _c in enumerate(PALETTE):
    STYLE += f".c{_i}{{fill:{_c};color:{_c}}}\n"


def _e(value: object) -> str:
    """Text from git, escaped for HTML text and double-quoted attributes."""
    return html.escape("" if value is None else str(value), quote=True)


def _label(text: str, y: int) -> str:
    """A chart label that fits its column (the whole name in a tooltip)."""
    short = text if len(text) <= 22 else text[:21] + "\u2026"
    return f"<text x=\"4\" y=\"{y}\"><title>{_e(text)}</title>{_e(short)}</text>"


def _anchor(hid: str) -> str:
    # An id attribute and a fragment both: only characters that need no escaping.
    return "rec-" + re.sub(r"[^A-Za-z0-9_-]", "_", hid)


def _colours(workstreams: list[dict[str, Any]]) -> dict[str, str]:
    """A colour class per workstream, busiest first: the ten busiest never share one."""
    names = [w["workstream"] for w in workstreams if w["workstream"] != "-"]
    return {name: f"c{i % len(PALETTE)}" for i, name in enumerate(names)}


def render(doc: dict[str, Any]) -> str:
    style = STYLE
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    csp = (f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'none'; "
           "base-uri 'none'; form-action 'none'")
    t = doc["totals"]
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">",
        "<meta name=\"referrer\" content=\"no-referrer\">",
        "<meta name=\"viewport\" content=\"width=device-width\">",
        "<title>gitsess team report</title>",
        f"<style>{style}</style></head><body>",
        "<h1>Team report</h1>",
        f"<p class=\"meta\">{_e(_window(doc['window']))}; generated {_e(doc['generated_at'])}"
        f"{'' if doc['complete'] else '; the handoff index is incomplete'}</p>",
        _totals(t, doc["since_last_looked"]),
        "<h2 id=\"timeline\">Sessions per operator</h2>", _timeline(doc),
        "<h2 id=\"tools\">Tool calls</h2>", _bars("tools", list(doc["tools"].items()), "bar"),
        "<h2 id=\"mcp\">MCP calls per server</h2>", _bars("mcp", list(doc["mcp"].items()), "bar"),
        "<h2 id=\"failures\">Failures and invariants</h2>",
        _bars("failures", [(r["operator"], r["failures"]) for r in doc["operators"]
                           if r["failures"]], "failbar", empty="no failed tool calls"),
        _invariants(doc["invariants"]),
        "<h2 id=\"branches\">Branches touched</h2>", _branches(doc["branches"]),
        "<h2 id=\"handoffs\">Handoffs</h2>", _table(doc["handoffs"]),
        "<h2 id=\"records\">Records</h2>", _records(doc["handoffs"][:TABLE_MAX]),
        "</body></html>\n",
    ]
    return "\n".join(parts)


def _window(w: dict[str, Any]) -> str:
    bits = [f"from {w['from']}" if w["from"] else "all time"]
    bits += [f"{k} {w[k]}" for k in ("range", "branch", "operator", "workstream")
             if w[k] is not None]
    return ", ".join(bits)


def _totals(t: dict[str, Any], seen: dict[str, Any]) -> str:
    items = [("handoffs", t["handoffs"]), ("sessions", t["sessions"]),
             ("live sessions", t["live_sessions"]), ("tool calls", t["tool_calls"]),
             ("MCP calls", t["mcp_calls"]), ("failures", t["failures"]),
             ("subagents", t["subagents"]), ("invariant findings", t["invariant_failures"])]
    out = ["<dl class=\"totals\">"]
    out += [f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items]
    out.append("</dl>")
    if t["tokens"]:
        out.append("<p>Tokens per model: " + "; ".join(
            f"{_e(m)}: in {c.get('input', 0)}, out {c.get('output', 0)}"
            for m, c in sorted(t["tokens"].items())) + "</p>")
    else:
        out.append("<p class=\"note\">Tokens: not recorded yet (a record carries them once its "
                   "session's transcript is reconciled at handoff).</p>")
    if seen["seen_at"]:
        out.append(f"<p>Since you last looked ({_e(seen['seen_at'])}): {seen['handoffs']} "
                   f"handoffs, {seen['sessions']} sessions active.</p>")
    return "\n".join(out)


def _timeline(doc: dict[str, Any]) -> str:
    sessions, handoffs = doc["sessions"], doc["handoffs"]
    if not sessions and not handoffs:
        return "<p class=\"note\">No sessions or handoffs in this window.</p>"
    lanes = [r["operator"] for r in doc["operators"]][:LANES_MAX]
    lane_of = {op: i for i, op in enumerate(lanes)}
    colours = _colours(doc["workstreams"])
    # 0 is a session whose start no event told: it must not stretch the axis to 1970.
    times = [t for t in [s["start_ms"] for s in sessions] + [s["end_ms"] for s in sessions]
             + [h["at_ms"] for h in handoffs] if t > 0] or [0]
    lo, hi = min(times), max(times)
    span = max(hi - lo, 1)

    def x(ms: int) -> float:
        return LABEL_W + (ms - lo) * PLOT_W / span

    height = len(lanes) * LANE_H + 24
    out = [f"<svg data-chart=\"timeline\" width=\"{LABEL_W + PLOT_W + 10}\" height=\"{height}\" "
           f"xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"sessions per operator\">"]
    for op, i in lane_of.items():
        y = i * LANE_H
        out.append(f"<rect class=\"lane\" x=\"{LABEL_W}\" y=\"{y}\" width=\"{PLOT_W}\" "
                   f"height=\"{LANE_H - 2}\"/>" + _label(op, y + 15))
    for s in sessions:
        lane = lane_of.get(s["operator"] or "-")
        if lane is None:
            continue
        x0 = x(max(s["start_ms"] or s["end_ms"], lo))
        w = max(x(max(s["end_ms"], lo)) - x0, 5.0)  # a session of minutes in a fortnight stays visible
        cls = colours.get(s["workstream"], "none") if s["workstream"] else ("live" if s["state"] == "live"
                                                              else "none")
        fill = {"live": f" fill=\"{LIVE}\"", "none": f" fill=\"{NONE}\""}.get(cls, "")
        out.append(f"<rect class=\"session {cls if fill == '' else ''}\"{fill} x=\"{x0:.1f}\" "
                   f"y=\"{lane * LANE_H + 3}\" width=\"{w:.1f}\" height=\"{LANE_H - 8}\">"
                   f"<title>{_e(s['session_id'])} ({_e(s['agent'])}, {_e(s['workstream'] or 'not handed off')}): "
                   f"{s['tool_calls']} tool calls, {s['failures']} failures</title></rect>")
    marks: dict[tuple[int, int], list[str]] = {}
    for h in handoffs:
        lane = lane_of.get(h["operator"])
        if lane is not None:  # one mark per pixel of a lane: a busy lane stays small
            marks.setdefault((lane, int(x(h["at_ms"]))), []).append(h["id"])
    for (i, px), ids in marks.items():
        out.append(f"<rect class=\"hm\" data-handoffs=\"{len(ids)}\" x=\"{px - 1}\" "
                   f"y=\"{i * LANE_H}\" width=\"2\" height=\"{LANE_H - 2}\"><title>"
                   f"{_e(', '.join(ids[:5]) + (f' and {len(ids) - 5} more' if len(ids) > 5 else ''))}"
                   "</title></rect>")
    axis_y = len(lanes) * LANE_H + 14
    out.append(f"<text x=\"{LABEL_W}\" y=\"{axis_y}\">{_e(iso(lo))}</text>"
               f"<text x=\"{LABEL_W + PLOT_W}\" y=\"{axis_y}\" text-anchor=\"end\">"
               f"{_e(iso(hi))}</text></svg>")
    out.append(_legend(colours))
    if len(doc["operators"]) > LANES_MAX:
        out.append(f"<p class=\"note\">The {LANES_MAX} busiest operators of "
                   f"{len(doc['operators'])} are shown.</p>")
    return "\n".join(out)


def _legend(colours: dict[str, str]) -> str:
    spans = [f"<span><span class=\"sw {cls}\">&#9632;</span> {_e(name)}</span>"
             for name, cls in list(colours.items())[:BARS_MAX]]
    return ("<p class=\"legend\">" + "".join(spans)
            + " <span>&#9608; black ticks: handoffs; grey: live, not handed off</span></p>")


def _bars(name: str, items: list[tuple[str, int]], cls: str, *, empty: str = "none recorded",
          ) -> str:
    if not items:
        return f"<p class=\"note\" data-chart=\"{name}\">{_e(empty)}</p>"
    items = sorted(items, key=lambda kv: (-kv[1], kv[0]))[:BARS_MAX]
    top = max(v for _, v in items) or 1
    out = [f"<svg data-chart=\"{name}\" width=\"{LABEL_W + PLOT_W // 2 + 60}\" "
           f"height=\"{len(items) * LANE_H}\" xmlns=\"http://www.w3.org/2000/svg\">"]
    for i, (label, value) in enumerate(items):
        w = max(value * (PLOT_W // 2) / top, 1.0)
        y = i * LANE_H
        out.append(_label(label, y + 15) + f"<rect class=\"{cls}\" "
                   f"x=\"{LABEL_W}\" y=\"{y + 3}\" width=\"{w:.1f}\" height=\"{LANE_H - 8}\"/>"
                   f"<text x=\"{LABEL_W + w + 4:.1f}\" y=\"{y + 15}\">{value}</text>")
    out.append("</svg>")
    return "\n".join(out)


def _invariants(inv: dict[str, Any]) -> str:
    if not inv["by_name"]:
        return "<p class=\"note\" data-chart=\"invariants\">No invariants stated in these records.</p>"
    names = list(inv["by_name"].items())[:BARS_MAX]
    top = max(sum(v.values()) for _, v in names) or 1
    out = [f"<svg data-chart=\"invariants\" width=\"{LABEL_W + PLOT_W // 2 + 60}\" "
           f"height=\"{len(names) * LANE_H}\" xmlns=\"http://www.w3.org/2000/svg\">"]
    for i, (name, v) in enumerate(names):
        y, x0 = i * LANE_H, float(LABEL_W)
        out.append(_label(name, y + 15))
        for verdict in ("pass", "warn", "fail"):
            if v[verdict]:
                w = v[verdict] * (PLOT_W // 2) / top
                out.append(f"<rect class=\"{verdict}\" x=\"{x0:.1f}\" y=\"{y + 3}\" "
                           f"width=\"{w:.1f}\" height=\"{LANE_H - 8}\"><title>{verdict} "
                           f"{v[verdict]}</title></rect>")
                x0 += w
    out.append("</svg>")
    items = [f"<li><a href=\"#{_anchor(f['handoff'])}\">{_e(f['handoff'])}</a> "
             f"<span class=\"bad\">{_e(f['name'])}: {_e(f['verdict'])}</span> "
             f"({_e(f['severity'])})</li>" for f in inv["findings"][:TABLE_MAX]]
    if items:
        out.append("<ul class=\"findings\">" + "".join(items) + "</ul>")
    return "\n".join(out)


def _branches(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p class=\"note\">No branch recorded.</p>"
    return "<p>" + ", ".join(f"{_e(r['branch'])} ({r['handoffs']} handoffs, {r['sessions']} "
                             "sessions)" for r in rows[:200]) + "</p>"


def _verdict(h: dict[str, Any]) -> str:
    bad = [i for i in h["invariants"] if i["verdict"] != "pass"]
    if bad:
        return "<span class=\"bad\">" + _e(", ".join(f"{i['name']} {i['verdict']}"
                                                    for i in bad)) + "</span>"
    return "ok" if h["invariants"] else ""


def _table(handoffs: list[dict[str, Any]]) -> str:
    if not handoffs:
        return "<p class=\"note\">No handoffs in this window.</p>"
    rows = "".join(
        f"<tr><td><a href=\"#{_anchor(h['id'])}\">{_e(h['id'])}</a></td><td>{_e(h['at'])}</td>"
        f"<td>{_e(h['operator'])}</td><td>{_e(h['workstream'])}</td><td>{_e(h['title'])}</td>"
        f"<td>{_verdict(h)}</td></tr>\n" for h in handoffs[:TABLE_MAX])
    more = (f"<p class=\"note\">The newest {TABLE_MAX} of {len(handoffs)} handoffs; "
            "<code>git sess log</code> lists them all.</p>" if len(handoffs) > TABLE_MAX else "")
    return ("<table data-table=\"handoffs\"><thead><tr><th>id</th><th>at</th><th>operator</th>"
            "<th>workstream</th><th>title</th><th>invariants</th></tr></thead><tbody>\n"
            f"{rows}</tbody></table>{more}")


def _dl(pairs: Iterable[tuple[str, object]]) -> str:
    return "<dl>" + "".join(f"<dt>{k}</dt><dd>{_e(v)}</dd>" for k, v in pairs) + "</dl>"


def _records(handoffs: list[dict[str, Any]]) -> str:
    out = []
    for h in handoffs:
        tokens = "; ".join(f"{m}: in {c.get('input', 0)}, out {c.get('output', 0)}"
                           for m, c in sorted((h["tokens"] or {}).items())) or "not recorded"
        invs = ", ".join(f"{i['name']} {i['verdict']}" for i in h["invariants"]) or "none"
        out.append(f"<article id=\"{_anchor(h['id'])}\"><h3>{_e(h['id'])}: {_e(h['title'])}</h3>"
                   + _dl([("operator", h["operator"]),
                          ("workstream", h["workstream"] + (f"/{h['phase']}" if h["phase"] else "")),
                          ("at", h["at"]), ("commit", h["commit"]), ("branch", h["branch"] or "-"),
                          ("sessions", ", ".join(h["sessions"]) or "-"), ("invariants", invs),
                          ("tokens", tokens),
                          ("record", "note" if h["record"] else "no note in this clone")])
                   + "</article>")
    return "\n".join(out)
