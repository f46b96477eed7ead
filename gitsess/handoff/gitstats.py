"""Git stats of a handoff: the commits of its window.

The window (issue 3) starts at the operator's previous handoff or at the
earliest start of the sessions the handoff covers, whichever is later; it
ends at HEAD. Fallbacks, when one of the two is unknown the other is used;
when both are (a first handoff that covers no session), the window is the
FALLBACK_WINDOW_S (24 hours) before now.

Counted: the non-merge commits reachable from HEAD (and not from the
previous handoff's commit), committed at or after the window start,
authored with the operator's email when that is known (a merge or rebase
brings teammates' commits into the window; they are theirs to report), and
not themselves handoffs (no Sess-Id trailer). `files_changed` counts
distinct paths, `insertions`/`deletions` sum git's numstat (binary files
count as changed with no lines), renames are not detected. `range` is
`<parent of the oldest>..<newest>` (just `<newest>` when the oldest is a
root commit), so `git log <range>` shows the span.

One `git log` process, bounded by --since: cheap on any history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gitsess.store import Store, history
from gitsess.ui.timefmt import iso

FALLBACK_WINDOW_S = 24 * 3600
_SEP = "\x1e"


@dataclass(frozen=True)
class Window:
    start_s: int
    reason: str  # "previous handoff", "session start", "fallback (24 h)"
    hide: tuple[str, ...]  # commits whose history is outside the window


def window(*, previous: tuple[str, int] | None, session_start_s: int | None,
           now: float) -> Window:
    """The window from the previous handoff (commit, time) and the earliest session start."""
    if previous is not None and (session_start_s is None or previous[1] >= session_start_s):
        return Window(previous[1], "previous handoff", (previous[0],))
    if session_start_s is not None:
        hide = (previous[0],) if previous is not None else ()
        return Window(session_start_s, "session start", hide)
    return Window(int(now) - FALLBACK_WINDOW_S, "fallback (24 h)", ())


def empty() -> dict[str, Any]:
    return {
        "commits": 0,
        "files_changed": 0,
        "insertions": 0,
        "deletions": 0,
        "first_commit_at": None,
        "last_commit_at": None,
        "range": None,
    }


@dataclass
class Scan:
    """The window's commits as git log listed them, newest first, and what they changed."""

    commits: list[tuple[str, int, str]]  # (oid, commit time, first parent)
    files: set[str]
    insertions: int = 0
    deletions: int = 0


def scan(store: Store, win: Window, *, author_email: str | None,
         head: str | None = None) -> Scan:
    """The commits of the window ending at `head` (HEAD), by `author_email` when known."""
    head = head or store.head().oid
    out = None if head is None else history.work_log(
        store, head, since_s=win.start_s, separator=_SEP,
        hide=[h for h in win.hide if store.has_object(h)])
    found = Scan([], set())
    if out is None:
        return found
    want = author_email.lower() if author_email else None
    for chunk in out.split(_SEP)[1:]:
        lines = chunk.split("\n")
        oid, ctime, *parents = lines[0].split(" ")
        if want is not None and lines[1].strip().lower() != want:
            continue
        if int(ctime) < win.start_s:  # --since is a heuristic at clock skew; be exact
            continue
        found.commits.append((oid, int(ctime), parents[0] if parents and parents[0] else ""))
        for line in lines[2:]:
            parts = line.split("\t", 2)
            if len(parts) != 3:
                continue
            found.files.add(parts[2])
            found.insertions += int(parts[0]) if parts[0].isdigit() else 0
            found.deletions += int(parts[1]) if parts[1].isdigit() else 0
    return found


def collect(store: Store, win: Window, *, author_email: str | None,
            head: str | None = None) -> dict[str, Any]:
    """The `git` section of a record for the window ending at `head` (HEAD)."""
    found = scan(store, win, author_email=author_email, head=head)
    commits = found.commits
    if not commits:
        return empty()
    newest, oldest = commits[0], commits[-1]  # git log's order: newest first
    times = [c[1] for c in commits]
    return {
        "commits": len(commits),
        "files_changed": len(found.files),
        "insertions": found.insertions,
        "deletions": found.deletions,
        "first_commit_at": iso(min(times) * 1000),
        "last_commit_at": iso(max(times) * 1000),
        "range": f"{oldest[2]}..{newest[0]}" if oldest[2] else newest[0],
    }
