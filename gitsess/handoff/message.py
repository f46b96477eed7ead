"""A handoff's commit message: written from a record, read back from a message.

`message` writes the subject (the policy's `subject:` template), the
sections as markdown and the Sess- trailers; `from_message` reads what a
(hand-written) message says, naming the trailer at fault. Which commits are
handoffs at all is gitsess.handoff.identify's to say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from gitsess.handoff import ids, trailers
from gitsess.handoff import subject as subject_line
from gitsess.handoff.record import SECTIONS, Record, parse_sections


def subject(front: dict[str, Any], template: str = subject_line.DEFAULT) -> str:
    """The commit subject: the policy's `subject:` template filled in."""
    return subject_line.render(template, front)


def message(rec: Record, template: str = subject_line.DEFAULT) -> str:
    """Subject, the non-empty sections as markdown, then the Sess- trailers."""
    f = rec.front
    parts = [subject(f, template)]
    for name in list(SECTIONS) + [k for k in rec.sections if k not in SECTIONS]:
        text = rec.sections.get(name, "").strip()
        if text:
            parts.append(f"## {name}\n\n{text}")
    lines = [f"{trailers.SESS_ID}: {f['id']}", f"{trailers.SESS_OPERATOR}: {f['operator']}",
             f"{trailers.SESS_WORKSTREAM}: {f['workstream']}"]
    if f.get("phase"):
        lines.append(f"{trailers.SESS_PHASE}: {f['phase']}")
    lines += [f"{trailers.SESS_SESSION}: {s['id']}" for s in f.get("sessions") or []]
    parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


@dataclass
class FromMessage:
    """What a commit message says about its handoff."""

    front: dict[str, Any]
    sections: dict[str, str]
    session_ids: list[str]
    problems: list[str]


def from_message(text: str, comment: str = "#",
                 template: str = subject_line.DEFAULT) -> FromMessage:
    """Front matter keys and sections a (hand-written) handoff message gives.

    The subject is read with the policy's `template` (then the default);
    problems name the trailer at fault; the record's schema is checked later.
    """
    t = trailers.parse_trailers(text, comment)
    front: dict[str, Any] = {}
    found: list[str] = []
    hid = trailers.first(t, trailers.SESS_ID)
    op = trailers.first(t, trailers.SESS_OPERATOR)
    ws = trailers.first(t, trailers.SESS_WORKSTREAM)
    body = trailers.strip_trailers(text, comment)
    lines = [ln for ln in body.split("\n") if not ln.startswith(comment + " ") and ln != comment]
    while lines and not lines[0].strip():
        lines.pop(0)
    subj = lines[0].strip() if lines else ""
    said = subject_line.parse(subj, template)
    front["title"] = said.get("title", "") if said is not None else subj
    said = said or {}
    if hid is None:
        found.append(f"{trailers.SESS_ID}: trailer is missing (a commit with Sess- trailers "
                     "is a handoff and needs its id)")
    else:
        parts = ids.split_id(hid)
        if parts is None:
            found.append(f"{trailers.SESS_ID}: '{hid}' is not an id like RT-261126-01")
        elif op is not None and parts[0] != op:
            found.append(f"{trailers.SESS_ID}: '{hid}' does not start with the operator "
                         f"'{op}' of {trailers.SESS_OPERATOR}")
        front["id"] = hid
    if op is None and hid is not None and (p := ids.split_id(hid)):
        op = p[0]
    if op is None:
        found.append(f"{trailers.SESS_OPERATOR}: trailer is missing")
    else:
        front["operator"] = op
    if ws is None and said.get("workstream"):
        ws = said["workstream"]
    if ws is None:
        found.append(f"{trailers.SESS_WORKSTREAM}: trailer is missing")
    else:
        front["workstream"] = ws
        if said.get("workstream") and said["workstream"] != ws:
            found.append(f"subject: workstream '{said['workstream']}' differs from "
                         f"{trailers.SESS_WORKSTREAM}: {ws}")
    for key in (trailers.SESS_ID, trailers.SESS_OPERATOR, trailers.SESS_WORKSTREAM,
                trailers.SESS_PHASE):
        if len(t.get(key, [])) > 1:
            found.append(f"{key}: given {len(t[key])} times; once only")
    front["phase"] = trailers.first(t, trailers.SESS_PHASE)
    known = set(trailers.CANONICAL.values())
    for key in t:
        if key.lower().startswith("sess-") and key not in known:
            found.append(f"{key}: unknown trailer (known: {', '.join(sorted(known))})")
    sessions = t.get(trailers.SESS_SESSION, [])
    for sid in sessions:
        if not sid:
            found.append(f"{trailers.SESS_SESSION}: empty value")
    rest = "\n".join(lines[1:]) if lines else ""
    sections = parse_sections(rest)
    lead = re.split(r"(?m)^##[ \t]", rest, maxsplit=1)[0].strip()
    if lead and not sections.get("Summary"):  # prose before the first heading
        sections["Summary"] = lead
    return FromMessage(front, sections, [s for s in sessions if s], found)
