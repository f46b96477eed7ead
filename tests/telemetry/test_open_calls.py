"""Issue 11, deliverable 1: a tool call counted once by its id, whichever hook
arrives first; calls left open when the agent stops are interruptions."""

from __future__ import annotations

import json

from gitsess import refs
from gitsess.store import Store
from gitsess.telemetry import counting, event, readers, writer
from tests.handoffhelpers import T0
from tests.helpers import Repo, payload
from tests.transcripthelpers import run_hooks

S = "open-calls-session"


def _call(cid: str, event: str = "PreToolUse", tool: str = "Bash",
          **fields: object) -> dict[str, object]:
    return payload(event, S, tool_name=tool, tool_use_id=cid, **fields)


def _session(repo: Repo) -> readers.Session:
    s = readers.read_session(Store.discover(str(repo.path)), refs.LIVE + S)
    assert s is not None
    return s


def test_a_call_is_counted_once_whichever_hook_reports_it(repo: Repo) -> None:
    run_hooks(repo, [
        _call("toolu_1"), _call("toolu_1", "PostToolUse"),         # both arrive
        _call("toolu_2", "PostToolUse"),                           # its Pre was lost
        _call("toolu_3", "PostToolUseFailure"),                    # its Pre was lost, it failed
        _call("toolu_4"), _call("toolu_4", "PostToolUseFailure"),  # both, failed
        _call("toolu_5"), _call("toolu_5"),                        # a repeated Pre
    ], at=T0)
    c = _session(repo).counters
    assert (c["tool_calls"], c["failures"], c["tools"]) == (5, 2, {"Bash": 5})


def test_a_pre_folded_in_after_its_post_is_not_counted_again(repo: Repo) -> None:
    """A PreToolUse that spilled (its writer lost the queue) is folded in by a
    later writer, after its PostToolUse was counted: one call, not two."""
    run_hooks(repo, [_call("toolu_1", "PostToolUse"), _call("toolu_2", "PostToolUse")],
              at=T0 + 10)
    store = Store.discover(str(repo.path))
    ev = event.Event(kind=event.TOOL_START, name="PreToolUse", session_id=S, agent="claude-code",
                 at_ms=int(T0 * 1000), tool="Bash", tool_use_id="toolu_1")
    writer.spill(store, ev, S)
    assert _session(repo).counters["tool_calls"] == 2  # readers add spills the same way
    run_hooks(repo, [payload("UserPromptSubmit", S)], at=T0 + 20)  # folds the spill
    assert not store.refs(refs.PENDING)
    assert _session(repo).counters["tool_calls"] == 2


def test_calls_open_when_the_agent_stops_are_interruptions(repo: Repo) -> None:
    run_hooks(repo, [
        _call("toolu_1"), _call("toolu_1", "PostToolUse"),
        _call("toolu_2"),  # Esc pressed: no PostToolUse
        _call("toolu_3", agent_id="a1"),  # a subagent's call, still running at Stop
        payload("Stop", S),
        _call("toolu_4"),
        payload("SubagentStop", S, agent_id="a1"),  # the subagent ends with its call open
        _call("toolu_2", "PostToolUse"),  # a late PostToolUse: not a new call
        payload("Stop", S),
    ], at=T0)
    s = _session(repo)
    assert (s.counters["tool_calls"], s.counters["interruptions"]) == (4, 3)
    store = Store.discover(str(repo.path))
    calls = json.loads(store.read_blob(store.read_tree(s.tip or "")["calls.json"][1]))
    assert calls["open"] == {}


def test_the_open_call_set_is_bounded() -> None:
    c, calls = counting.new_counters(), counting.new_calls()
    n = counting.MAX_OPEN + counting.MAX_CLOSED + 40
    for i in range(n):  # none finishes
        counting.apply(c, event.Event(kind=event.TOOL_START, name="PreToolUse", session_id=S, agent="x",
                           at_ms=i, tool="Bash", tool_use_id=f"toolu_{i}"), calls)
    assert len(calls["open"]) == counting.MAX_OPEN
    counting.apply(c, event.Event(kind=event.STOP, name="Stop", session_id=S, agent="x", at_ms=n), calls)
    assert (c["tool_calls"], c["interruptions"]) == (n, n)  # evicted ones never finished
    assert calls["open"] == {} and len(calls["closed"]) == counting.MAX_CLOSED
