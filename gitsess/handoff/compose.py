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
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass
from typing import Any

from gitsess import refs
from gitsess.errors import GitsessError, ValidationError
from gitsess.handoff import gitstats, ids, policy, trailers
from gitsess.handoff import subject as subject_line
from gitsess.handoff.record import SECTIONS, Record, parse_sections, render, split_front_matter
from gitsess.handoff.record import validate as validate_record
from gitsess.store import Store
from gitsess.telemetry import core as telemetry
from gitsess.telemetry import paths
from gitsess.ui.timefmt import iso

SETTLE_S = 1.0  # folding a session's spills before its tip goes into a record

# 2: telemetry reconciled with the transcript, with tokens, models, agents,
# sources and transcripts (issue 11); version 1 records still read.
RECORD_VERSION = 2
DRAFT_FILE = "SESS_HANDOFF"
# Front matter keys a narrative (or a draft offered back) may set; the
# others are computed and recomputed at every commit.
EDITABLE = ("title", "workstream", "phase", "confidence", "handoff_write_min", "resume_prompt",
            "quick", "sessions")
DEFAULT_CONFIDENCE = "M"
_WS_BAD = re.compile(r"[^A-Za-z0-9._/-]+")


# -- sessions and telemetry ---------------------------------------------------


def find_session(store: Store, sid: str) -> telemetry.Session | None:
    """A session by id: live, then done, then as fetched from a remote."""
    name = telemetry.safe_session_name(sid)
    for prefix in (telemetry.LIVE, telemetry.DONE):
        s = telemetry.read_session(store, prefix + name)
        if s is not None:
            return s
    for ref in store.refs(refs.REMOTES):
        parts = ref.split("/")
        if len(parts) == 6 and parts[4] in ("live", "done") and parts[5] == name:
            s = telemetry.read_session(store, ref)
            if s is not None:
                return s
    return None


def own_live_sessions(store: Store, operator: str) -> list[telemetry.Session]:
    """This operator's live sessions in this worktree (not yet handed off)."""
    here = os.path.realpath(store.workdir) if store.workdir else None
    out = []
    for s in telemetry.live_sessions(store):
        if s.meta.get("operator") not in (None, operator):
            continue
        where = paths.from_repo(store, s.meta.get("worktree")) or paths.from_repo(
            store, s.meta.get("cwd"))
        if here is not None and where and not _inside(os.path.realpath(str(where)), here):
            continue
        out.append(s)
    out.sort(key=lambda s: (_start_ms(s) or 0, s.session_id))
    return out


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _start_ms(s: telemetry.Session) -> int | None:
    v = s.meta.get("started_at_ms") or s.counters.get("first_event_ms")
    return int(v) if v else None


def merged_counters(sessions: list[telemetry.Session]) -> dict[str, Any]:
    c = telemetry.new_counters()
    for s in sessions:
        c = telemetry.merge_counters(c, s.counters)
    return c


def telemetry_section(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "events": int(c.get("events", 0)),
        "tool_calls": int(c.get("tool_calls", 0)),
        "tools": dict(c.get("tools") or {}),
        "mcp": {k: {"total": int(v.get("total", 0)), "methods": dict(v.get("methods") or {})}
                for k, v in (c.get("mcp") or {}).items()},
        "subagents": telemetry.subagents(c),
        "prompts": int(c.get("prompts", 0)),
        "failures": int(c.get("failures", 0)),
        "compactions": int(c.get("compactions", 0)),
        "active_min_estimate": round(int(c.get("active_ms", 0)) / 60000, 1),
        # Calls started and not finished when their agent stopped, or the
        # transcript's interruption markers, whichever is more (gitsess.transcripts.reconcile).
        "interruptions_count": int(c.get("interruptions", 0)),
    }


def sessions_section(sessions: list[telemetry.Session]) -> list[dict[str, Any]]:
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


# -- the record ---------------------------------------------------------------


def default_workstream(store: Store) -> str:
    """`sess.workstream`, else the current branch, else "main"."""
    configured = store.config_get("sess.workstream")
    if configured:
        return configured
    branch = store.head().branch
    ws = _WS_BAD.sub("-", branch or "").strip("-./")
    return ws[:100] or "main"


