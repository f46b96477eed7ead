"""`git sess manpage`: print git-sess(1), or write it to a file (install.sh does)."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from gitsess.errors import UsageError
from gitsess.ui import manpage


def run(*, program: manpage.Program, output: str | None = None) -> int:
    page = manpage.render(program)
    if output is None or output == "-":
        sys.stdout.write(page)
        return 0
    path = Path(output)
    try:
        if path.is_file() and path.read_text(encoding="utf-8", errors="replace") == page:
            return 0  # unchanged: leave the file (and its time) alone
        path.parent.mkdir(parents=True, exist_ok=True)
        _replace(path, page)
    except OSError as exc:
        raise UsageError(f"cannot write the man page to {output}: {exc.strerror or exc}",
                         hint="give a writable path with --output, or none for stdout") from exc
    return 0


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
