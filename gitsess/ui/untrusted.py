"""Text someone else wrote, made safe to show: the one sanitiser (issue 9).

Everything in a record, a note, a commit message or a peer's session ref
was written by whoever could push: it reaches a terminal (`show`, `resume`,
`log`, `status`) and an agent's context (SessionStart). Before it does, it
passes here:

- Escape sequences are removed whole: CSI (`ESC [` or 0x9B ... final byte),
  the string commands OSC (incl. 52, a clipboard write, and 0, the window
  title), DCS, SOS, PM and APC up to their BEL or ST, and any other
  `ESC ... final`. An introducer without its end loses only the ESC (or the
  C1 byte), so what follows shows as plain text. (ECMA-48 5.3, 5.6 and 8.3.)
- A control character left over (C0, DEL, C1 0x80-0x9F) shows as '?': a tab
  or a newline in a title would break a line or a table, and the '?' says
  that something was there. A multi-line field keeps its newlines (CR LF and
  a lone CR, which would overwrite the line on a terminal, become one) and
  its tabs as spaces.
- Invisible format characters are removed: the bidi embeddings, overrides and
  isolates (U+202A-202E, U+2066-2069: "Trojan Source", CVE-2021-42574), the
  marks LRM/RLM/ALM, zero-width spaces, word joiners, BOMs, soft hyphens,
  Hangul fillers, and the tag characters U+E0000-E007F, which a model reads
  and a person does not see. ZWJ and ZWNJ (emoji sequences, Indic and
  Persian scripts) and a variation selector stay, one at a time after a
  visible character: a run of them is a hidden message, not a glyph.
- Every field is bounded in characters and cut with '…'.

The result is for display; the record in git is never changed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from typing import Any

LINE_CHARS = 1000  # a title, a name, a branch, an open question
TEXT_CHARS = 16_000  # a resume prompt, a summary
ELLIPSIS = "…"
# A JSON document (show --json) walked at most this deep and this wide: a
# note's YAML can be a bomb of shared references.
MAX_DEPTH = 32
MAX_NODES = 100_000

_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"  # CSI
    # OSC, DCS, SOS, PM, APC: a string ended by BEL or ST, on one line.
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]"  # any other escape sequence (nF, Fp, Fe, Fs)
)
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029]")
_VS = "\u180b-\u180d\u180f\ufe00-\ufe0f\U000e0100-\U000e01ef"  # variation selectors
_JOINERS = "\u200c\u200d"
# Format characters (Unicode category Cf) but the joiners, and invisible
# letters (Hangul fillers); listed rather than looked up so that the answer
# does not depend on the Python's Unicode version, and fast.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5"
    "\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e007f\ud800-\udfff]"
)
# A selector counts only right after a visible character, a joiner only
# after a visible character or a selector (U+1F468 ZWJ U+2764 VS16 ZWJ
# U+1F468 is one emoji); the rest, runs included, is stray.
_STRAY_VS = re.compile(f"(?:(?<=[\\s{_VS}{_JOINERS}])|^)[{_VS}]+")
_STRAY_JOINERS = re.compile(f"(?:(?<=[\\s{_JOINERS}])|^)[{_JOINERS}]+")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # and the line breaks of Unicode
# Characters that pass str.isprintable() yet hide text (see _INVISIBLE).
_PRINTABLE_HIDERS = re.compile(
    f"[{_VS}{_JOINERS}\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0]")


def _clean(text: str) -> str:
    """`text` without sequences and invisible characters; controls as '?'."""
    if "\x1b" in text or _CONTROL.search(text):
        text = _SEQUENCE.sub("", text)
    text = _INVISIBLE.sub("", text)
    text = _STRAY_JOINERS.sub("", _STRAY_VS.sub("", text))
    text = _CONTROL.sub("?", text)
    if not text.isprintable():  # Cc/Cf/Cs of a newer Unicode than the list above
        text = "".join(c if c.isprintable() or c in _JOINERS
                       or unicodedata.category(c)[0] != "C" else "?" for c in text)
    return text


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + ELLIPSIS


def line(value: object, limit: int = LINE_CHARS) -> str:
    """One line of someone else's text, safe for a terminal or an agent."""
    text = value if isinstance(value, str) else str(value)
    text = text[: limit * 4]  # the cut below is on what is left; never scan a megabyte
    if not (text.isprintable() and not _PRINTABLE_HIDERS.search(text)):
        text = _clean(text)
    return _cut(text, limit)


def text(value: object, limit: int = TEXT_CHARS) -> str:
    """Multi-line text (a prompt, a summary, a whole record): newlines kept,
    tabs as spaces, nothing else invisible."""
    raw = value if isinstance(value, str) else str(value)
    raw = raw[: limit * 4]
    if "\r" in raw or "\u2028" in raw or "\u2029" in raw:
        raw = _NEWLINES.sub("\n", raw)
    lines = raw.split("\n")
    out = []
    for ln in lines:
        if "\t" in ln:
            ln = ln.expandtabs(4)
        if not (ln.isprintable() and not _PRINTABLE_HIDERS.search(ln)):
            ln = _clean(ln)
        out.append(ln)
    return _cut("\n".join(out), limit)


class _Budget:
    def __init__(self, nodes: float) -> None:
        self.left = nodes


def tree(value: Any, multiline: Collection[str] | None = (), *,
         line_chars: int = LINE_CHARS, text_chars: int = TEXT_CHARS,
         max_nodes: int | None = MAX_NODES) -> Any:
    """A JSON-like document with every string (and key) sanitised: `text` for
    the values of keys in `multiline` (every string when it is None), `line`
    for the rest. Bounded in depth and in size (`max_nodes`, None for a
    document gitsess built itself from bounded parts): what lies beyond is
    left out."""
    budget = _Budget(float("inf") if max_nodes is None else max_nodes)
    return _tree(value, multiline, False, line_chars, text_chars, 0, budget)


def _tree(value: Any, multiline: Collection[str] | None, many: bool, line_chars: int,
          text_chars: int, depth: int, budget: _Budget) -> Any:
    budget.left -= 1
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        if value.isascii() and value.isprintable() and len(value) <= line_chars:
            return value  # the common case, and cheap: a resume walks thousands
        return text(value, text_chars) if many or multiline is None else line(value, line_chars)
    if depth >= MAX_DEPTH or budget.left <= 0:
        return ELLIPSIS
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if budget.left <= 0:
                break
            key = line(k, line_chars)
            many_here = multiline is None or (isinstance(k, str) and k in multiline)
            out[key] = _tree(v, multiline, many_here, line_chars, text_chars, depth + 1, budget)
        return out
    if isinstance(value, (list, tuple)):
        items = []
        for v in value:
            if budget.left <= 0:
                break
            items.append(_tree(v, multiline, many, line_chars, text_chars, depth + 1, budget))
        return items
    return line(value, line_chars)  # a date YAML parsed, or anything else: as text
