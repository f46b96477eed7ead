"""Issue 11: hooks reconciled with the agent's own transcript.

Real git, real hook events through the hook's entry point, real handoffs;
transcripts are written in Claude Code's own line format (tests/transcripts.py).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import jsonschema

from gitsess.data import schema
from tests.handoffhelpers import T0, assert_valid, front, install, narrative, note, policy
from tests.helpers import Repo, payload
from tests.transcripthelpers import SESSION, USAGE, Claude, claude_dir, hook_call, run_hooks

MAIN_CALLS = 6  # 5 tools and the Task that starts the subagent


def _session_with_subagents(repo: Repo, *, failures_in_subagent: int = 1) -> Path:
    """A session whose main agent's hooks all arrived and whose subagents' all
    were dropped: 6 calls in the main transcript, 4 in subagents/agent-a2898e3
    (with failures), 2 in a workflow's nested subagents/workflows/wf1/agent-b77."""
    folder = claude_dir(Path(os.environ["HOME"]), "/work/project")
    path = folder / f"{SESSION}.jsonl"
    main = Claude()
    main.prompt("wire the export")
    hooks: list[dict[str, Any]] = [payload("SessionStart", SESSION, source="startup",
                                           transcript_path=str(path), model="claude-opus-4-5"),
                                   payload("UserPromptSubmit", SESSION, transcript_path=str(path),
                                           prompt="wire the export")]
    for i, tool in enumerate(["Read", "Grep", "Edit", "Bash", "mcp__notion__search", "Task"]):
        cid = f"toolu_main{i:02d}"
        main.call(cid, tool, mid=f"msg_main{i}", rid=f"req_main{i}")
        hooks.append(hook_call(SESSION, cid, tool, str(path)))
        hooks.append(hook_call(SESSION, cid, tool, str(path), event="PostToolUse"))
    main.write(path)
    sub = Claude(agent="a2898e3")
    sub.prompt("explore the auth flow")
    for i, tool in enumerate(["Read", "Bash", "Bash", "Grep"]):
        sub.call(f"toolu_sub{i}", tool, mid=f"msg_sub{i}", rid=f"req_sub{i}",
                 model="claude-haiku-4-5", error=i < failures_in_subagent)
    sub.write(folder / SESSION / "subagents" / "agent-a2898e3.jsonl")
    nested = Claude(agent="b77")
    for i in range(2):
        nested.call(f"toolu_wf{i}", "Read", mid=f"msg_wf{i}", rid=f"req_wf{i}",
                    model="claude-haiku-4-5")
    nested.write(folder / SESSION / "subagents" / "workflows" / "wf1" / "agent-b77.jsonl")
    hooks.append(payload("Stop", SESSION, transcript_path=str(path)))
    run_hooks(repo, hooks, at=T0)
    return path


def test_dropped_subagent_hooks_hand_off_the_transcripts_counts_and_name_the_gap(
        repo: Repo, tmp_path: Path) -> None:
    install(repo)
    _session_with_subagents(repo)
    proc = repo.sess("handoff", "--file", narrative(tmp_path))
    assert proc.returncode == 0, proc.stderr
    tel = front(note(repo) or "")["telemetry"]
    assert (tel["tool_calls"], tel["failures"]) == (12, 1)
    assert tel["tools"] == {"Read": 4, "Grep": 2, "Edit": 1, "Bash": 3,
                            "mcp__notion__search": 1, "Task": 1}
    assert tel["sources"]["tool_calls"] == {"hooks": 6, "transcript": 12,
                                            "where": {"agent-a2898e3": 4, "agent-b77": 2}}
    assert tel["sources"]["failures"] == {"hooks": 0, "transcript": 1}
    assert tel["agents"]["agent-a2898e3"]["tool_calls"] == 4
    assert tel["agents"]["agent-a2898e3"]["failures"] == 1
    assert tel["agents"]["agent-b77"]["tool_calls"] == 2
    assert "tool_calls: hooks 6, transcript 12 (4 in subagent agent-a2898e3, " \
           "2 in subagent agent-b77)" in proc.stdout
    assert "failures: hooks 0, transcript 1" in proc.stdout
    assert_valid(front(note(repo) or ""))


def test_failures_invariant_refuses_a_failure_only_the_transcript_holds(
        repo: Repo, tmp_path: Path) -> None:
    install(repo)
    policy(repo, 'version: 1\ninvariants:\n  - name: no-failures\n    counter: failures\n'
                 '    op: "=="\n    value: 0\n    severity: error\n')
    _session_with_subagents(repo, failures_in_subagent=2)
    proc = repo.sess("handoff", "--file", narrative(tmp_path))
    assert proc.returncode != 0
    assert "failures == 0 expected, actual 2 (hooks 0, transcript 2)" in proc.stderr
    assert note(repo) is None


