"""JSON string escapes, nested: a text's decodings and the way back to it.

A transcript line is JSON, and the text of a string in it is often JSON
again (a tool result holding an API response, which holds a config file):
each level of nesting escapes the quotes and backslashes of the one inside
it once more, so a value two levels down reads `\\\\\\"AKIA...\\\\\\"` in the file.
Detectors look for quotes around a value, and a span that ends on the
backslash of an escaped quote, once cut, leaves a document that no longer
parses.

`Views(text)` holds the text (level 0) and its decodings, one JSON string
unescape per level, as deep as escapes go (at most MAX_DEPTH levels). The
decoding is lenient: a backslash that starts no JSON escape stays as it is,
so any text has views, JSON or not. A span found in any view maps back to
the text (`to_source`), and `snap` shrinks a span of the text until it cuts
no escape sequence of any level in two: what is removed is then whole
characters at every level, and every level still decodes.
"""

from __future__ import annotations

import bisect
import json
import re

MAX_DEPTH = 8
_ESCAPE = re.compile(r'\\(?:u[0-9a-fA-F]{4}|["\\/bfnrt])')
_SIMPLE = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class _Level:
    """One unescape: view positions of decoded escapes, and what each cost."""

    def __init__(self, source: str) -> None:
        parts: list[str] = []
        self.at: list[int] = []  # view position of each decoded escape
        self.extra: list[int] = []  # source characters saved before it
        self.escapes: list[tuple[int, int]] = []  # its span in the source
        pos = saved = 0
        for m in _ESCAPE.finditer(source):
            a, b = m.span()
            parts.append(source[pos:a])
            esc = m.group()
            parts.append(chr(int(esc[2:], 16)) if esc[1] == "u" else _SIMPLE[esc[1]])
            self.at.append(a - saved)
            self.extra.append(saved)
            self.escapes.append((a, b))
            saved += b - a - 1
            pos = b
        parts.append(source[pos:])
        self.saved = saved
        self.text = "".join(parts)

    def to_source(self, pos: int) -> int:
        k = bisect.bisect_left(self.at, pos)
        return pos + (self.extra[k] if k < len(self.extra) else self.saved)


class Views:
    """A text and its nested JSON-string decodings (see the module's doc)."""

    def __init__(self, text: str) -> None:
        self.texts = [text]
        self._levels: list[_Level] = []
        # Per level, its escape sequences as spans of the text (level 0).
        self._starts: list[list[int]] = []
        self._ends: list[list[int]] = []
        while len(self._levels) < MAX_DEPTH and "\\" in self.texts[-1]:
            level = _Level(self.texts[-1])
            if not level.escapes:
                break
            depth = len(self._levels)
            spans = [(self.to_source(depth, a), self.to_source(depth, b)) for a, b in level.escapes]
            self._levels.append(level)
            self.texts.append(level.text)
            self._starts.append([a for a, _ in spans])
            self._ends.append([b for _, b in spans])

    def to_source(self, depth: int, pos: int) -> int:
        """A position in view `depth` as a position in the text."""
        for level in reversed(self._levels[:depth]):
            pos = level.to_source(pos)
        return pos

    def snap(self, start: int, end: int) -> tuple[int, int]:
        """Shrink a span of the text so that it splits no escape at any level
        (to an empty span when no whole character was inside it)."""
        # Levels from the shallowest: an escape of a deeper level is made of
        # whole escapes of the levels above, so a move never undoes one.
        for starts, ends in zip(self._starts, self._ends, strict=True):
            i = bisect.bisect_right(starts, start) - 1
            if i >= 0 and starts[i] < start < ends[i]:
                start = ends[i]
            i = bisect.bisect_right(starts, end) - 1
            if i >= 0 and starts[i] < end < ends[i]:
                end = starts[i]
        return start, max(start, end)


def decodings(value: str) -> list[str]:
    """`value` and each of its decodings, as far as they go."""
    forms = [value]
    while len(forms) <= MAX_DEPTH and "\\" in forms[-1]:
        decoded = _Level(forms[-1]).text
        if decoded == forms[-1]:
            break
        forms.append(decoded)
    return forms


def encodings(value: str, depth: int = MAX_DEPTH) -> list[str]:
    """`value` and how it reads inside 1..depth levels of JSON strings."""
    forms = [value]
    for _ in range(depth):
        more = json.dumps(forms[-1], ensure_ascii=False)[1:-1]
        if more == forms[-1]:
            break
        forms.append(more)
    return forms
