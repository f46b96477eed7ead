"""`git sess log`: handoffs across branches and remotes, newest first."""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from gitsess.commands.log import WS_COLS
from gitsess.data import schema
from gitsess.ui.columns import width
from tests.helpers import Repo, make_handoff


def log_json(repo: Repo, *args: str) -> list[dict[str, Any]]:
    doc = json.loads(repo.sess("log", "--json", *args, check=True).stdout)
    jsonschema.Draft202012Validator(
        schema("log"), format_checker=jsonschema.FormatChecker()).validate(doc)
    handoffs: list[dict[str, Any]] = doc["handoffs"]
    return handoffs


def build(repo: Repo) -> None:
    make_handoff(repo, "RT-261120-01", title="First", when="2026-11-20T08:00:00Z")
    repo.git("checkout", "-q", "-b", "feature-x")
    make_handoff(repo, "AB-261121-01", workstream="ui", phase=None, title="Login page",
                 when="2026-11-21T08:00:00Z")
    repo.git("checkout", "-q", "main")
    repo.git("checkout", "-q", "-b", "gone")
    make_handoff(repo, "RT-261122-01", title="On a deleted branch", when="2026-11-22T08:00:00Z")
    repo.git("checkout", "-q", "main")
    repo.git("branch", "-q", "-D", "gone")
    make_handoff(repo, "CD-261123-01", workstream="parser", phase="review", title="Review",
                 when="2026-11-23T08:00:00Z")


def test_one_line_per_handoff_newest_first(repo: Repo) -> None:
    build(repo)
    out = repo.sess("log", check=True).stdout
    assert out.splitlines() == [
        "CD-261123-01  2026-11-23 08:00  parser/review  Review",
        "RT-261122-01  2026-11-22 08:00  parser/build   On a deleted branch",
        "AB-261121-01  2026-11-21 08:00  ui             Login page",
        "RT-261120-01  2026-11-20 08:00  parser/build   First",
    ]


def test_filters_and_limit(repo: Repo) -> None:
    build(repo)
    assert [h["id"] for h in log_json(repo, "--operator", "RT")] == ["RT-261122-01",
                                                                    "RT-261120-01"]
    assert [h["id"] for h in log_json(repo, "--workstream", "ui")] == ["AB-261121-01"]
    assert [h["id"] for h in log_json(repo, "-n", "2")] == ["CD-261123-01", "RT-261122-01"]
    assert log_json(repo, "-n", "0") == []
    assert repo.sess("log", "--workstream", "nope", check=True).stdout == "no handoffs match\n"
    assert repo.sess("log", "-n", "-1").returncode == 2


def test_json_fields(repo: Repo) -> None:
    build(repo)
    first = log_json(repo, "-n", "1")[0]
    assert first["operator"] == "CD" and first["phase"] == "review"
    assert first["at"] == "2026-11-23T08:00:00Z" and first["sessions"] == ["s1"]
    assert (first["source"], first["ref"]) == ("ref", "refs/sess/h/CD/CD-261123-01")


def test_empty_repository(empty_repo: Repo) -> None:
    proc = empty_repo.sess("log")
    assert (proc.returncode, proc.stdout) == (0, "no handoffs yet\n")
    assert log_json(empty_repo) == []


def test_odd_arguments_end_in_one_answer(repo: Repo) -> None:
    build(repo)
    assert repo.sess("log", "-n", "0", check=True).stdout == ""  # as git log -0
    # An empty filter is a filter that matches nothing, not "no handoffs yet".
    assert repo.sess("log", "--workstream", "", check=True).stdout == "no handoffs match\n"
    # A cutoff before 1970 means everything (it overflowed time_t in resume).
    assert len(log_json(repo, "--since", "99999999999999999999d")) == 4
    for args in (("--since", ""), ("--since", "abc"), ("--since", "-5d"), ("--since", "0"),
                 ("--since", "\u0663d"), ("--operator", "../x")):
        proc = repo.sess("log", *args)
        assert proc.returncode == 2 and proc.stderr.startswith("error: "), (args, proc.stderr)
        assert "Traceback" not in proc.stderr


def test_wide_characters_keep_the_columns(repo: Repo) -> None:
    make_handoff(repo, "RT-261120-01", title="Wide", workstream="core", phase=None,
                 when="2026-11-20T08:00:00Z")
    oid = repo.commit("handoff(x): T\n\nSess-Id: RT-261121-01\nSess-Workstream: \u65e5\u672c\u8a9e")
    repo.git("update-ref", "refs/sess/h/RT/RT-261121-01", oid)
    wide, narrow = repo.sess("log", check=True).stdout.splitlines()
    # 日本語 takes six terminal columns: both titles start in the same column.
    assert wide.endswith("\u65e5\u672c\u8a9e  T") and narrow.endswith("core    Wide")
    assert width(wide[: -len("T")]) == width(narrow[: -len("Wide")])


def test_combining_marks_and_emoji_keep_the_columns(repo: Repo) -> None:
    """Columns by grapheme, not by code point: 'cafe' + U+0301 takes four
    columns and a ZWJ emoji two (a per-character count said five and five)."""
    cells = [("ui", "cafe\u0301"), ("ui", "\U0001f469\u200d\U0001f4bb"), ("ui", None),
             ("x" * 40, None)]
    for i, (ws, phase) in enumerate(cells):
        make_handoff(repo, f"RT-26112{i}-01", workstream=ws, phase=phase, title=f"T{i}",
                     when=f"2026-11-2{i}T08:00:00Z")
    lines = repo.sess("log", check=True).stdout.splitlines()
    assert [ln.rsplit("  ", 1)[1] for ln in lines] == ["T3", "T2", "T1", "T0"]
    assert {width(ln[: -len("T0")]) for ln in lines} == {len("RT-261123-01  2026-11-23 08:00  ")
                                                         + WS_COLS + 2}, lines
    # A long workstream is cut to its column with an ellipsis, not the table widened.
    assert lines[0].endswith("  " + "x" * (WS_COLS - 1) + "…  T3")
