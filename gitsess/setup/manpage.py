"""Writing git-sess(1) where `man` finds it (install.sh runs
`git sess manpage -o <dir>/man1/git-sess.1`); gitsess.ui.manpage renders it."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from gitsess.errors import UsageError


def write(output: str, page: str) -> None:
    """Write `page` to `output`, leaving an unchanged file (and its time) alone."""
    path = Path(output)
    try:
        if path.is_file() and path.read_text(encoding="utf-8", errors="replace") == page:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        _replace(path, page)
    except OSError as exc:
        raise UsageError(f"cannot write the man page to {output}: {exc.strerror or exc}",
                         hint="give a writable path with --output, or none for stdout") from exc


def _replace(path: Path, text: str) -> None:
    """Write a sibling, then rename it over `path`: man never reads half a page."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
