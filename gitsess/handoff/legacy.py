"""A legacy session document read as a handoff record (the mapping of `git sess import`).

Legacy documents are markdown with YAML front matter (`CONV-*.md`,
`<OP>-YYMMDD-NN.md`). Front matter keys the handoff schema knows are kept,
with dates normalised to RFC 3339 UTC, confidence words to H/M/L and a
workstream's stray characters to '-'; legacy spellings are read too
(_ALIASES); everything else is kept under `legacy`. What a legacy record
cannot know is zero, empty or null as the schema allows: no commits, no
sessions, no telemetry, no invariants. Two required fields have defaults:
workstream `legacy` and confidence `L`. The record is marked
`imported: {source, at}`, and `quick: true` when its Summary or Resume
Prompt is empty, which is also how it is validated.

The id is the front matter's, else the file name's (`RT-250114-02.md`),
else left empty for the importer to allocate; started_at falls back to the
id's day. The operator is the front matter's, else the file name's prefix,
else the one given (--operator), else None for the importer to report.
Nothing here touches git.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from gitsess.errors import ValidationError
from gitsess.handoff import gitstats
from gitsess.handoff.record import ID_RE, RECORD_VERSION, Record, parse_sections
from gitsess.ui.timefmt import iso

DEFAULT_WORKSTREAM = "legacy"
DEFAULT_CONFIDENCE = "L"

CONV = re.compile(r"^CONV-.+\.md$")
_WS_BAD = re.compile(r"[^A-Za-z0-9._/-]+")

# Legacy spellings of schema fields, first match wins.
_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "handoff_id"),
    "operator": ("operator", "initials"),
    "title": ("title", "subject"),
    "workstream": ("workstream", "stream", "project"),
    "started_at": ("started_at", "start", "started", "date", "created"),
    "ended_at": ("ended_at", "end", "ended", "updated", "date"),
    "resume_prompt": ("resume_prompt", "resume"),
}
_SECTION_ALIASES = {
    "decisions": "Decisions Made",
    "questions": "Open Questions",
    "notes for future me": "For Future Me",
    "resume": "Resume Prompt",
    "next session prompt": "Resume Prompt",
    "tl;dr": "Summary",
}
_CONFIDENCE = {"h": "H", "high": "H", "m": "M", "medium": "M", "l": "L", "low": "L"}


def to_record(
    legacy: dict[str, Any],
    body: str,
    *,
    name: str,
    source: str,
    at: str,
    operator: str | None = None,
) -> tuple[Record, bool]:
    """A handoff record from a legacy front matter and body; and whether its id was given.

    The id may still be empty (to be allocated) and the operator None (to be
    reported). Raises ValidationError for values that cannot be read (dates).
    """
    legacy = {str(k): _plain(v) for k, v in legacy.items()}
    taken: set[str] = set()

    def pick(key: str) -> Any:
        for alias in _ALIASES[key]:
            if legacy.get(alias) not in (None, ""):
                taken.add(alias)
                return legacy[alias]
        return None

    stem = name[:-3] if name.endswith(".md") else name
    from_name = None if CONV.match(name) else ID_RE.match(stem)
    given_id = pick("id")
    hid = given_id if isinstance(given_id, str) and ID_RE.match(given_id) else None
    if hid is None and from_name:
        hid = stem
    op = pick("operator") or (from_name.group("op") if from_name else None) or operator
    sections = _sections(body)
    started, ended = _dates(pick("started_at"), pick("ended_at"), ID_RE.match(hid or ""))
    if started is None:
        problem = "started_at: no date in front matter (started_at, date, ...) or id"
        raise ValidationError("record has no date", [problem])
    ws = str(pick("workstream") or DEFAULT_WORKSTREAM)
    title = pick("title") or _heading(body) or stem
    resume = pick("resume_prompt") or sections.get("Resume Prompt", "")
    if not sections.get("Resume Prompt"):
        sections["Resume Prompt"] = str(resume)
    front: dict[str, Any] = {
        "v": RECORD_VERSION,
        "id": hid or "",
        "operator": str(op) if op is not None else None,
        "email": legacy.get("email"),
        "title": " ".join(str(title).split())[:200],
        "workstream": _WS_BAD.sub("-", ws).strip("-._/") or DEFAULT_WORKSTREAM,
        "phase": None if legacy.get("phase") is None else str(legacy["phase"]),
        "branch": legacy.get("branch"),
        "commit": legacy.get("commit"),
        "started_at": started,
        "ended_at": ended,
        "git": {**gitstats.empty(), **_mapping(legacy.get("git"))},
        "sessions": legacy.get("sessions") or [],
        "telemetry": {
            "events": 0,
            "tool_calls": 0,
            "tools": {},
            "mcp": {},
            "subagents": 0,
            "prompts": 0,
            "failures": 0,
            "compactions": 0,
            "active_min_estimate": 0,
            "interruptions_count": None,
            **_mapping(legacy.get("telemetry")),
        },
        "invariants": legacy.get("invariants") or [],
        "handoff_write_min": legacy.get("handoff_write_min"),
        "confidence": _CONFIDENCE.get(
            str(legacy.get("confidence", "")).lower(),
            legacy.get("confidence") or DEFAULT_CONFIDENCE,
        ),
        "resume_prompt": str(resume),
        "quick": not (sections.get("Summary") and str(resume).strip()),
        "imported": {"source": source, "at": at},
    }
    rest = {k: v for k, v in legacy.items() if k not in taken and k not in front}
    if ws != front["workstream"]:
        rest["workstream"] = ws  # the legacy spelling, kept
    if given_id is not None and given_id != hid:
        rest["id"] = given_id  # an id of another shape (CONV-042)
    if rest:
        front["legacy"] = rest
    return Record(front, sections), hid is not None


def _sections(body: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for heading, text in parse_sections(body).items():
        key = _SECTION_ALIASES.get(heading.lower(), heading)
        if text or key not in out:
            out[key] = text
    return out


def _heading(body: str) -> str | None:
    m = re.search(r"^#[ \t]+(.+?)[ \t]*#*[ \t]*$", body, re.M)
    return m.group(1) if m else None


def _dates(start: Any, end: Any, from_id: re.Match[str] | None) -> tuple[str | None, str | None]:
    """started_at and ended_at; without dates, the day of the id (RT-250114-01)."""
    started = _timestamp("started_at", start)
    if started is None and from_id:
        d = from_id.group("date")
        started = _timestamp("started_at", f"20{d[:2]}-{d[2:4]}-{d[4:]}")
    ended = _timestamp("ended_at", end) or started
    return started, ended


def _timestamp(field_name: str, value: Any) -> str | None:
    """A legacy date (YAML date/datetime or ISO text) as RFC 3339 UTC."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            when = dt.datetime.fromisoformat(text)
        else:
            when = dt.datetime.fromisoformat(re.sub(r"Z$", "+00:00", text))
    except ValueError:
        raise ValidationError(
            f"{field_name}: cannot read '{text}' as a date",
            [f"{field_name}: cannot read '{text}' as a date (use YYYY-MM-DD or ISO 8601)"],
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return iso(when.timestamp() * 1000)


def _plain(value: Any) -> Any:
    """YAML values as JSON would have them (dates as ISO text)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
