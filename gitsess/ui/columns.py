"""Text laid out in terminal columns: widths, clips and tables by display width.

A terminal gives 日 two columns, the "é" of "e" + U+0301 one, and a family
emoji joined by ZWJs two; `len()` says 1, 2 and 5. Widths come from wcwidth
(Unicode's East Asian Width and grapheme cluster rules), and a text is only
ever cut between grapheme clusters, so a wide character or an accent is
never split from what it belongs to.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import wcwidth

from gitsess.ui import untrusted

ELLIPSIS = "…"


def width(text: str) -> int:
    """The columns `text` takes on a terminal."""
    return wcwidth.width(text)


def cell(text: str) -> str:
    """`text` as one table cell: control characters (tab, newline) shown as '?',
    escape sequences and invisible characters removed, the length bounded.

    Names and titles come from fetched commits: a tab would break the columns
    and an escape sequence would reach the reader's terminal (gitsess.ui.untrusted).
    """
    return untrusted.line(text)


def clip(text: str, cols: int) -> str:
    """`text` in at most `cols` columns; a cut one ends in '…'."""
    if width(text) <= cols:
        return text
    if cols < 1:
        return ""
    out: list[str] = []
    used = 0
    for grapheme in wcwidth.iter_graphemes(text):
        used += width(grapheme)
        if used > cols - 1:
            break
        out.append(grapheme)
    return "".join(out).rstrip() + ELLIPSIS


def pad(text: str, cols: int) -> str:
    """`text` followed by spaces up to `cols` columns."""
    return text + " " * max(0, cols - width(text))


def table(rows: Sequence[Sequence[str]], caps: Sequence[int | None],
          sep: str = "  ") -> list[str]:
    """One line per row, each column as wide on screen as its widest cell.

    Cells are made single-line (`cell`) and clipped to their column's cap
    (None: no cap); the last column is not padded.
    """
    cells = [[c if cap is None else clip(c, cap) for c, cap in zip(map(cell, row), caps,
                                                                    strict=True)]
             for row in rows]
    if not cells:
        return []
    widths = [max(width(row[i]) for row in cells) for i in range(len(caps) - 1)]
    return [sep.join([*(pad(c, w) for c, w in zip(row[:-1], widths, strict=True)), row[-1]])
            .rstrip() for row in cells]


def clip_lines(text: str, rows: int, cols: int = 80) -> tuple[list[str], int]:
    """The lines of `text` that fill at most `rows` rows of a `cols`-column
    terminal (a long line wraps onto several), and how many lines were cut
    or left out. A line cut short ends in '…'. Only newlines split lines
    (not str.splitlines' other breaks): what is shown stays verbatim."""
    lines = text.split("\n")
    shown: list[str] = []
    left = rows
    for i, line in enumerate(lines):
        need = max(1, math.ceil(width(line) / cols))
        if need <= left:
            shown.append(line)
            left -= need
            continue
        if left > 0:
            shown.append(clip(line, left * cols))
        return shown, len(lines) - i
    return shown, 0


def wrap(text: str, cols: int) -> str:
    """`text` with each line wider than `cols` broken at spaces, by display
    width, so that a terminal does not break words mid-way (issue 10:
    "encodi / ng" at 60 columns). A word wider than `cols` stays whole;
    a line's indent is kept on its continuation rows."""
    out = []
    for line in text.split("\n"):
        if width(line) <= cols:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip(" "))]
        row = ""
        for word in line[len(indent):].split(" "):
            candidate = f"{row} {word}" if row else f"{indent}{word}"
            if row and width(candidate) > cols:
                out.append(row)
                row = f"{indent}{word}"
            else:
                row = candidate
        out.append(row)
    return "\n".join(out)
