"""Issue 9, deliverable 4: only your own files, only your own transcripts.

A transcript is archived only from a regular file (never through a symbolic
link), only for a session this clone's hooks recorded, never for one whose
telemetry was fetched; `--session` of a peer's session is refused.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from gitsess import refs
from gitsess.handoff import sessions as handoff
from gitsess.store import Store
from gitsess.telemetry import counting, readers
from gitsess.transcripts import ownfiles
from gitsess.transcripts.archive import archive_for_handoff, project_folder
from tests.handoffhelpers import narrative
from tests.helpers import Repo, fake_pem, git, payload, write_live_ref
from tests.sesshelpers import bare

SID = "0b7e7c1e-5f4a-4c1b-9d2e-3a6f8b9c0d1e"
PEER_SID = "7d1c2b3a-4e5f-4a6b-8c9d-0e1f2a3b4c5d"
HID = "RT-261126-01"


def start(repo: Repo, sid: str = SID) -> None:
    assert repo.hook(payload("SessionStart", session=sid, cwd=str(repo.path))).returncode == 0


def own_session(repo: Repo, sid: str = SID) -> readers.Session:
    s = readers.read_session(Store.discover(str(repo.path)), refs.LIVE + sid)
    assert s is not None
    return s


def private_key() -> tuple[Path, list[str]]:
    """A stand-in for ~/.ssh/id_rsa (HOME is the test's own)."""
    block, body = fake_pem("OPENSSH PRIVATE KEY", seed="victim")
    key = Path.home() / ".ssh" / "id_rsa"
    key.parent.mkdir(parents=True, exist_ok=True)
    key.write_text(block)
    return key, body


def all_objects(repo: Repo) -> str:
    out = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=repo.path,
                         capture_output=True, check=True)
    return out.stdout.decode("utf-8", "replace")


def assert_nowhere(repo: Repo, body: list[str]) -> None:
    objects = all_objects(repo)
    for line in body:
        assert line not in objects


