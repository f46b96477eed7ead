"""No empty handoffs, and `git sess handoff --undo` (issue 10, deliverable 5)."""

from __future__ import annotations

from pathlib import Path

from tests.handoffhelpers import T0, events, head, install, narrative, note, result_json
from tests.helpers import Repo, git
from tests.sesshelpers import bare


def test_a_handoff_of_nothing_is_refused_unless_allowed(repo: Repo, empty_repo: Repo) -> None:
    install(repo)
    before = head(repo)
    proc = repo.sess("handoff", "--quick", "--title", "nothing")
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: nothing to hand off: no agent session and no commit")
    assert "--allow-empty" in proc.stderr and "Traceback" not in proc.stderr
    assert head(repo) == before and not repo.refs("refs/sess/h/") and note(repo) is None
    proc = repo.sess("handoff", "--quick", "--title", "nothing", "--allow-empty")
    assert proc.returncode == 0, proc.stderr
    assert head(repo) != before
    # An empty repository's first commit is no handoff of nothing either.
    install(empty_repo)
    proc = empty_repo.sess("handoff", "--quick", "--title", "first")
    assert proc.returncode == 1 and "nothing to hand off" in proc.stderr
    assert empty_repo.git("rev-parse", "-q", "--verify", "HEAD", check=False).returncode != 0
    # A session alone is something to hand off.
    events(empty_repo, "s1", at=T0)
    proc = empty_repo.sess("handoff", "--quick", "--title", "first")
    assert proc.returncode == 0, proc.stderr


def test_undo_takes_back_commit_note_ref_and_sessions(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    events(repo, "s1", at=T0)
    (repo.path / "work.txt").write_text("staged, not part of the handoff\n")
    repo.git("add", "work.txt")
    before = head(repo)
    assert repo.sess("handoff", "--file", narrative(tmp_path)).returncode == 0
    made = head(repo)
    hid = next(iter(repo.refs("refs/sess/h/RT/"))).rsplit("/", 1)[-1]
    assert repo.refs("refs/sess/done/s1") and not repo.refs("refs/sess/live/s1")
    proc = repo.sess("handoff", "--undo", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = result_json(proc.stdout)
    assert doc["undone"] and doc["id"] == hid and doc["sessions"] == {"s1": "back to live"}
    assert head(repo) == before
    assert not repo.refs("refs/sess/h/") and note(repo, made) is None
    assert repo.refs("refs/sess/live/s1") and not repo.refs("refs/sess/done/s1")
    # Work that was staged (and left out of the handoff commit) is still staged.
    assert repo.git("diff", "--cached", "--name-only").stdout.split() == ["work.txt"]
    # The sessions are live again, so the next handoff covers them once more.
    proc = repo.sess("handoff", "--file", narrative(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert repo.refs("refs/sess/done/s1")


def test_undo_refuses_what_is_not_the_tip_or_was_pushed(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    events(repo, "s1", at=T0)
    assert repo.sess("handoff", "--file", narrative(tmp_path)).returncode == 0
    made = head(repo)
    repo.commit("later work", {"later.txt": "x\n"})
    proc = repo.sess("handoff", "--undo")
    assert proc.returncode == 2
    assert "cannot be taken back: its commit" in proc.stderr and "is not the tip of main" in proc.stderr
    assert note(repo, made) is not None and repo.refs("refs/sess/h/")
    repo.git("reset", "-q", "--hard", made)
    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "main")
    proc = repo.sess("handoff", "--undo")
    assert proc.returncode == 2
    assert "cannot be taken back: it was pushed" in proc.stderr
    assert head(repo) == made and note(repo, made) is not None and repo.refs("refs/sess/h/")


def test_undo_of_nothing_or_of_someone_else(repo: Repo) -> None:
    install(repo)
    proc = repo.sess("handoff", "--undo")
    assert proc.returncode == 2 and proc.stderr.startswith("error: no handoff of RT")
    proc = repo.sess("handoff", "--undo", "ZZ-261126-01")
    assert proc.returncode == 2 and "no handoff ZZ-261126-01" in proc.stderr
    git("config", "sess.operator", "RT", cwd=repo.path)
    proc = repo.sess("handoff", "--undo", "not-an-id")
    assert proc.returncode == 2 and "is not a handoff id" in proc.stderr


def test_undo_of_a_second_handoff_gives_back_only_its_own_events(
        repo: Repo, tmp_path: Path) -> None:
    """A session handed off twice: its done chain joins both handoffs' events.
    Undoing the second gives back only the second's, so that the next handoff
    does not count the first's again."""
    install(repo)
    events(repo, "s1", at=T0, tools=("Bash",))
    assert repo.sess("handoff", "--file", narrative(tmp_path)).returncode == 0
    first_done = repo.refs("refs/sess/done/s1")["refs/sess/done/s1"]
    events(repo, "s1", at=T0 + 100, tools=("Read", "Edit"))
    assert repo.sess("handoff", "--file", narrative(tmp_path)).returncode == 0
    proc = repo.sess("handoff", "--undo", "--json")
    assert proc.returncode == 0, proc.stderr
    assert result_json(proc.stdout)["sessions"] == {"s1": "back to live"}
    assert repo.refs("refs/sess/done/s1") == {"refs/sess/done/s1": first_done}
    assert not repo.refs("refs/sess/local/claims/")
    proc = repo.sess("handoff", "--file", narrative(tmp_path), "--json")
    assert proc.returncode == 0, proc.stderr
    made = head(repo)
    text = note(repo, made)
    assert text is not None and "tool_calls: 2\n" in text and "Bash" not in text.split("---")[1]
