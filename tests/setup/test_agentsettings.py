"""`git sess install --agent gemini|cursor` and `git sess uninstall`: gitsess's
entries merged into .gemini/settings.json and .cursor/hooks.json, every user
key and entry kept exactly, idempotent, restored byte for byte, in every
worktree (Claude Code's settings: tests/test_install.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from gitsess.agents.specs import GEMINI
from tests.helpers import Repo, cursor_payload, gemini_payload
from tests.sesshelpers import snapshot

GEMINI_EVENTS = ["SessionStart", "BeforeAgent", "BeforeTool", "AfterTool", "AfterAgent",
                 "PreCompress", "SessionEnd"]
CURSOR_EVENTS = ["sessionStart", "beforeSubmitPrompt", "preToolUse", "postToolUse",
                 "postToolUseFailure", "subagentStart", "subagentStop", "stop", "preCompact",
                 "sessionEnd"]


def gemini_settings() -> dict[str, Any]:
    """A project's .gemini/settings.json with the user's own hooks and switches."""
    return {
        "model": {"name": "gemini-2.5-pro"},
        "mcpServers": {"github": {"command": "npx", "args": ["-y", "server-github"]}},
        "hooksConfig": {"enabled": True, "disabled": ["noisy"]},
        "hooks": {
            "BeforeTool": [{"matcher": "write_file|replace", "hooks": [
                {"name": "secret-scan", "type": "command",
                 "command": "$GEMINI_PROJECT_DIR/.gemini/hooks/scan.sh", "timeout": 5000}]}],
            "SessionStart": [{"matcher": "startup", "hooks": [
                {"type": "command", "command": "node .gemini/hooks/ctx.js"}]}],
        },
        "ui": {"theme": "GitHub"},
    }


def cursor_hooks() -> dict[str, Any]:
    """A project's .cursor/hooks.json with the user's own hooks."""
    return {
        "version": 1,
        "hooks": {
            "afterFileEdit": [{"command": ".cursor/hooks/format.sh"}],
            "preToolUse": [{"command": ".cursor/hooks/guard.sh", "matcher": "Shell",
                            "timeout": 5, "failClosed": True}],
            "stop": [{"command": ".cursor/hooks/audit.sh", "loop_limit": 3}],
        },
    }


def ours(items: list[Any], agent: str) -> list[dict[str, Any]]:
    """gitsess's entries in one event's list (grouped or flat)."""
    entries = [h for g in items for h in g.get("hooks", [g])]
    return [h for h in entries if h["command"].endswith(f"hook --agent {agent}")]


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return text


def test_gemini_round_trip_byte_for_byte(repo: Repo) -> None:
    path = repo.path / ".gemini" / "settings.json"
    original = write(path, json.dumps(gemini_settings(), indent=4) + "\n")
    out = repo.sess("install", "--agent", "gemini", check=True)
    assert f"agent: merged gitsess hooks for 7 events into {path}" in out.stdout
    assert "trusted folder" in out.stdout
    once = path.read_bytes()
    assert "up to date" in repo.sess("install", "--agent", "gemini", check=True).stdout
    assert path.read_bytes() == once  # a second install adds nothing
    data = json.loads(once)
    assert sorted(e for e in data["hooks"] if ours(data["hooks"][e], "gemini")) == \
        sorted(GEMINI_EVENTS) == sorted(GEMINI.events)
    for event in GEMINI_EVENTS:
        (entry,) = ours(data["hooks"][event], "gemini")
        # Gemini CLI's timeouts are milliseconds (docs/hooks/reference.md).
        assert entry["type"] == "command" and entry["name"] == "gitsess"
        assert entry["timeout"] == (15000 if event == "SessionStart" else 10000)
        assert entry["command"].split()[0].endswith(("git-sess", "python"))
        group = next(g for g in data["hooks"][event] if entry in g["hooks"])
        assert group.get("matcher") == ("*" if event in ("BeforeTool", "AfterTool") else None)
    user = gemini_settings()
    # the user's groups as they were (gitsess's own group goes before them)
    assert user["hooks"]["BeforeTool"][0] in data["hooks"]["BeforeTool"]
    assert user["hooks"]["SessionStart"][0] in data["hooks"]["SessionStart"]
    assert {k: v for k, v in data.items() if k != "hooks"} == \
        {k: v for k, v in user.items() if k != "hooks"}
    repo.sess("uninstall", check=True)
    assert path.read_text() == original


def test_cursor_round_trip_byte_for_byte(repo: Repo) -> None:
    path = repo.path / ".cursor" / "hooks.json"
    original = write(path, json.dumps(cursor_hooks(), indent=2))  # no final newline
    repo.sess("install", "--agent", "cursor", check=True)
    once = path.read_bytes()
    repo.sess("install", "--agent", "cursor", check=True)
    assert path.read_bytes() == once
    data = json.loads(once)
    assert data["version"] == 1
    for event in CURSOR_EVENTS:
        (entry,) = ours(data["hooks"][event], "cursor")
        # Flat entries, timeouts in seconds (cursor.com/docs/hooks).
        assert set(entry) == {"command", "timeout"}
        assert entry["timeout"] == (15 if event == "sessionStart" else 10)
    assert data["hooks"]["preToolUse"][0] == cursor_hooks()["hooks"]["preToolUse"][0]
    assert data["hooks"]["afterFileEdit"] == cursor_hooks()["hooks"]["afterFileEdit"]
    assert data["hooks"]["stop"][0] == cursor_hooks()["hooks"]["stop"][0]
    repo.sess("uninstall", check=True)
    assert path.read_text() == original


@pytest.mark.parametrize(("agent", "rel"), [("gemini", ".gemini/settings.json"),
                                            ("cursor", ".cursor/hooks.json")])
def test_created_then_removed(repo: Repo, agent: str, rel: str) -> None:
    repo.sess("install", "--agent", agent, check=True)
    data = json.loads((repo.path / rel).read_text())
    if agent == "cursor":
        assert list(data) == ["version", "hooks"] and data["version"] == 1
    else:
        assert list(data) == ["hooks"]
    repo.sess("uninstall", check=True)
    assert not (repo.path / rel).parent.exists()
    assert repo.git("config", "--get-regexp", "^sess\\.", check=False).stdout == ""


@pytest.mark.parametrize(("agent", "rel"), [("gemini", ".gemini/settings.json"),
                                            ("cursor", ".cursor/hooks.json")])
def test_a_directory_of_the_users_stays(repo: Repo, agent: str, rel: str) -> None:
    """A .gemini/ or .cursor/ that held the user's files keeps them; only the
    settings file gitsess created goes."""
    other = repo.path / rel.split("/")[0] / ("GEMINI.md" if agent == "gemini" else "mcp.json")
    write(other, "mine\n")
    repo.sess("install", "--agent", agent, check=True)
    repo.sess("uninstall", check=True)
    assert not (repo.path / rel).exists() and other.read_text() == "mine\n"


@pytest.mark.parametrize(("agent", "rel", "text"), [
    ("gemini", ".gemini/settings.json", '{"hooks": {"BeforeTool": [], "AfterTool": []}}'),
    ("cursor", ".cursor/hooks.json", '{"version": 1, "hooks": {}}\n'),
    ("claude", ".claude/settings.json", '{"hooks": {"PreToolUse": []}, "model": "opus"}'),
])
def test_empty_hook_lists_of_the_users_come_back(repo: Repo, agent: str, rel: str,
                                                  text: str) -> None:
    """Empty lists the merge filled (and a `hooks` left empty) came back as
    nothing: the file was rewritten instead of restored."""
    path = repo.path / rel
    write(path, text)
    repo.sess("install", "--agent", agent, check=True)
    assert path.read_text() != text
    repo.sess("uninstall", check=True)
    assert path.read_text() == text


def test_user_edits_after_install_are_kept(repo: Repo) -> None:
    path = repo.path / ".cursor" / "hooks.json"
    write(path, json.dumps(cursor_hooks()))
    repo.sess("install", "--agent", "cursor", check=True)
    data = json.loads(path.read_text())
    data["hooks"]["stop"].append({"command": "say done"})
    data["hooks"]["beforeReadFile"] = [{"command": ".cursor/hooks/redact.sh"}]
    path.write_text(json.dumps(data))
    out = repo.sess("uninstall", check=True)
    assert f"removed gitsess hooks from {path}" in out.stdout
    want = cursor_hooks()
    want["hooks"]["stop"].append({"command": "say done"})
    want["hooks"]["beforeReadFile"] = [{"command": ".cursor/hooks/redact.sh"}]
    assert json.loads(path.read_text()) == want


def test_a_stale_gitsess_entry_is_updated_not_duplicated(repo: Repo) -> None:
    """An entry an older install wrote (another venv) is replaced in place, and
    another agent's gitsess entry is not taken for this one's."""
    path = repo.path / ".gemini" / "settings.json"
    old = "/old/venv/bin/git-sess hook --agent gemini"
    claude = "/old/venv/bin/git-sess hook --agent claude"
    write(path, json.dumps({"hooks": {"BeforeTool": [
        {"matcher": "*", "hooks": [{"type": "command", "command": old, "timeout": 1}]},
        {"matcher": "*", "hooks": [{"type": "command", "command": old}]},
        {"hooks": [{"type": "command", "command": claude}]}]}}))
    repo.sess("install", "--agent", "gemini", check=True)
    groups = json.loads(path.read_text())["hooks"]["BeforeTool"]
    commands = [h["command"] for g in groups for h in g["hooks"]]
    assert len(ours(groups, "gemini")) == 1 and old not in commands and claude in commands
    assert ours(groups, "gemini")[0]["timeout"] == 10000


@pytest.mark.parametrize("agent", ["gemini", "cursor"])
def test_local_is_only_claudes(repo: Repo, agent: str) -> None:
    out = repo.sess("install", "--agent", agent, "--local")
    assert out.returncode == 2 and "--local only applies to Claude Code" in out.stderr
    assert not (repo.path / ".git" / "hooks" / "commit-msg").exists()
    assert not (repo.path / f".{agent}").exists()


@pytest.mark.parametrize(("rel", "text", "words"), [
    (".gemini/settings.json", "{ not json", "not valid JSON"),
    (".gemini/settings.json", '{"hooks": {"BeforeTool": {}}}', '"hooks.BeforeTool" is not a list'),
    (".cursor/hooks.json", '{"version": 1, "hooks": []}', '"hooks" is not an object'),
    (".cursor/hooks.json", "[]", "does not hold a JSON object"),
])
def test_unusable_files_refuse_install_before_anything_changes(repo: Repo, rel: str, text: str,
                                                               words: str) -> None:
    path = repo.path / rel
    write(path, text)
    agent = "gemini" if rel.startswith(".gemini") else "cursor"
    out = repo.sess("install", "--agent", agent)
    assert out.returncode == 1 and words in out.stderr, out.stderr
    assert out.stderr.startswith("error: ") and "Traceback" not in out.stderr
    assert path.read_text() == text
    assert not (repo.path / ".git" / "hooks" / "commit-msg").exists()


def test_the_hooks_gitsess_wrote_run_the_real_hook(repo: Repo) -> None:
    """The command install writes, run as the agent runs it (a shell string,
    git-sess found on PATH as install.sh puts it there), records the agent's payload."""
    import os
    import subprocess
    import sys

    path = f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}"

    repo.sess("install", "--agent", "gemini", check=True)
    repo.sess("install", "--agent", "cursor", check=True)
    settings = json.loads((repo.path / ".gemini" / "settings.json").read_text())
    hooks = json.loads((repo.path / ".cursor" / "hooks.json").read_text())
    g = ours(settings["hooks"]["BeforeTool"], "gemini")[0]["command"]
    c = ours(hooks["hooks"]["preToolUse"], "cursor")[0]["command"]
    for command, p in ((g, gemini_payload("BeforeTool", "g1", tool_name="glob")),
                       (c, cursor_payload("preToolUse", "c1", tool_name="Read"))):
        proc = subprocess.run(["sh", "-c", command], cwd=repo.path, input=json.dumps(p).encode(),
                              capture_output=True, timeout=60, env={**os.environ, "PATH": path})
        assert proc.returncode == 0 and proc.stderr == b"", proc.stderr
    sessions = json.loads(repo.sess("status", "--json", check=True).stdout)["sessions"]
    assert {(s["session_id"], s["agent"]) for s in sessions} == {("g1", "gemini-cli"),
                                                                 ("c1", "cursor")}


