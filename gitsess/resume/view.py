"""Where the work stands: your last handoff, the workstreams, your peers.

`view()` builds the document `git sess resume --json` prints
(schemas/resume.json) from the handoff index (gitsess.handoff.index) and the
live telemetry refs, local and fetched. gitsess.resume.text turns it into
text for a terminal and `agent_context()` into the few lines the SessionStart
hook hands the agent.

Only the records displayed are parsed from their notes: your last handoff
and the last handoff of each of your workstreams.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gitsess import refs
from gitsess.errors import UsageError
from gitsess.handoff import index as handoff_index
from gitsess.handoff import operators as verify
from gitsess.handoff.identity import operator as current_operator
from gitsess.handoff.index import Handoff, Index
from gitsess.handoff.workstream import default as default_workstream
from gitsess.resume import continued
from gitsess.resume.continued import open_questions
from gitsess.store import Store
from gitsess.telemetry import counting, readers
from gitsess.ui import untrusted
from gitsess.ui.timefmt import ago, iso

SCHEMA_VERSION = 1
# A live session whose last event is older than this is not "active now".
ACTIVE_WINDOW_S = counting.LIVE_WINDOW_MS // 1000
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"([0-9]+)\s*([smhdw])")  # [0-9]: int() reads other digits too
MULTILINE = ("resume_prompt", "summary")  # the fields that keep their newlines


def parse_duration(text: str) -> int:
    """'2h', '7d', '1d12h', '90m' -> seconds; UsageError otherwise."""
    compact = text.strip().lower()
    parts = _DURATION.findall(compact)
    if not parts or "".join(f"{n}{u}" for n, u in parts) != compact.replace(" ", ""):
        raise UsageError(
            f"invalid duration '{text}'", hint="use a number and a unit: 45m, 2h, 7d, 2w, 1d12h"
        )
    return sum(int(n) * _UNITS[u] for n, u in parts)


@dataclass
class _Record:
    front: dict[str, Any]
    sections: dict[str, str]


def read_record(store: Store, index: Index, h: Handoff, *, front: bool = True) -> _Record:
    """A handoff's record: its note, else the sections in its commit body.

    With front=False the YAML is not parsed at all (a workstream line needs
    only the Open Questions section; PyYAML costs ~5 ms a record).
    """
    from gitsess.handoff import record
    from gitsess.store.safeyaml import NOTE_MAX_BYTES

    text = handoff_index.record_text(store, index, h)
    if text is None or len(text) > NOTE_MAX_BYTES:  # none, or too large to be a record
        return _Record({}, record.parse_sections(handoff_index.message_body(store, h)))
    # A note can hold two records (a union merge at sync): take this handoff's.
    parts = record.split_records(text) or [text]
    text = next((p for p in parts if f"\nid: {h.id}\n" in "\n" + p), parts[0])
    out = _Record({}, {})
    if front:
        try:
            rec = record.parse(text)
            out = _Record(rec.front if isinstance(rec.front, dict) else {}, rec.sections)
        except Exception:  # broken YAML must not hide the sections below it
            pass
    if not out.sections:
        out.sections = record.parse_sections(_after_front_matter(text))
    if not out.sections:  # a note that is no record at all: the commit still says it
        out.sections = record.parse_sections(handoff_index.message_body(store, h))
    return out


def _text(value: Any) -> str | None:
    """A front matter value printed as text: only when it is text (notes are fetched)."""
    return value if isinstance(value, str) and value.strip() else None


def _after_front_matter(text: str) -> str:
    """The markdown after a `---` ... `---` (or `...`) front matter block."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return text
    for i, line in enumerate(lines[1:], 1):
        if line.rstrip() in ("---", "..."):
            return "".join(lines[i + 1 :])
    return text


def _brief(h: Handoff, now: float, v: verify.Verdict | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": h.id,
        "title": h.title,
        "operator": h.operator,
        "workstream": h.workstream,
        "phase": h.phase,
        "at": iso(h.time * 1000),
        "age_s": max(0, int(now - h.time)),
        "commit": h.commit,
        "ref": h.ref,
        "source": h.source,
    }
    # Whose it is, as git says (gitsess.handoff.operators); `future`: dated later than now.
    if v is not None:
        out["verified"] = v.as_json()
    if verify.future(max(h.time, h.author_time), now):
        out["future"] = True
    return out


