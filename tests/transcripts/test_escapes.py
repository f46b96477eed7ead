"""gitsess.transcripts.escapes: a text's nested JSON decodings, and cuts that keep every level whole."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from gitsess.transcripts.escapes import MAX_DEPTH, Views, decodings, encodings


def nest(text: str, depth: int) -> str:
    """`text` inside `depth` JSON documents, each a string of the next (the outermost parsed)."""
    for _ in range(depth):
        text = json.dumps({"text": text})
    return text


def peel(text: str, depth: int) -> str:
    for _ in range(depth):
        text = json.loads(text)["text"]
    return text


def test_views_decode_one_level_each() -> None:
    inner = 'say "hi"\n\\o/ é'
    views = Views(json.dumps(json.dumps(inner))[1:-1])
    assert views.texts[1] == json.dumps(inner)
    assert views.texts[2] == f'"{inner}"'
    # A backslash that starts no JSON escape is kept: any text has views.
    assert Views(r"C:\dir \d+").texts == [r"C:\dir \d+"]
    assert Views("plain").texts == ["plain"]


@given(st.text(max_size=40), st.integers(min_value=1, max_value=4))
def test_every_view_character_maps_to_what_encodes_it(inner: str, depth: int) -> None:
    text = nest(inner, depth)
    views = Views(text)
    for level, view in enumerate(views.texts):
        for p, char in enumerate(view):
            a, b = views.to_source(level, p), views.to_source(level, p + 1)
            assert decodings(text[a:b])[min(level, len(decodings(text[a:b])) - 1)] == char


@given(
    st.text(max_size=40),
    st.integers(min_value=1, max_value=4),
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=0, max_value=10_000),
)
def test_a_snapped_cut_inside_a_string_leaves_every_level_parsable(
    inner: str, depth: int, i: int, j: int
) -> None:
    # What the redactor cuts lies in a string's content, at whatever depth;
    # any such span, snapped, can go without breaking a level.
    text = nest(f"<<{inner}>>", depth)
    first, last = text.index("<<") + 2, text.rindex(">>")
    start, end = sorted(first + x % (last - first + 1) for x in (i, j))
    a, b = Views(text).snap(start, end)
    assert a == b or start <= a < b <= end  # empty when no whole character was inside
    cut = peel(text[:a] + "[REDACTED:X]" + text[b:], depth)  # raises when a level is broken
    assert cut.startswith("<<") and cut.endswith(">>")


def test_snap_moves_off_an_escaped_quote_at_any_depth() -> None:
    for depth in (1, 2, 3):
        text = nest(json.dumps({"k": "v"}), depth)
        quote = text.index("v") - 1  # the last character of the escape before v
        assert text[quote] == '"'
        views = Views(text)
        assert views.snap(quote, text.index("v") + 2) == (text.index("v"), text.index("v") + 1)


def test_encodings_and_decodings_are_inverse() -> None:
    forms = encodings('a"b\\c')
    assert forms[:3] == ['a"b\\c', 'a\\"b\\\\c', 'a\\\\\\"b\\\\\\\\c']
    assert len(forms) == MAX_DEPTH + 1
    assert decodings(forms[2])[:3] == forms[2::-1]
    assert encodings("AKIA0123") == ["AKIA0123"]
