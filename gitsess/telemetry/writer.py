"""The writer: one event appended to its session's ref, exactly once.

Writers queue on an flock of the repository's common dir (`writer_lock`:
released by the kernel when a writer dies, so it never goes stale) and then
compare-and-swap the ref; the CAS is what keeps counts exact, the flock keeps
fifty racing hooks from redoing each other's work. A writer that does not get
the flock, or cannot finish, by its deadline spills its event to a ref of its
own (gitsess/telemetry/layout.py), which never contends; the next writer (or
`settle`) folds spilled events into the counters and readers add any still
pending, so an event whose hook returned is never lost.

Stale locks: the flock cannot go stale. A ref's `.lock` file left by a killed
writer can; `Store.update_ref` removes one older than `STALE_REF_LOCK_S` when
a CAS meets it. Only flock holders write session refs, so such a lock is a
dead writer's (or git's own for microseconds), never a live hook's.

This module is on the hook's hot path: it imports nothing that pygit2 has not
already imported except json and fcntl.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from gitsess import refs
from gitsess.errors import RefError
from gitsess.store import Store, testpoint
from gitsess.store.backoff import Backoff
from gitsess.telemetry import paths, spillname
from gitsess.telemetry.counting import LIVE_WINDOW_MS, apply, new_counters, sane_calls
from gitsess.telemetry.event import Event, safe_session_name
from gitsess.telemetry.layout import dumps, json_entry, pending_refs, read_spill
from gitsess.telemetry.spill import unique_name

# Sessions this clone's own writers created: refs/sess/local/ is never pushed
# or fetched (gitsess.sync.exchange), so a peer cannot plant one. The marker is a blob
# {"v": 1, "transcript_path": <str or null>}: the agent's transcript path is
# a machine path (/home/<user>/...), so it is kept here, never in the pushed
# session.json (issue 9, deliverable 5). gitsess.transcripts.ownfiles reads it before any
# file a session names is opened.
OWN_VERSION = 1
# Events whose transcript_path is compared with the own-session marker's (a
# resume or /clear can start a new file); the others never read the marker.
_TRANSCRIPT_KINDS = frozenset({"session_start", "prompt", "stop"})

# Who runs the agent, asked only when a writer creates a session's ref: the
# caller knows (commands/hook.py asks gitsess.handoff.identity, a layer above
# this one), and a writer that appends to an existing ref never calls it.
Operator = Callable[[], str | None]
# Tests only (gitsess/store/testpoint.py): a fold pauses after its commit,
# before it deletes the spills it took in.
FOLD_PAUSE_ENV = "GITSESS_TEST_PAUSE_AFTER_FOLD"


class QueueTimeout(Exception):
    """The telemetry flock was not ours by the deadline: spill instead."""


@contextlib.contextmanager
def writer_lock(store: Store, deadline: float) -> Iterator[None]:
    """Hold the repository's telemetry flock, waiting at most until `deadline`.

    Raises QueueTimeout when another writer holds it past the deadline. Every
    session-ref write happens under this lock, so a ref `.lock` file met
    while holding it belongs to a dead writer (or to git itself for
    microseconds): that is what makes clearing stale locks safe. A writer
    that cleared a *live* writer's lock could see its own write land through
    the other's rename and then retry it, counting an event twice. Where the
    filesystem has no flock at all, the CAS alone keeps counts exact. The
    kernel drops the lock with its holder, so the lock itself never goes stale.
    """
    try:
        fd = os.open(store.common_dir, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        backoff = Backoff(first=0.0005, cap=0.02, deadline=deadline)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not backoff.wait():
                    raise QueueTimeout() from None
            except OSError:  # no flock here (some network filesystems)
                break
        yield
    finally:
        os.close(fd)  # closing releases the flock


def _start_meta(
    store: Store, ev: Event, session: str, operator: Operator | None
) -> dict[str, Any]:
    head = store.head()
    parallel = 0
    cutoff = ev.at_ms - LIVE_WINDOW_MS
    for name, oid in store.refs(refs.LIVE).items():
        if name == refs.live(session):
            continue
        try:
            if store.commit(oid).commit_time * 1000 >= cutoff:
                parallel += 1
        except Exception:
            continue
    return {
        "v": 1,
        "session_id": session,
        "raw_session_id": ev.session_id if session == ev.session_id else None,
        "agent": ev.agent or None,
        "model": ev.model,
        "operator": operator() if operator is not None else None,
        # Relative to the repository: session.json is pushed (gitsess/telemetry/paths.py).
        "cwd": paths.to_repo(store, ev.cwd),
        "worktree": paths.to_repo(store, store.workdir),
        "branch": head.branch,
        "head": head.oid,
        "detached": head.detached,
        "started_at_ms": ev.at_ms,
        "parallel_sessions": parallel,
    }


def _advance(
    store: Store, ref: str, session: str, ev: Event | None, *, deadline: float, full: bool,
    operator: Operator | None = None,
) -> str | None:
    """Append `ev` (if any) and every spill not yet counted to `ref`, by CAS.

    The one writer behind `record` and `settle`. Returns the new tip (the old
    one when there was nothing to add). Folded spills are named in the
    tip's folded.json until their refs are gone, so a writer killed between
    the CAS and the deletion leaves nothing counted twice; the next writer
    deletes them.
    """
    done: list[str] = []
    # The commit that started the ref, when this call did, and the transcript
    # its events name (the latest one's): [commit, path or None].
    created: list[Any] = []

    def compute(old: str | None) -> str | None:
        created.clear()
        entries = store.read_tree(old) if old else {}
        counters = json_entry(store, entries, "counters.json") or new_counters()
        calls_before = json_entry(store, entries, "calls.json")
        calls = sane_calls(calls_before)
        listed = json_entry(store, entries, "folded.json")
        keys = ({spillname.key(k) for k in listed if isinstance(k, str)}
                if isinstance(listed, list) else set())
        # A folded name means spills exist somewhere, maybe packed: list them all.
        spills = pending_refs(store, session, loose_only=not (full or keys))
        folded = [n for n in spills if spillname.key(n) in keys]
        taken = set(folded)
        fresh: list[Event] = []
        for name in sorted(spills):
            if name in taken:
                continue
            spilled = read_spill(store, spills[name], session, name)
            if spilled is not None:
                fresh.append(spilled)
            folded.append(name)
        done[:] = folded
        if ev is None and not fresh:
            return old  # settle with nothing to fold
        # The commit is the event's own; folded spills ride along after it.
        events = [ev, *fresh] if ev is not None else fresh
        for e in sorted(events, key=lambda e: e.at_ms):
            apply(counters, e, calls)
        lead = events[0]
        if old is None:
            meta = _start_meta(store, min(events, key=lambda e: e.at_ms), session, operator)
            entries = {"session.json": ("blob", store.write_blob(dumps(meta)))}
        elif lead.model:
            # SessionStart may name the model: keep session.json current.
            meta = json_entry(store, entries, "session.json") or {}
            if meta.get("model") != lead.model:
                meta["model"] = lead.model
                entries["session.json"] = ("blob", store.write_blob(dumps(meta)))
        entries["counters.json"] = ("blob", store.write_blob(dumps(counters)))
        if calls["open"] or calls["closed"] or calls_before is not None:
            entries["calls.json"] = ("blob", store.write_blob(dumps(calls)))
        entries.pop("folded.json", None)
        if folded:
            entries["folded.json"] = ("blob", store.write_blob(dumps(
                [spillname.key(n) for n in folded])))
        # One commit per fold, its lines in time order: `git log` is the timeline.
        made = store.write_commit(
            store.write_tree(entries),
            [old] if old else [],
            "".join(e.line() + "\n" for e in sorted(events, key=lambda e: e.at_ms)),
            when=max(e.at_ms for e in events) / 1000,
        )
        if old is None:
            named = [e.transcript for e in sorted(events, key=lambda e: e.at_ms) if e.transcript]
            created[:] = [made, named[-1] if named else None]
        return made

    tip = store.update_ref(ref, compute, deadline=deadline)
    if done:
        testpoint.pause(FOLD_PAUSE_ENV)  # tests: a fold killed between its CAS and its deletes
    if created and tip == created[0]:
        mark_own(store, session, created[1])
    elif ev is not None and ev.transcript and ev.kind in _TRANSCRIPT_KINDS:
        # A resumed or cleared session can write a new file (rare kinds only:
        # a tool call never reads the marker).
        follow_transcript(store, session, ev.transcript)
    for name in done:
        with contextlib.suppress(RefError):
            store.cas_ref(name, None, store.ref(name))
    return tip


def _own_marker(transcript: str | None) -> bytes:
    """The own-session marker's blob (gitsess.transcripts.ownfiles.recorded_transcript reads it)."""
    return dumps({"v": OWN_VERSION, "transcript_path": transcript})


