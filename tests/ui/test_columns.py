"""gitsess.ui.columns: display widths, clips and tables."""

from __future__ import annotations

import pytest

from gitsess.ui import columns
from gitsess.ui.columns import clip, clip_lines, table, width

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one ZWJ sequence, two columns
CAFE = "cafe\u0301"  # the accent combines with the e: four columns


@pytest.mark.parametrize(("text", "cols"), [
    ("abc", 3), ("日本語", 6), (CAFE, 4), (FAMILY, 2), ("\U0001f1eb\U0001f1f7", 2), ("", 0),
])
def test_width_is_terminal_columns(text: str, cols: int) -> None:
    assert width(text) == cols


def test_clip_never_splits_a_wide_character() -> None:
    assert clip("日本語", 6) == "日本語"
    assert clip("日本語", 5) == "日本…"
    assert clip("日本語", 4) == "日…"  # 3 columns: half of 本 would not do
    assert clip("日本語", 1) == "…"
    assert clip("日本語", 0) == ""


def test_clip_keeps_a_grapheme_whole() -> None:
    assert clip(CAFE * 3, 6) == "cafe\u0301c…"
    assert clip(CAFE, 4) == CAFE
    assert clip("e\u0301" * 4, 3) == "e\u0301e\u0301…"
    assert clip(FAMILY * 3, 5) == FAMILY * 2 + "…"
    assert clip("ab   cd", 5) == "ab…"  # no blank before the ellipsis


@pytest.mark.parametrize("text", ["日本語テキスト", CAFE * 5, FAMILY * 7, "a日b本c" * 3])
def test_a_clip_fits_its_columns(text: str) -> None:
    for cols in range(width(text) + 2):
        out = clip(text, cols)
        assert width(out) <= cols
        assert out == text or out.endswith("…") or out == ""


def test_cell_shows_control_characters() -> None:
    assert columns.cell("a\tb\x1b[31mc\n") == "a?bc?"
    assert columns.cell(CAFE + FAMILY) == CAFE + FAMILY


def test_a_table_lines_up_by_display_width() -> None:
    rows = [["日本語", "AB", "build", "2h ago"],
            [CAFE, "CD", "-", "1d ago"],
            [FAMILY, "EFGH", "review", "3d ago"],
            ["x" * 50, "I", "-", "9d ago"]]
    lines = table(rows, [12, None, None, None])
    for i, cells in enumerate(zip(*rows, strict=True)):
        if i == 0:
            continue
        starts = {width(line[: line.index(cell)]) for line, cell in zip(lines, cells, strict=True)}
        assert starts == {[0, 14, 20, 28][i]}, (lines, i)
    assert lines[3].startswith("x" * 11 + "…  I")
    assert table([], [None]) == []
    assert table([["a", ""]], [None, None]) == ["a"]  # no trailing blanks


def test_clip_lines_counts_wrapped_rows() -> None:
    text = "one\n" + "x" * 170 + "\nthree\nfour"  # 1 + 3 + 1 + 1 rows of 80 columns
    assert clip_lines(text, 6) == (text.split("\n"), 0)
    assert clip_lines(text, 5) == (["one", "x" * 170, "three"], 1)
    assert clip_lines(text, 2) == (["one", "x" * 79 + "…"], 3)
    assert clip_lines("日" * 100, 1, cols=80) == (["日" * 39 + "…"], 1)
    # Lines are split at newlines only: the text stays verbatim.
    assert clip_lines("a\u2028b\x0bc\n", 9) == (["a\u2028b\x0bc", ""], 0)
