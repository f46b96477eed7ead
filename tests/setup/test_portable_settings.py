"""Agent settings a team commits: entries that run on every teammate's
machine (`git-sess` found on PATH), merged as added lines only, and doctor's
findings about them (issue 10, deliverable 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import SESS, Repo, git, payload
from tests.hookmanagers import counted_env, counting_install, logged
from tests.sesshelpers import bare

USER_SETTINGS = {
    ".claude/settings.json": '{\n    "permissions": {\n        "allow": ["Bash(npm test)"]\n    },\n'
                             '    "hooks": {\n        "Stop": [\n            {\n'
                             '                "hooks": [{"type": "command", "command": "echo done"}]\n'
                             '            }\n        ]\n    },\n    "model": "opus"\n}\n',
    ".gemini/settings.json": '{\n\t"theme": "GitHub",\n\t"general": {"vimMode": true}\n}\n',
    ".cursor/hooks.json": '{\n  "version": 1,\n  "hooks": {\n    "stop": [\n'
                          '      { "command": "./hooks/audit.sh" }\n    ]\n  }\n}\n',
}
AGENT = {".claude/settings.json": "claude", ".gemini/settings.json": "gemini",
         ".cursor/hooks.json": "cursor"}


def _removed_lines(repo: Repo, rel: str) -> list[str]:
    """Lines the diff takes out, but for one that comes back with a comma
    added (Cursor's entry goes after the user's in a list: its order may matter)."""
    diff = repo.git("diff", "-U0", "--", rel).stdout.splitlines()
    added = {ln[1:] for ln in diff if ln.startswith("+") and not ln.startswith("+++")}
    return [ln for ln in diff if ln.startswith("-") and not ln.startswith("---")
            and not (rel.startswith(".cursor") and ln[1:] + "," in added)]


@pytest.mark.parametrize("rel", list(USER_SETTINGS))
def test_merge_adds_lines_only_and_names_git_sess_on_path(repo: Repo, rel: str) -> None:
    """The committed file keeps its indent (4 spaces, a tab, 2), key order and
    every byte of its own: `git diff` shows added lines and nothing else."""
    path = repo.path / rel
    path.parent.mkdir()
    path.write_text(USER_SETTINGS[rel])
    repo.git("add", rel)
    repo.git("commit", "-q", "-m", "settings")
    repo.sess("install", "--agent", AGENT[rel], check=True)
    text = path.read_text()
    assert _removed_lines(repo, rel) == []
    assert int(repo.git("diff", "--numstat", "--", rel).stdout.split()[0]) > 10
    assert sys.executable not in text and os.path.dirname(sys.executable) not in text
    assert f'"command": "git-sess hook --agent {AGENT[rel]}"' in text
    data = json.loads(text)
    assert list(data)[-1] == list(json.loads(USER_SETTINGS[rel]))[-1]  # own keys keep their order
    repo.sess("uninstall", check=True)
    assert path.read_text() == USER_SETTINGS[rel]


def _install_as(home: Path, repo: Path, sess: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **counted_env(), "HOME": str(home),
           "PATH": f"{Path(sess[0]).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run([*sess, "install", "--agent", "claude"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=120)


def _run_hook(home: Path, repo: Path, sess: list[str], command: str, session: str) -> None:
    env = {**os.environ, "HOME": str(home),
           "PATH": f"{Path(sess[0]).parent}{os.pathsep}{os.environ['PATH']}"}
    data = json.dumps(payload("PreToolUse", session=session, tool_name="Bash")).encode()
    proc = subprocess.run(["sh", "-c", command], cwd=repo, env=env, input=data,
                          capture_output=True, timeout=60)
    assert proc.returncode == 0 and proc.stderr == b"", proc.stderr


def test_two_homes_share_a_committed_claude_settings(repo: Repo, tmp_path: Path) -> None:
    """Two machines (two HOMEs, gitsess installed at different paths) share
    .claude/settings.json: the second install leaves `git diff` empty, and
    the hooks run from either HOME, each through its own install."""
    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    home_a, home_b = tmp_path / "home-a", tmp_path / "home-b"
    home_a.mkdir()
    home_b.mkdir()
    sess_a, log_a = counting_install(home_a)
    sess_b, log_b = counting_install(home_b)

    proc = _install_as(home_a, repo.path, sess_a)
    assert proc.returncode == 0, proc.stderr
    rel = ".claude/settings.json"
    assert str(home_a) not in (repo.path / rel).read_text()
    repo.git("add", rel, ".claude/commands")  # the agent's /handoff and /sess-resume too
    repo.git("commit", "-q", "--no-verify", "-m", "agent settings")
    repo.git("push", "-q", "--no-verify", "origin", "main")

    other = tmp_path / "clone-b"
    git("clone", "-q", str(remote), str(other), cwd=tmp_path)
    proc = _install_as(home_b, other, sess_b)
    assert proc.returncode == 0, proc.stderr
    assert "up to date" in proc.stdout
    assert git("status", "--porcelain", cwd=other).stdout == ""
    assert git("diff", cwd=other).stdout == ""

    command = json.loads((other / rel).read_text())["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    _run_hook(home_a, repo.path, sess_a, command, "sa")
    _run_hook(home_b, other, sess_b, command, "sb")
    assert repo.refs("refs/sess/live/sa") and Repo(other).refs("refs/sess/live/sb")
    assert "hook --agent claude" in logged(log_a) and "hook --agent claude" in logged(log_b)

    # The teammate's uninstall leaves the team's file alone: its install changed nothing.
    out = subprocess.run([*SESS, "uninstall"], cwd=other, capture_output=True, text=True)
    assert out.returncode == 0 and "left" in out.stdout, out.stderr
    assert git("status", "--porcelain", cwd=other).stdout == ""


def _doctor_agent(repo: Repo, path: str) -> list[str]:
    out = repo.sess("doctor", "--json", env={"PATH": path})
    return [f["message"] for f in json.loads(out.stdout)["findings"] if f["check"] == "agent"]


def test_doctor_flags_a_path_in_a_committed_file_and_a_missing_git_sess(repo: Repo) -> None:
    repo.sess("install", "--agent", "claude", check=True)
    rel = repo.path / ".claude" / "settings.json"
    with_bin = f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}"
    assert _doctor_agent(repo, with_bin) == []
    missing = _doctor_agent(repo, "/usr/bin:/bin")
    assert any("PATH has no git-sess" in m for m in missing), missing

    rel.write_text(rel.read_text().replace('"git-sess hook', '"/home/rita/.venv/bin/git-sess hook'))
    repo.git("add", ".claude/settings.json")
    found = _doctor_agent(repo, with_bin)
    assert any("names this machine's /home/rita/.venv/bin/git-sess and is committed" in m
               for m in found), found
    # The fix it names works: the teammate's path becomes `git-sess`, in place.
    repo.sess("install", "--agent", "claude", check=True)
    assert "/home/rita" not in rel.read_text()
    assert _doctor_agent(repo, with_bin) == []
