"""`git sess install --agent X` and `git sess uninstall` for the agents of
issue 13, and the async entries: each file as its agent reads it, the user's
own settings and files kept, install then uninstall byte for byte (with and
without a file of the user's beforehand), an older install updated, and
doctor naming a missing or stale entry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitsess.agents.specs import SPECS
from gitsess.setup import doctor
from gitsess.store import Store
from tests.helpers import Repo
from tests.sesshelpers import snapshot

FILES = {"claude": ".claude/settings.json", "codex": ".codex/hooks.json",
         "copilot": ".github/hooks/gitsess.json", "qwen": ".qwen/settings.json",
         "droid": ".factory/settings.json"}

# A file of the user's in each place, with hooks of their own (the shapes each
# agent's reference shows).
USER: dict[str, dict[str, Any]] = {
    "claude": {"permissions": {"allow": ["Bash(npm test)"]}, "hooks": {"PostToolUse": [
        {"matcher": "Write|Edit", "hooks": [{"type": "command", "command": "npx prettier -w"}]}]}},
    "codex": {"hooks": {"PreToolUse": [{"matcher": "^Bash$", "hooks": [
        {"type": "command", "command": "python3 .codex/hooks/guard.py", "timeout": 30,
         "statusMessage": "Checking command"}]}]}},
    "qwen": {"model": {"name": "qwen3-coder-plus"}, "hooks": {"PreToolUse": [
        {"matcher": "^run_shell_command$", "hooks": [
            {"type": "command", "command": "$QWEN_PROJECT_DIR/.qwen/hooks/check.sh",
             "name": "security-check", "timeout": 10000}]}]}},
    "droid": {"model": "claude-sonnet-4-5", "hooks": {"PostToolUse": [
        {"matcher": "Create|Edit", "hooks": [
            {"type": "command", "command": "\"$FACTORY_PROJECT_DIR\"/.factory/hooks/fmt.sh",
             "timeout": 30}]}]}},
}
# Copilot CLI's file is gitsess's own: the user's hooks live in files of theirs.
COPILOT_USER = {"version": 1, "hooks": {"preToolUse": [
    {"type": "command", "bash": "./scripts/guard.sh", "powershell": "./scripts/guard.ps1",
     "cwd": "scripts", "timeoutSec": 15}]}}


def worktree(repo: Repo) -> dict[str, tuple[int, bytes]]:
    return {k: v for k, v in snapshot(repo.path).items() if not k.startswith(".git/")
            and k != ".git"}


def ours(data: dict[str, Any], agent: str) -> dict[str, dict[str, Any]]:
    """event -> gitsess's entry, in a grouped or a flat file."""
    spec = SPECS[agent]
    out = {}
    for event, items in data["hooks"].items():
        for h in (h for g in items for h in (g.get("hooks", [g]) if spec.grouped else [g])):
            if h.get(spec.key, "").endswith(f"hook --agent {agent}"):
                out[event] = h
    return out


def findings(repo: Repo) -> list[str]:
    store = Store.try_discover(str(repo.path))
    assert store is not None
    return [f.message for f in doctor.diagnose(store).findings if f.check == "agent"]


@pytest.mark.parametrize("agent", list(FILES))
@pytest.mark.parametrize("users", [False, True], ids=["no file", "users file"])
def test_install_then_uninstall_byte_for_byte(repo: Repo, agent: str, users: bool) -> None:
    path = repo.path / FILES[agent]
    if users:
        target = repo.path / ".github/hooks/lint.json" if agent == "copilot" else path
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(COPILOT_USER if agent == "copilot" else USER[agent],
                                     indent=4))
    before = worktree(repo)
    repo.setup("install", "--agent", agent)
    once = path.read_bytes()
    repo.setup("install", "--agent", agent)
    assert path.read_bytes() == once  # a second install adds nothing
    data = json.loads(once)
    spec = SPECS[agent]
    entries = ours(data, agent)
    assert list(entries) == list(spec.events) or sorted(entries) == sorted(spec.events)
    for event, entry in entries.items():
        assert entry[spec.timeout_key] == spec.events[event]
        assert entry.get("async", False) is (event in spec.async_events)
    if users and agent != "copilot":  # the user's keys and hooks as they were
        assert {k: v for k, v in data.items() if k != "hooks"} == \
            {k: v for k, v in USER[agent].items() if k != "hooks"}
        for event, groups in USER[agent]["hooks"].items():
            assert all(g in data["hooks"][event] for g in groups)
    # Neither missing nor stale (PATH has no git-sess here: that finding is not ours).
    assert not [m for m in findings(repo) if "older install" in m or "not recorded" in m]
    repo.setup("uninstall")
    assert worktree(repo) == before
    assert repo.git("config", "--get-regexp", "^sess\\.", check=False).stdout == ""


