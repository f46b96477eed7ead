"""A realistic Claude Code session, as a script `git sess demo` replays.

Each step is either an agent hook payload (sent to the real `git-sess hook`
process, exactly as Claude Code would send it) or a commit the agent made.
Offsets are seconds from the session's start, so that active time, gaps and
commit dates look like a real forty-minute session.
"""

from __future__ import annotations

from typing import Any

SESSION_ID = "5f0c7b1e-demo-4b7a-9d51-2a6f0e8c3d10"
MODEL = "claude-sonnet-4-5"

Step = tuple[int, str, dict[str, Any]]  # (offset s, "hook" | "commit", data)


def _p(event: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "session_id": SESSION_ID,
        "transcript_path": f"~/.claude/projects/demo/{SESSION_ID}.jsonl",
        "cwd": ".",
        "permission_mode": "default",
        "hook_event_name": event,
    }
    base.update(fields)
    return base


def _tool(t: int, name: str, *, fail: bool = False, ms: int = 800, **inp: Any) -> list[Step]:
    """A tool call: PreToolUse, then PostToolUse or PostToolUseFailure."""
    end = "PostToolUseFailure" if fail else "PostToolUse"
    extra: dict[str, Any] = {"error": "exit status 1"} if fail else {"tool_response": {"ok": True}}
    return [
        (t, "hook", _p("PreToolUse", tool_name=name, tool_input=inp)),
        (t + max(1, ms // 1000), "hook", _p(end, tool_name=name, tool_input=inp,
                                            duration_ms=ms, **extra)),
    ]


def script() -> list[Step]:
    steps: list[Step] = [
        (0, "hook", _p("SessionStart", source="startup", model=MODEL)),
        (20, "hook", _p("UserPromptSubmit", prompt="Add rate limiting to the /export endpoint")),
    ]
    steps += _tool(30, "Read", file_path="app/export.py")
    steps += _tool(45, "Grep", pattern="def export")
    steps += _tool(70, "mcp__github__search_issues", query="rate limit export")
    steps += _tool(95, "mcp__github__get_issue", issue_number=412)
    steps += _tool(130, "Edit", file_path="app/export.py")
    steps += _tool(160, "Bash", fail=True, ms=4200, command="pytest -q tests/test_export.py")
    steps += _tool(220, "Edit", file_path="app/limits.py")
    steps += _tool(250, "Bash", ms=3900, command="pytest -q tests/test_export.py")
    steps.append((262, "commit", {"message": "Rate-limit /export with a token bucket",
                                  "files": {"app/limits.py": "BUCKET = 60\n"}}))
    steps += [
        (300, "hook", _p("UserPromptSubmit", prompt="Check the docs match")),
        (310, "hook", _p("PreToolUse", tool_name="Task",
                         tool_input={"description": "audit docs"})),
        (311, "hook", _p("SubagentStart", agent_id="a-1", agent_type="general-purpose")),
    ]
    steps += [(s[0], s[1], {**s[2], "agent_id": "a-1", "agent_type": "general-purpose"})
              for s in _tool(330, "Read", file_path="docs/api.md")]
    steps += [
        (420, "hook", _p("SubagentStop", agent_id="a-1", agent_type="general-purpose")),
        (421, "hook", _p("PostToolUse", tool_name="Task", duration_ms=110000,
                         tool_response={"summary": "docs out of date"})),
    ]
    steps += _tool(900, "Edit", file_path="docs/api.md")  # after a 8-minute pause: idle
    steps += _tool(960, "mcp__linear__create_issue", title="Document export limits")
    steps.append((990, "commit", {"message": "Document the /export rate limit",
                                  "files": {"docs/api.md": "# /export\n60 requests/min.\n"}}))
    steps += [
        (1500, "hook", _p("PreCompact", trigger="auto")),
        (2300, "hook", _p("UserPromptSubmit", prompt="Wrap up and hand off")),
    ]
    steps += _tool(2320, "Bash", ms=5200, command="pytest -q")
    steps += [
        (2400, "hook", _p("Stop")),
        (2410, "hook", _p("SessionEnd", reason="prompt_input_exit")),
    ]
    return steps


POLICY = """\
version: 1
invariants:
  - name: no-notion-writes
    counter: mcp:notion_offplan
    op: "=="
    value: 0
    severity: error
  - name: few-failed-tool-calls
    counter: failures
    op: "<="
    value: 3
    severity: warn
"""

# The strict policy the demo tries first: it refuses the handoff, to show
# what a violated invariant looks like.
STRICT_POLICY = POLICY + """\
  - name: no-linear-writes
    counter: mcp:linear
    op: "=="
    value: 0
    severity: error
"""

NARRATIVE = """\
---
title: Rate-limit the export endpoint
workstream: export-api
phase: implementation
---
## Summary
/export now has a 60 req/min token bucket per API key; docs updated.

## What I Did
- Added app/limits.py with a token bucket and wired it into /export.
- Fixed a failing export test; documented the limit in docs/api.md.

## Decisions Made
- Per API key, not per IP: customers share NAT gateways.

## For Future Me
- The bucket is in-process; a multi-worker deploy needs Redis.

## Learnings
- tests/test_export.py relies on a fixed clock fixture.

## Open Questions
- Should internal keys bypass the limit?

## Resume Prompt
Continue the export-api work: move the token bucket to Redis so the limit
holds across workers, then decide whether internal keys bypass it.
"""
