"""`git sess report` over a team's two weeks (issue 14 acceptance): the
totals agree with `log --json` and `status --json`, the windows cut, the
text and the "since you last looked" mark behave."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gitsess.data import schema
from tests.conftest import pinned
from tests.helpers import Repo
from tests.report import browser
from tests.report.teamdata import PEOPLE, Team, build
from tests.ui.test_ui import ESC, on_a_terminal

# One worker builds the team once (./run-tests distributes by xdist group).
pytestmark = pytest.mark.xdist_group("report-team")

# Where the page and its screenshot are kept (read at import: the hermetic
# fixture clears GITSESS_* for each test); a temporary directory otherwise.
ARTIFACTS = os.environ.get("GITSESS_ARTIFACTS")


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    # Built before any function-scoped fixture runs: hermetic on its own.
    with pytest.MonkeyPatch.context() as mp, pinned(tmp_path_factory.mktemp("home"), mp):
        yield build(tmp_path_factory.mktemp("team"))


def report(repo: Repo, *args: str) -> dict[str, Any]:
    proc = repo.sess("report", "--json", *args)
    assert proc.returncode == 0, proc.stderr
    doc: dict[str, Any] = json.loads(proc.stdout)
    jsonschema.Draft202012Validator(schema("report"),
                                    format_checker=jsonschema.FormatChecker()).validate(doc)
    return doc


def test_totals_equal_the_sums_over_log_and_status(team: Team) -> None:
    doc = report(team.lead)
    log = json.loads(team.lead.sess("log", "--json", check=True).stdout)["handoffs"]
    assert doc["totals"]["handoffs"] == len(log) == len(team.handoffs) == 9
    assert sorted(h["id"] for h in doc["handoffs"]) == sorted(h["id"] for h in log)
    # Each operator's sessions are in their own clone (status reads the
    # local refs); the lead's clone holds them all after the syncs.
    views = [v for p in PEOPLE for v in json.loads(
        p.repo.sess("status", "--json", "--all", check=True).stdout)["sessions"]]
    assert doc["totals"]["sessions"] == len(views) == 12
    for key in ("events", "tool_calls", "failures", "subagents", "prompts"):
        assert doc["totals"][key] == sum(v[key] for v in views), key
    mcp: Counter[str] = Counter()
    for v in views:
        mcp.update({k: e["total"] for k, e in v["mcp"].items()})
    assert doc["mcp"] == dict(mcp) and doc["totals"]["mcp_calls"] == sum(mcp.values()) > 0
    tools: Counter[str] = Counter()
    for v in views:
        tools.update(v["tools"])
    assert doc["tools"] == dict(tools)
    assert doc["totals"]["live_sessions"] == 3
    assert doc["totals"]["failures"] > 0
    tokens = [h["tokens"] for h in log]
    assert [h["tokens"] for h in doc["handoffs"]] == tokens


def test_per_operator_workstream_invariants_and_branches(team: Team) -> None:
    doc = report(team.lead)
    ops = {r["operator"]: r for r in doc["operators"]}
    assert {op: (r["handoffs"], r["sessions"], r["live"]) for op, r in ops.items()} == {
        "RT": (3, 4, 1), "AB": (3, 4, 1), "CD": (3, 4, 1)}
    assert ops["AB"]["workstreams"] == ["export", "search"]
    ws = {r["workstream"]: r["handoffs"] for r in doc["workstreams"] if r["workstream"] != "-"}
    assert ws == {"billing": 3, "export": 2, "search": 2, "infra": 2}
    by_name = doc["invariants"]["by_name"]
    assert by_name["no-notion-writes"] == {"pass": 9, "warn": 0, "fail": 0}
    warned = by_name["no-failed-calls"]["warn"]
    assert warned > 0 and warned == len(doc["invariants"]["findings"])
    assert {b["branch"] for b in doc["branches"]} == {"feature-rt", "feature-ab", "feature-cd"}


def test_windows_cut_what_they_say(team: Team) -> None:
    lead = team.lead
    ab = report(lead, "--operator", "AB")
    assert {h["operator"] for h in ab["handoffs"]} == {"AB"} and ab["totals"]["handoffs"] == 3
    assert {s["operator"] for s in ab["sessions"]} == {"AB"}
    week = report(lead, "--since", "7d")
    cutoff = (team.now - 7 * 86400) * 1000
    assert week["totals"]["handoffs"] == sum(1 for h in team.handoffs
                                             if h["at"] * 1000 >= cutoff)
    assert 0 < week["totals"]["handoffs"] < 9
    billing = report(lead, "--workstream", "billing")
    assert [h["workstream"] for h in billing["handoffs"]] == ["billing"] * 3
    branch = report(lead, "--branch", "origin/feature-cd")
    assert {h["operator"] for h in branch["handoffs"]} == {"CD"}
    # Its sessions too, the live one included (started on feature-cd, not handed off).
    assert {s["session_id"] for s in branch["sessions"]} == {"cd-s0", "cd-s1", "cd-s2", "cd-live"}
    assert report(lead, "--range", "origin/main..origin/feature-ab")["totals"]["handoffs"] == 3
    assert report(lead, "--range", "origin/feature-ab..origin/feature-ab")["totals"]["handoffs"] == 0


@pytest.mark.parametrize("args, message", [
    (("--since", "soon"), "invalid duration"),
    (("--range", "nope..HEAD"), "unknown revision"),
    (("--range", "HEAD"), "invalid range"),
    (("--branch", "no-such"), "no branch 'no-such'"),
    (("--operator", "a b"), "invalid operator"),
    (("--json", "--html", "x.html"), "do not go together"),
])
def test_bad_windows_are_one_line_errors(team: Team, args: tuple[str, ...], message: str) -> None:
    proc = team.lead.sess("report", *args)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_page_that_cannot_be_written_exits_1(team: Team, tmp_path: Path) -> None:
    proc = team.lead.sess("report", "--html", str(tmp_path / "missing" / "r.html"))
    assert proc.returncode == 1 and proc.stderr.startswith("error: cannot write")


def test_text_is_safe_fits_the_width_and_colours_only_when_asked(team: Team) -> None:
    out = team.lead.sess("report", check=True, env={"COLUMNS": "60"}).stdout
    lines = out.splitlines()
    assert lines[0].startswith("Team report (all time")
    assert "9 handoffs, 12 sessions (3 live)" in out
    assert all(len(line) <= 60 for line in lines), [ln for ln in lines if len(ln) > 60]
    assert "\x1b" not in out  # a pipe: no colour, and the hostile title's escape is gone
    assert "no-failed-calls: warn" in out


def test_since_you_last_looked_is_kept_by_the_text_view_only(team: Team) -> None:
    lead = team.lead
    lead.git("config", "--unset-all", "sess.reportSeen", check=False)
    report(lead)
    lead.sess("report", "--html", str(lead.path.parent / "p.html"), check=True)
    assert lead.git("config", "sess.reportSeen", check=False).returncode == 1
    first = lead.sess("report", check=True).stdout
    assert "since you last looked" not in first
    seen = int(lead.git("config", "sess.reportSeen").stdout)
    assert seen >= team.now * 1000
    doc = report(lead)
    assert doc["since_last_looked"]["handoffs"] == 0
    assert doc["since_last_looked"]["seen_at"] is not None
    # Set it back a week: what happened since shows up, newest first.
    lead.git("config", "sess.reportSeen", str((team.now - 7 * 86400) * 1000))
    doc = report(lead)
    week = report(lead, "--since", "7d")["totals"]["handoffs"]
    assert doc["since_last_looked"]["handoffs"] == week > 0
    again = lead.sess("report", check=True).stdout
    assert "since you last looked" in again and f": {week} handoffs" in again
    assert report(lead)["since_last_looked"]["handoffs"] == 0  # the text view has looked


def test_page_loads_in_headless_chromium_with_its_marks_and_no_injection(
        team: Team, tmp_path: Path) -> None:
    lead = team.lead
    doc = report(lead)
    artifacts = Path(ARTIFACTS) if ARTIFACTS else tmp_path
    artifacts.mkdir(parents=True, exist_ok=True)
    page = artifacts / "report.html"
    lead.sess("report", "--html", str(page), check=True)
    html = page.read_text()
    assert "<script" not in html.replace("&lt;script", "")  # the hostile title, escaped
    assert 'http-equiv="Content-Security-Policy" content="default-src \'none\'' in html
    with browser.chromium(tmp_path / "profile") as driver:
        driver.get(page.as_uri())
        marks = driver.execute_script("""
            const n = (s) => document.querySelectorAll(s).length;
            return {
              sessions: n('svg[data-chart=timeline] rect.session'),
              handoffs: [...document.querySelectorAll('svg[data-chart=timeline] rect.hm')]
                        .reduce((a, r) => a + Number(r.dataset.handoffs), 0),
              lanes: n('svg[data-chart=timeline] rect.lane'),
              tools: n('svg[data-chart=tools] rect.bar'),
              mcp: n('svg[data-chart=mcp] rect.bar'),
              failures: n('svg[data-chart=failures] rect.failbar'),
              verdicts: n('svg[data-chart=invariants] rect'),
              rows: n('table[data-table=handoffs] tbody tr'),
              linked: [...document.querySelectorAll('table[data-table=handoffs] a')]
                      .filter(a => document.getElementById(a.hash.slice(1))).length,
              scripts: n('script'), images: n('img'),
              text: document.body.innerText,
            };""")
        shot = artifacts / "report.png"
        driver.save_screenshot(str(shot))
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    print(f"report page and screenshot kept in {artifacts}")
    assert errors == []
    assert marks["sessions"] == doc["totals"]["sessions"] == 12
    assert marks["handoffs"] == doc["totals"]["handoffs"] == 9
    assert marks["lanes"] == 3
    assert marks["tools"] == len(doc["tools"]) and marks["mcp"] == len(doc["mcp"]) > 0
    assert marks["failures"] == sum(1 for r in doc["operators"] if r["failures"])
    assert marks["verdicts"] >= len(doc["invariants"]["by_name"]) == 2
    assert marks["rows"] == marks["linked"] == 9
    assert (marks["scripts"], marks["images"]) == (0, 0)
    assert "<script>alert(1)</script><img src=x onerror=alert(2)>" in marks["text"]
    assert shot.stat().st_size > 10_000


def test_colour_on_a_terminal_and_never_a_teammates_escape(team: Team) -> None:
    out = on_a_terminal(team.lead, "report", "--operator", "CD", env={"COLUMNS": "100"})
    assert f"{ESC}36m" in out  # headings, in the hint colour
    assert f"{ESC}31m" not in out  # the hostile title's red is not passed through
    assert "red" in out  # but its text is
    plain = on_a_terminal(team.lead, "report", "--operator", "CD", env={"NO_COLOR": "1"})
    assert ESC not in plain and "Team report" in plain