def mark_own(store: Store, session: str, transcript: str | None) -> None:
    """Mark `session` as recorded here, with the agent's transcript path
    (once per session, by the writer that created its ref)."""
    with contextlib.suppress(RefError):
        store.cas_ref(refs.own(session), store.write_blob(_own_marker(transcript)), None)


def follow_transcript(store: Store, session: str, transcript: str) -> None:
    """Point an existing marker at `transcript` when it names another file.

    Never creates a marker: a session this writer did not create (fetched,
    made by hand, recorded before markers) stays unmarked. The marker is
    compared by object id, so the usual case (same file) costs one ref read
    and a hash, no blob read. Best effort: a lost race leaves the other
    writer's (equally recent) path."""
    old = store.ref(refs.own(session))
    data = _own_marker(transcript)
    if old is None or old == Store.hash_blob(data):
        return
    with contextlib.suppress(RefError):
        store.cas_ref(refs.own(session), store.write_blob(data), old)




def record(
    store: Store, ev: Event, *, deadline: float, operator: Operator | None = None
) -> str:
    """Append `ev` to its session's ref. Returns the ref written.

    Falls back to a spill ref when the session ref cannot be updated by
    `deadline` (time.monotonic()); raises only if even the spill fails.
    `operator` is called only when this write creates the session's ref.
    """
    session = safe_session_name(ev.session_id)
    ref = refs.live(session)
    # Keep a quarter of what is left for the spill, should the CAS run out.
    soft = deadline - 0.25 * max(0.0, deadline - time.monotonic())
    try:
        with writer_lock(store, soft):
            # full: tool calls spill on every call now (gitsess/telemetry/spill.py),
            # and in any ref backend (packed, reftable): list them all.
            _advance(store, ref, session, ev, deadline=soft, full=True, operator=operator)
            return ref
    except (RefError, QueueTimeout):
        pass
    return spill(store, ev, session)


