"""Issue 9 deliverables 4 and 5, issue 11 deliverable 2: one gate for the
transcript a session may name, and its path kept out of everything pushed.

The path the agent's hook gave is kept only in the local own-session marker
(refs/sess/local/own/<session> -> {"v": 1, "transcript_path": ...}); the
gate (gitsess.transcripts.ownfiles) reads it for this clone's sessions only.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from gitsess import refs
from gitsess.store import Store
from gitsess.telemetry import counting, readers
from gitsess.transcripts import ownfiles, reconcile
from tests.handoffhelpers import T0
from tests.helpers import Repo, git, payload, write_live_ref
from tests.sesshelpers import bare
from tests.transcripthelpers import SESSION, Claude, claude_dir, run_hooks


def _recorded(repo: Repo, path: str, *events: dict[str, object]) -> tuple[Store, readers.Session]:
    run_hooks(repo, [payload("SessionStart", SESSION, source="startup", transcript_path=path),
                     *events], at=T0)
    store = Store.discover(str(repo.path))
    s = readers.read_session(store, refs.LIVE + SESSION)
    assert s is not None
    return store, s


def _transcript(folder: Path, name: str = f"{SESSION}.jsonl") -> Path:
    c = Claude()
    c.prompt()
    return c.write(folder / name)


def _marker(repo: Repo, sid: str = SESSION) -> dict[str, object]:
    out = repo.git("cat-file", "blob", refs.OWN + sid).stdout
    doc: dict[str, object] = json.loads(out)
    return doc


def _objects(where: Path) -> str:
    out = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=where,
                         capture_output=True, check=True)
    return out.stdout.decode("utf-8", "replace")


def test_the_marker_holds_the_path_and_session_json_does_not(repo: Repo) -> None:
    path = _transcript(claude_dir(Path(os.environ["HOME"]), "/work/project"))
    store, s = _recorded(repo, str(path))
    assert _marker(repo) == {"v": 1, "transcript_path": str(path)}
    assert "transcript_path" not in s.meta and "transcript_seal" not in s.meta
    assert ownfiles.transcript_path(store, s) == str(path)
    assert reconcile.transcript_counts(store, s) is not None


def test_a_resume_moves_the_marker_and_a_tool_call_does_not(repo: Repo) -> None:
    folder = claude_dir(Path(os.environ["HOME"]), "/work/project")
    first = _transcript(folder)
    second = _transcript(folder, "resumed.jsonl")
    store, s = _recorded(repo, str(first),
                         payload("PreToolUse", SESSION, tool_name="Read", tool_use_id="toolu_1",
                                 transcript_path=str(second)))
    assert _marker(repo)["transcript_path"] == str(first)  # a tool call does not move it
    run_hooks(repo, [payload("SessionStart", SESSION, source="resume",
                             transcript_path=str(second))], at=T0 + 60)
    assert _marker(repo)["transcript_path"] == str(second)
    assert ownfiles.transcript_path(store, s) == str(second)


def test_a_hand_made_live_ref_without_marker_is_not_read_nor_marked(repo: Repo) -> None:
    """A live ref this clone's hooks did not create (fetched into the local
    namespace, or made by hand): refused even where Claude Code keeps its
    transcripts, and a later hook event naming a file does not mark it."""
    path = _transcript(claude_dir(Path(os.environ["HOME"]), "/work/project"))
    meta = {"v": 1, "session_id": SESSION, "raw_session_id": SESSION, "cwd": "/work/project",
            "agent": "claude-code", "transcript_path": str(path)}
    write_live_ref(repo, SESSION, {"session.json": json.dumps(meta).encode(),
                                   "counters.json": json.dumps(counting.new_counters()).encode()})
    run_hooks(repo, [payload("Stop", SESSION, transcript_path=str(path))], at=T0)
    store = Store.discover(str(repo.path))
    s = readers.read_session(store, refs.LIVE + SESSION)
    assert s is not None  # the event was recorded on the hand-made ref
    assert repo.git("rev-list", "--count", refs.LIVE + SESSION).stdout.strip() == "2"
    assert repo.refs(refs.OWN) == {}
    assert ownfiles.transcript_path(store, s) is None
    assert reconcile.transcript_counts(store, s) is None
    with pytest.raises(ownfiles.NotAllowed, match="not recorded by this clone's hooks"):
        ownfiles.session_transcript(store, s)


def test_a_peer_pushed_session_naming_a_file_is_not_read(tmp_path: Path) -> None:
    """Clone B's hook records a session naming a file that exists on A's
    machine (same HOME here); A fetches it: the gate reads nothing for it."""
    remote = bare(tmp_path / "remote.git")
    seed = Repo(tmp_path / "seed")
    git("init", "-q", "-b", "main", str(seed.path), cwd=tmp_path)
    seed.commit("initial", {"README.md": "hi\n"})
    seed.git("push", "-q", str(remote), "main")
    for name in ("a", "b"):
        git("clone", "-q", str(remote), name, cwd=tmp_path)
        Repo(tmp_path / name).setup("install")
    a, b = Repo(tmp_path / "a"), Repo(tmp_path / "b")
    path = _transcript(claude_dir(Path(os.environ["HOME"]), "/work/project"))
    run_hooks(b, [payload("SessionStart", SESSION, source="startup",
                          transcript_path=str(path))], at=T0)
    b.git("push", "-q", "origin", "refs/sess/live/*:refs/sess/live/*")
    a.git("fetch", "-q", "origin")
    # Even fetched into A's own live namespace, it has no marker here.
    a.git("fetch", "-q", "origin", "refs/sess/live/*:refs/sess/live/*")
    store = Store.discover(str(a.path))
    for ref in (f"refs/sess/remotes/origin/live/{SESSION}", refs.LIVE + SESSION):
        s = readers.read_session(store, ref)
        assert s is not None, ref
        assert ownfiles.transcript_path(store, s) is None, ref
        assert reconcile.transcript_counts(store, s) is None, ref


def test_links_and_fifos_are_refused(repo: Repo, tmp_path: Path) -> None:
    folder = claude_dir(Path(os.environ["HOME"]), "/work/project")
    secret = tmp_path / "id_ed25519"
    secret.write_text("PRIVATE")
    link = folder / "link.jsonl"
    link.symlink_to(secret)
    fifo = folder / "fifo.jsonl"
    os.mkfifo(fifo)
    linked_dir = folder / "linked"
    linked_dir.symlink_to(tmp_path)
    outside_link = tmp_path / "outside-link.jsonl"
    outside_link.symlink_to(secret)
    for path in (link, fifo, linked_dir / secret.name, outside_link):
        store, s = _recorded(repo, str(path))
        assert ownfiles.transcript_path(store, s) is None, path
        with pytest.raises(ownfiles.NotAllowed):
            ownfiles.session_transcript(store, s)
        repo.git("update-ref", "-d", refs.LIVE + SESSION)
        repo.git("update-ref", "-d", refs.OWN + SESSION)


def test_a_recorded_path_outside_the_agents_folder_is_read_as_given(
        repo: Repo, tmp_path: Path) -> None:
    """This clone's hook gave it (Codex, Gemini CLI, or Claude Code with
    another config dir): the gate reads it, the file itself still checked."""
    outside = _transcript(tmp_path / "elsewhere")
    store, s = _recorded(repo, str(outside))
    assert ownfiles.transcript_path(store, s) == str(outside)
    found = ownfiles.session_transcript(store, s)
    assert found is not None and found.path == str(outside)
    assert found.data == outside.read_bytes()


def test_a_link_above_the_agents_folder_is_the_users_own(
        repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CLAUDE_CONFIG_DIR reached through a link (a home on another volume):
    the path as the agent gave it is read; a link below the folder is not."""
    real = tmp_path / "real-config"
    (real / "projects" / "p").mkdir(parents=True)
    (tmp_path / "config").symlink_to(real)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "config"))
    path = _transcript(tmp_path / "config" / "projects" / "p")
    store, s = _recorded(repo, str(path))
    assert ownfiles.transcript_path(store, s) == str(path)


