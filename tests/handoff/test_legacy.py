"""gitsess.handoff.legacy: a legacy document's front matter and body onto the handoff schema."""

from __future__ import annotations

import datetime as dt

import pytest

from gitsess.errors import ValidationError
from gitsess.handoff.legacy import to_record
from gitsess.handoff.record import validate

AT = "2026-11-26T09:00:00Z"


def test_aliases_dates_and_unknown_keys() -> None:
    legacy = {
        "handoff_id": "JD-250301-04",
        "initials": "JD",
        "subject": "Payments   retry\nlogic",
        "project": "Payments Team (EU)",
        "start": dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        "end": "2025-03-01T12:00:00Z",
        "confidence": "Medium",
        "tags": ["payments"],
        "reviewed": dt.date(2025, 3, 2),
    }
    body = "## TL;DR\n\nRetries done.\n\n## Decisions\n\nBackoff.\n\n## Resume\n\nShip it.\n"
    rec, given = to_record(legacy, body, name="CONV-7.md", source="docs/sessions/CONV-7.md",
                           at=AT)
    f = rec.front
    assert given and f["id"] == "JD-250301-04" and f["operator"] == "JD"
    assert f["title"] == "Payments retry logic"
    assert f["workstream"] == "Payments-Team-EU"
    assert f["started_at"] == "2025-03-01T07:30:00Z" and f["ended_at"] == "2025-03-01T12:00:00Z"
    assert f["confidence"] == "M" and f["quick"] is False
    assert f["resume_prompt"] == "Ship it."
    assert rec.sections["Summary"] == "Retries done." and rec.sections["Decisions Made"] == "Backoff."
    assert f["legacy"] == {"tags": ["payments"], "reviewed": "2025-03-02",
                           "workstream": "Payments Team (EU)"}
    assert f["imported"] == {"source": "docs/sessions/CONV-7.md", "at": AT}
    assert validate(rec) == []


def test_file_name_gives_id_operator_and_day() -> None:
    rec, given = to_record({}, "# Heading title\n\nno sections\n", name="RT-250114-02.md",
                           source="RT-250114-02.md", at=AT)
    f = rec.front
    assert given and f["id"] == "RT-250114-02" and f["operator"] == "RT"
    assert f["title"] == "Heading title" and f["workstream"] == "legacy"
    assert f["started_at"] == f["ended_at"] == "2025-01-14T00:00:00Z"
    assert f["quick"] is True and f["confidence"] == "L"
    assert f["git"]["commits"] == 0 and f["git"]["first_commit_at"] is None
    assert f["telemetry"]["tool_calls"] == 0 and f["invariants"] == [] and f["sessions"] == []
    assert validate(rec, quick=True) == []


def test_conv_names_give_neither_id_nor_operator() -> None:
    rec, given = to_record({"date": dt.date(2025, 1, 2), "id": "CONV-042"}, "",
                           name="CONV-250102-01.md", source="x", at=AT, operator=None)
    assert not given and rec.front["id"] == "" and rec.front["operator"] is None
    assert rec.front["legacy"] == {"id": "CONV-042"}
    rec, _ = to_record({"date": "2025-01-02"}, "", name="CONV-a.md", source="x", at=AT,
                       operator="mk")
    assert rec.front["operator"] == "mk"


def test_front_matter_operator_wins_over_the_file_name_and_the_flag() -> None:
    rec, _ = to_record({"operator": "AK"}, "", name="RT-250114-01.md", source="x", at=AT,
                       operator="mk")
    assert rec.front["operator"] == "AK" and rec.front["id"] == "RT-250114-01"


def test_schema_fields_a_legacy_record_has_are_kept_and_checked() -> None:
    rec, _ = to_record({"git": {"commits": 3}, "telemetry": {"tool_calls": "many"}}, "",
                       name="RT-250114-01.md", source="x", at=AT)
    assert rec.front["git"]["commits"] == 3 and rec.front["git"]["range"] is None
    assert any(p.startswith("telemetry.tool_calls:") for p in validate(rec, quick=True))


@pytest.mark.parametrize("value", ["yesterday", "14/01/2025"])
def test_unreadable_dates_name_the_field(value: str) -> None:
    with pytest.raises(ValidationError) as err:
        to_record({"date": value}, "", name="RT-250114-01.md", source="x", at=AT)
    assert err.value.problems == [
        f"started_at: cannot read '{value}' as a date (use YYYY-MM-DD or ISO 8601)"]
