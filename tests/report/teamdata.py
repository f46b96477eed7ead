"""A team's two weeks, built once per test module (issue 14 acceptance).

Three operators, each in their own clone of one bare remote, each on their
own branch: per operator three handoffs on different days across the last
two weeks (real `git sess handoff` processes, real commits and hooks,
dates pinned with GIT_AUTHOR_DATE/GIT_COMMITTER_DATE and the telemetry's
clock with GITSESS_EVENT_TIME), the sessions behind them recorded
in-process (tests/helpers.record_hook), and one session per operator left
live (the lead's events sent through the real hook process). Everyone pushes and
syncs; the lead (RT) syncs last and so holds everyone's refs and notes.

Dates are relative to now so that `--since 7d` has something to cut; no
test asserts a wall-clock time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.helpers import Repo, git, payload
from tests.sesshelpers import bare

DAY = 86400
POLICY = """\
version: 1
invariants:
  - name: no-notion-writes
    counter: mcp:notion
    op: "=="
    value: 0
    severity: error
  - name: no-failed-calls
    counter: failures
    op: "=="
    value: 0
    severity: warn
"""
# What a hostile teammate puts in a title and a workstream name: markup and
# a terminal escape. The page must show it as text.
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)> \x1b[31mred"


@dataclass
class Person:
    op: str
    name: str
    email: str
    workstreams: tuple[str, ...]
    repo: Repo = field(init=False)


PEOPLE = (Person("RT", "Rita Torres", "rita@example.com", ("billing", "export", "billing")),
          Person("AB", "Alex Brown", "alex@example.com", ("search", "search", "export")),
          Person("CD", "Chen Du", "chen@example.com", ("infra", "billing", "infra")))


@dataclass
class Team:
    remote: Path
    people: tuple[Person, ...]
    now: int
    handoffs: list[dict[str, Any]]

    @property
    def lead(self) -> Repo:
        return self.people[0].repo


def _stamp(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(ts))


def _env(p: Person, ts: float) -> dict[str, str]:
    return {"GIT_AUTHOR_NAME": p.name, "GIT_AUTHOR_EMAIL": p.email, "GIT_COMMITTER_NAME": p.name,
            "GIT_COMMITTER_EMAIL": p.email, "GIT_AUTHOR_DATE": _stamp(ts),
            "GIT_COMMITTER_DATE": _stamp(ts)}


def _session(repo: Repo, session: str, at: float, k: int) -> None:
    """A session of a few tool calls, MCP calls and (for some) a failure."""
    seq: list[dict[str, Any]] = [payload("SessionStart", session, source="startup",
                                         model="claude-opus-4-5"),
                                 payload("UserPromptSubmit", session, prompt="do it")]
    tools = ["Read", "Edit", "Bash"][: 1 + k % 3] + ["mcp__github__get_issue"] * (k % 2)
    for i, tool in enumerate(tools):
        seq.append(payload("PreToolUse", session, tool_name=tool, tool_use_id=f"t{i}",
                           tool_input={"x": 1}))
        seq.append(payload("PostToolUse", session, tool_name=tool, tool_use_id=f"t{i}",
                           duration_ms=5))
    if k % 4 == 1:
        seq.append(payload("PreToolUse", session, tool_name="Bash", tool_use_id="tf",
                           tool_input={"x": 2}))
        seq.append(payload("PostToolUseFailure", session, tool_name="Bash", tool_use_id="tf",
                           error="exit 1"))
    for i, p in enumerate(seq):
        proc = repo.record(p, env={"GITSESS_EVENT_TIME": str(at + i)})
        assert proc.returncode == 0, proc.stderr


def build(root: Path) -> Team:
    now = int(time.time())
    start = now - 14 * DAY
    remote = bare(root / "remote.git")
    seed = root / "seed"
    git("init", "-q", "-b", "main", str(seed), cwd=root)
    (seed / "README.md").write_text("hello\n")
    (seed / ".gitsess.yaml").write_text(POLICY)
    git("add", "README.md", ".gitsess.yaml", cwd=seed)
    git("commit", "-q", "-m", "initial", cwd=seed, env={"GIT_AUTHOR_DATE": _stamp(start),
                                                          "GIT_COMMITTER_DATE": _stamp(start)})
    git("push", "-q", str(remote), "main", cwd=seed)
    handoffs: list[dict[str, Any]] = []
    for n, p in enumerate(PEOPLE):
        git("clone", "-q", str(remote), str(root / p.op), cwd=root)
        p.repo = repo = Repo(root / p.op)
        for key, value in (("user.name", p.name), ("user.email", p.email), ("sess.operator", p.op)):
            repo.git("config", key, value)
        repo.setup("install")
        repo.git("checkout", "-q", "-b", f"feature-{p.op.lower()}")
        for k, ws in enumerate(p.workstreams):
            day = start + (1 + n + 4 * k) * DAY + 9 * 3600  # days 1..11, never two at once
            session = f"{p.op.lower()}-s{k}"
            _session(repo, session, day, n + k)
            (repo.path / f"{p.op}.txt").write_text(f"step {k}\n")
            repo.git("add", f"{p.op}.txt")
            repo.git("commit", "-q", "-m", f"{p.op} step {k}", env=_env(p, day + 1800))
            title = HOSTILE if (p.op, k) == ("CD", 1) else f"{ws} step {k} by {p.op}"
            proc = repo.sess("handoff", "--quick", "--title", title, "--workstream", ws,
                             "--json", env=_env(p, day + 3600))
            assert proc.returncode == 0, proc.stderr
            handoffs.append({"op": p.op, "ws": ws, "at": day + 3600, "session": session})
        # One session still live.
        live = f"{p.op.lower()}-live"
        for i, event in enumerate([payload("SessionStart", live, source="startup"),
                                   payload("PreToolUse", live, tool_name="Grep",
                                           tool_use_id="g", tool_input={}),
                                   payload("PostToolUse", live, tool_name="Grep",
                                           tool_use_id="g", duration_ms=3)]):
            # The lead's through the real hook process; the others' in-process.
            send = repo.hook if n == 0 else repo.record
            proc_h = send(event, env={"GITSESS_EVENT_TIME": str(now - 3600 + i)})
            assert proc_h.returncode == 0, proc_h.stderr
        repo.git("push", "-q", "origin", f"feature-{p.op.lower()}", env=_env(p, now))
        sync = repo.sess("sync", env=_env(p, now))
        assert sync.returncode == 0, sync.stderr
    lead = PEOPLE[0].repo
    sync = lead.sess("sync", env=_env(PEOPLE[0], now))
    assert sync.returncode == 0, sync.stderr
    lead.git("fetch", "-q", "origin")
    return Team(remote, PEOPLE, now, handoffs)
