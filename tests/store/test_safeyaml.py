"""gitsess/store/safeyaml.py and gitsess/store/safejson.py: bounded parsing (issue 9,
deliverable 3). Billion laughs in the policy and in a peer's note, deep
nesting, oversized documents: one clear line, never a hang, never exit 70,
and the rest of the tool carries on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from gitsess.store import safeyaml
from gitsess.store.safejson import load_json
from tests.handoffhelpers import NARRATIVE, narrative
from tests.helpers import Repo, git, make_handoff, payload
from tests.sesshelpers import bare, record_text

# The 531-byte shape issue 9 reports: nine levels of nine aliases.
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True))
# Hangs a hook only once it is committed: the file at the worktree's root is read first.
DEEP_POLICY = "version: 1\nworkstreams: " + "[" * 20000 + "]" * 20000 + "\n"  # 40 KB


def test_the_loader_refuses_anchors_aliases_depth_and_size() -> None:
    assert safeyaml.load("a: [1, {b: two}]\n", max_bytes=100) == {"a": [1, {"b": "two"}]}
    for text, problem in ((BOMB, "anchors are not allowed (&a)"),
                          ("a: *x\n", "aliases are not allowed (*x)"),
                          ("a: " + "[" * 65 + "]" * 65, "nested deeper than 64 levels"),
                          ("a: " + "x" * 200, "larger than 100 bytes")):
        with pytest.raises(yaml.YAMLError) as info:
            safeyaml.load(text, max_bytes=100 if "x" * 200 in text else 64 * 1024)
        assert getattr(info.value, "problem", None) == problem
    # Written by gitsess itself (safe_dump of plain data): no anchor, loads as written.
    data = {"a": [{"x": 1}], "b": [{"x": 1}]}
    assert safeyaml.load(yaml.safe_dump(data), max_bytes=1024) == data


def test_json_from_git_objects_is_bounded() -> None:
    assert load_json(b'{"a": [1]}') == {"a": [1]}
    for data in (b"[" * 100_000 + b"]" * 100_000, b" " * (2 << 20)):
        with pytest.raises(ValueError):
            load_json(data)


def _commit_policy(repo: Repo, text: str) -> None:
    (repo.path / ".gitsess.yaml").write_text(text)
    repo.git("add", ".gitsess.yaml")
    repo.git("commit", "-q", "--no-verify", "-m", "policy")


@pytest.mark.parametrize("text, problem", [
    (BOMB, ".gitsess.yaml refused: anchors are not allowed (&a) (line 1, column 4)"),
    (DEEP_POLICY, ".gitsess.yaml refused: nested deeper than 64 levels"),
    ("version: 1\n" + "# padding\n" * 7000, ".gitsess.yaml refused: larger than 64 KiB"),
])
def test_a_hostile_policy_is_one_line_in_every_command_and_hook(
        repo: Repo, tmp_path: Path, text: str, problem: str) -> None:
    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    make_handoff(repo, "RT-261126-01", resume_prompt="Keep going.")
    repo.setup("install")
    repo.git("push", "-q", "-u", "origin", "main")
    _commit_policy(repo, text)
    # handoff: refused with the policy's one line (exit 1, not 70, no hang)
    proc = repo.sess("handoff", "--file", narrative(tmp_path, NARRATIVE), timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert problem in proc.stderr and proc.stderr.startswith("error: ")
    assert "Traceback" not in proc.stderr
    # resume and the SessionStart hook carry on (ownership then goes by the last handoff)
    proc = repo.sess("resume", timeout=60)
    assert proc.returncode == 0 and "Keep going." in proc.stdout, proc.stderr
    hook = repo.hook(payload("SessionStart", session="s9", source="startup"), timeout=60)
    assert hook.returncode == 0 and b"Keep going." in hook.stdout
    # commit-msg: a hand-written handoff commit is refused with the same line
    msg = ("handoff(core): x\n\n## Summary\n\nS.\n\n## Resume Prompt\n\nR.\n\n"
           "Sess-Id: RT-261126-02\nSess-Operator: RT\nSess-Workstream: core\n")
    commit = repo.git("commit", "-q", "--allow-empty", "-F", "-", input=msg, check=False)
    assert commit.returncode != 0 and problem in commit.stderr
    # pre-push: the guard refuses in one line, and the push ends
    repo.git("commit", "-q", "--no-verify", "--allow-empty", "-F", "-", input=msg)
    push = git("push", "origin", "main", cwd=repo.path, check=False)
    assert push.returncode != 0 and problem in push.stderr
    assert "Traceback" not in push.stderr


def test_a_bomb_in_a_peers_note_makes_that_one_record_unreadable(
        tmp_path: Path, repo: Repo) -> None:
    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    make_handoff(repo, "RT-261126-01", resume_prompt="My own prompt.")
    repo.setup("install")
    repo.git("push", "-q", "-u", "origin", "main")
    git("clone", "-q", str(remote), "peer", cwd=tmp_path)
    peer = Repo(tmp_path / "peer")
    peer.git("config", "sess.operator", "AB")
    peer.git("config", "user.email", "ab@example.com")
    env = {"GIT_AUTHOR_EMAIL": "ab@example.com"}
    peer.git("commit", "-q", "--no-verify", "--allow-empty", "-F", "-", env=env,
             input="handoff(ui): boom\n\n## Summary\n\nFrom the message.\n\n"
                   "Sess-Id: AB-261126-01\nSess-Operator: AB\nSess-Workstream: ui\n")
    oid = peer.git("rev-parse", "HEAD").stdout.strip()
    good = record_text("AB-261126-01", op="AB", ws="ui", commit=oid)
    bomb_note = "---\n" + BOMB + good.split("---\n", 2)[1] + "---\n\n## Summary\n\nx\n"
    peer.git("notes", "--ref=sess", "add", "-F", "-", oid, input=bomb_note)
    peer.git("update-ref", "refs/sess/h/AB/AB-261126-01", oid)
    peer.git("push", "-q", "--no-verify", "origin", "main", "refs/sess/h/*:refs/sess/h/*",
             "+refs/notes/sess:refs/notes/sess")  # a forger forces
    assert repo.sess("sync", timeout=60).returncode in (0, 1)
    # show --json: the record comes from the commit message, with the reason, in bounded output
    proc = repo.sess("show", "AB-261126-01", "--json", timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout) < 64 * 1024
    doc = json.loads(proc.stdout)
    assert doc["source"] == "message" and doc["sections"]["Summary"] == "From the message."
    assert "not a readable record (front matter refused (line 2): anchors are not allowed" \
        in proc.stderr
    # log, resume and the SessionStart hook carry on, the other records intact
    proc = repo.sess("log", timeout=60)
    assert proc.returncode == 0 and "AB-261126-01" in proc.stdout and "RT-261126-01" in proc.stdout
    proc = repo.sess("resume", "--json", timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["last_handoff"]["resume_prompt"] == "My own prompt."
    hook = repo.hook(payload("SessionStart", session="s9", source="startup"), timeout=60)
    assert hook.returncode == 0 and b"My own prompt." in hook.stdout

