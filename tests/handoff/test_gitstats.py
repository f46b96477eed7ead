"""The git stats window of a handoff (gitsess.handoff.gitstats)."""

from __future__ import annotations

from gitsess.handoff import gitstats
from gitsess.store import Store
from tests.handoffhelpers import T0, commit_at
from tests.helpers import Repo

H = 3600


def test_window_rule() -> None:
    prev = ("a" * 40, T0 + H)
    w = gitstats.window(previous=prev, session_start_s=T0, now=T0 + 5 * H)
    assert (w.start_s, w.reason, w.hide) == (T0 + H, "previous handoff", ("a" * 40,))
    w = gitstats.window(previous=prev, session_start_s=T0 + 2 * H, now=T0 + 5 * H)
    assert (w.start_s, w.reason, w.hide) == (T0 + 2 * H, "session start", ("a" * 40,))
    w = gitstats.window(previous=None, session_start_s=T0, now=T0 + 5 * H)
    assert (w.start_s, w.hide) == (T0, ())
    w = gitstats.window(previous=None, session_start_s=None, now=T0 + 5 * H)
    assert w.start_s == T0 + 5 * H - gitstats.FALLBACK_WINDOW_S and w.reason.startswith("fallback")


def test_collect_counts_own_non_handoff_commits_in_the_window(repo: Repo) -> None:
    store = Store.discover(str(repo.path))
    commit_at(repo, "before", {"old.txt": "x\n"}, "2026-11-26T07:00:00Z")
    base = repo.git("rev-parse", "HEAD").stdout.strip()
    commit_at(repo, "one", {"a.txt": "1\n2\n"}, "2026-11-26T08:10:00Z")
    commit_at(repo, "two", {"a.txt": "1\n3\n", "b.bin": "\0\1"}, "2026-11-26T08:20:00Z")
    repo.git("commit", "-q", "--allow-empty", "-m", "handoff(x): y\n\nSess-Id: RT-261126-01",
             env={"GIT_COMMITTER_DATE": "2026-11-26T08:25:00Z"})
    repo.git("commit", "-q", "--allow-empty", "-m", "theirs",
             env={"GIT_AUTHOR_EMAIL": "pk@example.com",
                  "GIT_COMMITTER_DATE": "2026-11-26T08:30:00Z"})
    last = commit_at(repo, "three", {"c.txt": "c\n"}, "2026-11-26T08:40:00Z")
    w = gitstats.Window(T0, "session start", ())
    g = gitstats.collect(store, w, author_email="rosa@example.com")
    assert g == {
        "commits": 3, "files_changed": 3, "insertions": 4, "deletions": 1,
        "first_commit_at": "2026-11-26T08:10:00Z", "last_commit_at": "2026-11-26T08:40:00Z",
        "range": f"{base}..{last}",
    }
    everyone = gitstats.collect(store, w, author_email=None)
    assert everyone["commits"] == 4


def test_empty_window_and_unborn_head(repo: Repo, empty_repo: Repo) -> None:
    store = Store.discover(str(repo.path))
    later = gitstats.Window(T0 + 10 * H, "session start", ())
    assert gitstats.collect(store, later, author_email=None) == gitstats.empty()
    unborn = Store.discover(str(empty_repo.path))
    assert gitstats.collect(unborn, later, author_email=None) == gitstats.empty()


def test_root_commit_range(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import make_repo

    repo = make_repo(tmp_path / "r", commit=False)
    root = commit_at(repo, "root", {"a": "a\n"}, "2026-11-26T08:10:00Z")
    store = Store.discover(str(repo.path))
    g = gitstats.collect(store, gitstats.Window(T0, "s", ()), author_email=None)
    assert g["range"] == root and g["commits"] == 1
