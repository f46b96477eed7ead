"""gitsess.agents.hook in-process: one payload counted as the hook process counts it."""

from __future__ import annotations

import json

import pytest

from gitsess import refs
from gitsess.agents import hook
from gitsess.store import Store
from gitsess.telemetry import readers
from tests.helpers import Repo, cursor_payload, payload


def _store(repo: Repo) -> Store:
    return Store.discover(str(repo.path))


def test_the_operator_is_asked_only_when_the_session_is_created(repo: Repo) -> None:
    """The writer learns who runs the agent from its caller, and only once per
    session: appending to an existing ref never calls it, nor does a spilled
    tool call (gitsess/telemetry/spill.py)."""
    asked: list[int] = []

    def operator() -> str:
        asked.append(1)
        return "RT"

    store = _store(repo)
    for tool in ("Bash", "Read", "Edit"):
        data = json.dumps(payload("PreToolUse", "op", tool_name=tool)).encode()
        assert hook.run_payload(store, "claude", data, {}, operator=operator) == ""
    assert len(asked) == 1  # the first event made the ref; the others spilled
    for _ in range(2):
        data = json.dumps(payload("Stop", "op")).encode()
        assert hook.run_payload(store, "claude", data, {}, operator=operator) == ""
    assert len(asked) == 1
    s = readers.read_session(store, refs.live("op"))
    assert s is not None and s.meta["operator"] == "RT"
    assert s.counters["tools"] == {"Bash": 1, "Read": 1, "Edit": 1}


def test_replay_time_comes_from_the_given_environment(repo: Repo) -> None:
    store = _store(repo)
    data = json.dumps(payload("Stop", "replayed")).encode()
    hook.run_payload(store, "claude", data, {"GITSESS_EVENT_TIME": "1790000000.5"})
    s = readers.read_session(store, refs.live("replayed"))
    assert s is not None and s.counters["last_event_ms"] == 1_790_000_000_500


def test_the_reply_is_the_agents_and_the_context_only_at_session_start(repo: Repo) -> None:
    store = _store(repo)
    starts = json.dumps(payload("SessionStart", "ctx", source="startup")).encode()
    tool = json.dumps(payload("PreToolUse", "ctx", tool_name="Bash")).encode()
    context = lambda deadline: "where we left off"  # noqa: E731
    assert hook.run_payload(store, "claude", starts, {}, context=context) == "where we left off"
    assert hook.run_payload(store, "claude", tool, {}, context=context) == ""
    # Cursor reads a JSON object on stdout whatever happens: "{}" when there is nothing to say.
    stop = json.dumps(cursor_payload("stop")).encode()
    assert hook.run_payload(store, "cursor", stop, {}) == "{}\n"


@pytest.mark.parametrize("data", [b"", b"[1]", b'{"hook_event_name": "Stop"}'],
                         ids=["empty", "not an object", "no session"])
def test_a_payload_that_names_no_session_is_ignored(
        repo: Repo, data: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    assert hook.run_payload(_store(repo), "claude", data, {}) == ""
    assert capsys.readouterr().err.startswith("gitsess: hook: payload ")
    assert repo.refs(refs.SESS) == {}


def test_an_unknown_agent_is_reported(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.dumps(payload("Stop")).encode()
    assert hook.run_payload(_store(repo), "aider", data, {}) == ""
    assert capsys.readouterr().err == "gitsess: hook: unknown agent 'aider'\n"
