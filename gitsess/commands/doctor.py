"""`git sess doctor [--json] [--relink]`: what is installed where, and what to fix."""

from __future__ import annotations

import json
import sys

from gitsess.errors import ExitCode
from gitsess.setup import doctor as diagnose
from gitsess.setup import repair
from gitsess.store import Store
from gitsess.ui import untrusted
from gitsess.ui.colour import paint

MARK = {"error": "x", "warning": "!", "info": "-"}
ROLE = {"error": "error", "warning": "warning", "info": "hint"}


def run(*, store: Store, as_json: bool = False, relink: bool = False, fix: bool = False) -> int:
    done = repair.repair(store, relink=relink, fix=fix)
    relinked, renumbered, fixed = done.relinked, done.renumbered, done.fixed
    d = diagnose.diagnose(store)
    if as_json:
        out = d.to_json()
        if relink:
            out["relinked"] = relinked
        if fix:
            out["renumbered"] = renumbered
        if fixed is not None:
            out["fixed"] = {"moved": fixed.moved, "dropped": fixed.dropped, "kept": fixed.kept,
                            "left": fixed.left}
        # Findings quote record ids and messages that others pushed.
        json.dump(untrusted.tree(out), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0 if d.ok else int(ExitCode.FAILURE)
    for r in relinked:
        if r["from"]:
            print(f"relinked {r['record']} onto {r['commit'][:12]} (record from {r['from'][:12]})"
                  + (f"; moved {r['moved_ref']}" if r["moved_ref"] else ""))
        else:
            print(f"not relinked {r['record']} on {r['commit'][:12]}: no record found here")
    for r in renumbered:
        print(f"renumbered handoff {r['from']} to {r['to']} (commit {r['commit'][:12]}):"
              f" {r['remote']} holds another {r['from']}")
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
        if h.runs and h.on_demand:
            runs += " when it has work" + (" (armed now)" if h.armed else "")
        extra = f", then chained {h.chained}" if h.chained and h.state == "ok" else ""
        extra += f", via {h.via}" if h.via else ""
        print(f"  {h.name:<18} {h.state:<16} {runs}{extra}")
    for f in d.findings:
        # A finding can quote a record id or message someone else pushed.
        print(f"{MARK[f.severity]} {paint(f.severity + ':', ROLE[f.severity])} "
              f"{untrusted.line(f.message)}")
        if f.fix:
            print(f"    fix: {untrusted.line(f.fix)}")
    print(paint("ok", "ok") if d.ok else paint("needs attention", "warning") + " (see fix: lines)")
    return 0 if d.ok else int(ExitCode.FAILURE)

