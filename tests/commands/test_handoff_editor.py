"""The $EDITOR template shows what the handoff covers as `#` comment lines,
which are stripped; a kept draft reopens as what was written (issue 10)."""

from __future__ import annotations

from pathlib import Path

from tests.handoffhelpers import T0, commit_at, events, front, install, note
from tests.helpers import Repo


def editor(tmp_path: Path, name: str, edit: str) -> str:
    """An editor that keeps a copy of what it was given, then runs `edit` on it."""
    script = tmp_path / f"{name}.sh"
    script.write_text(f"#!/bin/sh\ncp \"$1\" '{tmp_path}/{name}.seen'\n{edit}\n")
    script.chmod(0o755)
    return str(script)


def test_template_shows_stats_files_and_telemetry_as_stripped_comments(
        repo: Repo, tmp_path: Path) -> None:
    install(repo)
    events(repo, "s1", tools=("Bash", "Edit", "Bash"), at=T0)
    commit_at(repo, "export", {"export.py": "print('csv')\n"}, "2026-11-26T09:30:00Z")
    # The text lands in the last section, Resume Prompt; no Summary: refused.
    ed = editor(tmp_path, "one", "printf '\\n# My own heading\\nGo on.\\n' >> \"$1\"")
    proc = repo.sess("handoff", "--title", "the export", env={"GIT_EDITOR": ed})
    assert proc.returncode == 1 and "sections.Summary" in proc.stderr
    seen = (tmp_path / "one.seen").read_text()
    assert "# What this handoff covers" in seen
    assert "#   1 agent session(s): s1 (claude-code)" in seen
    assert "#   3 tool call(s) (Bash 2, Edit 1), 1 prompt(s)" in seen
    # The repository's first commit is in the window too (the hermetic date).
    assert "#   2 commit(s) since session start, 2 file(s) changed, +2 -0" in seen
    assert "#     A README.md\n#     A export.py\n" in seen
    # The kept draft reopens as what was written: no computed record around it.
    ed = editor(tmp_path, "two", "sed -i 's/^## Summary$/## Summary\\nExported./' \"$1\"")
    proc = repo.sess("handoff", env={"GIT_EDITOR": ed})
    assert proc.returncode == 0, proc.stderr
    again = (tmp_path / "two.seen").read_text()
    assert "title: the export" in again and "# My own heading" in again
    for computed in ("telemetry:", "invariants:", "started_at:", "git:", "tool_calls:"):
        assert computed not in again, computed
    assert len(again.split("\n---\n", 1)[0].splitlines()) <= 10  # the front matter
    rec = note(repo) or ""
    assert "What this handoff covers" not in rec and "agent session(s)" not in rec
    assert "# My own heading" in rec  # the person's own `#` line stays
    assert front(rec)["title"] == "the export"
