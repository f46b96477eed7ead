"""`git sess doctor [--json] [--relink]`: what is installed where, and what to fix."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from gitsess import diagnose, orphans, rewrite
from gitsess.errors import ExitCode
from gitsess.store import Store

MARK = {"error": "x", "warning": "!", "info": "-"}


def run(*, store: Store, as_json: bool = False, relink: bool = False, fix: bool = False) -> int:
    relinked: list[dict[str, Any]] = []
    fixed = orphans.fix(store, deadline=time.monotonic() + 30) if fix else None
    if relink:
        for done in rewrite.relink(store, deadline=time.monotonic() + 30):
            relinked.append({"record": done.record_id, "commit": done.commit,
                             "from": done.origin, "moved_ref": done.moved_ref})
    d = diagnose.diagnose(store)
    if as_json:
        out = d.to_json()
        if relink:
            out["relinked"] = relinked
        if fixed is not None:
            out["fixed"] = {"moved": fixed.moved, "dropped": fixed.dropped, "kept": fixed.kept,
                            "left": fixed.left}
        json.dump(out, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0 if d.ok else int(ExitCode.FAILURE)
    for r in relinked:
        if r["from"]:
            print(f"relinked {r['record']} onto {r['commit'][:12]} (record from {r['from'][:12]})"
                  + (f"; moved {r['moved_ref']}" if r["moved_ref"] else ""))
        else:
            print(f"not relinked {r['record']} on {r['commit'][:12]}: no record found here")
    if fixed is not None:
        for ref, target in fixed.moved.items():
            print(f"moved {ref} to {target[:12]}, the branch commit with its Sess-Id")
        if fixed.dropped:
            print(f"removed {len(fixed.dropped)} note(s) of orphaned commits (their records are"
                  " on commits a branch reaches)")
        for annotated in fixed.kept:
            print(f"kept the note of {annotated[:12]}: its record is on no other commit")
        for ref in fixed.left:
            print(f"left {ref}: not ours, or no branch commit carries its Sess-Id")
    print(f"hooks: {d.hooks_dir} ({d.hooks_source})")
    for h in d.hooks:
        runs = "runs" if h.runs else "WILL NOT RUN"
        extra = f", then chained {h.chained}" if h.chained and h.state == "ok" else ""
        print(f"  {h.name:<13} {h.state:<16} {runs}{extra}")
    for f in d.findings:
        print(f"{MARK[f.severity]} {f.severity}: {f.message}")
        if f.fix:
            print(f"    fix: {f.fix}")
    print("ok" if d.ok else "needs attention (see fix: lines)")
    return 0 if d.ok else int(ExitCode.FAILURE)
