"""Agent transcripts built in the agents' own formats (see gitsess/transcripts/agentlogs.py
for the sources), and a fast runner for many hook events.

Claude Code lines carry what real 2.1.x transcripts carry around the fields
gitsess reads (parentUuid, uuid, timestamp, sessionId, cwd, version,
isSidechain); an assistant message streamed in several content blocks is
written as several lines repeating its message id, request id and usage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers import Repo, payload

SESSION = "7d3c2a1e-5b4f-4e6a-9c8d-1f2e3a4b5c6d"


def run_hooks(repo: Repo, payloads: list[dict[str, Any]], *, at: float) -> None:
    """Hook events through the hook's own entry point, one after the other, in
    this process (tests.helpers.record_hook): the payloads are real, the
    repository real, only the interpreter start is left out."""
    for i, p in enumerate(payloads):
        p = dict(p)
        agent = p.pop("_agent", "claude")
        proc = repo.record(p, agent=agent, env={"GITSESS_EVENT_TIME": str(at + i)})
        assert proc.returncode == 0, proc.stderr.decode()


def claude_dir(home: Path, cwd: str) -> Path:
    folder = home / ".claude" / "projects" / cwd.replace("/", "-").replace(".", "-")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Claude:
    """A Claude Code transcript being written, line by line."""

    def __init__(self, session: str = SESSION, *, agent: str | None = None) -> None:
        self.session = session
        self.agent = agent
        self.lines: list[dict[str, Any]] = []
        self.n = 0

    def _base(self, kind: str) -> dict[str, Any]:
        self.n += 1
        d: dict[str, Any] = {
            "parentUuid": f"u{self.n - 1}" if self.n > 1 else None,
            "isSidechain": self.agent is not None,
            "userType": "external",
            "cwd": "/work/project",
            "sessionId": self.session,
            "version": "2.1.3",
            "gitBranch": "main",
            "type": kind,
            "uuid": f"u{self.n}",
            "timestamp": f"2026-11-26T08:{self.n // 60 % 60:02d}:{self.n % 60:02d}.000Z",
        }
        if self.agent is not None:
            d["agentId"] = self.agent
        return d

    def prompt(self, text: str = "do the thing", **flags: Any) -> None:
        d = self._base("user")
        d["message"] = {"role": "user", "content": text}
        d.update(flags)
        self.lines.append(d)

    def assistant(self, mid: str, rid: str, model: str, usage: dict[str, int],
                  blocks: list[dict[str, Any]]) -> None:
        """One API message, streamed: one line per content block, each
        repeating the message's id, request id and usage."""
        for b in blocks:
            d = self._base("assistant")
            d["requestId"] = rid
            d["message"] = {"id": mid, "type": "message", "role": "assistant", "model": model,
                            "content": [b], "stop_reason": None, "usage": dict(usage)}
            self.lines.append(d)

    def call(self, cid: str, name: str, *, mid: str, rid: str, model: str = "claude-opus-4-5",
             usage: dict[str, int] | None = None, error: bool = False) -> None:
        """An assistant message that thinks, then calls one tool; then its result."""
        self.assistant(mid, rid, model, usage or USAGE, [
            {"type": "thinking", "thinking": "...", "signature": "EqQBCkYIBxgCKkA"},
            {"type": "tool_use", "id": cid, "name": name, "input": {"x": 1}},
        ])
        self.result(cid, error=error)

    def result(self, cid: str, *, error: bool = False) -> None:
        d = self._base("user")
        block: dict[str, Any] = {"type": "tool_result", "tool_use_id": cid,
                                 "content": "failed" if error else "ok"}
        if error:
            block["is_error"] = True
        d["message"] = {"role": "user", "content": [block]}
        d["toolUseResult"] = "Error: failed" if error else {"stdout": "ok"}
        self.lines.append(d)

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w") as fh:
            for d in self.lines:
                fh.write(json.dumps(d) + "\n")
        return path


USAGE = {"input_tokens": 10, "output_tokens": 20, "cache_creation_input_tokens": 300,
         "cache_read_input_tokens": 4000}


def hook_call(session: str, cid: str, tool: str, transcript: str, *, event: str = "PreToolUse",
              agent_id: str | None = None, **fields: Any) -> dict[str, Any]:
    p = payload(event, session, tool_name=tool, tool_use_id=cid, transcript_path=transcript,
                tool_input={"x": 1}, **fields)
    if agent_id is not None:
        p.update(agent_id=agent_id, agent_type="general-purpose")
    return p
