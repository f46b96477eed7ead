"""Composing a handoff record: narrative + telemetry + git stats + policy.

The same composition serves `git sess handoff` (before it commits), the
commit-msg hook (again, from the commit message, so that the counters and
invariants in the record are recomputed from the named sessions' telemetry
and a hand-written record cannot lie) and post-commit.

What comes from where:

- the narrative (sections, and the editable front matter keys EDITABLE)
  from `--file`, `$EDITOR`, the kept draft, or the commit message body;
- id, operator, workstream, phase and the sessions from the trailers
  (`git sess handoff` writes them; a person may write them by hand);
- telemetry and invariants from the sessions' refs (O(1): each session's
  tip tree holds its cumulative counters; no event chain is walked);
- git stats from gitsess.handoff.gitstats (its docstring has the window rule).

`for_handoff` is `git sess handoff`'s composition (flags, narrative, draft,
sessions, a peeked id); `compose_for_commit` is commit-msg's and
post-commit's (the message's trailers). The message itself is
gitsess.handoff.message's, the sessions gitsess.handoff.sessions's.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

from gitsess.errors import ValidationError, warn
from gitsess.handoff import draft, gitstats, ids, message, policy, trailers
from gitsess.handoff import sessions as agent_sessions
from gitsess.handoff.identity import HINT, shared_with
from gitsess.handoff.identity import operator as current_operator
from gitsess.handoff.record import Record, parse_sections, split_front_matter
from gitsess.handoff.record import validate as validate_record
from gitsess.handoff.workstream import default as default_workstream
from gitsess.store import Store
from gitsess.telemetry import counting, readers
from gitsess.ui.colour import prefixed
from gitsess.ui.timefmt import iso

if TYPE_CHECKING:
    from gitsess.handoff import narrative

# 2: telemetry reconciled with the transcript, with tokens, models, agents,
# sources and transcripts (issue 11); version 1 records still read.
RECORD_VERSION = 2
# Front matter keys a narrative (or a draft offered back) may set; the
# others are computed and recomputed at every commit.
EDITABLE = ("title", "workstream", "phase", "confidence", "handoff_write_min", "resume_prompt",
            "quick", "sessions")
DEFAULT_CONFIDENCE = "M"


def telemetry_section(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "events": int(c.get("events", 0)),
        "tool_calls": int(c.get("tool_calls", 0)),
        "tools": dict(c.get("tools") or {}),
        "mcp": {k: {"total": int(v.get("total", 0)), "methods": dict(v.get("methods") or {})}
                for k, v in (c.get("mcp") or {}).items()},
        "subagents": counting.subagents(c),
        "prompts": int(c.get("prompts", 0)),
        "failures": int(c.get("failures", 0)),
        "compactions": int(c.get("compactions", 0)),
        "active_min_estimate": round(int(c.get("active_ms", 0)) / 60000, 1),
        # Calls started and not finished when their agent stopped, or the
        # transcript's interruption markers, whichever is more (gitsess.transcripts.reconcile).
        "interruptions_count": int(c.get("interruptions", 0)),
    }


def sessions_section(sessions: list[readers.Session]) -> list[dict[str, Any]]:
    return [
        {
            "id": s.session_id,
            "agent": s.meta.get("agent"),
            "model": s.meta.get("model"),
            "tip": s.tip,
            "events": int(s.counters.get("events", 0)),
        }
        for s in sessions
    ]


def compute(store: Store, front: dict[str, Any], sessions: list[readers.Session],
            pol: policy.Policy, *, now: float | None = None) -> dict[str, Any]:
    """Fill in the computed keys of `front` (a copy is returned).

    `front` must hold id and operator; sessions are the ones the trailers name.
    """
    now = time.time() if now is None else now
    out = dict(front)
    out["v"] = RECORD_VERSION
    out.setdefault("email", None)
    head = store.head()
    out["branch"] = head.branch
    out.setdefault("commit", None)
    from gitsess.transcripts import reconcile

    counters, reconciled = reconcile.reconcile(store, sessions)
    starts = [t for s in sessions if (t := agent_sessions.start_ms(s))]
    win, prev_at, _ = window_of(store, str(out["operator"]), sessions, now=now,
                                exclude=str(out.get("id")))
    out["git"] = gitstats.collect(store, win, author_email=out.get("email"))
    if starts:
        out["started_at"] = iso(min(starts))
    elif prev_at:
        out["started_at"] = iso(prev_at[1] * 1000)
    else:
        out["started_at"] = iso(now * 1000)
    out["ended_at"] = iso(now * 1000)
    out["sessions"] = sessions_section(sessions)
    out["telemetry"] = {**telemetry_section(counters), **reconciled}
    out["invariants"] = policy.evaluate(pol, counters)  # on the reconciled counts
    out.setdefault("handoff_write_min", None)
    out.setdefault("confidence", DEFAULT_CONFIDENCE)
    out["quick"] = out.get("quick") or False  # `quick: "no"` stays, for the schema to name
    return _ordered(out)


def window_of(store: Store, operator: str, sessions: list[readers.Session], *, now: float,
              exclude: str | None = None,
              ) -> tuple[gitstats.Window, tuple[str, int] | None, ids.HandoffRef | None]:
    """The window a record of these sessions covers (gitsess.handoff.gitstats),
    the operator's previous handoff (commit, time) and its ref."""
    starts = [t for s in sessions if (t := agent_sessions.start_ms(s))]
    prev = ids.previous(store, operator, exclude=exclude)
    prev_at = (prev.commit, store.commit(prev.commit).commit_time) if prev else None
    win = gitstats.window(previous=prev_at, session_start_s=min(starts) // 1000 if starts
                          else None, now=now)
    return win, prev_at, prev


