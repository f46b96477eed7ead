"""`git sess log`: handoffs across branches and remotes, newest first."""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from gitsess.resources import schema
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
