"""`git sess status [--json]` over sessions recorded by the real telemetry writer."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import jsonschema

from gitsess.data import schema
from tests.helpers import SESS, Repo, payload

T_OLD, T_NEW = 1_790_000_000, 1_790_000_600  # epoch seconds for GITSESS_EVENT_TIME


def hook_at(repo: Repo, when: float, p: dict[str, Any]) -> None:
    """One event recorded at `when` in-process, as the hook records it (the
    hook process itself is tests/commands/test_hook.py's subject)."""
    out = repo.record(p, env={"GITSESS_EVENT_TIME": str(when)})
    assert out.returncode == 0 and out.stderr == b"", out


def two_sessions(repo: Repo) -> None:
    for n, p in enumerate([
        payload("SessionStart", "older", source="startup", model="claude-opus-4-5"),
        payload("PreToolUse", "older", tool_name="Bash"),
        payload("PreToolUse", "older", tool_name="mcp__notion_offplan__notion-search"),
        payload("PostToolUseFailure", "older", tool_name="mcp__notion_offplan__notion-search"),
    ]):
        hook_at(repo, T_OLD + n * 30, p)
    for n, p in enumerate([
        payload("UserPromptSubmit", "newer", prompt="go"),
        payload("PreToolUse", "newer", tool_name="Task"),
        payload("SubagentStart", "newer", agent_id="a1"),
        payload("PreToolUse", "newer", tool_name="Read", agent_id="a1"),
        payload("PreToolUse", "newer", tool_name="Read"),
        payload("PostToolUse", "newer", tool_name="Read", duration_ms=250),
    ]):
        hook_at(repo, T_NEW + n * 60, p)


def status_json(repo: Repo, *args: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(repo.sess("status", "--json", *args, check=True).stdout)
    validator = jsonschema.Draft202012Validator(
        schema("status"), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    validator.validate(out)
    return out


def test_json_validates_and_lists_newest_first(repo: Repo) -> None:
    two_sessions(repo)
    out = status_json(repo)
    assert [s["session_id"] for s in out["sessions"]] == ["newer", "older"]
    newer, older = out["sessions"]
    assert newer["started_at"] == "2026-09-21T14:23:20Z"
    assert newer["last_event_at"] == "2026-09-21T14:28:20Z"
    assert (newer["events"], newer["tool_calls"], newer["subagents"]) == (6, 3, 1)
    assert newer["tools"] == {"Task": 1, "Read": 2} and newer["prompts"] == 1
    assert (newer["duration_ms"], newer["active_minutes"]) == (250, 5.0)
    assert older["mcp"] == {"notion_offplan": {"total": 1, "methods": {"notion-search": 1}}}
    assert (older["failures"], older["model"], older["agent"]) == (1, "claude-opus-4-5",
                                                                   "claude-code")
    assert older["active_minutes"] == 1.5 and older["branch"] == "main"
    assert older["state"] == "live" and older["ref"] == "refs/sess/live/older"


def test_text_output(repo: Repo) -> None:
    two_sessions(repo)
    text = repo.sess("status", check=True).stdout
    lines = text.splitlines()
    assert lines[0].startswith("newer  claude-code")
    assert "older  claude-code (claude-opus-4-5)" in text
    assert "3 tool calls (0 failed), 1 prompts, 1 subagents, 5.0 active min" in text
    assert "top tools: Read 2, Task 1" in text
    assert "mcp: notion_offplan 1" in text
    assert "started 2026-09-21T14:13:20Z" in text and "on main" in text
    assert text.index("newer") < text.index("older")


def test_empty_repository_has_no_live_sessions(empty_repo: Repo) -> None:
    proc = empty_repo.sess("status", check=True)
    assert proc.stdout.startswith("no live sessions")
    assert status_json(empty_repo) == {"v": 1, "sessions": []}


def test_done_sessions_only_with_all(repo: Repo) -> None:
    two_sessions(repo)
    status_json(repo)  # folds pending tool calls (issue 15) before the ref is moved by hand
    repo.git("update-ref", "refs/sess/done/older", "refs/sess/live/older")
    repo.git("update-ref", "-d", "refs/sess/live/older")
    assert [s["session_id"] for s in status_json(repo)["sessions"]] == ["newer"]
    every = status_json(repo, "--all")["sessions"]
    assert [(s["session_id"], s["state"]) for s in every] == [("newer", "live"),
                                                              ("older", "done")]
    assert "older [done]" in repo.sess("status", "--all", check=True).stdout


def test_unsafe_session_ids_show_their_safe_name(repo: Repo) -> None:
    hook_at(repo, T_OLD, payload("Stop", "../../HEAD"))
    (s,) = status_json(repo)["sessions"]
    assert s["session_id"].startswith("x-") and s["ref"] == f"refs/sess/live/{s['session_id']}"


def test_outside_a_repository(tmp_path: Any) -> None:
    proc = subprocess.run([*SESS, "status"], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "GIT_CEILING_DIRECTORIES": str(tmp_path.parent)})
    assert proc.returncode == 3 and proc.stderr.startswith("error: not a git repository")


def test_damaged_session_refs_do_not_stop_status_or_resume(repo: Repo) -> None:
    """A fetched ref can hold anything: a blob, a list, counts as text."""
    from tests.helpers import write_live_ref

    two_sessions(repo)
    write_live_ref(repo, "a-blob", blob=True)
    write_live_ref(repo, "no-counters", {"session.json": b"{}"})
    write_live_ref(repo, "garbage", {"session.json": b"{", "counters.json": b"{garbage"})
    write_live_ref(repo, "lists", {"session.json": b"[1]", "counters.json": b"[1, 2]",
                                   "folded.json": b"{}"})
    write_live_ref(repo, "bad-types", {
        "session.json": b'{"operator": "ZZ", "agent": 5, "parallel_sessions": "x"}',
        "counters.json": b'{"tool_calls": "many", "last_event_ms": "yesterday", '
                         b'"tools": {"Bash": "x", "Read": 2}, "active_ms": -4, '
                         b'"mcp": {"s": {"total": "x"}, "t": {"total": 1, "methods": []}}}'})
    out = status_json(repo)
    by_id = {s["session_id"]: s for s in out["sessions"]}
    assert {"newer", "older", "no-counters", "bad-types"} <= set(by_id)
    assert "a-blob" not in by_id and "garbage" not in by_id
    assert by_id["bad-types"]["tools"] == {"Read": 2}
    assert by_id["bad-types"]["mcp"] == {"t": {"total": 1, "methods": {}}}
    assert by_id["bad-types"]["agent"] is None
    for args in (("status",), ("status", "--all"), ("resume",), ("resume", "--json")):
        proc = repo.sess(*args)
        assert proc.returncode == 0 and proc.stderr == "", (args, proc.stderr)
    assert "None" not in repo.sess("status").stdout
