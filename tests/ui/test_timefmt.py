from __future__ import annotations

import pytest

from gitsess.ui.timefmt import ago, iso


@pytest.mark.parametrize(("ms", "want"), [
    (None, None),
    (0, "1970-01-01T00:00:00Z"),
    (1_795_680_000_000, "2026-11-26T08:00:00Z"),
    (-5_000, "1970-01-01T00:00:00Z"),
    (10**20, "9999-12-31T23:59:59Z"),          # a crafted far-future commit time
    (2**63 * 1000, "9999-12-31T23:59:59Z"),
    (float("nan"), "1970-01-01T00:00:00Z"),
])
def test_iso_is_always_an_rfc3339_time(ms: float | None, want: str | None) -> None:
    assert iso(ms) == want


def test_ago() -> None:
    now = 1_000_000_000
    assert ago(None) == "never"
    assert ago(now - 30_000, now) == "30s ago"
    assert ago(now - 3 * 3_600_000, now) == "3h ago"
    assert ago(now + 60_000, now) == "0s ago"  # the future is not negative
