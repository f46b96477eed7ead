"""A CHANGELOG entry committed with a handoff (`git sess handoff --changelog`).

The entry (date, title, id, workstream, the Summary's first paragraph) goes
first, under the file's `# ` title when it has one, in the first of
CHANGELOG.md, CHANGELOG, CHANGES.md, HISTORY.md that exists (CHANGELOG.md is
created otherwise). If the commit does not happen, the file and the index
are put back as they were.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from gitsess.errors import UsageError
from gitsess.handoff.record import Record
from gitsess.store import Store, history

CHANGELOG_NAMES = ("CHANGELOG.md", "CHANGELOG", "CHANGES.md", "HISTORY.md")


def file_name(store: Store) -> str:
    """The CHANGELOG this repository uses (the first that exists, else CHANGELOG.md)."""
    assert store.workdir is not None
    return next((n for n in CHANGELOG_NAMES if os.path.exists(os.path.join(store.workdir, n))),
                CHANGELOG_NAMES[0])


def check_clean(store: Store) -> None:
    """UsageError when the CHANGELOG has changes of its own (staged, unstaged or
    untracked): the handoff commits the file whole, so they would be swept in."""
    name = file_name(store)
    if history.has_changes(store, name):
        raise UsageError(
            f"{name} has uncommitted changes; --changelog would commit them with the handoff",
            hint=f"commit or stash your changes to {name} (or leave out --changelog), "
                 "then retry")


@contextlib.contextmanager
def entry(store: Store, rec: Record, *, enabled: bool) -> Iterator[list[str]]:
    """Prepend the handoff to the CHANGELOG for the commit; put it back if that fails."""
    if not enabled:
        yield []
        return
    assert store.workdir is not None
    check_clean(store)
    name = file_name(store)
    path = os.path.join(store.workdir, name)
    try:
        with open(path, encoding="utf-8") as fh:
            before: str | None = fh.read()
    except FileNotFoundError:
        before = None
    tracked = history.is_tracked(store, name)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text(before, rec))
    if not tracked:
        history.add_intent(store, name)
    ok = False
    try:
        yield [name]
        ok = True
    finally:
        if not ok:
            if before is None:
                with contextlib.suppress(OSError):
                    os.unlink(path)
            else:
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(before)
            if not tracked:
                history.untrack(store, name)


def text(before: str | None, rec: Record) -> str:
    """The CHANGELOG with this handoff's entry first (under a leading `# ` title)."""
    f = rec.front
    summary = rec.sections.get("Summary", "").strip().split("\n\n")[0].strip()
    entry = f"## {str(f['ended_at'])[:10]} {f['title']} ({f['id']}, {f['workstream']})\n\n"
    if summary:
        entry += summary + "\n\n"
    if not before:
        return "# Changelog\n\n" + entry
    lines = before.split("\n")
    if lines and lines[0].startswith("# "):
        head, rest = lines[0], "\n".join(lines[1:]).lstrip("\n")
        return f"{head}\n\n{entry}{rest}"
    return entry + before