def _branch(store: Store, index: Index, h: Handoff, name: str | None) -> dict[str, Any]:
    """Where the handoff's branch stands now, and whether it is checked out here."""
    head = store.head()
    name = name or None
    local = index.refs.get(refs.branch(name)) if name else None
    remote = None
    if name and local is None:
        remote = next((r for r in sorted(index.refs)
                       if r.startswith(refs.GIT_REMOTES)
                       and r[len(refs.GIT_REMOTES) :].split("/", 1)[1:] == [name]), None)
    tip = local or (index.refs.get(remote) if remote else None)
    return {
        "name": name,
        "exists": tip is not None,
        "remote": remote[len(refs.GIT_REMOTES) :] if remote else None,
        "contains": bool(tip and store.contains(tip, h.commit)),
        # A bare repository has a HEAD but no worktree: nothing is checked out.
        "checked_out": bool(name and store.workdir and not head.detached
                            and head.branch == name),
        "head": head.branch if store.workdir else None,
        **({"bare": True} if store.workdir is None else {}),
    }


def _peers(store: Store, index: Index, handoffs: list[Handoff], me: str, now: float,
           cutoff: float | None, verdict: _Judge) -> list[dict[str, Any]]:
    """Everyone but `me` with a handoff or a live session, newest first."""
    last: dict[str, Handoff] = {}
    for h in handoffs:
        if h.operator != me:
            last.setdefault(h.operator, h)
    live: dict[str, dict[str, readers.Session]] = {}
    for ref, tip in index.live.items():
        if ref.rsplit("/", 1)[-1] in index.done:
            continue  # handed off; a fetched live copy may linger until a prune
        s = readers.read_session(store, ref, tip)
        op = s.meta.get("operator") if s else None
        if s is None or not isinstance(op, str) or not op or op == me:
            continue
        seen = (s.counters.get("last_event_ms") or 0) / 1000
        if cutoff is not None and seen < cutoff:
            continue
        mine = live.setdefault(op, {})
        other = mine.get(s.session_id)
        if other is None or _rank(s) > _rank(other):
            mine[s.session_id] = s  # the same session fetched from two remotes
    out = []
    for op in set(last) | set(live):
        sessions = list(live.get(op, {}).values())
        last_event = max(((s.counters.get("last_event_ms") or 0) / 1000 for s in sessions),
                         default=None)
        active = [s for s in sessions
                  if now - (s.counters.get("last_event_ms") or 0) / 1000 <= ACTIVE_WINDOW_S]
        seen = last.get(op)
        out.append({
            "operator": op,
            "active": bool(active),
            "sessions": len(active or sessions),
            "tool_calls": sum(int(s.counters.get("tool_calls", 0)) for s in (active or sessions)),
            "last_event_at": iso(last_event * 1000) if last_event else None,
            "last_event_age_s": max(0, int(now - last_event)) if last_event else None,
            "last_seen": _brief(seen, now, verdict(seen)) if seen else None,
            "_key": max(last_event or 0, seen.time if seen else 0),
        })
    out.sort(key=lambda p: (p["active"], p.pop("_key")), reverse=True)
    return out


def _rank(s: readers.Session) -> tuple[int, int]:
    return (int(s.counters.get("last_event_ms") or 0), int(s.counters.get("events", 0)))


