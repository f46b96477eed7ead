"""gitsess.resume.view: the view, its text and the agent's context."""

from __future__ import annotations

import time
from typing import Any

import pytest

from gitsess.errors import UsageError
from gitsess.resume import view as resume
from gitsess.store import Store
from tests.helpers import Repo, make_handoff


@pytest.mark.parametrize(("text", "seconds"), [
    ("45s", 45), ("90m", 5400), ("2h", 7200), ("7d", 604800), ("2w", 1209600),
    ("1d12h", 129600), (" 3H ", 10800),
])
def test_durations(text: str, seconds: int) -> None:
    assert resume.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "2", "h", "2x", "-2h", "2h-", "1.5h", "2h x"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(UsageError):
        resume.parse_duration(text)


def test_open_questions_drop_placeholders() -> None:
    text = "- first?\n* second?\n1. third?\n- none\nN/A\n\nplain line"
    assert resume.open_questions({"Open Questions": text}) == [
        "first?", "second?", "third?", "plain line"]
    assert resume.open_questions({}) == []


def test_bound_cuts_on_a_character_boundary() -> None:
    text = "é" * 3000
    out = resume.bound(text, 101)
    assert len(out.encode()) <= 101 and out.endswith("…\n")
    assert resume.bound("short", 100) == "short"


def mine(repo: Repo) -> Store:
    """The repository as RT's, set in its own config: libgit2 in this process
    read the global config's location before the hermetic HOME was set."""
    repo.git("config", "sess.operator", "RT")
    return Store.discover(str(repo.path))


def test_agent_context_never_raises() -> None:
    class Broken:
        def __getattr__(self, name: str) -> Any:
            raise RuntimeError("boom")

    assert resume.agent_context(Broken(), deadline=time.monotonic() + 5) == ""  # type: ignore[arg-type]


def test_agent_context_gives_up_when_the_deadline_is_near(repo: Repo) -> None:
    make_handoff(repo, "RT-261126-01")
    store = mine(repo)
    assert resume.agent_context(store, deadline=time.monotonic() + 0.05) == ""
    assert "Continue the work." in resume.agent_context(store, deadline=time.monotonic() + 5)


def test_a_broken_note_still_gives_its_sections(repo: Repo) -> None:
    oid = make_handoff(repo, "RT-261126-01", note=False)
    note = "---\nid: [unclosed\n---\n\n## Summary\n\nStill here.\n\n## Resume Prompt\n\nGo on.\n"
    repo.git("notes", "--ref=sess", "add", "-F", "-", oid, input=note)
    doc = resume.view(mine(repo))
    assert doc["last_handoff"]["summary"] == "Still here."
    assert doc["last_handoff"]["resume_prompt"] == "Go on."


def test_ownership_goes_to_the_last_to_hand_off(repo: Repo) -> None:
    make_handoff(repo, "RT-261126-01", workstream="api", when="2026-11-26T07:00:00Z")
    make_handoff(repo, "AB-261126-01", workstream="api", phase="review",
                 when="2026-11-26T08:00:00Z")
    doc = resume.view(mine(repo))
    assert doc["workstreams"]["mine"] == []
    (ws,) = doc["workstreams"]["peers"]
    assert (ws["owner"], ws["phase"], ws["last"]["id"]) == ("AB", "review", "AB-261126-01")
    assert doc["last_handoff"]["id"] == "RT-261126-01"


def test_sections_without_parsing_the_front_matter() -> None:
    text = "---\nid: x\nresume_prompt: |\n  ## not a heading\n---\n\n## Summary\n\nS.\n"
    assert resume._after_front_matter(text) == "\n## Summary\n\nS.\n"
    assert resume._after_front_matter("## Summary\n") == "## Summary\n"
    assert resume._after_front_matter("---\nunclosed\n") == "---\nunclosed\n"
