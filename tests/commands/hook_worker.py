"""A racing hook writer, run as its own process by tests/commands/test_hook.py.

    python hook_worker.py <go-file> <ready-file> <worker> <events> <mix|unique> <session>...

It imports everything first, says it is ready, waits for the go file (so all
workers really start together), then sends its events one by one through the
hook's own entry point, `gitsess.commands.hook.run`, with the payload on a
stdin stream, exactly as `git sess hook` does after parsing its arguments.
After each event whose hook returned 0 it prints `ok <worker> <n>` and
flushes, so a test that kills the worker knows which events were promised.
Events cycle over the given sessions.

`mix` payloads are built by `race_payload`, which the tests import to compute
the counters they expect; `unique` ones by `unique_payload`, a PreToolUse
whose tool name names the event, so a test can tell which events arrived.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from typing import Any

SECRET_FREE_PROMPT = "refactor the parser please"


def race_payload(worker: int, n: int, session: str) -> dict[str, Any]:
    """Event `n` of `worker`: a fixed mix of every counted kind."""
    base: dict[str, Any] = {
        "session_id": session,
        "transcript_path": f"/tmp/{session}.jsonl",
        "cwd": "/work/project",
        "permission_mode": "default",
    }
    step = n % 10
    if step == 0:
        return {**base, "hook_event_name": "PreToolUse", "tool_name": "Bash",
                "tool_input": {"command": f"ls {worker}/{n}"}}
    if step == 1:
        return {**base, "hook_event_name": "PostToolUse", "tool_name": "Bash",
                "tool_response": {"stdout": "x"}, "duration_ms": worker * 100 + n}
    if step == 2:
        return {**base, "hook_event_name": "PreToolUse",
                "tool_name": f"mcp__srv{worker % 3}__m{n % 4}"}
    if step == 3:
        return {**base, "hook_event_name": "PostToolUseFailure",
                "tool_name": f"mcp__srv{worker % 3}__m{n % 4}", "error": "boom",
                "duration_ms": 7}
    if step == 4:
        return {**base, "hook_event_name": "UserPromptSubmit", "prompt": SECRET_FREE_PROMPT}
    if step == 5:
        return {**base, "hook_event_name": "PreToolUse", "tool_name": "Task",
                "tool_input": {"prompt": "explore"}}
    if step == 6:
        return {**base, "hook_event_name": "SubagentStart", "agent_id": f"a{worker}",
                "agent_type": "Explore"}
    if step == 7:
        return {**base, "hook_event_name": "PreToolUse", "tool_name": "Read",
                "agent_id": f"a{worker}", "agent_type": "Explore"}
    if step == 8:
        return {**base, "hook_event_name": "SubagentStop", "agent_id": f"a{worker}"}
    return {**base, "hook_event_name": "Notification", "message": "waiting"}


def unique_payload(worker: int, n: int, session: str) -> dict[str, Any]:
    return {"session_id": session, "hook_event_name": "PreToolUse",
            "tool_name": f"K{worker}_{n}", "tool_input": {"command": "true"}}


def main(argv: list[str]) -> int:
    go, ready, worker, count, mode = argv[0], argv[1], int(argv[2]), int(argv[3]), argv[4]
    sessions = argv[5:]
    # Import before the race, not during it: the race is between writers.
    # (The real-process tests race interpreter starts and imports too.)
    import gitsess.agents.claude
    import gitsess.agents.hook
    import gitsess.store
    import gitsess.telemetry.writer  # noqa: F401
    from gitsess.commands import hook

    build = unique_payload if mode == "unique" else race_payload
    datas = [
        json.dumps(build(worker, n, sessions[n % len(sessions)])).encode()
        for n in range(count)
    ]
    with open(ready, "w"):
        pass
    while not os.path.exists(go):
        time.sleep(0.001)
    for n, data in enumerate(datas):
        if hook.run(agent="claude", stdin=io.BytesIO(data)) == 0:
            sys.stdout.write(f"ok {worker} {n}\n")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