_ORDER = ("v", "id", "operator", "email", "title", "workstream", "phase", "branch", "commit",
          "started_at", "ended_at", "git", "sessions", "telemetry", "invariants",
          "handoff_write_min", "confidence", "resume_prompt", "quick", "imported")


def _ordered(front: dict[str, Any]) -> dict[str, Any]:
    out = {k: front[k] for k in _ORDER if k in front}
    out.update({k: v for k, v in front.items() if k not in out and not k.startswith("_")})
    return out


def sync_resume_prompt(front: dict[str, Any], sections: dict[str, str]) -> None:
    """The Resume Prompt section and `resume_prompt` are one text: either fills the other."""
    section = sections.get("Resume Prompt", "").strip()
    if not isinstance(front.get("resume_prompt"), (str, type(None))) and not section:
        return  # not a text: left for the schema to name
    given = str(front.get("resume_prompt") or "").strip()
    if section:
        front["resume_prompt"] = section
    elif given:
        sections["Resume Prompt"] = given
        front["resume_prompt"] = given
    else:
        front["resume_prompt"] = ""


def _sources(rec: Record, result: dict[str, Any]) -> str:
    """` (hooks 0, transcript 8)` when hooks and transcript disagree on the counter."""
    tel = rec.front.get("telemetry")
    src = (tel.get("sources") or {}).get(result.get("counter")) if isinstance(tel, dict) else None
    if not isinstance(src, dict):
        return ""
    return f" (hooks {src.get('hooks')}, transcript {src.get('transcript')})"


def problems(rec: Record, pol: policy.Policy) -> tuple[list[str], list[str]]:
    """(errors, warnings) of a computed record: schema, sections, invariants."""
    quick = rec.front.get("quick") is True
    errors = validate_record(rec, quick=quick, required=pol.required_sections)
    warnings = []
    for r in rec.front.get("invariants") or []:
        if r.get("verdict") == "fail":
            errors.append(f"invariants.{r['name']}: {policy.describe(r)}{_sources(rec, r)}")
        elif r.get("verdict") == "warn":
            warnings.append(policy.describe(r))
    ws = str(rec.front.get("workstream") or "")
    if pol.workstreams and ws not in pol.workstreams:
        warnings.append(f"workstream '{ws}' is not declared in {pol.source}"
                        f" (declared: {', '.join(sorted(pol.workstreams))})")
    return errors, warnings


def for_handoff(store: Store, pol: policy.Policy, told: narrative.Narrative, kept: Record | None,
             flags: dict[str, str | None], session_ids: tuple[str, ...], *, quick: bool,
             write_min: float | None) -> tuple[Record, list[str]]:
    """The record to commit, validated; ValidationError (the draft kept) when it is not.

    Flags win over the narrative's front matter, which wins over defaults
    (workstream: sess.workstream, else the branch). The sessions are the
    --session ones, else the narrative's (a draft's), else this operator's
    live sessions in this worktree.
    """
    me = current_operator(store)
    shared = shared_with(store, me)
    if shared:  # said before the commit, so that the person can still choose
        warn(shared)
        print(prefixed(f"hint: {HINT}", sys.stderr), file=sys.stderr)
    front = dict(told.front)
    draft_id = front.pop("_draft_id", None) or (kept.front.get("id") if kept else None)
    front.update({k: v for k, v in flags.items() if v is not None})
    if quick:
        front["quick"] = True
        front.setdefault("title", f"quick handoff on {store.head().branch or 'main'}")
    front.setdefault("workstream", default_workstream(store))
    front.setdefault("phase", None)
    front.setdefault("title", "")
    if write_min is not None:
        front["handoff_write_min"] = write_min
    listed = front.pop("sessions", None) or []
    try:
        sessions = agent_sessions.choose(store, me.id, listed, session_ids)
    except ValidationError as exc:
        if any(v.strip() for v in told.sections.values()):  # stdin is read once: keep it
            path = draft.write_draft(store, Record({**front, "sessions": listed},
                                                   dict(told.sections)))
            exc.hint = (f"{exc.hint}\nyour narrative is kept in {draft.shown(path)}: fix its "
                        "sessions, then `git sess handoff --draft`")
        raise
    now = time.time()
    date = ids.id_date(now)
    usable = isinstance(draft_id, str) and _usable(store, draft_id, me.id, date)
    front.update(id=draft_id if usable else _peek_id(store, me.id, date), operator=me.id,
                 email=me.email)
    sections = dict(told.sections)
    sync_resume_prompt(front, sections)
    rec = Record(compute(store, front, sessions, pol, now=now), sections)
    errors, warnings = problems(rec, pol)
    if errors:
        path = draft.write_draft(store, rec)
        raise ValidationError(
            f"handoff {rec.front['id']} not committed: {len(errors)} problem(s)",
            errors, hint=retry_hint(store, path, errors, quick=quick),
        )
    return rec, warnings