def test_ten_percent_of_pre_post_dropped(repo: Repo, tmp_path: Path) -> None:
    """With the transcript: exact. Without: every call any of its hooks reported."""
    install(repo)
    folder = claude_dir(Path(os.environ["HOME"]), "/work/project")
    path = folder / f"{SESSION}.jsonl"
    t = Claude()
    t.prompt()
    rng = random.Random(11)
    hooks = [payload("SessionStart", SESSION, source="startup", transcript_path=str(path))]
    reported = pre_lost = 0
    calls = 40
    for i in range(calls):
        cid, tool = f"toolu_{i:03d}", ["Read", "Bash", "Edit"][i % 3]
        t.call(cid, tool, mid=f"msg_{i}", rid=f"req_{i}")
        # 10% of each kind dropped at random; call 7 loses both, so that the
        # hooks cannot know of it at all.
        pre, post = rng.random() >= 0.1 and i != 7, rng.random() >= 0.1 and i != 7
        if pre:
            hooks.append(hook_call(SESSION, cid, tool, str(path)))
        if post:
            hooks.append(hook_call(SESSION, cid, tool, str(path), event="PostToolUse"))
        reported += pre or post
        pre_lost += post and not pre
    t.write(path)
    run_hooks(repo, hooks, at=T0)
    assert pre_lost > 0 and reported < calls  # calls known only by their PostToolUse
    repo.git("config", "sess.reconcile", "false")
    dry = repo.sess("handoff", "--dry-run", "--json", "--file", narrative(tmp_path))
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["record"]["telemetry"]["tool_calls"] == reported
    repo.git("config", "sess.reconcile", "true")
    proc = repo.sess("handoff", "--file", narrative(tmp_path))
    assert proc.returncode == 0, proc.stderr
    tel = front(note(repo) or "")["telemetry"]
    assert tel["tool_calls"] == calls
    assert tel["sources"]["tool_calls"] == {"hooks": reported, "transcript": calls,
                                            "where": {"main": calls - reported}}


def test_tokens_and_models_equal_a_hand_computed_total(repo: Repo, tmp_path: Path) -> None:
    """Streamed messages repeat their id on several lines; a subagent file
    repeats one of the main file's messages; <synthetic> is no model."""
    install(repo)
    folder = claude_dir(Path(os.environ["HOME"]), "/work/project")
    path = folder / f"{SESSION}.jsonl"
    t = Claude()
    t.prompt()
    u1 = {"input_tokens": 3, "output_tokens": 500, "cache_creation_input_tokens": 1000,
          "cache_read_input_tokens": 20000}
    u2 = {"input_tokens": 7, "output_tokens": 40, "cache_creation_input_tokens": 0,
          "cache_read_input_tokens": 9000}
    text = {"type": "text", "text": "done"}
    t.assistant("msg_A", "req_A", "claude-opus-4-5", u1, [text, text, text])  # 3 lines, 1 msg
    t.assistant("msg_B", "req_B", "claude-haiku-4-5", u2, [text, text])  # 2 lines, 1 msg
    t.assistant("msg_C", "req_C", "claude-opus-4-5", u1, [text])
    t.assistant("msg_S", "req_S", "<synthetic>", u2, [text])
    t.write(path)
    sub = Claude(agent="a1")
    sub.assistant("msg_B", "req_B", "claude-haiku-4-5", u2, [text])  # the same message again
    sub.assistant("msg_D", "req_D", "claude-haiku-4-5", USAGE, [text, text])
    sub.write(folder / SESSION / "subagents" / "agent-a1.jsonl")
    run_hooks(repo, [payload("SessionStart", SESSION, source="startup",
                             transcript_path=str(path))], at=T0)
    status = repo.sess("status", "--reconcile", "--json")
    assert status.returncode == 0, status.stderr
    jsonschema.Draft202012Validator(schema("status")).validate(json.loads(status.stdout))
    view = json.loads(status.stdout)["sessions"][0]
    want_tokens = {
        "claude-opus-4-5": {"input": 6, "output": 1000, "cache_write": 2000, "cache_read": 40000},
        "claude-haiku-4-5": {"input": 17, "output": 60, "cache_write": 300, "cache_read": 13000},
    }
    want_models = {"claude-opus-4-5": 2, "claude-haiku-4-5": 2}
    assert view["tokens"] == want_tokens
    assert view["models"] == want_models
    proc = repo.sess("handoff", "--file", narrative(tmp_path))
    assert proc.returncode == 0, proc.stderr
    tel = front(note(repo) or "")["telemetry"]
    assert (tel["tokens"], tel["models"]) == (want_tokens, want_models)
    assert tel["agents"]["agent-a1"]["tokens"] == {"input": 10, "output": 20,
                                                   "cache_write": 300, "cache_read": 4000}
    shown = json.loads(repo.sess("show", "--json", "HEAD", check=True).stdout)
    assert shown["record"]["telemetry"]["tokens"] == want_tokens
    log = json.loads(repo.sess("log", "--json", check=True).stdout)
    jsonschema.Draft202012Validator(schema("log")).validate(log)
    assert (log["handoffs"][0]["tokens"], log["handoffs"][0]["models"]) == (want_tokens,
                                                                             want_models)
