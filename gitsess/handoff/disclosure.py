"""AI disclosure that matches the telemetry (issue 14): the `Assisted-by` trailer.

The format is the Linux kernel's (Documentation/process/coding-assistants.rst,
torvalds/linux): `Assisted-by: AGENT_NAME:MODEL_VERSION [TOOL1] [TOOL2]`, the
tools being "optional specialized analysis tools (e.g., coccinelle, sparse,
smatch, clang-tidy)"; "basic development tools (git, gcc, make, editors)
should not be listed". What an agent session counts (Bash, Edit, Read, MCP
calls) is the agent's own basic tooling, so gitsess lists no tools: it
writes `Assisted-by: <agent>:<model>`, the agent by gitsess's name for it
(claude, gemini, cursor, ...), the model as the session recorded it.

Which agents name their model: Claude Code's SessionStart payload carries
`model` in recent versions (gitsess/agents/claude.py), Cursor's hooks carry
`model`/`model_id` (gitsess/agents/cursor.py); Gemini CLI names it only in
BeforeModel, which gitsess does not hook (gitsess/agents/gemini.py). A
session with no recorded model is disclosed as `<agent>:unknown`: the trailer
says an agent helped and that gitsess does not know which model, rather than
guessing one.

"Live" is the rule resume uses for an active session: a session ref under
refs/sess/live/ whose last event is at most counting.LIVE_WINDOW_MS (an hour)
before the commit, started in this worktree. The commit's time is git's
committer date, so verify, which has only the commit, judges by the same
clock: a trailer is backed when a session of that agent (live or done, local
or fetched) spans the commit's time, give or take that window.
"""

from __future__ import annotations

import os
import re
from typing import Any

from gitsess import refs
from gitsess.handoff import policy, trailers
from gitsess.store import Store
from gitsess.telemetry import counting, paths, readers

TRAILER = "Assisted-by"
UNKNOWN_MODEL = "unknown"
# Clocks of two machines (the agent's hook, the committer) disagree a little.
SKEW_MS = 5 * 60 * 1000
# The --agent value of each adapter whose AGENT differs from it
# (tests/agents/test_new_adapters.py checks every adapter).
_SHORT = {"claude-code": "claude", "gemini-cli": "gemini", "qwen-code": "qwen"}
_SAFE = re.compile(r"[^A-Za-z0-9._@+/-]+")
_LINE = re.compile(rf"^{TRAILER}[ \t]*:", re.IGNORECASE)


def agent_name(agent: object) -> str | None:
    """gitsess's short name for a session's agent, lower-case; None when unnamed."""
    if not isinstance(agent, str) or not agent.strip():
        return None
    name = agent.strip().lower()
    return _SHORT.get(name, name)


def _token(text: object, default: str) -> str:
    """One trailer word: a model id from a payload is untrusted text."""
    out = _SAFE.sub("-", str(text or "")).strip("-")[:100]
    return out or default


def trailer_value(s: readers.Session) -> str | None:
    agent = agent_name(s.meta.get("agent"))
    if agent is None:
        return None
    return f"{_token(agent, 'agent')}:{_token(s.meta.get('model'), UNKNOWN_MODEL)}"


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _spans(s: readers.Session, at_ms: int) -> bool:
    """Whether session `s` was live at `at_ms` (see the module docstring)."""
    first = s.meta.get("started_at_ms") or s.counters.get("first_event_ms")
    last = s.counters.get("last_event_ms") or first
    if not isinstance(first, int) or not isinstance(last, int):
        return False
    return first - SKEW_MS <= at_ms <= last + counting.LIVE_WINDOW_MS


def any_live(store: Store, at_ms: int) -> bool:
    """Whether any of this clone's sessions, in any worktree, is live at `at_ms`."""
    return any(_spans(s, at_ms) for s in readers.live_sessions(store))


def live_here(store: Store, at_ms: int) -> list[readers.Session]:
    """This clone's sessions live in this worktree at `at_ms`, oldest first."""
    here = os.path.realpath(store.workdir) if store.workdir else None
    out = []
    for s in readers.live_sessions(store):
        where = paths.from_repo(store, s.meta.get("worktree")) or paths.from_repo(
            store, s.meta.get("cwd"))
        if here is None or not where or not _inside(os.path.realpath(where), here):
            continue
        if _spans(s, at_ms) and agent_name(s.meta.get("agent")):
            out.append(s)
    out.sort(key=lambda s: (s.meta.get("started_at_ms") or 0, s.session_id))
    return out