# -- every agent, every worktree ------------------------------------------------------

def _tree(wt: Path) -> dict[str, Any]:
    return {d: snapshot(wt / d) if (wt / d).exists() else None
            for d in (".claude", ".gemini", ".cursor")}


def _all_agents(repo: Repo, tmp_path: Path) -> Path:
    """Claude, Gemini and Cursor settings in the main worktree (the user's own
    files) and in a linked one (none: gitsess creates them); installed in both."""
    one = tmp_path / "one"
    repo.git("worktree", "add", "-q", "-b", "one", str(one))
    write(repo.path / ".claude" / "settings.json", '{"model": "opus"}\n')
    write(repo.path / ".gemini" / "settings.json", json.dumps(gemini_settings(), indent=4))
    write(repo.path / ".cursor" / "hooks.json", json.dumps(cursor_hooks()) + "\n")
    return one


def _install_all(repo: Repo, one: Path) -> None:
    for wt in (repo.path, one):
        for agent in ("claude", "gemini", "cursor"):
            Repo(wt).sess("install", "--agent", agent, check=True)


@pytest.mark.parametrize("where", ["main", "one"])
def test_uninstall_restores_every_agent_in_every_worktree(repo: Repo, tmp_path: Path,
                                                          where: str) -> None:
    one = _all_agents(repo, tmp_path)
    before = {wt: _tree(wt) for wt in (repo.path, one)}
    _install_all(repo, one)
    again = {wt: _tree(wt) for wt in (repo.path, one)}
    _install_all(repo, one)
    assert {wt: _tree(wt) for wt in (repo.path, one)} == again
    out = Repo(repo.path if where == "main" else one).sess("uninstall", check=True)
    assert {wt: _tree(wt) for wt in (repo.path, one)} == before
    for rel in (".claude/settings.json", ".gemini/settings.json", ".cursor/hooks.json"):
        assert f"restored {repo.path / rel}" in out.stdout
        assert f"removed {one / rel}" in out.stdout
    assert repo.refs("refs/sess/local/install/") == {}
    assert repo.git("config", "--get-regexp", "^sess\\.", check=False).stdout == ""


