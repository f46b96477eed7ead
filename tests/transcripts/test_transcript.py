"""gitsess.transcripts.archive: transcripts archived with a handoff, redacted first (issue 3, section 5)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest

from gitsess.data import schema
from gitsess.errors import ValidationError
from gitsess.store import Store
from gitsess.telemetry import readers
from gitsess.transcripts.archive import archive_for_handoff, find_transcript, project_folder
from tests.helpers import AWS_ID, AWS_SECRET, GH_CLASSIC, Repo, fsck, payload
from tests.helpers import fake_pem as pem

SID = "0b7e7c1e-5f4a-4c1b-9d2e-3a6f8b9c0d1e"
SID2 = "9f8e7d6c-5b4a-4321-8fed-cba987654321"
FRONT = {"id": "RT-261126-01", "operator": "RT"}


def start(repo: Repo, sid: str = SID) -> None:
    assert repo.hook(payload("SessionStart", session=sid, cwd=str(repo.path))).returncode == 0


def sessions(repo: Repo) -> list[readers.Session]:
    return sorted(readers.live_sessions(Store.discover(str(repo.path))), key=lambda s: s.ref)


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
    assert repo.refs("refs/sess/local/transcripts/") == {}


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
    assert repo.refs("refs/sess/local/transcripts/") == {}


def test_find_transcript_explicit_path_config_dir_and_other_folder_names(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    meta = {"session_id": SID, "raw_session_id": SID, "cwd": "/w/my_proj.v2"}
    explicit = tmp_path / "elsewhere.jsonl"
    explicit.write_text("{}\n")
    # A path in session.json (pushed, so anyone's) is not taken: the one this
    # clone's hook recorded lives in its local marker, read by gitsess.transcripts.ownfiles.
    assert find_transcript({**meta, "transcript_path": str(explicit)}, SID) is None
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
    main = plant(Path.home(), repo.path, SID, transcript_lines("nothing secret"))
    plant_agent(main, "a9e1", [{"type": "user", "message": {"content": [
        {"type": "tool_result", "content": block}]}}])
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
    assert "subagents/agent-a9e1.jsonl" in tree(repo, ref)
    exported = (exports / f"{hid}.jsonl").read_text()
    assert "[REDACTED:Private Key]" in exported and AWS_SECRET not in exported


# -- subagent transcripts ------------------------------------------------------


def plant_agent(main: Path, agent: str, lines: list[dict[str, object]] | str) -> Path:
    """A subagent transcript where Claude Code 2.1.2+ writes it: <session>/subagents/."""
    folder = main.parent / main.name.removesuffix(".jsonl") / "subagents"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"agent-{agent}.jsonl"
    text = lines if isinstance(lines, str) else "".join(
        json.dumps({"isSidechain": True, "agentId": agent, "sessionId": SID, **x}) + "\n"
        for x in lines)
    path.write_text(text)
    return path


def tree(repo: Repo, rev: str) -> list[str]:
    return repo.git("ls-tree", "-r", "--name-only", rev).stdout.split()


def nested(doc: object, depth: int) -> str:
    text = json.dumps(doc)
    for _ in range(depth - 1):
        text = json.dumps({"type": "text", "text": text})
    return text


def test_subagent_transcripts_are_archived_redacted_beside_the_main_one(repo: Repo) -> None:
    block, body = pem("RSA PRIVATE KEY", seed="agent")
    start(repo)
    main = plant(Path.home(), repo.path, SID, transcript_lines("nothing secret"))
    plant_agent(main, "a1f3", [
        {"type": "user", "message": {"content": "find the deploy key"}},
        {"type": "user", "message": {"content": [{"type": "tool_result", "content": block}]}}])
    # An MCP reply two JSON strings down: the key reads \\\"AKIA...\\\" in the file.
    plant_agent(main, "b207", [{"type": "user", "message": {"content": [{
        "type": "tool_result", "content": nested({"AccessKeyId": AWS_ID}, 2)}]}}])
    plant_agent(main, "acompact-9c1", [{"type": "user", "message": {"content": "summarise"}}])
    store = Store.discover(str(repo.path))
    (ref,) = archive_for_handoff(store, FRONT, sessions(repo), "local")
    assert tree(repo, ref) == ["redactions.json", "subagents.json", "subagents/agent-a1f3.jsonl",
                               "subagents/agent-b207.jsonl", "transcript.jsonl"]
    objects = all_objects(repo)
    for secret in (AWS_ID, AWS_SECRET, GH_CLASSIC, "pl4nted-passw0rd", *body):
        assert secret not in objects and json.dumps(secret)[1:-1] not in objects
    agent = [json.loads(x) for x in
             repo.git("show", f"{ref}:subagents/agent-b207.jsonl").stdout.splitlines()]
    reply = json.loads(json.loads(agent[0]["message"]["content"][0]["content"])["text"])
    assert reply == {"AccessKeyId": "[REDACTED:AWS Access Key]"}
    manifest = json.loads(repo.git("show", f"{ref}:subagents.json").stdout)
    jsonschema.validate(manifest, schema("subagents"))
    assert manifest["agents"] == [
        {"file": "subagents/agent-a1f3.jsonl", "layout": "subagents",
         "redactions": {"Private Key": 1}},
        {"file": "subagents/agent-b207.jsonl", "layout": "subagents",
         "redactions": {"AWS Access Key": 1}}]
    assert manifest["skipped"] == [] and "omitted" not in manifest
    # redactions.json still speaks of transcript.jsonl alone, as a v1 reader expects.
    summary = json.loads(repo.git("show", f"{ref}:redactions.json").stdout)
    jsonschema.validate(summary, schema("redactions"))
    assert "Private Key" not in summary["redactions"]
    message = repo.git("log", "-1", "--format=%B", ref).stdout
    total = sum(summary["redactions"].values()) + 2
    assert f"{total} secret(s) removed" in message and "Subagent transcripts: 2." in message
    assert fsck(repo).returncode == 0


def test_without_subagents_an_archive_is_what_it_was(repo: Repo) -> None:
    start(repo)
    main = plant(Path.home(), repo.path, SID, [{"n": 1}])
    store = Store.discover(str(repo.path))
    (ref,) = archive_for_handoff(store, FRONT, sessions(repo), "local")
    assert tree(repo, ref) == ["redactions.json", "transcript.jsonl"]
    first = repo.git("rev-parse", ref).stdout.strip()
    # Subagents that appear later extend the archive as a child commit; what
    # a reader of the older layout reads is unchanged.
    plant_agent(main, "c1", [{"type": "user", "message": {"content": "look around"}}])
    archive_for_handoff(store, FRONT, sessions(repo), "local")
    assert repo.git("rev-parse", f"{ref}^").stdout.strip() == first
    for name in ("transcript.jsonl", "redactions.json"):
        assert repo.git("show", f"{ref}:{name}").stdout == repo.git("show", f"{first}:{name}").stdout
    assert "subagents/agent-c1.jsonl" in tree(repo, ref)


def test_the_older_project_folder_layout_is_archived(repo: Repo) -> None:
    start(repo)
    main = plant(Path.home(), repo.path, SID, [{"n": 1}])
    ours = {"isSidechain": True, "sessionId": SID, "agentId": "d4", "text": f"key {AWS_ID}"}
    theirs = {"isSidechain": True, "sessionId": SID2, "agentId": "e5", "text": "not this session"}
    (main.parent / "agent-d4.jsonl").write_text(json.dumps(ours) + "\n")
    (main.parent / "agent-e5.jsonl").write_text(json.dumps(theirs) + "\n")
    (ref,) = archive_for_handoff(Store.discover(str(repo.path)), FRONT, sessions(repo), "local")
    assert [x for x in tree(repo, ref) if x.startswith("subagents/")] == ["subagents/agent-d4.jsonl"]
    manifest = json.loads(repo.git("show", f"{ref}:subagents.json").stdout)
    assert manifest["agents"][0]["layout"] == "project"
    stored = json.loads(repo.git("show", f"{ref}:subagents/agent-d4.jsonl").stdout)
    assert stored["text"] == "key [REDACTED:AWS Access Key]"


def test_bad_subagent_files_never_cost_the_main_transcript(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start(repo)
    main = plant(Path.home(), repo.path, SID, transcript_lines("nothing secret"))
    outside = tmp_path / "outside.jsonl"
    outside.write_text(json.dumps({"text": "outside-the-session marker"}) + "\n")
    link = plant_agent(main, "l1", "")
    link.unlink()
    link.symlink_to(outside)
    plant_agent(main, "m1", '{"type": "user", "text": "cut off mid-li\n'
                            + json.dumps({"text": f"then {AWS_ID}"}) + "\n")
    os.mkfifo(main.parent / SID / "subagents" / "agent-p1.jsonl")
    (main.parent / SID / "subagents" / "agent-q1.jsonl").mkdir()
    (ref,) = archive_for_handoff(Store.discover(str(repo.path)), FRONT, sessions(repo), "local")
    stored = repo.git("show", f"{ref}:transcript.jsonl").stdout
    assert len(stored.splitlines()) == 5 and "[REDACTED:AWS Access Key]" in stored
    m1 = repo.git("show", f"{ref}:subagents/agent-m1.jsonl").stdout.splitlines()
    assert m1[0] == '{"type": "user", "text": "cut off mid-li'
    assert json.loads(m1[1]) == {"text": "then [REDACTED:AWS Access Key]"}
    manifest = json.loads(repo.git("show", f"{ref}:subagents.json").stdout)
    jsonschema.validate(manifest, schema("subagents"))
    assert manifest["skipped"] == [
        {"file": "agent-l1.jsonl", "reason": "symbolic link"},
        {"file": "agent-p1.jsonl", "reason": "not a regular file"},
        {"file": "agent-q1.jsonl", "reason": "not a regular file"}]
    assert "outside-the-session" not in all_objects(repo)
    err = capsys.readouterr().err
    assert f"subagent transcript agent-l1.jsonl of session {SID} not archived: symbolic link" in err


def test_subagents_follow_their_session_in_the_export(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    start(repo)
    main = plant(Path.home(), repo.path, SID, [{"n": 1}])
    plant_agent(main, "f1", [{"n": 2}])
    monkeypatch.setenv("TRANSCRIPTS_DIR", str(tmp_path / "exports"))
    archive_for_handoff(Store.discover(str(repo.path)), FRONT, sessions(repo), "local")
    lines = [json.loads(x) for x in (tmp_path / "exports" / "RT-261126-01.jsonl").read_text()
             .splitlines()]
    assert [(x["n"], x.get("isSidechain", False)) for x in lines] == [(1, False), (2, True)]


def test_off_archives_no_subagent_either(repo: Repo, monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    start(repo)
    main = plant(Path.home(), repo.path, SID, [{"n": 1}])
    plant_agent(main, "g1", [{"text": f"key {AWS_ID}"}])
    monkeypatch.setenv("TRANSCRIPTS_DIR", str(tmp_path / "exports"))
    before = repo.refs()
    assert archive_for_handoff(Store.discover(str(repo.path)), FRONT, sessions(repo), "off") == []
    assert repo.refs() == before and not (tmp_path / "exports").exists()


def test_an_unwritable_export_dir_costs_the_archive_not_the_handoff(repo: Repo,
                                                                     tmp_path: Path) -> None:
    """TRANSCRIPTS_DIR names a file: post-commit still stores the record, and
    the handoff says in one warning that the transcripts were not archived."""
    assert repo.sess("install").returncode == 0
    start(repo)
    plant(Path.home(), repo.path, SID, transcript_lines("nothing secret"))
    repo.commit("policy", {".gitsess.yaml": "version: 1\ntranscripts: local\n"})
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where a directory should be\n")
    proc = repo.sess("handoff", "--quick", "--title", "archive it", "--workstream", "demo",
                     env={"TRANSCRIPTS_DIR": str(blocker / "exports")})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert "transcripts not archived" in proc.stdout + proc.stderr
    (hid,) = [r.rsplit("/", 1)[1] for r in repo.refs("refs/sess/h/RT/")]
    assert repo.git("notes", "--ref=sess", "show", f"refs/sess/h/RT/{hid}").stdout.startswith("---")
