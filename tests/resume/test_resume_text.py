"""gitsess.resume.text: `git sess resume` as text for a terminal."""

from __future__ import annotations

from gitsess.resume import text as resume_text


def test_peer_lines() -> None:
    now = 1_000_000.0
    seen = {"id": "AB-261126-01", "title": "T", "age_s": 3 * 3600}
    base = {"operator": "AB", "active": False, "sessions": 0, "tool_calls": 0,
            "last_event_age_s": None, "last_seen": seen}
    assert resume_text.peer_line(base, now * 1000) == \
        'Peer activity — AB: last seen AB-261126-01 ("T", 3h ago)'
    live = {**base, "active": True, "sessions": 2, "tool_calls": 9}
    assert resume_text.peer_line(live, now * 1000) == (
        'Peer activity — AB: active now (2 sessions, 9 tool calls); '
        'last seen AB-261126-01 ("T", 3h ago)')
    idle = {**base, "sessions": 1, "tool_calls": 4, "last_event_age_s": 7200, "last_seen": None}
    assert resume_text.peer_line(idle, now * 1000) == \
        "Peer activity — AB: last active 2h ago (4 tool calls), no handoff yet"


def test_a_peer_line_cuts_a_long_title_by_display_width() -> None:
    from gitsess.ui.columns import width

    now = 1_000_000.0
    title = "日本語のタイトル" * 10  # 160 columns
    p = {"operator": "AB", "active": False, "sessions": 0, "tool_calls": 0,
         "last_event_age_s": None,
         "last_seen": {"id": "AB-261126-01", "title": title, "age_s": 60}}
    line = resume_text.peer_line(p, now * 1000)
    shown = line.split('("', 1)[1].rsplit('", ', 1)[0]
    assert shown.endswith("…") and title.startswith(shown[:-1])
    assert width(shown) <= resume_text.TITLE_COLS
    assert f'("{title}", 1m ago)' in resume_text.peer_line(p, now * 1000, full=True)