def test_uninstall_after_a_linked_worktree_was_deleted(repo: Repo, tmp_path: Path) -> None:
    one = _all_agents(repo, tmp_path)
    before = _tree(repo.path)
    _install_all(repo, one)
    shutil.rmtree(one)
    out = repo.sess("uninstall")
    assert out.returncode == 0, out.stderr
    assert [ln for ln in out.stdout.splitlines() if "no longer exists" in ln] == [
        f"agent: {one} no longer exists: dropped what gitsess saved of its settings"]
    assert _tree(repo.path) == before
    assert repo.git("config", "--get-regexp", "^sess\\.", check=False).stdout == ""


def test_a_broken_gemini_file_is_left_and_the_rest_comes_out(repo: Repo) -> None:
    gem = repo.path / ".gemini" / "settings.json"
    repo.sess("install", "--agent", "gemini", check=True)
    repo.sess("install", "--agent", "cursor", check=True)
    gem.write_text(gem.read_text() + "{ oops")
    out = repo.sess("uninstall")
    assert out.returncode == 1 and "not valid JSON" in out.stderr
    assert "`git-sess hook --agent gemini` entries by hand" in out.stderr
    assert not (repo.path / ".cursor").exists()  # the rest came out
    assert gem.read_text().endswith("{ oops")
    gem.write_text(gem.read_text().removesuffix("{ oops"))
    repo.sess("uninstall", check=True)
    assert not (repo.path / ".gemini").exists()
