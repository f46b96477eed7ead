"""Colour on a terminal, and only there (issue 10).

cli.py owns click (the house rule) and hands its `click.style` in with
`configure`; everything else asks `ui` for a styled prefix. Colour is off
when the stream is not a terminal, when NO_COLOR is set to anything
non-empty (https://no-color.org), with `git sess --no-color`, and before
cli.py has configured it (a git hook, a test calling a command directly).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TextIO

Styler = Callable[..., str]

_styler: Styler | None = None

# The roles output speaks in, and their look (click.style keywords).
ROLES: dict[str, dict[str, object]] = {
    "error": {"fg": "red", "bold": True},
    "warning": {"fg": "yellow", "bold": True},
    "hint": {"fg": "cyan"},
    "ok": {"fg": "green", "bold": True},
    "id": {"fg": "yellow"},
}


def configure(styler: Styler | None, *, no_color: bool = False) -> None:
    """Turn colour on with `styler` (click.style), unless --no-color or NO_COLOR."""
    global _styler
    _styler = None if no_color or os.environ.get("NO_COLOR") else styler


def enabled(stream: TextIO | None = None) -> bool:
    stream = stream if stream is not None else sys.stdout
    try:
        return _styler is not None and stream.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream
        return False


def paint(text: str, role: str, stream: TextIO | None = None) -> str:
    """`text` in the colour of `role` when `stream` takes colour, else as is."""
    if _styler is None or not enabled(stream):
        return text
    return _styler(text, **ROLES.get(role, {}))


def prefixed(line: str, stream: TextIO | None = None) -> str:
    """A line starting `error:`, `warning:` or `hint:` with that word coloured."""
    word, sep, rest = line.partition(":")
    if sep and word in ("error", "warning", "hint"):
        return paint(word + sep, word, stream) + rest
    return line
