"""The draft: the composed record of a handoff, kept in $GIT_DIR/SESS_HANDOFF.

`git sess handoff` writes it before its `git commit`; commit-msg rewrites it
with what it validated, and post-commit drops it once the record is stored.
It stays when anything refuses the record, for `git sess handoff --draft`.
"""

from __future__ import annotations

import contextlib
import os

from gitsess.errors import ValidationError
from gitsess.handoff.record import Record, parse_sections, render, split_front_matter
from gitsess.store import Store

DRAFT_FILE = "SESS_HANDOFF"


def draft_path(store: Store) -> str:
    """$GIT_DIR/SESS_HANDOFF: per worktree, where git keeps COMMIT_EDITMSG."""
    return os.path.join(store.git_dir, DRAFT_FILE)


def read_draft(store: Store) -> Record | None:
    try:
        with open(draft_path(store), encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError):
        return None
    try:
        front, body, _ = split_front_matter(text)
    except ValidationError:
        return Record({}, parse_sections(text))
    return Record(front, parse_sections(body))


def write_draft(store: Store, rec: Record) -> str:
    path = draft_path(store)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(render(rec))
        os.replace(tmp, path)
    except BaseException:  # a full disk, a read-only .git: leave no half draft behind
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def drop_draft(store: Store, hid: str | None = None) -> None:
    """Remove the draft (only the one of `hid` when given)."""
    if hid is not None:
        d = read_draft(store)
        if d is None or d.front.get("id") != hid:
            return
    with contextlib.suppress(FileNotFoundError):
        os.unlink(draft_path(store))


def kept(store: Store) -> str | None:
    """The draft's path when there is one."""
    path = draft_path(store)
    return path if os.path.exists(path) else None


def set_aside(store: Store) -> None:
    """Set the draft aside as SESS_HANDOFF~ (one level, as an editor's backup)."""
    path = draft_path(store)
    with contextlib.suppress(FileNotFoundError):
        os.replace(path, path + "~")


def shown(path: str) -> str:
    """`path` as the person should read it: relative when near."""
    return os.path.relpath(path) if not os.path.relpath(path).startswith("../..") else path
