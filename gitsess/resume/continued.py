"""The workstreams a session continues, and whether your resume prompt still
stands (issue 13).

A workstream belongs to whoever handed it off last, so the teammate who
continues yours takes it out of "your workstreams", and your agent never
heard of their handoff. The session continues every workstream you have
handed off on and the one this worktree works on (`sess.workstream`, else
the branch); for each, the latest handoff, whoever made it, is marked
`continued` in the resume document, and when it is a teammate's (as git
says: gitsess.handoff.operators) its summary, resume prompt and open
questions come with it: their words, which gitsess.resume.context quotes as
their notes, never as the task. A record git does not vouch for brings none.

`later_on` finds a handoff on your last handoff's workstream made after
it: your resume prompt has been superseded by it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from gitsess.handoff.index import Handoff

MAX_OPEN_QUESTIONS = 5
# Records read for teammates' handoffs on continued workstreams: each is a
# note parse, and the SessionStart hook has a deadline.
MAX_READ = 4
_NONE = {"", "-", "none", "none.", "n/a", "nothing", "nothing.", "no"}


def open_questions(sections: dict[str, str]) -> list[str]:
    """The Open Questions section as items ('- a', '1. b' or plain lines)."""
    items = []
    for line in sections.get("Open Questions", "").splitlines():
        item = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", line).strip()
        if item.lower() not in _NONE:
            items.append(item)
    return items[:MAX_OPEN_QUESTIONS]


def later_on(handoffs: list[Handoff], last: Handoff,
             ok: Callable[[Handoff], bool]) -> Handoff | None:
    """The newest handoff on `last`'s workstream that sorts after it (the
    index's order: newest first, a future date below the present) and that
    git says is its operator's: a forged record supersedes nothing."""
    for h in handoffs:
        if h.id == last.id:
            return None
        if h.workstream == last.workstream and ok(h):
            return h
    return None


def names(handoffs: Iterable[Handoff], me: str, ok: Callable[[Handoff], bool],
          current: str | None) -> set[str]:
    """The workstreams a session of `me` continues: those of `me`'s own
    handoffs (as git says, `ok`) and the one this worktree works on."""
    out = {h.workstream for h in handoffs if h.operator == me and ok(h)}
    if current:
        out.add(current)
    return out


def mark(entries: list[dict[str, Any]], handoffs: list[Handoff], continues: set[str], me: str,
         ok: Callable[[Handoff], bool], sections: Callable[[Handoff], dict[str, str]]) -> None:
    """Mark the workstream entries (schemas/resume.json) the session continues;
    give those last handed off by someone else that handoff's words."""
    latest: dict[str, Handoff] = {}
    for h in handoffs:  # newest first
        latest.setdefault(h.workstream, h)
    read = 0
    for entry in entries:
        if entry["name"] not in continues or entry["name"] not in latest:
            continue
        h = latest[entry["name"]]
        entry["continued"] = True
        # Yours is the task itself; one git does not vouch for brings no words at all.
        if h.operator == me or not ok(h) or read >= MAX_READ:
            continue
        read += 1
        found = sections(h)
        entry["summary"] = found.get("Summary", "").strip() or None
        entry["resume_prompt"] = found.get("Resume Prompt", "").strip() or None
        entry["open_questions"] = open_questions(found)
