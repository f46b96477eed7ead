"""`git sess push [REMOTE] [REFSPEC...]`: branches and their own records in one
atomic push (gitsess/sync/together.py), for remotes that check records on receipt."""

from __future__ import annotations

import json
import sys
import time

from gitsess.errors import ExitCode
from gitsess.store import Store
from gitsess.sync import together, withremote
from gitsess.ui import untrusted
from gitsess.ui.colour import paint, prefixed

BUDGET_S = 60.0


def run(*, store: Store, remote: str | None = None, specs: tuple[str, ...] = (),
        as_json: bool = False) -> int:
    name = remote or withremote.default_remote(store)
    pushed = together.branches(store, name, list(specs))
    out = together.push(store, name, pushed, deadline=time.monotonic() + BUDGET_S)
    result = out.result
    err = sys.stderr
    for line in out.messages:  # git's stderr: the pre-push guard's and the remote's lines
        if line.strip():
            print(untrusted.line(line), file=err)
    if as_json:
        print(json.dumps({
            "v": 1, "remote": name, "ok": result.ok,
            "branches": [{"src": b.src, "dst": b.dst, "oid": b.oid} for b in pushed],
            "records": out.records if result.ok else [],
            "rejected": result.rejected, "error": result.error,
            "waiting": result.waiting, "attempts": result.attempts,
        }, indent=2))
    if result.ok:
        if not as_json:
            what = ", ".join(b.dst.split("/", 2)[-1] for b in pushed)
            n = len(out.records)
            print(f"{paint('pushed', 'ok')} {what} to {name} with {n} record"
                  f" ref{'s' if n != 1 else ''} (handoffs, notes, sessions) in the same push")
        return 0
    if result.error and not result.rejected:
        print(prefixed(f"error: git sess push to {name} failed: {untrusted.line(result.error)}",
                       err), file=err)
        return int(ExitCode.FAILURE)
    print(prefixed(f"error: nothing pushed to {name}: the push is all or nothing", err), file=err)
    for ref, why in sorted(result.rejected.items()):
        if "atomic" not in why:
            print(f"  not pushed: {untrusted.line(ref)} ({untrusted.line(why)})", file=err)
    print(prefixed("hint: a branch behind the remote needs git pull first; a record the "
                   "remote refused names its fix above", err), file=err)
    return int(ExitCode.CONFLICT)
