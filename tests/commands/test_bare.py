"""A bare repository: one exit code for "needs a working tree", and resume
does not say a branch is checked out there (issue 10, deliverable 6)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import Repo, make_handoff, sess
from tests.sesshelpers import bare


def test_commands_that_need_a_worktree_agree_on_usage(repo: Repo, tmp_path: Path) -> None:
    remote = bare(tmp_path / "remote.git")
    make_handoff(repo, "RT-261126-01")
    repo.git("push", "-q", str(remote), "main", "refs/sess/h/*:refs/sess/h/*",
             "refs/notes/sess:refs/notes/sess")
    for args in (("install", "--agent", "claude"), ("handoff", "--quick", "--title", "x")):
        proc = sess(*args, cwd=remote)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "this repository is bare" in proc.stderr and "hint: run it in a clone" in proc.stderr
    out = sess("resume", cwd=remote, check=True).stdout
    assert "checked out here" not in out
    assert "on main (a bare repository: nothing is checked out)" in out
    doc = json.loads(sess("resume", "--json", cwd=remote, check=True).stdout)
    assert doc["last_handoff"]["branch"]["checked_out"] is False