def compute(store: Store, front: dict[str, Any], sessions: list[telemetry.Session],
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
    starts = [t for s in sessions if (t := _start_ms(s))]
    prev = ids.previous(store, str(out["operator"]), exclude=str(out.get("id")))
    prev_at = (prev.commit, store.commit(prev.commit).commit_time) if prev else None
    win = gitstats.window(previous=prev_at, session_start_s=min(starts) // 1000 if starts
                          else None, now=now)
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


# -- the commit message ---------------------------------------------------------


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


# -- the draft ------------------------------------------------------------------


def draft_path(store: Store) -> str:
    """$GIT_DIR/SESS_HANDOFF: per worktree, where git keeps COMMIT_EDITMSG."""
    return os.path.join(store.git_dir, DRAFT_FILE)


def read_draft(store: Store) -> Record | None:
    try:
        with open(draft_path(store), encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError):
        return None
    try:
        front, body, _ = split_front_matter(text)
    except ValidationError:
        return Record({}, parse_sections(text))
    return Record(front, parse_sections(body))


def write_draft(store: Store, rec: Record) -> str:
    path = draft_path(store)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(render(rec))
        os.replace(tmp, path)
    except BaseException:  # a full disk, a read-only .git: leave no half draft behind
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def drop_draft(store: Store, hid: str | None = None) -> None:
    """Remove the draft (only the one of `hid` when given)."""
    if hid is not None:
        d = read_draft(store)
        if d is None or d.front.get("id") != hid:
            return
    with contextlib.suppress(FileNotFoundError):
        os.unlink(draft_path(store))


def settle_spills(store: Store, sessions: list[telemetry.Session]) -> list[telemetry.Session]:
    """The sessions again, each live one with spilled events folded into its
    ref first, so that the tip a record names counts all the record counts
    (the pre-push guard reads the counters at that tip). Best effort: a
    session whose ref stays busy is returned as read."""
    out = []
    for s in sessions:
        if s.ref.startswith(telemetry.LIVE) and telemetry.has_spills(store, s.ref):
            with contextlib.suppress(GitsessError):
                telemetry.settle(store, s.ref, time.monotonic() + SETTLE_S)
                s = telemetry.read_session(store, s.ref) or s
        out.append(s)
    return out


def require_sessions(store: Store, session_ids: list[str]) -> list[telemetry.Session]:
    """The named sessions; ValidationError naming each one not found."""
    found: list[telemetry.Session] = []
    missing: list[str] = []
    for i, sid in enumerate(session_ids):
        s = find_session(store, sid)
        if s is None:
            missing.append(f"sessions[{i}]: no telemetry for session '{sid}' "
                           f"(no {refs.LIVE} or {refs.DONE} ref)")
        elif all(x.session_id != s.session_id for x in found):
            found.append(s)
    if missing:
        raise ValidationError("unknown agent session", missing,
                              hint="git sess status --all lists the sessions this clone knows")
    return found


def foreign_sessions(sessions: list[telemetry.Session], operator: str, *,
                     label: str = "sessions") -> list[str]:
    """Problems for sessions another operator started: a handoff would retire
    their live telemetry from under them and claim what they did."""
    out = []
    for i, s in enumerate(sessions):
        owner = s.meta.get("operator")
        if owner and str(owner) != operator:
            out.append(f"{label}[{i}]: session '{s.session_id}' was started by operator "
                       f"{owner}, not {operator}; each operator hands off their own sessions")
    return out


def compose_for_commit(store: Store, text: str, pol: policy.Policy, *,
                       draft: Record | None = None, comment: str = "#",
                       now: float | None = None) -> tuple[Record, list[str], list[str]]:
    """(record, errors, warnings) for a commit message carrying Sess- trailers.

    The trailers and subject decide id, operator, workstream, phase, title and
    sessions; a draft of the same id (left by `git sess handoff`) gives the
    narrative and the editable keys; telemetry, git stats and invariants are
    always recomputed here.
    """
    from gitsess.handoff.identity import operator as current_operator

    fm = from_message(text, comment, pol.subject)
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
    sessions: list[telemetry.Session] = []
    try:
        sessions = settle_spills(store, require_sessions(store, fm.session_ids))
    except ValidationError as exc:
        errors += [p.replace("sessions[", f"{trailers.SESS_SESSION}[") for p in exc.problems]
    if front.get("operator"):
        errors += foreign_sessions(sessions, str(front["operator"]), label=trailers.SESS_SESSION)
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
