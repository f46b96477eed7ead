"""The fast path of a tool call's event: spilled through git's plumbing, folded later.

Tool-call events (an adapter's TOOL_START / TOOL_END / TOOL_FAIL: two per
call, the hook's hot path) are not written into their session's ref by the
pygit2 writer: each one becomes a spilled event of its own,
`refs/sess/pending/<session>/<unique>` (layout.py), written by git's own
plumbing (gitsess/store/eventrefs.py). A spill never contends with another
writer, so it needs no lock, no CAS and no pygit2. writer.py folds spills
into the session's counters, exactly once, with one commit per fold whose
message keeps every event line in time order; readers add spills not yet
folded, so counts are exact at any moment.

A session's first event (normally SessionStart) goes to the pygit2 writer
whatever its kind: it creates the session's ref. The bound: a fold runs on every event that runs Python anyway (session
start, prompt, stop, subagent stop, session end, and any event that is not a
tool call), in status and at a handoff, and when a tool call's hook counts
FOLD_AT or more pending refs of its session after its own spill. Only one
hook at a time claims that fold (`fold_claim`); so the pending refs of a
session stay under FOLD_AT plus the spills that land while one fold runs.

Stdlib only: imports nothing that imports pygit2 (gitsess/store/__init__.py
is lazy; eventrefs.py and the modules named here are plain).
"""

from __future__ import annotations

import os

from gitsess import refs
from gitsess.store import eventrefs
from gitsess.telemetry import spillname
from gitsess.telemetry.event import TOOL_END, TOOL_FAIL, TOOL_START, Event, safe_session_name

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Mapping

# The kinds that take the fast path.
FAST_KINDS = frozenset({TOOL_START, TOOL_END, TOOL_FAIL})
# A session's pending refs that make a tool call's hook fold them (see above).
# A fold of FOLD_AT spills costs one pygit2 process ~0.1-0.2 s; 128 keeps that
# under 1 ms per event and a 200-call turn (400 events) to three such folds.
FOLD_AT = 128
# Set to "pygit2" to send tool calls through the pygit2 writer as before this
# path existed (bench/hook_latency.py measures both in one run).
PATH_ENV = "GITSESS_HOOK_PATH"


def fast(ev: Event, env: Mapping[str, str], config: eventrefs.Config) -> bool:
    """Whether `ev` takes the fast path: a tool call of a session that has its
    ref. A session's first event creates the ref through the pygit2 writer
    (who started it, where, the own-session marker), so that a session is
    seen, pushed and handed off from its first event on, as before."""
    if ev.kind not in FAST_KINDS or env.get(PATH_ENV) == "pygit2":
        return False
    return eventrefs.ref_exists(config.where, config.common,
                                refs.live(safe_session_name(ev.session_id)))


_made = [0]  # spills this process has named


def unique_name(ev: Event, session: str) -> str:
    """A spill's ref: the event's time first, so that names sort by time; then
    the process and its own count, so that one process's spills of the same
    millisecond (a test's, a replay's) keep their order; then a random part."""
    _made[0] += 1
    return (f"{refs.pending(session)}{ev.at_ms}-{os.getpid()}-"
            f"{_made[0]:06d}{os.urandom(3).hex()}")


def store_event(config: eventrefs.Config, ev: Event) -> str | None:
    """Spill `ev` into `config`'s repository; the ref written, or None when
    git could not (not a repository, a full disk): the caller then hands the
    event to the pygit2 writer.

    A tool call's line usually fits in the ref's own name (spillname.py):
    the ref then points at the empty blob, which every such spill shares, and
    the event writes no object of its own (issue 15: at most one loose object
    per event before gc; the fold's commit keeps the line). The session has
    its ref already (`fast`), so the line need not carry where it started. A
    longer line (a long MCP tool name) is a blob of its own, as before."""
    name = unique_name(ev, safe_session_name(ev.session_id))
    short = spillname.encode(name, ev.line())
    if eventrefs.create_blob_ref(config, short or name,
                                 b"" if short else ev.line(spilled=True).encode()):
        return short or name
    return None


def fold_claim(config: eventrefs.Config, ev: Event) -> int | None:
    """Whether this hook should fold its session's spills now: FOLD_AT or
    more are pending and no other hook has claimed the fold. The claim is an
    flock on the session's loose pending directory (files backend), held on
    the returned descriptor until the caller closes it, so fifty hooks past
    the bound start one fold, not fifty pygit2 imports. (Not the writers'
    flock on the common dir: the fold takes that one itself.) Without that
    directory (reftable), the writers' flock is probed and let go."""
    common = config.common
    prefix = refs.pending(safe_session_name(ev.session_id))
    if eventrefs.count_refs(config.where, common, prefix, FOLD_AT) < FOLD_AT:
        return None
    import fcntl

    loose = os.path.join(common, prefix)
    try:
        fd = os.open(loose if os.path.isdir(loose) else common, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # held: a fold is under way
        os.close(fd)
        return None
    if not os.path.isdir(loose):
        os.close(fd)  # the writers' flock: only probed
        return -1
    return fd
