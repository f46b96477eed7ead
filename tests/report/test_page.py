"""gitsess.report.page on documents built by hand: hostile text stays text,
the CSP allows exactly the page's own stylesheet, and 10,000 handoffs fit
in 2 MB. (The page in a real browser: test_report_team.py.)"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from gitsess.report import page

EVIL = '"><script>alert(1)</script><img src=x onerror=alert(2)>{y}'


def handoff(n: int, **over: Any) -> dict[str, Any]:
    h = {"id": f"RT-261126-{n:02d}", "operator": "RT", "workstream": "core", "phase": None,
         "title": f"step {n}", "at": "2026-11-26T09:00:00Z", "at_ms": 1795000000000 + n * 60000,
         "commit": "a" * 40, "source": "ref", "branch": "main", "sessions": [f"s{n}"],
         "record": True, "tokens": None, "models": None,
         "invariants": [{"name": "no-bash", "verdict": "warn" if n % 7 == 0 else "pass",
                         "severity": "warn"}]}
    h.update(over)
    return h


def session(n: int, **over: Any) -> dict[str, Any]:
    s = {"session_id": f"s{n}", "operator": "RT", "workstream": "core", "state": "done",
         "source": "local", "agent": "claude-code", "model": None, "branch": "main",
         "started_at": None, "last_event_at": None, "start_ms": 1795000000000 + n * 60000 - 5000,
         "end_ms": 1795000000000 + n * 60000, "events": 4, "tool_calls": 2, "tools": {"Bash": 2},
         "mcp": {}, "mcp_calls": 0, "failures": 0, "subagents": 0, "prompts": 1}
    s.update(over)
    return s


def doc(handoffs: list[dict[str, Any]], sessions: list[dict[str, Any]]) -> dict[str, Any]:
    ops = sorted({h["operator"] for h in handoffs} | {s["operator"] for s in sessions})
    return {
        "v": 1, "generated_at": "2026-11-26T10:00:00Z", "complete": True,
        "window": {"since_s": None, "range": None, "branch": None, "operator": None,
                   "workstream": None, "from": None, "to": "2026-11-26T10:00:00Z"},
        "totals": {"handoffs": len(handoffs), "sessions": len(sessions), "live_sessions": 0,
                   "events": 0, "tool_calls": 0, "mcp_calls": 0, "failures": 1, "subagents": 0,
                   "prompts": 0, "tokens": None, "invariant_failures": 0},
        "operators": [{"operator": op, "handoffs": 1, "sessions": 1, "live": 0, "tool_calls": 1,
                       "failures": 1, "workstreams": [EVIL], "last_at": None} for op in ops],
        "workstreams": [{"workstream": EVIL, "handoffs": 1, "sessions": 0, "live": 0,
                         "tool_calls": 0, "failures": 0, "operators": ops, "last_at": None}],
        "tools": {EVIL: 3, "Bash": 2}, "mcp": {EVIL: 1},
        "invariants": {"recorded": True, "by_name": {EVIL: {"pass": 1, "warn": 1, "fail": 0}},
                       "findings": [{"handoff": handoffs[0]["id"], "operator": "RT",
                                     "name": EVIL, "verdict": "warn", "severity": "warn"}]},
        "branches": [{"branch": EVIL, "handoffs": 1, "sessions": 1}],
        "since_last_looked": {"seen_at": None, "handoffs": 0, "sessions": 0, "new": []},
        "handoffs": handoffs, "sessions": sessions,
    }


def test_hostile_text_stays_text_and_the_csp_allows_only_the_own_style() -> None:
    hs = [handoff(1, title=EVIL, operator=EVIL, workstream=EVIL, branch=EVIL,
                  id="RT-261126-01\"><b>"), handoff(2)]
    html = page.render(doc(hs, [session(1, operator=EVIL, workstream=EVIL,
                                        session_id=EVIL, agent=EVIL)]))
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "{y}" in html
    anchors = set(re.findall(r'id="(rec-[^"]*)"', html))
    links = set(re.findall(r'href="#(rec-[^"]*)"', html))
    assert links <= anchors and "rec-RT-261126-01___b_" in anchors
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert csp is not None and csp.group(1).startswith("default-src 'none';")
    assert f"style-src 'sha256-{digest}'" in csp.group(1) and "script-src" not in csp.group(1)
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html)


def test_a_session_without_a_start_does_not_stretch_the_axis_to_1970() -> None:
    html = page.render(doc([handoff(1)], [session(1), session(2, start_ms=0)]))
    xs = [float(x) for x in re.findall(r'class="session[^"]*"[^>]* x="([-0-9.]+)"', html)]
    assert len(xs) == 2 and all(x >= page.LABEL_W for x in xs)
    assert "1970" not in html


def test_ten_thousand_handoffs_fit_in_two_megabytes() -> None:
    hs = [handoff(n % 100, id=f"RT-2611{n // 100 % 100:02d}-{n % 100:02d}", at_ms=1795000000000
                  + n * 60000) for n in range(10_000)]
    html = page.render(doc(hs, [session(n) for n in range(1_000)]))
    assert len(html.encode()) < 2 * 1024 * 1024
    assert html.count('<tr><td><a href="#rec-') == page.TABLE_MAX
    assert f"The newest {page.TABLE_MAX} of 10000 handoffs" in html
    ticks = sum(int(n) for n in re.findall(r'class="hm" data-handoffs="(\d+)"', html))
    assert ticks == 10_000