def test_a_malformed_marker_names_no_file(repo: Repo, tmp_path: Path) -> None:
    """A marker that is a commit (as markers once were), not JSON, or too
    large still says "recorded here" but names no path of its own."""
    outside = _transcript(tmp_path / "elsewhere")
    store, s = _recorded(repo, str(outside))
    tip = repo.git("rev-parse", refs.LIVE + SESSION).stdout.strip()
    for target in (tip, "not json", json.dumps({"v": 1, "transcript_path": "x" * 20000}),
                   json.dumps({"v": 2, "transcript_path": str(outside)})):
        if target != tip:
            target = repo.git("hash-object", "-w", "--stdin", input=target).stdout.strip()
        repo.git("update-ref", refs.OWN + SESSION, target)
        assert ownfiles.not_recorded_here(store, s) is None
        assert ownfiles.transcript_path(store, s) is None


def test_a_pushed_session_carries_no_transcript_path(repo: Repo, tmp_path: Path) -> None:
    """Issue 9 deliverable 5: machine paths stay local. After the pre-push,
    a plain push of refs/sess/live/* and `git sess sync`, no object on the
    remote holds the path the hook was given; here only the marker does."""
    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    repo.setup("install")
    folder = claude_dir(Path(os.environ["HOME"]), "/work/project")
    path = _transcript(folder, "f3a9-private-transcript-name.jsonl")
    _recorded(repo, str(path),
              payload("UserPromptSubmit", SESSION, transcript_path=str(path)),
              payload("Stop", SESSION, transcript_path=str(path)))
    repo.git("push", "-q", "origin", "main")
    repo.git("push", "-q", "--no-verify", "origin", "refs/sess/live/*:refs/sess/live/*")
    assert repo.sess("sync").returncode == 0
    assert f"refs/sess/live/{SESSION}" in git("for-each-ref", "--format=%(refname)",
                                              cwd=remote).stdout
    assert "f3a9-private-transcript-name" not in _objects(remote)
    assert not git("for-each-ref", "refs/sess/local/", cwd=remote).stdout
    here = _objects(repo.path)
    marker = repo.git("cat-file", "blob", refs.OWN + SESSION).stdout
    assert here.count("f3a9-private-transcript-name") == marker.count(
        "f3a9-private-transcript-name") == 1
