"""The handoff record: YAML front matter + markdown sections.

Text form (stored as the note on the handoff commit, and as the draft):

    ---
    <front matter, YAML, schemas/handoff.json>
    ---
    ## Summary
    ...
    ## Resume Prompt
    ...

Front matter is written with PyYAML (safe_dump), read with gitsess.store.safeyaml
(bounded: notes come from peers) and validated with jsonschema; nothing here
writes YAML by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from gitsess.data import schema
from gitsess.errors import ValidationError
from gitsess.store import safeyaml

RECORD_VERSION = 1
SECTIONS = (
    "Summary",
    "What I Did",
    "Decisions Made",
    "For Future Me",
    "Learnings",
    "Open Questions",
    "Resume Prompt",
)
ID_RE = re.compile(r"^(?P<op>[A-Za-z0-9][A-Za-z0-9_-]{0,31})-(?P<date>\d{6})-(?P<nn>\d{2,})$")
_HEADING = re.compile(r"^##[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*\r?\n?", re.S | re.M)


@dataclass
class Record:
    front: dict[str, Any]
    sections: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.front.get("id", ""))


def section_key(heading: str) -> str:
    """Canonical section name: 'what i did' -> 'What I Did'; unknown ones kept."""
    norm = " ".join(heading.split()).lower()
    for name in SECTIONS:
        if name.lower() == norm:
            return name
    return " ".join(heading.split())


def split_front_matter(text: str) -> tuple[dict[str, Any], str, int]:
    """(front matter, rest, line number where rest starts). Errors name the line."""
    m = _FRONT.match(text)
    if not m:
        return {}, text, 1
    try:
        front = safeyaml.load(m.group(1), max_bytes=safeyaml.NOTE_MAX_BYTES) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 2}" if mark is not None else "front matter"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if isinstance(exc, safeyaml.LimitError):
            raise ValidationError(f"front matter refused ({where}): {problem}") from exc
        # "while parsing a flow sequence ... line 3" says where the trouble began.
        context, cmark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and cmark is not None and (mark is None or cmark.line != mark.line):
            problem += f" ({context} started on line {cmark.line + 2})"
        raise ValidationError(f"front matter is not valid YAML ({where}): {problem}") from exc
    if not isinstance(front, dict):
        raise ValidationError("front matter must be a YAML mapping (key: value lines)")
    return front, text[m.end() :], text[: m.end()].count("\n") + 1


def parse_sections(body: str) -> dict[str, str]:
    """`## Heading` sections of a markdown body; text before the first is dropped.

    A heading given twice (`## Summary` ... `## summary`) gets both texts,
    in order: a narrative's words are never dropped. Headings inside fenced
    code blocks are text; a fence closes only on its own character, at
    least as long (CommonMark 4.5).
    """
    sections: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    fence: str | None = None

    def close() -> None:
        if current is not None:
            text = "\n".join(lines).strip()
            before = sections.get(current, "")
            sections[current] = f"{before}\n\n{text}" if before and text else before or text

    for line in body.splitlines():
        f = _FENCE.match(line)
        if f and fence is None:
            fence = f.group(1)
        elif f and fence is not None and _closes(fence, f.group(1), line):
            fence = None
        m = None if fence is not None or f else _HEADING.match(line)
        if m:
            close()
            current, lines = section_key(m.group(1)), []
        elif current is not None:
            lines.append(line)
    close()
    return sections


def _closes(fence: str, mark: str, line: str) -> bool:
    return mark[0] == fence[0] and len(mark) >= len(fence) and not line.strip()[len(mark):].strip()


# Two records can sit on one commit when a sync merges notes by union
# (gitsess.sync.exchange): they are kept in one note, separated by this line.
RECORD_SEPARATOR = "\n<!-- gitsess: next record -->\n"


def split_records(text: str) -> list[str]:
    """The record texts in one note (usually one)."""
    return [part.strip("\n") + "\n" for part in text.split(RECORD_SEPARATOR) if part.strip()]


def join_records(records: list[str]) -> str:
    return RECORD_SEPARATOR.join(r.strip("\n") + "\n" for r in records)


def _parse_one(text: str) -> Record:
    front, body, _ = split_front_matter(text)
    return Record(front, parse_sections(body))


def parse(text: str, *, id: str | None = None) -> Record:
    """The record in a note: the one whose id is `id` when given and present,
    else the first (a note may hold several, see RECORD_SEPARATOR)."""
    if len(text) > safeyaml.NOTE_MAX_BYTES:  # characters: a cheap first cut, bytes below
        raise ValidationError(f"record larger than {safeyaml.NOTE_MAX_BYTES // 1024} KiB")
    parts = split_records(text) or [text]
    if id is not None and len(parts) > 1:
        for part in parts:
            try:
                rec = _parse_one(part)
            except ValidationError:
                continue
            if rec.id == id:
                return rec
    return _parse_one(parts[0])


def render_body(sections: dict[str, str]) -> str:
    names = list(SECTIONS) + [k for k in sections if k not in SECTIONS]
    parts = []
    for name in names:
        if name in sections or name in SECTIONS:
            parts.append(f"## {name}\n\n{sections.get(name, '').strip()}\n")
    return "\n".join(parts)


def dump_yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def render(rec: Record) -> str:
    return f"---\n{dump_yaml(rec.front)}---\n\n{render_body(rec.sections)}"


# What a field's pattern means, for people (schemas/handoff.json).
PATTERN_MEANING = {
    "id": "must look like RT-261126-01 (<operator>-YYMMDD-NN)",
    "operator": "must be letters, digits, '_' or '-' (e.g. RT)",
    "workstream": "must be letters, digits, '.', '_', '/' or '-', no spaces or parentheses",
    "title": "must be one line, not blank (--title or `title:` in the front matter)",
    "phase": "must be one line",
    "commit": "must be a full 40-hex commit id",
}


def schema_problems(front: dict[str, Any]) -> list[str]:
    """Every schema violation of a front matter by field path, one line per field."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema("handoff"))
    problems: dict[str, str] = {}
    for err in sorted(validator.iter_errors(front), key=lambda e: list(map(str, e.path))):
        path = ".".join(str(p) for p in err.absolute_path)
        if err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else err.message
            problems.setdefault(f"{path + '.' if path else ''}{missing}", "is required")
        elif err.validator in ("pattern", "minLength") and path in PATTERN_MEANING:
            problems.setdefault(path, f"{err.instance!r} {PATTERN_MEANING[path]}")
        elif path.endswith(("_at", "range")) and err.validator in ("pattern", "oneOf"):
            problems.setdefault(path, f"{err.instance!r} is not an RFC 3339 time or null")
        else:
            problems.setdefault(path or "(record)", err.message)
    return [f"{path}: {what}" for path, what in problems.items()]


def validate(rec: Record, *, quick: bool = False, required: tuple[str, ...] = ()) -> list[str]:
    """Problems with a record (empty when valid).

    Outside quick mode, Summary and Resume Prompt must say something, as must
    the policy's extra `required` sections; the front matter's resume_prompt
    must not be empty.
    """
    problems = schema_problems(rec.front)
    if not quick:
        for name in ("Summary", "Resume Prompt", *required):
            if not rec.sections.get(name, "").strip():
                problems.append(f"sections.{name}: section is missing or empty")
        if not str(rec.front.get("resume_prompt") or "").strip():
            problems.append("resume_prompt: must not be empty (outside --quick)")
    return problems
