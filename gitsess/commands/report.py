"""`git sess report`: the team's view over a window, as text, JSON or one HTML page."""

from __future__ import annotations

import json
import os
import sys
import time

from gitsess.errors import GitsessError, UsageError
from gitsess.handoff.identity import OPERATOR_RE
from gitsess.report import gather, page, text
from gitsess.resume.view import parse_duration
from gitsess.store import Store

# Local git config: when this clone's user last read the report (epoch ms).
SEEN_KEY = "sess.reportSeen"


def run(*, store: Store, as_json: bool = False, html_file: str | None = None,
        since: str | None = None, rng: str | None = None, branch: str | None = None,
        operator: str | None = None, workstream: str | None = None) -> int:
    if operator is not None and not OPERATOR_RE.match(operator):
        raise UsageError(f"invalid operator '{operator}'",
                         hint="an operator is letters, digits, '-' and '_', e.g. RT")
    if as_json and html_file is not None:
        raise UsageError("--json and --html do not go together",
                         hint="run the report twice: once with --json, once with --html FILE")
    window = gather.Window(since_s=parse_duration(since) if since is not None else None,
                           range=rng, branch=branch, operator=operator, workstream=workstream)
    now_ms = int(time.time() * 1000)
    raw = store.config_get(SEEN_KEY)
    seen_ms = int(raw) if raw is not None and raw.isdigit() else None
    doc = gather.gather(store, window, now_ms=now_ms, seen_ms=seen_ms)
    if as_json:
        json.dump(doc, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if html_file is not None:
        _write(html_file, page.render(doc))
        print(f"wrote {html_file} ({doc['totals']['handoffs']} handoffs, "
              f"{doc['totals']['sessions']} sessions)")
        return 0
    for line in text.render(doc, cols=_columns(), stream=sys.stdout):
        sys.stdout.write(line + "\n")
    # Only a person reading the text has "looked"; a script (--json) or a
    # page written for later has not.
    store.config_set(SEEN_KEY, str(now_ms))
    return 0


def _write(path: str, content: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(content)
    except OSError as exc:
        raise GitsessError(f"cannot write {path}: {exc.strerror or exc}",
                           hint="name a file in a directory that exists and you can write") from None


def _columns() -> int | None:
    """The terminal's width when the text goes to one (or COLUMNS says it)."""
    import shutil

    if not (sys.stdout.isatty() or os.environ.get("COLUMNS")):
        return None
    cols = shutil.get_terminal_size().columns
    return cols if cols >= 20 else None
