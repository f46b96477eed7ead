"""`git sess import DIR`: legacy session documents become handoff records (issue 4, section 5)."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from gitsess.errors import ExitCode, UsageError
from gitsess.handoff import importer
from gitsess.handoff.identity import OPERATOR_RE
from gitsess.store import Store

SCHEMA_VERSION = 1


def run(
    *,
    store: Store,
    directory: str,
    operator: str | None = None,
    dry_run: bool = False,
    as_json: bool = False,
) -> int:
    if operator is not None and not OPERATOR_RE.match(operator):
        raise UsageError(
            f"invalid operator '{operator}'",
            hint="an operator is 1-32 letters, digits, '_' or '-', e.g. RT",
        )
    if not os.path.isdir(directory):
        raise UsageError(f"not a directory: {directory}")
    outcomes = importer.import_documents(store, directory, operator=operator, dry_run=dry_run)
    counts = {s: sum(o.status == s for o in outcomes) for s in ("imported", "skipped", "invalid")}
    if as_json:
        report: dict[str, Any] = {
            "v": SCHEMA_VERSION,
            "directory": directory,
            "dry_run": dry_run,
            "counts": counts,
            "documents": [o.view() for o in outcomes],
        }
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print(outcomes, counts, directory, dry_run)
    return int(ExitCode.FAILURE if counts["invalid"] else ExitCode.OK)


def _print(
    outcomes: list[importer.Outcome], counts: dict[str, int], directory: str, dry_run: bool
) -> None:
    if not outcomes:
        print(f"no legacy session documents (CONV-*.md, <OP>-YYMMDD-NN.md) in {directory}")
        return
    verb = "would import" if dry_run else "imported"
    for o in outcomes:
        if o.status == "imported":
            print(f'{verb:<12} {o.id:<16} {o.path}  "{o.title}"')
        else:
            print(f"{o.status:<12} {o.path}: {o.reason}")
            for problem in o.problems:
                print(f"{'':<13}- {problem}")
    tail = " (dry run: nothing written)" if dry_run else ""
    print(
        f"{counts['imported']} {verb}, {counts['skipped']} skipped,"
        f" {counts['invalid']} invalid{tail}"
    )
