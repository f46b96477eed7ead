"""Every handoff this repository knows of, read from git on each call.

There is no cache (issue 4): the handoff refs are the index. One pass over
the ref database finds

    refs/sess/h/<op>/<id>                    handoffs written here
    refs/sess/remotes/<remote>/h/<op>/<id>   handoffs fetched from peers
    refs/notes/sess, refs/sess/remotes/<remote>/notes
                                             notes trees: their entries name
                                             every recorded commit, ref or not
    refs/heads/*, refs/remotes/*             branch tips, for the bounded scan
    refs/sess/live/*, refs/sess/remotes/<remote>/live/*
                                             agent sessions in progress

and each handoff is read from its commit alone: subject
`handoff(<ws>): <title>` (or the policy's `subject:`), the Sess-* trailers and the commit time. The YAML
note is parsed only for the few records a view displays (`record_text`).

A handoff commit reachable from a branch but with neither ref nor note (a
clone that fetched branches only) is found by a scan of the newest
SCAN_LIMIT commits across all branch tips. Walking the whole history on
every resume would cost 100,000 commits in a big repository; once
`git sess install` adds the refspecs, a fetch brings the refs and notes
that make the scan redundant.

Cost is linear in the number of handoffs (one object read each) plus a
constant for the scan.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from gitsess import refs
from gitsess.handoff import identify
from gitsess.handoff.operators import sort_time
from gitsess.store import NOTES_REF, Store

# Commits scanned from branch tips for handoffs that have neither ref nor note.
SCAN_LIMIT = 2000

_SUBJECT = re.compile(r"^handoff\((?P<ws>[^()\s]+)\):[ \t]*(?P<title>.*)$")
_TRAILER = re.compile(r"^(?P<key>[A-Za-z0-9][A-Za-z0-9-]*)[ \t]*:[ \t]*(?P<value>.*?)\s*$")

# Where a handoff was found, best first: a duplicate keeps the better source.
SOURCES = ("ref", "remote-ref", "note", "branch")


@dataclass(slots=True)
class Handoff:
    """A handoff as its commit tells it (no note read)."""

    id: str
    operator: str
    workstream: str
    phase: str | None
    title: str
    commit: str
    time: int  # commit time, epoch seconds
    sessions: tuple[str, ...]
    source: str  # one of SOURCES
    ref: str | None  # the handoff ref that keeps it, when there is one
    # Who git says made it (gitsess.handoff.operators decides whether that is `operator`).
    email: str = ""
    author_time: int = 0


@dataclass
class Index:
    handoffs: list[Handoff]  # newest first, one per handoff id
    notes: list[str]  # notes commits to read records from, local first
    refs: dict[str, str]  # every direct ref -> oid, as read
    live: dict[str, str]  # live telemetry refs, local and fetched -> tip
    done: set[str] = field(default_factory=set)  # sessions a handoff took in, by ref name
    complete: bool = True  # False when the deadline cut a stage short
    counts: dict[str, int] = field(default_factory=dict)


def parse_commit(oid: str, message: str, when: int, source: str = "ref",
                 ref: str | None = None, *,
                 template: Callable[[], str] | None = None) -> Handoff | None:
    """The handoff a commit message records, or None when it records none.

    A handoff is known by its Sess-Id trailer; the subject gives workstream
    and title, and a squash merge that rewrote the subject still counts
    (its trailers survive, DESIGN.md). A subject not in the default shape is
    read with the policy's `subject:` template (`template`, asked only then).
    """
    said = identify.fast(message)
    if said is None:
        return None
    hid = said.id
    subject = message.split("\n", 1)[0].strip()
    sm = _SUBJECT.match(subject)
    title = sm.group("title") if sm else None
    if sm is None and template is not None:
        from gitsess.handoff.subject import parse

        title = (parse(subject, template()) or {}).get("title")
    workstream = said.workstream or (sm.group("ws") if sm else "")
    return Handoff(
        id=hid,
        operator=said.operator or hid.rsplit("-", 2)[0],
        workstream=workstream or "-",
        phase=said.phase,
        title=title or subject,
        commit=oid,
        time=when,
        sessions=said.sessions,
        source=source,
        ref=ref,
    )


@dataclass
class _Refs:
    heads: dict[str, tuple[str, str]] = field(default_factory=dict)  # commit -> (source, ref)
    notes: list[str] = field(default_factory=list)  # local first
    live: dict[str, str] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)
    tips: list[str] = field(default_factory=list)  # local and remote-tracking branches


def _classify(every: dict[str, str]) -> _Refs:
    out = _Refs()
    heads, live, tips = out.heads, out.live, out.tips
    notes: list[str] = []
    remote_notes: list[str] = []
    for name, oid in every.items():
        if name.startswith(refs.HANDOFFS):
            heads[oid] = ("ref", name)
        elif name.startswith(refs.REMOTES):
            parts = name[len(refs.REMOTES) :].split("/", 2)
            if len(parts) == 3 and parts[1] == "h":
                heads.setdefault(oid, ("remote-ref", name))
            elif len(parts) == 2 and parts[1] == "notes":
                remote_notes.append(oid)
            elif len(parts) == 3 and parts[1] == "live":
                live[name] = oid
            elif len(parts) == 3 and parts[1] == "done":
                out.done.add(parts[2])
        elif name.startswith(refs.LIVE):
            live[name] = oid
        elif name.startswith(refs.DONE):
            out.done.add(name[len(refs.DONE) :])
        elif name == NOTES_REF:
            notes.insert(0, oid)
        elif name.startswith((refs.HEADS, refs.GIT_REMOTES)):
            tips.append(oid)
    out.notes = notes + remote_notes
    return out


def build(store: Store, *, deadline: float | None = None, scan_limit: int = SCAN_LIMIT) -> Index:
    """Read the index. With a `deadline` (time.monotonic()), stages that
    cannot start in time are skipped and the index says it is incomplete."""

    def late() -> bool:
        return deadline is not None and time.monotonic() >= deadline

    every = store.all_refs()
    classified = _classify(every)
    known: list[str] = []

    def template() -> str:
        if not known:
            from gitsess.handoff.subject import template_of

            known.append(template_of(store))
        return known[0]

    heads, notes, tips = classified.heads, classified.notes, classified.tips
    found: dict[str, Handoff] = {}  # by commit
    complete = True
    for n, (oid, message, when) in enumerate(store.commit_heads(list(heads))):
        source, ref = heads[oid]
        h = parse_commit(oid, message, when, source, ref, template=template)
        if h is not None:
            found[oid] = h
        if n % 512 == 511 and late():
            complete = False
            break
    counts = {"refs": len(found), "notes": 0, "branches": 0}
    if complete and notes and not late():
        extra = store.notes_annotated(notes) - found.keys()
        for oid, message, when in store.commit_heads(sorted(extra)):
            h = parse_commit(oid, message, when, "note", template=template)
            if h is not None:
                found[oid] = h
                counts["notes"] += 1
    elif notes:
        complete = False
    if complete and tips and scan_limit > 0 and not late():
        for oid, message, when in store.recent_commits(tips, scan_limit):
            if oid not in found:
                h = parse_commit(oid, message, when, "branch", template=template)
                if h is not None:
                    found[oid] = h
                    counts["branches"] += 1
    elif tips and scan_limit > 0:
        complete = False
    for oid, (email, author_time) in store.commit_authors(list(found)).items():
        found[oid].email, found[oid].author_time = email, author_time
    return Index(_dedupe(found.values()), notes, every, classified.live, classified.done,
                 complete, counts)


def _dedupe(handoffs: Iterable[Handoff]) -> list[Handoff]:
    """One handoff per id (a rebased or squashed copy shares its Sess-Id),
    keeping the best-sourced copy; newest first."""
    rank = {s: i for i, s in enumerate(SOURCES)}
    best: dict[str, Handoff] = {}
    for h in handoffs:
        have = best.get(h.id)
        if have is None or (rank[h.source], -h.time) < (rank[have.source], -have.time):
            best[h.id] = h
    # A record dated in the future sorts below the present ones (gitsess.handoff.operators).
    now = time.time()
    return sorted(best.values(), key=lambda h: (sort_time(max(h.time, h.author_time), now),
                                                h.time, h.id), reverse=True)


def record_text(store: Store, index: Index, h: Handoff) -> str | None:
    """The note of a handoff, from the first notes ref that has one."""
    for notes_commit in index.notes:
        text = store.note_in(h.commit, notes_commit)
        if text is not None:
            return text
    return None


def message_body(store: Store, h: Handoff) -> str:
    """The handoff commit's body without its trailers: the markdown sections,
    for when the note is not there (ARCHITECTURE.md: body = the sections)."""
    text = store.commit(h.commit).message.rstrip()
    _subject, _sep, body = text.partition("\n")
    cut = body.rfind("\n\n")
    last = body[cut + 2 :] if cut >= 0 else body
    if all(_TRAILER.match(line) for line in last.splitlines() if line.strip()):
        body = body[:cut] if cut >= 0 else ""
    return body


def select(handoffs: Iterable[Handoff], *, operator: str | None = None,
           workstream: str | None = None, since: float | None = None,
           limit: int | None = None) -> list[Handoff]:
    """Handoffs matching every filter given, in the order given (newest first)."""
    out: list[Handoff] = []
    for h in handoffs:
        if limit is not None and len(out) >= limit:
            break
        if operator is not None and h.operator != operator:
            continue
        if workstream is not None and h.workstream != workstream:
            continue
        if since is not None and h.time < since:
            continue
        out.append(h)
    return out
