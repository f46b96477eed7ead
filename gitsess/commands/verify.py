"""`git sess verify [RANGE]`: the handoffs of a range checked again (gitsess.verify)."""

from __future__ import annotations

import json
import sys

from gitsess import __version__
from gitsess.errors import ExitCode, warn
from gitsess.handoff.examine import MISSING_NOTE
from gitsess.store import Store
from gitsess.ui import untrusted
from gitsess.verify import check


def run(*, store: Store, rng: str | None, remote: str | None = None, fetch: bool = True,
        pre_receive: bool = False, as_json: bool = False) -> int:
    if pre_receive:
        result = check.verify_push(store, sys.stdin.read())
    else:
        result = check.verify(store, rng, remote=remote, fetch=fetch)
    warn(*result.notices)
    if as_json:
        print(json.dumps({
            "v": 1, "gitsess": __version__, "range": result.range, "ok": result.ok,
            "commits": result.commits, "handoffs": result.handoffs,
            "findings": [{"commit": f.commit, "handoff": f.handoff, "severity": f.severity,
                          "finding": f.text} for f in result.findings],
        }, indent=2))
    else:
        # A finding quotes notes and trailers a teammate wrote: one sanitised line each.
        for f in result.findings:
            line = untrusted.line(f.line())
            print(line if f.severity == "error" else f"{line} (warning)")
        n = sum(f.severity == "error" for f in result.findings)
        print(f"gitsess verify: {untrusted.line(result.range)}: {result.commits} commit(s), "
              f"{result.handoffs} handoff(s), {n} finding(s)", file=sys.stderr)
        if pre_receive and any(MISSING_NOTE in f.text for f in result.findings):
            # A plain git push sends the records once the branch is in
            # (gitsess/sync/prepush.py): this hook sees the branch first.
            print("hint: push the branch with its records in one push: git sess push "
                  "[<remote> <branch>]", file=sys.stderr)
    return 0 if result.ok else int(ExitCode.FAILURE)
