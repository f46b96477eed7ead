"""`git sess sync [REMOTE]`: fetch peers' sessions and records, merge the
notes, push ours; never forced, retried on rejection."""

from __future__ import annotations

import sys
import time

from gitsess.errors import ExitCode
from gitsess.store import Store
from gitsess.sync import withremote
from gitsess.telemetry import writer
from gitsess.ui.colour import paint, prefixed

BUDGET_S = 60.0


def run(*, store: Store, remote: str | None = None) -> int:
    name = remote or withremote.default_remote(store)
    # Tool calls' events wait as spills, which never travel (gitsess/telemetry/spill.py):
    # fold them first, so the live refs sent hold every event recorded.
    writer.fold_pending(store, time.monotonic() + 2.0)
    out = withremote.sync(store, name, deadline=time.monotonic() + BUDGET_S)
    result = out.result
    for line in out.renumbered:
        stream = sys.stderr if line.startswith("warning:") else sys.stdout
        print(prefixed(line, stream), file=stream)
    if result.rejected:
        # A sync that leaves something unpushed failed: said on stderr, and
        # no line before it claims success (issue 10).
        failed = len(result.rejected)
        err = sys.stderr
        print(prefixed(f"error: sync with {name} incomplete: {failed} ref{'s' if failed != 1 else ''}"
                       f" not pushed ({out.summary()})", err), file=err)
        for ref, why in sorted(result.rejected.items()):
            print(f"  not pushed: {ref} ({why})", file=err)
        print(prefixed("hint: a handoff or session ref is never forced; if history was rewritten"
                       " after it was pushed, see git sess doctor", err), file=err)
        return int(ExitCode.CONFLICT)
    print(f"{paint('synced', 'ok')} {name}: {out.summary()}")
    if result.waiting:
        n = len(result.waiting)
        print(f"  {n} handoff{'s' if n != 1 else ''} kept here until {'their' if n != 1 else 'its'}"
              " branch is pushed")
    return 0