def named(message: str, comment: str = "#") -> list[str]:
    """The values of the message's Assisted-by trailers."""
    found = trailers.parse_trailers(message, comment)
    return [v for k, vs in found.items() if k.lower() == TRAILER.lower() for v in vs]


def _agent_of(value: str) -> str:
    words = value.split(":", 1)[0].split()
    return (agent_name(words[0]) or "") if words else ""


def with_trailers(message: str, values: list[str], comment: str = "#") -> str | None:
    """`message` with an Assisted-by trailer for each value whose agent it does
    not name yet, appended to its trailer block (or as a new paragraph);
    None when there is nothing to add. Nothing already there is changed."""
    have = {_agent_of(v) for v in named(message, comment)}
    new = [v for v in dict.fromkeys(values) if _agent_of(v) not in have]
    if not new:
        return None
    start, end, lines = trailers.trailer_block(message, comment)
    rest = message.split("\n")[len(lines):]  # the scissors line and below
    add = [f"{TRAILER}: {v}" for v in new]
    content = any(ln.strip() and not ln.startswith(comment) for ln in lines[:end])
    if not content:
        # An empty message (the editor opens next): keep line 1 for the
        # subject and a blank line between it and the trailer.
        body = ["", "", *add, *lines]
    elif start < end:
        body = [*lines[:end], *add, *lines[end:]]
    else:
        body = [*lines[:end], "", *add, *lines[end:]]
    return "\n".join(body + rest)


class SessionIndex:
    """Every session this clone knows, by agent: the live ones first, and done
    and fetched ones only when a question is not answered by those (a
    commit-msg backed by the live session that prepare-commit-msg named
    reads no more)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._live: dict[str, list[readers.Session]] | None = None
        self._rest: dict[str, list[readers.Session]] | None = None

    @classmethod
    def read(cls, store: Store) -> SessionIndex:
        return cls(store)

    @staticmethod
    def _by_agent(found: list[readers.Session]) -> dict[str, list[readers.Session]]:
        out: dict[str, list[readers.Session]] = {}
        for s in found:
            name = agent_name(s.meta.get("agent"))
            if name:
                out.setdefault(name, []).append(s)
        return out

    def _tiers(self, everything: bool) -> list[dict[str, list[readers.Session]]]:
        if self._live is None:
            self._live = self._by_agent(readers.live_sessions(self.store))
        if not everything:
            return [self._live]
        if self._rest is None:
            found = readers.live_sessions(self.store, refs.DONE)
            for ref in sorted(self.store.refs(refs.REMOTES)):
                parts = ref.split("/")
                if len(parts) == 6 and parts[4] in ("live", "done"):
                    s = readers.read_session(self.store, ref)
                    if s is not None:
                        found.append(s)
            self._rest = self._by_agent(found)
        return [self._live, self._rest]

    def live_at(self, agent: str, at_ms: int) -> bool:
        return any(_spans(s, at_ms) for everything in (False, True)
                   for tier in self._tiers(everything) for s in tier.get(agent, []))

    def any_live_at(self, at_ms: int, operator_of: Any = None) -> list[readers.Session]:
        return [s for tier in self._tiers(True) for sessions in tier.values() for s in sessions
                if _spans(s, at_ms) and (operator_of is None or operator_of(s))]


def problems(message: str, at_ms: int, pol: policy.Policy, *, index: SessionIndex,
             live: list[readers.Session] | None = None, comment: str = "#") -> list[str]:
    """What the policy's disclosure says is wrong with a commit made at `at_ms`:
    a trailer naming an agent with no session live then, and (require) a
    commit made during a live session (`live`) that names none."""
    if pol.disclosure == "off":
        return []
    out = []
    values = named(message, comment)
    for v in values:
        agent = _agent_of(v)
        if not agent:
            out.append(f"{TRAILER}: {v!r} names no agent (expected <agent>:<model>)")
        elif not index.live_at(agent, at_ms):
            out.append(f"{TRAILER}: {agent} had no session live at the commit's time "
                       "in the telemetry gitsess has")
    if pol.disclosure == "require" and live and not values:
        agents = sorted({a for s in live if (a := agent_name(s.meta.get("agent")))})
        out.append(f"{TRAILER}: missing; made during a live session of {', '.join(agents)} "
                   "(policy disclosure: require)")
    return out