def test_the_entries_each_agent_reads(repo: Repo) -> None:
    for agent in FILES:
        repo.setup("install", "--agent", agent)
    claude = json.loads((repo.path / FILES["claude"]).read_text())
    # Claude Code: async everywhere but SessionStart, whose stdout is the context.
    assert {e: h.get("async") for e, h in ours(claude, "claude").items()} == {
        **dict.fromkeys(SPECS["claude"].events, True), "SessionStart": None}
    copilot = json.loads((repo.path / FILES["copilot"]).read_text())
    assert copilot["version"] == 1
    assert copilot["hooks"]["postToolUse"] == [
        {"type": "command", "bash": "git-sess hook --agent copilot", "timeoutSec": 10}]
    # A failing preToolUse command denies the tool call in Copilot CLI: never hooked.
    assert "preToolUse" not in copilot["hooks"]
    codex = json.loads((repo.path / FILES["codex"]).read_text())
    assert list(codex) == ["hooks"] and codex["hooks"]["PreToolUse"] == [
        {"matcher": "*", "hooks": [{"type": "command", "command": "git-sess hook --agent codex",
                                    "timeout": 10}]}]
    qwen = json.loads((repo.path / FILES["qwen"]).read_text())
    assert qwen["hooks"]["PostToolUse"][0]["hooks"] == [
        {"type": "command", "command": "git-sess hook --agent qwen", "timeout": 10000,
         "async": True, "name": "gitsess"}]
    assert "async" not in qwen["hooks"]["SessionStart"][0]["hooks"][0]


def test_an_older_claude_install_is_stale_until_install_updates_it(repo: Repo) -> None:
    path = repo.path / FILES["claude"]
    path.parent.mkdir()
    # As `git sess install` wrote it before issue 13: every entry blocking.
    old = {"hooks": {e: [{**({"matcher": "*"} if e in SPECS["claude"].tool_events else {}),
                          "hooks": [{"type": "command", "command": "git-sess hook --agent claude",
                                     "timeout": t}]}]
                     for e, t in SPECS["claude"].events.items()}}
    old["hooks"]["Stop"].append({"hooks": [{"type": "command", "command": "./notify.sh"}]})
    path.write_text(json.dumps(old, indent=2) + "\n")
    repo.git("add", "-A")
    repo.git("commit", "-qm", "claude settings")
    (stale,) = [m for m in findings(repo) if "older install" in m]
    assert "PreToolUse" in stale and "SessionStart" not in stale
    repo.setup("install", "--agent", "claude")
    data = json.loads(path.read_text())
    assert ours(data, "claude")["PreToolUse"]["async"] is True
    assert "async" not in ours(data, "claude")["SessionStart"]
    assert data["hooks"]["Stop"][1] == old["hooks"]["Stop"][1]  # the user's entry as it was
    assert not [m for m in findings(repo) if "older install" in m]


@pytest.mark.parametrize(("agent", "event"), [("copilot", "postToolUse"), ("codex", "Stop"),
                                               ("qwen", "PostToolUse"), ("droid", "SessionEnd")])
def test_doctor_names_a_missing_entry(repo: Repo, agent: str, event: str) -> None:
    repo.setup("install", "--agent", agent)
    path: Path = repo.path / FILES[agent]
    data = json.loads(path.read_text())
    del data["hooks"][event]
    path.write_text(json.dumps(data))
    (msg,) = [m for m in findings(repo) if FILES[agent] in m and "not recorded" in m]
    assert f"not recorded: {event}" in msg


def test_doctor_sees_droids_hooks_file(repo: Repo) -> None:
    repo.setup("install", "--agent", "droid")
    assert not [m for m in findings(repo) if "hooks.json" in m]
    (repo.path / ".factory/hooks.json").write_text('{"hooks": {}}')
    (msg,) = [m for m in findings(repo) if "hooks.json" in m]
    assert "ignores them" in msg


def test_local_is_claudes_and_droids(repo: Repo) -> None:
    repo.setup("install", "--agent", "droid", "--local")
    data = json.loads((repo.path / ".factory/settings.local.json").read_text())
    assert sorted(ours(data, "droid")) == sorted(SPECS["droid"].events)
    out = repo.sess("install", "--agent", "copilot", "--local")
    assert out.returncode == 2 and "--local only applies to Claude Code and Factory Droid" \
        in out.stderr
