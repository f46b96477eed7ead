"""`git sess resume` on a terminal: words wrapped at its width, and another
operator's workstreams called theirs (issue 10, deliverable 6)."""

from __future__ import annotations

from tests.helpers import Repo, make_handoff

PROMPT = ("Continue the CSV export: the encoding of the invoice names must be checked "
          "against the legacy importer, which expects latin-1 encoded files everywhere.")


def test_free_text_wraps_on_words_at_the_terminal_width(repo: Repo) -> None:
    make_handoff(repo, "RT-261126-01", resume_prompt=PROMPT)
    out = repo.sess("resume", env={"COLUMNS": "60"}, check=True).stdout
    block = out.split("Resume prompt:\n", 1)[1].split("\n\n", 1)[0]
    rows = block.split("\n")
    assert len(rows) > 1 and all(len(r) <= 60 for r in rows), rows
    assert " ".join(rows) == PROMPT  # broken at spaces only: every word whole
    # Into a pipe (no COLUMNS), the text is left as it was written.
    assert PROMPT in repo.sess("resume", check=True).stdout


def test_another_operators_workstreams_are_theirs(repo: Repo) -> None:
    make_handoff(repo, "AB-261126-01", workstream="ui", title="Login page")
    out = repo.sess("resume", "--operator", "AB", check=True).stdout
    assert "AB's workstreams:" in out and "Your workstreams" not in out
    make_handoff(repo, "RT-261126-01")
    assert "Your workstreams:" in repo.sess("resume", check=True).stdout
