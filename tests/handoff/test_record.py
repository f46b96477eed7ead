"""The record format: YAML front matter + markdown sections (gitsess.handoff.record)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gitsess.errors import ValidationError
from gitsess.handoff import record

FRONT: dict[str, Any] = {
    "v": 1, "id": "RT-261126-01", "operator": "RT", "email": None, "title": "t",
    "workstream": "billing", "phase": None, "branch": "main", "commit": None,
    "started_at": "2026-11-26T08:00:00Z", "ended_at": "2026-11-26T09:00:00Z",
    "git": {"commits": 0, "files_changed": 0, "insertions": 0, "deletions": 0,
            "first_commit_at": None, "last_commit_at": None, "range": None},
    "sessions": [],
    "telemetry": {"events": 0, "tool_calls": 0, "tools": {}, "mcp": {}, "subagents": 0,
                  "prompts": 0, "failures": 0, "compactions": 0, "active_min_estimate": 0.0,
                  "interruptions_count": None},
    "invariants": [], "handoff_write_min": None, "confidence": "M", "resume_prompt": "go",
    "quick": False,
}


def test_round_trip_keeps_nested_maps_lists_and_nulls() -> None:
    front = copy.deepcopy(FRONT)
    front["telemetry"]["mcp"] = {"notion": {"total": 2, "methods": {"search": 2}}}
    front["sessions"] = [{"id": "s1", "agent": "claude-code", "model": None}]
    front["title"] = "colon: and 'quotes' and 2026-11-26"
    rec = record.Record(front, {"Summary": "x", "Resume Prompt": "go", "Extra": "kept"})
    back = record.parse(record.render(rec))
    assert back.front == front
    assert back.sections["Extra"] == "kept" and back.sections["Learnings"] == ""
    assert isinstance(back.front["started_at"], str)  # quoted: not a YAML timestamp


def test_zero_commit_record_validates() -> None:
    rec = record.Record(copy.deepcopy(FRONT), {"Summary": "s", "Resume Prompt": "go"})
    assert record.validate(rec) == []


def test_problems_name_the_field_path() -> None:
    front = copy.deepcopy(FRONT)
    del front["resume_prompt"]
    front["git"]["commits"] = -1
    front["telemetry"]["tools"] = {"Bash": "many"}
    front["confidence"] = "X"
    front["title"] = "two\nlines"
    problems = record.validate(record.Record(front, {}))
    assert "resume_prompt: is required" in problems
    assert "git.commits: -1 is less than the minimum of 0" in problems
    assert "telemetry.tools.Bash: 'many' is not of type 'integer'" in problems
    assert any(p.startswith("confidence: 'X' is not one of") for p in problems)
    assert any(p.startswith("title: ") for p in problems)
    assert "sections.Summary: section is missing or empty" in problems
    assert record.validate(record.Record(front, {}), quick=True) == [
        p for p in problems if not p.startswith(("sections.", "resume_prompt: must"))]


def test_required_sections_from_the_policy() -> None:
    rec = record.Record(copy.deepcopy(FRONT), {"Summary": "s", "Resume Prompt": "go"})
    assert record.validate(rec, required=("Learnings",)) == [
        "sections.Learnings: section is missing or empty"]


def test_sections_headings_fences_and_case() -> None:
    body = ("intro dropped\n## summary\nline\n```\n## not a heading\n```\n"
            "## What  I did ##\n- a\n## Custom\nc\n")
    s = record.parse_sections(body)
    assert s == {"Summary": "line\n```\n## not a heading\n```", "What I Did": "- a",
                 "Custom": "c"}


def test_front_matter_errors_name_the_line() -> None:
    with pytest.raises(ValidationError, match=r"line 3"):
        record.split_front_matter("---\ntitle: x\nbad: : :\n---\n")
    with pytest.raises(ValidationError, match="mapping"):
        record.split_front_matter("---\n- a\n---\n")
    assert record.split_front_matter("no front matter") == ({}, "no front matter", 1)


def test_a_note_with_two_records_yields_each_by_id() -> None:
    """A union merge at sync can leave two records on one commit; neither
    may leak into the other's sections."""
    a = record.Record({"id": "AA-261126-01"}, {"Summary": "first", "Resume Prompt": "go on A"})
    b = record.Record({"id": "BB-261126-01"}, {"Summary": "second", "Resume Prompt": "go on B"})
    text = record.join_records([record.render(a), record.render(b)])
    assert [record.parse(t).id for t in record.split_records(text)] == ["AA-261126-01",
                                                                         "BB-261126-01"]
    first = record.parse(text)
    assert first.id == "AA-261126-01" and first.sections["Resume Prompt"] == "go on A"
    second = record.parse(text, id="BB-261126-01")
    assert second.sections == {**{s: "" for s in record.SECTIONS},
                               "Summary": "second", "Resume Prompt": "go on B"}
    assert record.parse(text, id="CC-261126-01").id == "AA-261126-01"


def test_a_section_given_twice_keeps_both_texts() -> None:
    # Regression: the second `## Summary` silently replaced the first.
    s = record.parse_sections("## Summary\nfirst\n## summary\nsecond\n## Summary\n")
    assert s == {"Summary": "first\n\nsecond"}


def test_a_fence_closes_only_on_its_own_kind() -> None:
    # Regression: ``` inside a ~~~ block closed it, so its ## line became a section.
    s = record.parse_sections("## Summary\n~~~\n```py\n## inside\n```\n~~~\n## Learnings\nl\n")
    assert s == {"Summary": "~~~\n```py\n## inside\n```\n~~~", "Learnings": "l"}
    s = record.parse_sections("## Summary\n````\n```\n## inside\n````\n## Learnings\nl\n")
    assert set(s) == {"Summary", "Learnings"}
