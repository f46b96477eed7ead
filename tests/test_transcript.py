"""gitsess.transcript: transcripts archived with a handoff, redacted first (issue 3, section 5)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest

from gitsess import telemetry
from gitsess.errors import ValidationError
from gitsess.resources import schema
from gitsess.store import Store
from gitsess.transcript import archive_for_handoff, find_transcript, project_folder
from tests.helpers import AWS_ID, AWS_SECRET, GH_CLASSIC, Repo, fsck, payload
from tests.helpers import fake_pem as pem

SID = "0b7e7c1e-5f4a-4c1b-9d2e-3a6f8b9c0d1e"
SID2 = "9f8e7d6c-5b4a-4321-8fed-cba987654321"
FRONT = {"id": "RT-261126-01", "operator": "RT"}


def start(repo: Repo, sid: str = SID) -> None:
    assert repo.hook(payload("SessionStart", session=sid, cwd=str(repo.path))).returncode == 0


def sessions(repo: Repo) -> list[telemetry.Session]:
    return sorted(telemetry.live_sessions(Store.discover(str(repo.path))), key=lambda s: s.ref)


def transcript_lines(secret_block: str) -> list[dict[str, object]]:
    return [
        {"type": "user", "sessionId": SID, "message": {"role": "user", "content": "deploy it"}},
        {"type": "assistant", "message": {"content": [
            {"type": "tool_use", "name": "Read", "input": {"file_path": ".env"}}]}},
        {"type": "user", "message": {"content": [{"type": "tool_result", "content": (
            f"     1→AWS_ACCESS_KEY_ID={AWS_ID}\n     2→AWS_SECRET_ACCESS_KEY={AWS_SECRET}\n"
            f"     3→GITHUB_TOKEN={GH_CLASSIC}\n     4→DB_PASSWORD=pl4nted-passw0rd\n")}]}},
        {"type": "user", "message": {"content": [{"type": "tool_result", "content": secret_block}]}},
        {"type": "assistant", "message": {"content": [
            {"type": "text", "text": f"Done; I used {AWS_SECRET} once."}]}},
    ]


def plant(home: Path, cwd: Path | str, sid: str, lines: list[dict[str, object]]) -> Path:
    folder = home / ".claude" / "projects" / project_folder(str(cwd))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{sid}.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def all_objects(repo: Repo) -> str:
    out = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=repo.path,
                         capture_output=True, check=True)
    return out.stdout.decode("utf-8", "replace")


def test_a_planted_secret_appears_in_no_git_object(repo: Repo) -> None:
    block, body = pem("OPENSSH PRIVATE KEY", seed="planted")
    start(repo)
    plant(Path.home(), repo.path, SID, transcript_lines(block))
    store = Store.discover(str(repo.path))
    refs = archive_for_handoff(store, FRONT, sessions(repo), "local")
    assert refs == [f"refs/sess/local/transcripts/RT-261126-01/{SID}"]
    objects = all_objects(repo)
    for secret in (AWS_ID, AWS_SECRET, GH_CLASSIC, "pl4nted-passw0rd", *body):
        assert secret not in objects
        assert json.dumps(secret)[1:-1] not in objects
    stored = repo.git("show", f"{refs[0]}:transcript.jsonl").stdout
    assert [json.loads(line)["type"] for line in stored.splitlines()] == [
        "user", "assistant", "user", "user", "assistant"]
    assert "[REDACTED:AWS Access Key]" in stored and "[REDACTED:Private Key]" in stored
    summary = json.loads(repo.git("show", f"{refs[0]}:redactions.json").stdout)
    jsonschema.validate(summary, schema("redactions"))
    assert summary["handoff"] == "RT-261126-01" and summary["session"] == SID
    assert summary["redactions"]["Private Key"] == 1
    assert summary["detector"].startswith("detect-secrets")
    assert fsck(repo).returncode == 0


def test_push_archives_where_the_sync_carries_it(repo: Repo) -> None:
    start(repo)
    plant(Path.home(), repo.path, SID, transcript_lines("nothing secret"))
    refs = archive_for_handoff(Store.discover(str(repo.path)), FRONT, sessions(repo), "push")
    assert refs == [f"refs/sess/transcripts/RT-261126-01/{SID}"]
    assert repo.refs("refs/sess/local/") == {}


def test_off_writes_nothing(repo: Repo) -> None:
    start(repo)
    plant(Path.home(), repo.path, SID, transcript_lines("x"))
    before = repo.refs()
    assert archive_for_handoff(Store.discover(str(repo.path)), FRONT, sessions(repo), "off") == []
    assert repo.refs() == before


def test_an_unknown_setting_is_refused(repo: Repo) -> None:
    with pytest.raises(ValidationError, match="unknown transcripts setting"):
        archive_for_handoff(Store.discover(str(repo.path)), FRONT, [], "everywhere")


def test_transcripts_dir_gets_one_file_per_handoff(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    start(repo, SID)
    start(repo, SID2)
    plant(Path.home(), repo.path, SID, [{"n": 1, "text": f"key {AWS_ID}"}, {"n": 2}])
    plant(Path.home(), repo.path, SID2, [{"n": 3}])
    out = tmp_path / "exports"
    monkeypatch.setenv("TRANSCRIPTS_DIR", str(out))
    ss = [s for sid in (SID, SID2) for s in sessions(repo) if s.session_id == sid]
    refs = archive_for_handoff(Store.discover(str(repo.path)), FRONT, ss, "local")
    assert len(refs) == 2
    assert os.listdir(out) == ["RT-261126-01.jsonl"]
    lines = [json.loads(x) for x in (out / "RT-261126-01.jsonl").read_text().splitlines()]
    assert [x["n"] for x in lines] == [1, 2, 3]
    assert lines[0]["text"] == "key [REDACTED:AWS Access Key]"


def test_rerun_is_idempotent_and_a_longer_transcript_is_a_child(repo: Repo) -> None:
    start(repo)
    path = plant(Path.home(), repo.path, SID, [{"n": 1}])
    store = Store.discover(str(repo.path))
    (ref,) = archive_for_handoff(store, FRONT, sessions(repo), "local")
    first = repo.git("rev-parse", ref).stdout.strip()
    archive_for_handoff(store, FRONT, sessions(repo), "local")
    assert repo.git("rev-parse", ref).stdout.strip() == first
    with path.open("a") as fh:
        fh.write(json.dumps({"n": 2}) + "\n")
    archive_for_handoff(store, FRONT, sessions(repo), "local")
    assert repo.git("rev-parse", f"{ref}^").stdout.strip() == first


def test_a_missing_transcript_is_skipped_with_a_warning(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    start(repo)
    assert archive_for_handoff(Store.discover(str(repo.path)), FRONT, sessions(repo), "local") == []
    assert f"no transcript found for session {SID}" in capsys.readouterr().err
    assert repo.refs("refs/sess/local/") == {}


def test_find_transcript_explicit_path_config_dir_and_other_folder_names(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    meta = {"session_id": SID, "raw_session_id": SID, "cwd": "/w/my_proj.v2"}
    explicit = tmp_path / "elsewhere.jsonl"
    explicit.write_text("{}\n")
    assert find_transcript({**meta, "transcript_path": str(explicit)}, SID) == str(explicit)
    assert find_transcript(meta, SID) is None
    # CLAUDE_CONFIG_DIR replaces ~/.claude.
    config = tmp_path / "claude-config"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(config))
    documented = config / "projects" / "-w-my_proj-v2" / f"{SID}.jsonl"
    documented.parent.mkdir(parents=True)
    documented.write_text("{}\n")
    assert find_transcript(meta, SID) == str(documented)
    # Recent Claude Code versions turn every non-alphanumeric into '-'.
    documented.unlink()
    newer = config / "projects" / "-w-my-proj-v2" / f"{SID}.jsonl"
    newer.parent.mkdir(parents=True)
    newer.write_text("{}\n")
    assert find_transcript(meta, SID) == str(newer)
    # Any project folder holding <session id>.jsonl, should cwd not be known.
    assert find_transcript({"session_id": SID}, SID) == str(newer)
    # An id that is not safe never becomes part of a path.
    assert find_transcript({"session_id": "../../etc/passwd"}, "../../etc/passwd") is None


def test_end_to_end_a_real_handoff_archives_no_secret(repo: Repo, tmp_path: Path) -> None:
    """Issue 3's acceptance: through `git sess handoff`, the real git commit and post-commit."""
    block, body = pem(seed="e2e")
    assert repo.sess("install").returncode == 0
    start(repo)
    plant(Path.home(), repo.path, SID, transcript_lines(block))
    repo.commit("policy", {".gitsess.yaml": "version: 1\ntranscripts: local\n"})
    exports = tmp_path / "exports"
    proc = repo.sess("handoff", "--quick", "--title", "archive it", "--workstream", "demo",
                     env={"TRANSCRIPTS_DIR": str(exports)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (ref,) = repo.refs("refs/sess/local/transcripts/")
    hid = ref.split("/")[4]
    assert ref == f"refs/sess/local/transcripts/{hid}/{SID}"
    assert repo.refs(f"refs/sess/h/RT/{hid}")
    objects = all_objects(repo)
    for secret in (AWS_ID, AWS_SECRET, GH_CLASSIC, "pl4nted-passw0rd", *body):
        assert secret not in objects and json.dumps(secret)[1:-1] not in objects
    exported = (exports / f"{hid}.jsonl").read_text()
    assert "[REDACTED:Private Key]" in exported and AWS_SECRET not in exported