def settle(
    store: Store, ref: str, deadline: float, operator: Operator | None = None
) -> str | None:
    """Fold every spilled event of `ref`'s session into `ref`, adding no event.

    The handoff calls it before it moves a session from live to done, so the
    moved chain counts everything. Returns the tip (None when the session has
    neither a ref nor spills); raises RefError if `ref` cannot be updated by
    `deadline`. A session whose only events spilled gets its ref here (and
    its operator from `operator`).
    """
    session = ref.rsplit("/", 1)[-1]
    try:
        with writer_lock(store, deadline):
            return _advance(store, ref, session, None, deadline=deadline, full=True,
                            operator=operator)
    except QueueTimeout:
        raise RefError("locked", f"{ref}: another gitsess writer held the queue") from None


def spill(store: Store, ev: Event, session: str) -> str:
    """Write `ev` to a ref no other writer touches; folded in later."""
    name = unique_name(ev, session)
    store.cas_ref(name, store.write_blob(ev.line(spilled=True).encode()), None)
    return name


def fold_pending(store: Store, deadline: float) -> int:
    """Fold the spills of every session that has a ref (`git sess status`
    does, before it reads: gitsess/telemetry/spill.py). Best effort: a
    session whose writers hold the queue past `deadline` keeps its spills,
    which readers count anyway. A session whose only events spilled is left
    to its next event or its handoff, which know its operator. Returns how
    many sessions were folded."""
    live = store.refs(refs.LIVE)
    sessions = {n[len(refs.PENDING):].split("/", 1)[0] for n in store.refs(refs.PENDING)}
    folded = 0
    for session in sorted(sessions):
        if refs.live(session) not in live:
            continue
        with contextlib.suppress(RefError):
            settle(store, refs.live(session), deadline)
            folded += 1
    return folded
