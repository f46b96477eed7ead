"""`git sess resume`: where the work stands, read from git alone."""

from __future__ import annotations

import json
import sys
import time

from gitsess.errors import UsageError
from gitsess.handoff.identity import OPERATOR_RE
from gitsess.resume import text as resume_text
from gitsess.resume import view as resume
from gitsess.store import Store
from gitsess.telemetry import writer


def run(*, store: Store, as_json: bool = False, operator: str | None = None,
        since: str | None = None, show_all: bool = False) -> int:
    if operator is not None and not OPERATOR_RE.match(operator):
        raise UsageError(f"invalid operator '{operator}'",
                         hint="an operator is letters, digits, '-' and '_', e.g. RT")
    since_s = resume.parse_duration(since) if since is not None else None
    # The bounded text shows the open questions of a few workstreams only:
    # reading the others' notes would cost ~0.7 ms each for nothing.
    shown = None if as_json or show_all else resume_text.WORKSTREAMS_SHOWN
    # Tool calls' events wait as spills (gitsess/telemetry/spill.py): fold them first.
    writer.fold_pending(store, time.monotonic() + 2.0)
    doc = resume.view(store, operator=operator, since_s=since_s, questions_for=shown)
    if as_json:
        json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(resume_text.render(doc, full=show_all, cols=_columns(),
                                            other=_other(store, operator)))
    return 0


def _columns() -> int | None:
    """The terminal's width when the text goes to one (or COLUMNS says it):
    free text is wrapped at it. None for a pipe: the text stays verbatim."""
    import os
    import shutil

    if not (sys.stdout.isatty() or os.environ.get("COLUMNS")):
        return None
    cols = shutil.get_terminal_size().columns
    return cols if cols >= 20 else None


def _other(store: Store, operator: str | None) -> bool:
    """Whether --operator names someone else (their workstreams are not "Your")."""
    from gitsess.handoff.identity import operator as current_operator

    return operator is not None and operator != current_operator(store, cache=False).id