def _workstreams(store: Store, index: Index, handoffs: list[Handoff], me: str, now: float,
                 owners: dict[str, str], questions_for: int | None = None,
                 verdict: _Judge | None = None,
                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(yours, your peers'): owned by the last to hand off, unless the policy names an owner.

    Open questions are read (one note each) for your newest `questions_for`
    workstreams only, when given: the agent's context shows a few, and a
    thousand reads would eat the hook's deadline."""
    latest: dict[str, Handoff] = {}
    phase: dict[str, str | None] = {}
    for h in handoffs:  # newest first
        latest.setdefault(h.workstream, h)
        if phase.get(h.workstream) is None:
            phase[h.workstream] = h.phase
    mine: list[dict[str, Any]] = []
    peers: list[dict[str, Any]] = []
    for ws, h in latest.items():
        owner = owners.get(ws) or h.operator
        v = verdict(h) if verdict is not None else None
        entry: dict[str, Any] = {"name": ws, "owner": owner, "phase": phase.get(ws),
                                 "last": _brief(h, now, v)}
        # A record git does not vouch for never lands in your own list (and so
        # never in your agent's context as yours): it is listed with the peers'.
        if owner == me and (v is None or v.ok):
            if questions_for is None or len(mine) < questions_for:
                rec = read_record(store, index, h, front=False)
                entry["open_questions"] = open_questions(rec.sections)
            else:
                entry["open_questions"] = []
            mine.append(entry)
        else:
            peers.append(entry)
    return mine, peers


_Judge = Callable[[Handoff], verify.Verdict]


def _judge(store: Store, index: Index, now: float, pol: Any) -> _Judge:
    """gitsess.handoff.operators's verdict on a handoff, once per commit; first-seen
    emails come from the handoffs already indexed."""
    from gitsess.handoff.policy import DEFAULT

    verifier = verify.Verifier.for_store(
        store, policy=pol or DEFAULT, claims=lambda: [verify.claim(h) for h in index.handoffs],
        now=now)
    seen: dict[str, verify.Verdict] = {}

    def judge(h: Handoff) -> verify.Verdict:
        if h.commit not in seen:
            seen[h.commit] = verifier.verdict(verify.claim(h))
        return seen[h.commit]

    return judge


def _policy(store: Store) -> Any:
    """The policy (gitsess.handoff.policy.Policy), or None when it cannot be read.

    An invalid policy file must not stop a resume (commit-msg and pre-push
    report it); ownership then goes by the last handoff, and operators are
    known by config and first-seen emails.
    """
    from gitsess.handoff.policy import load_policy

    try:
        return load_policy(store)
    except Exception:
        return None


def view(store: Store, *, operator: str | None = None, since_s: int | None = None,
         now: float | None = None, deadline: float | None = None,
         questions_for: int | None = None) -> dict[str, Any]:
    """The resume document (schemas/resume.json); `questions_for`: see _workstreams."""
    now = time.time() if now is None else now
    me = operator or current_operator(store).id
    # Clamped: a cutoff before 1970 (--since 99999999d) would not format.
    cutoff = max(0.0, now - since_s) if since_s is not None else None
    index = handoff_index.build(store, deadline=deadline)
    handoffs = [h for h in index.handoffs if cutoff is None or h.time >= cutoff]
    pol = _policy(store)
    verdict = _judge(store, index, now, pol)
    doc: dict[str, Any] = {
        "v": SCHEMA_VERSION,
        "operator": me,
        "now": iso(now * 1000),
        "since": iso(cutoff * 1000) if cutoff is not None else None,
        "last_handoff": None,
        "message": None,
    }
    # Your last handoff is the newest that git says is yours (gitsess.handoff.operators).
    claimed = [h for h in handoffs if h.operator == me]
    last = next((h for h in claimed if verdict(h).ok), None)
    if last is None:
        window = f" in the last {_span(since_s)}" if since_s is not None else " yet"
        doc["message"] = f"no handoff{window} for {me}; run git sess handoff when you stop"
        if claimed:
            doc["message"] += (f" ({len(claimed)} record(s) name {me} but git does not say "
                               "they are yours: git sess log)")
    else:
        rec = read_record(store, index, last)
        prompt = rec.sections.get("Resume Prompt", "").strip()
        doc["last_handoff"] = {
            **_brief(last, now, verdict(last)),
            "branch": _branch(store, index, last, _text(rec.front.get("branch"))),
            "resume_prompt": prompt or _text(rec.front.get("resume_prompt")),
            "summary": rec.sections.get("Summary", "").strip() or None,
            "confidence": c if (c := rec.front.get("confidence")) in ("H", "M", "L") else None,
        }
        later = continued.later_on(handoffs, last, lambda h: verdict(h).ok)
        if later is not None:  # your resume prompt is no longer where the work stands
            doc["last_handoff"]["superseded_by"] = _brief(later, now, verdict(later))
    owners = {n: o for n in pol.workstreams if (o := pol.owner(n))} if pol else {}
    mine, peer_ws = _workstreams(store, index, handoffs, me, now, owners, questions_for, verdict)
    def ok(h: Handoff) -> bool:
        return verdict(h).ok

    continued.mark(mine + peer_ws, handoffs, continued.names(
        handoffs, me, ok, default_workstream(store) if store.workdir else None), me, ok,
        lambda h: read_record(store, index, h, front=False).sections)
    doc["workstreams"] = {"mine": mine, "peers": peer_ws}
    doc["peers"] = _peers(store, index, handoffs, me, now, cutoff, verdict)
    doc["complete"] = index.complete
    doc["counts"] = {"handoffs": len(index.handoffs), **index.counts}
    # Titles, names, prompts and questions are whatever their writers pushed:
    # one pass here serves the text, --json and the agent's context alike.
    # Its size is the repository's (one entry a workstream), not a note's.
    return dict(untrusted.tree(doc, MULTILINE, max_nodes=None))


def _span(seconds: int | None) -> str:
    s = seconds or 0
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size and s % size == 0:
            return f"{s // size}{unit}"
    return f"{s}s"


# -- text (here and in gitsess.resume.text) -------------------------------------

def age(entry: dict[str, Any], now_ms: float) -> str:
    """How long ago a brief (schemas/resume.json) was made: '3h ago'; a brief
    dated in the future shows its real date instead of '0s ago'."""
    if entry.get("future"):
        return f"dated {entry['at']}, in the future"
    return ago(now_ms - entry["age_s"] * 1000, now_ms)


def branch_line(b: dict[str, Any], h: dict[str, Any]) -> str:
    name = b.get("name")
    if not name:
        return "on an unrecorded branch"
    if b["exists"] and b["contains"]:
        if b.get("remote"):
            return f"on {b['remote']} (remote-tracking; no local branch {name})"
        if b["checked_out"]:
            return f"on {name}, checked out here"
        if b.get("bare"):
            return f"on {name} (a bare repository: nothing is checked out)"
        return f"on {name}, not checked out (HEAD is on {b.get('head') or 'a detached HEAD'})"
    kept = f"kept by {h['ref']}" if h.get("ref") else f"commit {h['commit'][:12]}"
    if b["exists"]:
        return f"made on {name}, which no longer contains it; {kept}"
    return f"made on {name}, which no longer exists; {kept}"


# -- inside the agent -----------------------------------------------------------

MAX_CONTEXT_BYTES = 4096
_WORKSTREAM_LINES = 6


def agent_text(doc: dict[str, Any], *, now: float | None = None) -> str:
    """The resume as the new agent session's context (gitsess.resume.context:
    a teammate's words are quoted as their notes, never given as the task)."""
    from gitsess.resume import context as resume_context

    return resume_context.agent_text(doc, now=now)


def bound(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, on a character boundary."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    cut = data[: limit - len("…\n".encode())].decode("utf-8", "ignore")
    return cut + "…\n"


def agent_context(store: Store, *, deadline: float) -> str:
    """The SessionStart context; "" when there is no time left or anything fails.

    Never raises: a resume that cannot be read must not stop the agent (a
    failure is one line on stderr, which Claude Code shows only in verbose mode).
    """
    try:
        # Leave time to format and write: the hook's alarm kills the process
        # at the deadline, and a context cut mid-write is worse than none.
        if deadline - time.monotonic() < 0.15:
            return ""
        # No config write from inside an agent hook: parallel hooks would
        # fight over .git/config.lock and could make the user's git fail.
        me = current_operator(store, cache=False).id
        doc = view(store, operator=me, deadline=deadline - 0.1,
                   questions_for=_WORKSTREAM_LINES)
        if time.monotonic() >= deadline - 0.05:
            return ""
        # view() cleaned every field; this pass also covers what agent_text
        # itself composed from them (gitsess.ui.untrusted), whatever the adapter.
        return untrusted.text(agent_text(doc), MAX_CONTEXT_BYTES)
    except Exception as exc:  # one line on stderr, as every hook failure
        import sys

        print(f"gitsess: resume: {type(exc).__name__}: {untrusted.line(exc, 200)}",
              file=sys.stderr)
        return ""