def test_a_symlinked_transcript_is_not_archived(
        repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    key, body = private_key()
    start(repo)
    folder = Path.home() / ".claude" / "projects" / project_folder(str(repo.path))
    folder.mkdir(parents=True)
    (folder / f"{SID}.jsonl").symlink_to(key)
    refs = archive_for_handoff(Store.discover(str(repo.path)), HID, [own_session(repo)], "push")
    assert refs == []
    err = capsys.readouterr().err
    assert f"transcript of session {SID} not archived" in err and "symbolic link" in err
    assert_nowhere(repo, body)


def test_a_symlinked_folder_under_the_projects_dir_is_not_followed(
        repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / f"{SID}.jsonl").write_text('{"secret": "outside the agent dir"}\n')
    start(repo)
    projects = Path.home() / ".claude" / "projects"
    projects.mkdir(parents=True)
    (projects / project_folder(str(repo.path))).symlink_to(elsewhere, target_is_directory=True)
    assert archive_for_handoff(Store.discover(str(repo.path)), HID, [own_session(repo)],
                               "local") == []
    assert "not followed" in capsys.readouterr().err
    assert "outside the agent dir" not in all_objects(repo)


def test_a_fifo_is_refused_without_hanging(repo: Repo) -> None:
    start(repo)
    folder = Path.home() / ".claude" / "projects" / project_folder(str(repo.path))
    folder.mkdir(parents=True)
    os.mkfifo(folder / f"{SID}.jsonl")
    with pytest.raises(ownfiles.NotAllowed, match="not a regular file"):
        ownfiles.session_transcript(Store.discover(str(repo.path)), own_session(repo))


def test_the_own_session_mark_is_local_and_made_once(repo: Repo, tmp_path: Path) -> None:
    start(repo)
    marks = repo.refs(refs.OWN)
    assert list(marks) == [refs.OWN + SID]
    # A blob holding the path the hook was given (payload's default), not a commit.
    assert json.loads(repo.git("cat-file", "blob", marks[refs.OWN + SID]).stdout) == {
        "v": 1, "transcript_path": f"/tmp/{SID}.jsonl"}
    assert repo.hook(payload("PreToolUse", session=SID, tool_name="Read")).returncode == 0
    assert repo.hook(payload("Stop", session=SID)).returncode == 0
    assert repo.refs(refs.OWN) == marks
    s = own_session(repo)
    assert ownfiles.not_recorded_here(Store.discover(str(repo.path)), s) is None


def test_a_hand_made_session_naming_a_key_is_not_read(
        repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    """A live ref this clone's hooks did not write (fetched into the local
    namespace, or made by hand) names ~/.ssh/id_rsa: refused, key untouched."""
    key, body = private_key()
    meta = {"v": 1, "session_id": SID, "operator": "RT", "transcript_path": str(key)}
    write_live_ref(repo, SID, {"session.json": json.dumps(meta).encode(),
                               "counters.json": json.dumps(counting.new_counters()).encode()})
    s = own_session(repo)
    refs = archive_for_handoff(Store.discover(str(repo.path)), HID, [s], "push")
    assert refs == []
    assert "was not recorded by this clone's hooks" in capsys.readouterr().err
    assert_nowhere(repo, body)


def _peer_pushes_a_session_naming(tmp_path: Path, path: str) -> tuple[Repo, Path]:
    """Clone B pushes refs/sess/live/<PEER_SID> whose session.json names `path`
    and A's operator; clone A fetches it. Returns A and the remote."""
    remote = bare(tmp_path / "remote.git")
    seed = Repo(tmp_path / "seed")
    git("init", "-q", "-b", "main", str(seed.path), cwd=tmp_path)
    seed.commit("initial", {"README.md": "hi\n"})
    seed.git("push", "-q", str(remote), "main")
    clones = []
    for name in ("a", "b"):
        git("clone", "-q", str(remote), name, cwd=tmp_path)
        r = Repo(tmp_path / name)
        r.setup("install")
        clones.append(r)
    a, b = clones
    meta = {"v": 1, "session_id": PEER_SID, "raw_session_id": PEER_SID, "agent": "claude-code",
            "operator": "RT", "cwd": str(a.path), "worktree": str(a.path),
            "transcript_path": path, "started_at_ms": 1_795_000_000_000}
    counters = counting.new_counters()
    write_live_ref(b, PEER_SID, {"session.json": json.dumps(meta).encode(),
                                 "counters.json": json.dumps(counters).encode()})
    b.git("push", "-q", "--no-verify", "origin", "refs/sess/live/*:refs/sess/live/*")
    a.git("fetch", "-q", "origin")
    assert f"refs/sess/remotes/origin/live/{PEER_SID}" in a.refs("refs/sess/remotes/")
    return a, remote


def test_a_peer_named_transcript_path_is_never_archived(tmp_path: Path) -> None:
    key, body = private_key()
    a, remote = _peer_pushes_a_session_naming(tmp_path, str(key))
    (a.path / ".gitsess.yaml").write_text("version: 1\ntranscripts: push\n")
    a.git("add", ".gitsess.yaml")
    a.git("commit", "-q", "-m", "policy")
    proc = a.sess("handoff", "--file", narrative(tmp_path), "--session", PEER_SID)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    err = proc.stderr.strip().splitlines()
    assert err[0] == "error: sessions recorded by another clone"
    assert ("was recorded by another clone: its telemetry was fetched from remote origin"
            in proc.stderr)
    assert "Traceback" not in proc.stderr
    # Nothing was committed, and the key is in no object, here or on the remote.
    assert a.git("log", "-1", "--format=%s").stdout.strip() == "policy"
    assert_nowhere(a, body)
    a.git("push", "-q", "origin", "main")
    assert_nowhere(Repo(remote), body)


def test_the_gate_refuses_a_fetched_session_whatever_it_says(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every caller that reads a file for a session (archive, and issue 11's
    transcript reading) gets the same refusal for a peer's session."""
    key, body = private_key()
    a, _ = _peer_pushes_a_session_naming(tmp_path, str(key))
    store = Store.discover(str(a.path))
    s = handoff.find_session(store, PEER_SID)
    assert s is not None and s.ref.startswith("refs/sess/remotes/origin/")
    with pytest.raises(ownfiles.NotAllowed, match="fetched from remote origin"):
        ownfiles.session_transcript(store, s)
    assert archive_for_handoff(store, HID, [s], "push") == []
    assert "recorded by another clone" in capsys.readouterr().err
    assert_nowhere(a, body)
