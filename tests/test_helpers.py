"""The shared helpers' in-process shortcuts do what the processes they stand
for do: a test that records its set-up in-process starts from the state the
real `git-sess hook` and `git sess install` would have left."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import Repo, make_repo, payload
from tests.sesshelpers import snapshot

EVENTS = [
    payload("SessionStart", "s1", source="startup", model="claude-opus-4-5"),
    payload("UserPromptSubmit", "s1", prompt="go"),
    payload("PreToolUse", "s1", tool_name="Bash", tool_input={"command": "ls"}),
    payload("PostToolUse", "s1", tool_name="Bash", duration_ms=5),
    payload("PreToolUse", "s1", tool_name="mcp__db__query"),
    payload("PostToolUseFailure", "s1", tool_name="mcp__db__query", error="boom"),
]


def _trees(repo: Repo) -> dict[str, str]:
    """Each session ref's tree, path by path, blob ids included (commit ids
    may differ by their committer times); a ref to a blob, its id."""
    out: dict[str, str] = {}
    for ref, oid in sorted(repo.refs("refs/sess/").items()):
        kind = repo.git("cat-file", "-t", oid).stdout.strip()
        if ref.startswith("refs/sess/pending/"):  # a spill: named by its time, pid, random
            ref = ref.rsplit("-", 2)[0]
        if kind != "commit":
            out[ref] = oid
            continue
        # Authored alike: in-process code must not sign as the machine's user.
        who = repo.git("log", "--format=%an <%ae> %ad|%cn <%ce>", ref).stdout
        out[ref] = who + repo.git("ls-tree", "-r", oid).stdout
    return out


def test_record_leaves_what_the_hook_process_leaves(tmp_path: Path) -> None:
    by_process, in_process = make_repo(tmp_path / "p"), make_repo(tmp_path / "i")
    for i, p in enumerate(EVENTS):
        env = {"GITSESS_EVENT_TIME": str(1_790_000_000 + i)}
        real = by_process.hook(p, env=env)
        here = in_process.record(p, env=env)
        assert (here.returncode, here.stdout, here.stderr) == (
            real.returncode, real.stdout, real.stderr), p["hook_event_name"]
    assert _trees(in_process) == _trees(by_process) != {}


def test_record_reports_what_the_hook_process_reports(repo: Repo) -> None:
    """Output and refusals match too: a payload that is not JSON, one that names no
    session, another agent's payload."""
    for data, agent in ((b"not json", None), ({"hook_event_name": "Stop"}, None),
                        ({"session_id": "g1", "hook_event_name": "BeforeTool",
                          "tool_name": "run_shell_command"}, "gemini")):
        real, here = repo.hook(data, agent=agent), repo.record(data, agent=agent)
        assert (here.returncode, here.stdout, here.stderr) == (
            real.returncode, real.stdout, real.stderr)


def test_setup_installs_what_the_install_process_installs(tmp_path: Path) -> None:
    by_process, in_process = make_repo(tmp_path / "p"), make_repo(tmp_path / "i")
    real = by_process.sess("install", "--agent", "claude", check=True)
    here = in_process.setup("install", "--agent", "claude")
    assert here.stdout.replace(str(in_process.path), "R") == real.stdout.replace(
        str(by_process.path), "R")
    assert snapshot(in_process.path / ".git" / "hooks") == snapshot(
        by_process.path / ".git" / "hooks")
    assert (in_process.path / ".claude" / "settings.json").read_bytes() == (
        by_process.path / ".claude" / "settings.json").read_bytes()
    config = [r.git("config", "--local", "--list").stdout.replace(str(r.path), "R")
              for r in (in_process, by_process)]
    assert config[0] == config[1]
