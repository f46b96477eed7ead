"""`git sess hook --agent gemini|cursor` end to end: real hook processes fed the
payloads Gemini CLI and Cursor send, read back by a real `git sess status
--json`; each agent's output contract; hostile payloads; nothing private in git."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import (
    CURSOR_CONVERSATION,
    GEMINI_SESSION,
    SESS,
    Repo,
    cursor_payload,
    fsck,
    gemini_payload,
    make_handoff,
    make_repo,
)

SECRET = "ghp_" + "R8xQ2mT5vK9wL3nB7cF1" + "hJ4dS6gA0zY2uE8iO5pW"
# What each agent reads on stdout when there is nothing to say.
SILENT = {"gemini": b"", "cursor": b"{}\n"}
LIVE = "refs/sess/live/"


def hook(repo: Repo, agent: str, data: dict[str, Any] | bytes, *, cwd: Path | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """One real `git-sess hook --agent AGENT` process, as the agent runs it."""
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return subprocess.run([*SESS, "hook", "--agent", agent], cwd=cwd or repo.path, input=raw,
                          capture_output=True, timeout=120, env={**os.environ, **(env or {})})


def assert_quiet(proc: subprocess.CompletedProcess[bytes]) -> None:
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, err
    assert "Traceback" not in err and len(err.splitlines()) <= 1, err


def status(repo: Repo) -> list[dict[str, Any]]:
    sessions: list[dict[str, Any]] = json.loads(repo.sess("status", "--json", check=True)
                                                .stdout)["sessions"]
    return sessions


# -- a whole session, as each agent sends it ------------------------------------------

GITHUB = {"server_name": "github", "tool_name": "create_issue", "command": "npx",
          "args": ["-y", "@modelcontextprotocol/server-github"]}
NOTION = {"server_name": "notion", "tool_name": "search", "url": "https://mcp.notion.com/mcp"}


def gemini_session() -> list[dict[str, Any]]:
    shell = {"tool_name": "run_shell_command", "tool_input": {"command": "npm test"}}
    return [
        gemini_payload("SessionStart", source="startup"),
        gemini_payload("BeforeAgent", prompt=f"file an issue, token {SECRET}"),
        gemini_payload("BeforeTool", **shell),
        gemini_payload("AfterTool", **shell, tool_response={"llmContent": "ok",
                                                            "returnDisplay": "ok"}),
        # The MCP tool under each name a release gave it; mcp_context names the server.
        gemini_payload("BeforeTool", tool_name="create_issue", tool_input={"title": SECRET},
                       mcp_context=GITHUB),
        gemini_payload("AfterTool", tool_name="create_issue", tool_input={"title": SECRET},
                       tool_response={"llmContent": SECRET, "returnDisplay": "#12"},
                       mcp_context=GITHUB),
        gemini_payload("BeforeTool", tool_name="mcp_github_create_issue", tool_input={},
                       mcp_context=GITHUB),
        gemini_payload("BeforeTool", tool_name="search", tool_input={"q": "roadmap"},
                       mcp_context=NOTION),
        gemini_payload("AfterTool", tool_name="search", tool_input={"q": "roadmap"},
                       tool_response={"llmContent": "", "returnDisplay": "",
                                      "error": {"message": f"401 for {SECRET}",
                                                "type": "mcp_tool_error"}},
                       mcp_context=NOTION),
        gemini_payload("Notification", notification_type="ToolPermission", message="Allow?",
                       details={"tool": "run_shell_command"}),
        gemini_payload("PreCompress", trigger="auto"),
        gemini_payload("AfterAgent", prompt="file an issue", prompt_response=SECRET,
                       stop_hook_active=False),
        gemini_payload("SessionEnd", reason="exit"),
    ]


def cursor_session() -> list[dict[str, Any]]:
    c = CURSOR_CONVERSATION
    return [
        cursor_payload("sessionStart", session_id=c, is_background_agent=False,
                       composer_mode="agent"),
        cursor_payload("beforeSubmitPrompt", prompt=f"ship it with {SECRET}", attachments=[]),
        cursor_payload("preToolUse", tool_name="Shell", tool_use_id="call_1",
                       tool_input={"command": f"deploy --token {SECRET}"}, cwd="/work/project"),
        cursor_payload("postToolUse", tool_name="Shell", tool_use_id="call_1",
                       tool_input={"command": "deploy"}, tool_output=f'{{"stdout":"{SECRET}"}}',
                       duration=1234.5, cwd="/work/project"),
        cursor_payload("preToolUse", tool_name="MCP:create_issue", tool_use_id="call_2",
                       tool_input={"title": "x"}, mcp_server_name="github"),
        cursor_payload("postToolUseFailure", tool_name="MCP:create_issue", tool_use_id="call_2",
                       tool_input={}, error_message=SECRET, failure_type="error",
                       duration=80, is_interrupt=False, mcp_server_name="github"),
        cursor_payload("preToolUse", tool_name="MCP:search", tool_use_id="call_3",
                       tool_input={"q": "x"}),
        cursor_payload("subagentStart", subagent_id="sub-1", subagent_type="explore",
                       task="look around", parent_conversation_id=c, tool_call_id="call_4"),
        cursor_payload("preToolUse", tool_name="Task", tool_use_id="call_4",
                       tool_input={"task": "look around"}),
        cursor_payload("subagentStop", subagent_type="explore", status="completed",
                       summary=SECRET, duration_ms=2000, loop_count=0),
        cursor_payload("preCompact", trigger="auto", context_usage_percent=85),
        cursor_payload("stop", status="completed", loop_count=0),
        cursor_payload("sessionEnd", session_id=c, reason="completed", duration_ms=45000,
                       is_background_agent=False, final_status="completed"),
    ]


def test_a_gemini_session_through_the_real_hook(repo: Repo) -> None:
    events = gemini_session()
    for p in events:
        proc = hook(repo, "gemini", p)
        assert_quiet(proc)
        assert proc.stderr == b""
        if p["hook_event_name"] == "SessionStart":  # the first run's context, as JSON
            out = json.loads(proc.stdout)
            assert "no handoff yet" in out["hookSpecificOutput"]["additionalContext"]
        else:
            assert proc.stdout == b""
    (s,) = status(repo)
    assert (s["session_id"], s["agent"], s["state"]) == (GEMINI_SESSION, "gemini-cli", "live")
    assert s["events"] == len(events) and s["cwd"] == "/work/project"
    assert s["tool_calls"] == 4
    assert s["tools"] == {"run_shell_command": 1, "mcp__github__create_issue": 2,
                          "mcp__notion__search": 1}
    assert s["mcp"] == {"github": {"total": 2, "methods": {"create_issue": 2}},
                        "notion": {"total": 1, "methods": {"search": 1}}}
    assert (s["failures"], s["prompts"], s["compactions"]) == (1, 1, 1)
    assert s["by_event"] == {"SessionStart": 1, "BeforeAgent": 1, "BeforeTool": 4,
                             "AfterTool": 3, "Notification": 1, "PreCompress": 1,
                             "AfterAgent": 1, "SessionEnd": 1}
    assert fsck(repo).returncode == 0


def test_a_cursor_session_through_the_real_hook(repo: Repo) -> None:
    events = cursor_session()
    for p in events:
        proc = hook(repo, "cursor", p)
        assert_quiet(proc)
        assert proc.stderr == b""
        out = json.loads(proc.stdout)  # Cursor gets a JSON object for every event
        if p["hook_event_name"] == "sessionStart":
            assert "no handoff yet" in out["additional_context"]
        else:
            assert out == {}
    (s,) = status(repo)
    assert (s["session_id"], s["agent"]) == (CURSOR_CONVERSATION, "cursor")
    assert s["model"] == "claude-4.5-sonnet-thinking" and s["cwd"] == "/work/project"
    assert s["tool_calls"] == 4
    assert s["tools"] == {"Shell": 1, "mcp__github__create_issue": 1, "MCP:search": 1, "Task": 1}
    # A server Cursor does not name is not invented: MCP:search counts under tools only.
    assert s["mcp"] == {"github": {"total": 1, "methods": {"create_issue": 1}}}
    assert (s["failures"], s["prompts"], s["compactions"], s["subagents"]) == (1, 1, 1, 1)
    assert s["duration_ms"] == 1234 + 80
    assert fsck(repo).returncode == 0


@pytest.mark.parametrize("agent", ["gemini", "cursor"])
def test_nothing_private_reaches_git(repo: Repo, agent: str) -> None:
    events = gemini_session() if agent == "gemini" else cursor_session()
    for p in events:
        assert hook(repo, agent, p).returncode == 0
    (s,) = status(repo)
    assert s["events"] == len(events)  # every event went into git
    objects = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"],
                             cwd=repo.path, capture_output=True, check=True).stdout
    assert objects and SECRET.encode() not in objects
    for f in (repo.path / ".git").rglob("*"):
        if f.is_file() and "objects" not in f.parts:
            assert SECRET.encode() not in f.read_bytes(), f


# -- the resume context in each agent's output contract ------------------------------

def test_session_start_context_for_gemini(repo: Repo) -> None:
    make_handoff(repo, "RT-261126-01", resume_prompt="Pick up at step 3 of the migration.")
    for source in ("startup", "resume"):
        proc = hook(repo, "gemini", gemini_payload("SessionStart", source=source))
        ctx = json.loads(proc.stdout)["hookSpecificOutput"]
        assert ctx["hookEventName"] == "SessionStart"
        assert "Pick up at step 3 of the migration." in ctx["additionalContext"]
    # /clear starts a new session id with source clear: no context, nothing printed.
    proc = hook(repo, "gemini", gemini_payload("SessionStart", "after-clear", source="clear"))
    assert proc.returncode == 0 and proc.stdout == b""


def test_session_start_context_for_cursor(repo: Repo) -> None:
    make_handoff(repo, "RT-261126-01", resume_prompt="Pick up at step 3 of the migration.")
    proc = hook(repo, "cursor", cursor_payload("sessionStart", session_id=CURSOR_CONVERSATION))
    out = json.loads(proc.stdout)
    assert list(out) == ["additional_context"]
    assert "Pick up at step 3 of the migration." in out["additional_context"]


# -- where the hook records ---------------------------------------------------------

@pytest.mark.parametrize(("agent", "var"), [("gemini", "GEMINI_PROJECT_DIR"),
                                            ("gemini", "CLAUDE_PROJECT_DIR"),
                                            ("cursor", "CURSOR_PROJECT_DIR"),
                                            ("cursor", "CLAUDE_PROJECT_DIR")])
def test_the_agents_project_dir_wins_over_cwd(repo: Repo, tmp_path: Path, agent: str,
                                              var: str) -> None:
    elsewhere = make_repo(tmp_path / "other")
    p = (gemini_payload("BeforeTool", "pd", tool_name="glob") if agent == "gemini"
         else cursor_payload("preToolUse", "pd", tool_name="Read"))
    proc = hook(repo, agent, p, cwd=elsewhere.path, env={var: str(repo.path)})
    assert proc.returncode == 0
    assert LIVE + "pd" in repo.refs(LIVE) and elsewhere.refs("refs/sess/") == {}


def test_a_project_dir_that_is_not_a_directory_falls_back(repo: Repo, tmp_path: Path) -> None:
    proc = hook(repo, "cursor", cursor_payload("stop", "fb"),
                   env={"CURSOR_PROJECT_DIR": str(tmp_path / "gone"),
                        "CLAUDE_PROJECT_DIR": str(tmp_path / "gone too")})
    assert proc.returncode == 0 and LIVE + "fb" in repo.refs(LIVE)


# -- hostile payloads ----------------------------------------------------------------

HUGE = 50 * 1024 * 1024


def _huge(agent: str) -> bytes:
    """A payload far over the parse limit: the big field after the small ones,
    as both agents order them."""
    if agent == "gemini":
        head = json.dumps(gemini_payload("BeforeTool", "huge", tool_name="write_file"))[:-1]
        return (head + ', "tool_input": {"content": "').encode() + b"y" * HUGE + b'"}}'
    head = json.dumps(cursor_payload("preToolUse", "huge", tool_name="Write"))[:-1]
    return (head + ', "tool_input": {"contents": "').encode() + b"y" * HUGE + b'"}}'


def _bad(agent: str) -> list[tuple[str, bytes, str]]:
    ev = "BeforeTool" if agent == "gemini" else "preToolUse"
    key = "session_id" if agent == "gemini" else "conversation_id"
    mk = gemini_payload if agent == "gemini" else cursor_payload

    def j(obj: Any) -> bytes:
        return json.dumps(obj).encode()

    return [
        ("empty", b"", "ignored"),
        ("not json", b"hello", "ignored"),
        ("json array", j([mk(ev, "s")]), "ignored"),
        ("json null", b"null", "ignored"),
        ("binary", bytes(range(256)) * 4, "ignored"),
        ("invalid utf-8", b'{"' + key.encode() + b'": "\xff\xfe", "hook_event_name": "x"}',
         "ignored"),
        ("deeply nested", b"[" * 200_000 + b"]" * 200_000, "ignored"),
        ("session int", j({**mk(ev, "s"), key: 42}), "ignored"),
        ("session list", j({**mk(ev, "s"), key: ["a"]}), "ignored"),
        ("no session", j({"hook_event_name": ev, "tool_name": "x"}), "ignored"),
        ("event name int", j({**mk(ev, "s"), "hook_event_name": 7}), "counted"),
        ("unknown event", j(mk("BeforeEverything", "s")), "counted"),
        ("tool_name dict", j(mk(ev, "s", tool_name={"n": 1})), "counted"),
        ("mcp fields wrong", j(mk(ev, "s", tool_name="x", mcp_context=[1], mcp_server_name=3)),
         "counted"),
        ("duration huge", j(mk("postToolUse", "s", tool_name="x", duration=1e308)), "counted"),
        ("id ../../HEAD", j(mk(ev, "../../HEAD", tool_name="x")), "counted"),
        ("id 10 KB", j(mk(ev, "a" * 10_240, tool_name="x")), "counted"),
        ("50 MiB tool_input", _huge(agent), "counted"),
    ]


@pytest.mark.parametrize("agent", ["gemini", "cursor"])
def test_hostile_payloads(repo: Repo, agent: str) -> None:
    head = (repo.path / ".git/HEAD").read_text()
    for name, data, expect in _bad(agent):
        before = repo.refs()
        proc = hook(repo, agent, data)
        assert_quiet(proc)
        assert proc.stdout == SILENT[agent], name
        after = repo.refs()
        assert {k: v for k, v in after.items() if not k.startswith("refs/sess/")} == \
            {k: v for k, v in before.items() if not k.startswith("refs/sess/")}, name
        # (the own-session mark beside a new session ref is local: gitsess.transcripts.ownfiles)
        new = sorted(r for r in set(after) - set(before)
                     if not r.startswith("refs/sess/local/own/"))
        changed = [r for r in after if r in before and after[r] != before[r]]
        if expect == "ignored":
            assert new == [] and changed == [], name
            assert proc.stderr.decode().startswith("gitsess: hook: "), name
        else:
            assert len(new + changed) == 1, name
            assert (new + changed)[0].startswith((LIVE, "refs/sess/pending/")), name
            assert repo.git("check-ref-format", (new + changed)[0], check=False).returncode == 0
    assert (repo.path / ".git/HEAD").read_text() == head
    (s,) = [s for s in status(repo) if s["session_id"] == "huge"]
    assert s["tool_calls"] == 1  # read from the leading fields of the oversize payload
    assert fsck(repo).returncode == 0


def test_an_unknown_agent_is_one_line_and_exit_0(repo: Repo) -> None:
    proc = hook(repo, "aider", gemini_payload("BeforeTool", tool_name="x"))
    assert_quiet(proc)
    assert proc.stdout == b"" and b"unknown agent 'aider'" in proc.stderr
    assert repo.refs("refs/sess/") == {}
