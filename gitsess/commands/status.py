"""`git sess status`: the repository's live sessions and their counters.

With --reconcile each session's transcript is read too (gitsess.transcripts.reconcile):
the counts become the reconciled ones, tokens and models are filled in, and
each counter on which hooks and transcript disagree gets a line.
"""

from __future__ import annotations

import time
from typing import Any

from gitsess import refs
from gitsess.store import Store
from gitsess.telemetry import readers, status, writer


def run(*, store: Store, as_json: bool = False, include_done: bool = False,
        reconcile: bool = False) -> int:
    # Tool calls' events wait as spills (gitsess/telemetry/spill.py): fold
    # them first, so the timeline in git is current too (readers count them either way).
    writer.fold_pending(store, time.monotonic() + 2.0)
    sessions = readers.live_sessions(store)
    if include_done:
        sessions += readers.live_sessions(store, refs.DONE)
    views = [_reconciled(store, s) if reconcile else status.session_view(s, store)
             for s in sessions]
    if as_json:
        status.print_json(views)
        return 0
    from gitsess.transcripts.reconcile import describe

    status.print_text(views, sessions, describe if reconcile else None)
    return 0


def _reconciled(store: Store, s: readers.Session) -> dict[str, Any]:
    from gitsess.transcripts import reconcile

    transcript = reconcile.transcript_counts(store, s)
    counters, sources = reconcile.session(s.counters, transcript)
    return status.session_view(s, store, transcript, counters=counters, sources=sources)