def refuse_empty(store: Store, rec: Record) -> None:
    """A handoff that covers no agent session and no commit records nothing
    anyone can resume from (issue 10: `--quick` made "0 session(s), 0 tool
    calls, 0 commit(s)", even as an empty repository's first commit)."""
    git = rec.front.get("git") or {}
    if rec.front.get("sessions") or int(git.get("commits") or 0) > 0:
        return
    has_text = any(str(v).strip() for v in rec.sections.values())
    kept = f"; the draft is kept in {draft.shown(draft.write_draft(store, rec))}" if has_text else ""
    raise ValidationError(
        "nothing to hand off: no agent session and no commit of yours since "
        f"{rec.front.get('started_at') or 'the last handoff'}",
        hint=f"commit your work first, or pass --allow-empty to record this handoff "
             f"anyway{kept}")


def _usable(store: Store, hid: str, op: str, date: str) -> bool:
    parts = ids.split_id(hid)
    return bool(parts and parts[0] == op and parts[1] == date and not ids.is_taken(store, hid))


def _peek_id(store: Store, op: str, date: str) -> str:
    """The id the next reservation would most likely get (for a draft)."""
    taken = [p[2] for r in ids.handoff_refs(store, op)
             if (p := ids.split_id(r.id)) and p[1] == date]
    taken += ids.in_history(store, op, date, now=time.time())
    return ids.make_id(op, date, max(taken, default=0) + 1)


def retry_hint(store: Store, path: str, errors: list[str], *, quick: bool) -> str:
    lines = [f"nothing was committed; the draft is kept in {draft.shown(path)}"]
    if any(e.startswith("invariants.") for e in errors):
        lines.append("an invariant of the policy failed: that is what the sessions did, not "
                     "what the narrative says;")
        lines.append("change the policy (.gitsess.yaml) or the sessions covered (--session ID)")
    if any(e.startswith(("sections.", "resume_prompt")) for e in errors) and not quick:
        lines.append("fill the sections named above (or pass --quick for a minimal handoff)")
    lines.append("then rerun with the same options, or edit the draft and run "
                 "`git sess handoff --draft` (plain `git sess handoff` opens it in $EDITOR)")
    return "\n".join(lines)


def compose_for_commit(store: Store, text: str, pol: policy.Policy, *,
                       draft: Record | None = None, comment: str = "#",
                       now: float | None = None) -> tuple[Record, list[str], list[str]]:
    """(record, errors, warnings) for a commit message carrying Sess- trailers.

    The trailers and subject decide id, operator, workstream, phase, title and
    sessions; a draft of the same id (left by `git sess handoff`) gives the
    narrative and the editable keys; telemetry, git stats and invariants are
    always recomputed here.
    """
    fm = message.from_message(text, comment, pol.subject)
    errors = list(fm.problems)
    front: dict[str, Any] = {}
    sections = fm.sections
    base = draft if draft is not None and draft.front.get("id") == fm.front.get("id") else None
    if base is None and fm.front.get("id"):
        base = _stored(store, str(fm.front["id"]))  # an amend or a reword keeps quick etc.
    if base is not None:
        front.update({k: base.front[k] for k in EDITABLE if k in base.front})
        if base is draft and any(v.strip() for v in base.sections.values()):
            sections = dict(base.sections)
    front.pop("sessions", None)
    front.update(fm.front)
    me = current_operator(store)
    front["email"] = me.email if front.get("operator") == me.id else None
    sessions: list[readers.Session] = []
    try:
        sessions = agent_sessions.settle_spills(store, agent_sessions.require_sessions(store, fm.session_ids))
    except ValidationError as exc:
        errors += [p.replace("sessions[", f"{trailers.SESS_SESSION}[") for p in exc.problems]
    if front.get("operator"):
        errors += agent_sessions.foreign_sessions(sessions, str(front["operator"]), label=trailers.SESS_SESSION)
    sync_resume_prompt(front, sections)
    if not all(k in front for k in ("id", "operator", "workstream")):
        return Record(front, sections), errors, []
    rec = Record(compute(store, front, sessions, pol, now=now), sections)
    more, warnings = problems(rec, pol)
    return rec, errors + more, warnings


def _stored(store: Store, hid: str) -> Record | None:
    """The stored record of a handoff id, when this clone has its ref and note."""
    found = ids.find(store, hid)
    text = store.note(found.commit) if found is not None else None
    if text is None:
        return None
    try:
        front, body, _ = split_front_matter(text)
    except ValidationError:
        return None
    return Record(front, parse_sections(body))
