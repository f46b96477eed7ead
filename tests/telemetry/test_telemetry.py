"""gitsess.telemetry (event, counting, writer, readers): counters, names and
session refs, against a real repository."""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitsess import refs
from gitsess.store import Store, valid_sess_ref
from gitsess.telemetry import counting, event, readers, writer
from tests.helpers import Repo

T0 = 1_790_000_000_000  # an epoch-ms origin for generated events

# -- events as hypothesis sees them --------------------------------------------

tools = st.sampled_from(["Bash", "Read", "Edit", "Task", "Agent", "mcp__notion__search",
                         "mcp__notion__fetch", "mcp__linear__list_issues", "mcp__x", "mcp__"])
kinds = st.sampled_from([event.SESSION_START, event.PROMPT, event.TOOL_START, event.TOOL_END, event.TOOL_FAIL,
                         event.SUBAGENT_START, event.SUBAGENT_STOP, event.STOP, event.COMPACT, event.SESSION_END,
                         event.OTHER])


@st.composite
def events(draw: st.DrawFn, span_ms: int = counting.IDLE_GAP_MS) -> event.Event:
    kind = draw(kinds)
    return event.Event(
        kind=kind,
        name=draw(st.sampled_from(["PreToolUse", "PostToolUse", "Stop", "Custom"])),
        session_id="s",
        agent="claude-code",
        at_ms=T0 + draw(st.integers(0, span_ms)),
        tool=draw(st.none() | tools),
        duration_ms=draw(st.none() | st.integers(-5, 10**6)),
        agent_id=draw(st.none() | st.sampled_from(["a1", "a2"])),
    )


def counted(evs: list[event.Event]) -> dict[str, Any]:
    c = counting.new_counters()
    for ev in evs:
        counting.apply(c, ev)
    return c


# -- properties -------------------------------------------------------------------


@given(st.lists(events(), max_size=40), st.randoms())
def test_counters_do_not_depend_on_event_order(evs: list[event.Event], rnd: Any) -> None:
    """Racing hooks land in any order; within IDLE_GAP_MS every counter agrees, active time too."""
    shuffled = list(evs)
    rnd.shuffle(shuffled)
    assert counted(shuffled) == counted(evs)


@given(st.lists(events(span_ms=10 * counting.IDLE_GAP_MS), max_size=40), st.randoms())
def test_only_active_time_may_depend_on_order_across_idle_gaps(evs: list[event.Event],
                                                              rnd: Any) -> None:
    shuffled = list(evs)
    rnd.shuffle(shuffled)
    a, b = counted(shuffled), counted(evs)
    assert a.pop("active_ms") <= 10 * counting.IDLE_GAP_MS
    b.pop("active_ms")
    assert a == b


@given(st.lists(events(), max_size=30), st.lists(events(), max_size=30))
def test_merge_is_the_counters_of_both(a: list[event.Event], b: list[event.Event]) -> None:
    merged = counting.merge_counters(counted(a), counted(b))
    both = counted(a + b)
    merged.pop("active_ms")
    both.pop("active_ms")
    assert merged == both


@given(st.lists(events(), max_size=30))
def test_counter_invariants(evs: list[event.Event]) -> None:
    c = counted(evs)
    assert c["events"] == len(evs) == sum(c["by_event"].values())
    assert c["tool_calls"] == sum(c["tools"].values())
    assert sum(e["total"] for e in c["mcp"].values()) == sum(
        n for tool, n in c["tools"].items() if tool.startswith("mcp__") and tool != "mcp__")
    for entry in c["mcp"].values():
        assert entry["total"] == sum(entry["methods"].values())
    assert c["failures"] == sum(c["failed_tools"].values())
    assert counting.subagents(c) >= c["subagent_starts"]
    if evs:
        assert c["active_ms"] <= c["last_event_ms"] - c["first_event_ms"]
    json.dumps(c)  # always storable


# Ids built from the characters git's ref rules care about, plus any code point
# at all (lone surrogates included: JSON can carry "\ud800").
ref_chars = st.sampled_from("aZ09._-/@{}~^:?*[\\ \n\x00\x7f") | st.characters(
    blacklist_categories=())
ids = (st.text(ref_chars, max_size=140) | st.text(max_size=300)
       | st.builds("".join, st.lists(st.sampled_from(["a", ".", "lock", "-", "_", "..", "x"]),
                                     max_size=8)))


@settings(max_examples=500)
@given(ids)
def test_safe_session_name_is_always_a_valid_ref_component(raw: str) -> None:
    name = event.safe_session_name(raw)
    assert 1 <= len(name) <= 128
    assert "/" not in name
    assert valid_sess_ref(refs.LIVE + name)
    assert valid_sess_ref(f"{refs.PENDING}{name}/1-2-abcd")
    assert event.safe_session_name(name) == name  # stable: a safe name maps to itself
    assert event.safe_session_name(raw) == name  # deterministic


@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}", fullmatch=True))
def test_safe_ids_are_kept_as_they_are(raw: str) -> None:
    assert event.safe_session_name(raw) == raw


HOSTILE_IDS = ["../../HEAD", "refs/heads/main", "a/b", "a..b", "x.lock", "a\nb", "", "@{-1}",
               "a" * 10_240, "-rf", "séance", "my session", "abc.", ".hidden", "a\ud800",
               "a\x00b", "a" * 129, "HEAD.lock", "a~1", "a^", "a:b", "a?*[", "a\\b", "a@{b"]


@pytest.mark.parametrize("raw", HOSTILE_IDS, ids=[str(i) for i in range(len(HOSTILE_IDS))])
def test_hostile_ids_map_to_names_git_accepts(raw: str) -> None:
    name = event.safe_session_name(raw)
    assert name.startswith("x-") and len(name) == 26
    proc = subprocess.run(["git", "check-ref-format", refs.LIVE + name], capture_output=True)
    assert proc.returncode == 0


def test_distinct_hostile_ids_get_distinct_names() -> None:
    assert len({event.safe_session_name(r) for r in HOSTILE_IDS}) == len(HOSTILE_IDS)


@pytest.mark.parametrize(("tool", "split"), [
    ("mcp__notion_offplan__notion-search", ("notion_offplan", "notion-search")),
    ("mcp__github__get_issue", ("github", "get_issue")),
    ("mcp__server__a__b", ("server", "a__b")),
    ("mcp__solo", ("solo", "")),
    ("mcp__", None),
    ("mcp____m", None),
    ("Bash", None),
    ("MCP__x__y", None),
])
def test_split_mcp(tool: str, split: tuple[str, str] | None) -> None:
    assert event.split_mcp(tool) == split


def test_apply_counts_what_the_issue_names() -> None:
    def ev(kind: str, name: str, at: int, **kw: Any) -> event.Event:
        return event.Event(kind=kind, name=name, session_id="s", agent="claude-code",
                       at_ms=T0 + at, **kw)

    c = counted([
        ev(event.SESSION_START, "SessionStart", 0),
        ev(event.PROMPT, "UserPromptSubmit", 1_000),
        ev(event.TOOL_START, "PreToolUse", 2_000, tool="mcp__notion__search"),
        ev(event.TOOL_FAIL, "PostToolUseFailure", 3_000, tool="mcp__notion__search",
           duration_ms=40),
        ev(event.TOOL_START, "PreToolUse", 4_000, tool="Task"),
        ev(event.SUBAGENT_START, "SubagentStart", 5_000, agent_id="a1"),
        ev(event.TOOL_START, "PreToolUse", 6_000, tool="Read", agent_id="a1"),
        ev(event.TOOL_END, "PostToolUse", 7_000, tool="Read", agent_id="a1", duration_ms=5),
        ev(event.SUBAGENT_STOP, "SubagentStop", 8_000, agent_id="a1"),
        ev(event.COMPACT, "PreCompact", 9_000),
        # ten idle minutes later: the gap is not work
        ev(event.STOP, "Stop", 9_000 + 2 * counting.IDLE_GAP_MS),
        ev(event.OTHER, "Notification", 9_000 + 2 * counting.IDLE_GAP_MS + 60_000),
    ])
    assert c["events"] == 12 and c["tool_calls"] == 3
    assert c["tools"] == {"mcp__notion__search": 1, "Task": 1, "Read": 1}
    assert c["mcp"] == {"notion": {"total": 1, "methods": {"search": 1}}}
    assert (c["failures"], c["failed_tools"]) == (1, {"mcp__notion__search": 1})
    assert (c["subagent_starts"], c["subagent_stops"], c["subagent_tool_calls"]) == (1, 1, 1)
    assert c["subagent_events"] == 4 and counting.subagents(c) == 1
    assert (c["prompts"], c["compactions"], c["duration_ms"]) == (1, 1, 45)
    assert c["active_ms"] == 9_000 + 60_000
    assert c["by_event"]["PreToolUse"] == 3 and c["by_event"]["Notification"] == 1


def test_apply_bounds_names() -> None:
    c = counting.new_counters()
    for n in range(counting.MAX_KEYS + 10):
        counting.apply(c, event.Event(kind=event.TOOL_START, name="PreToolUse", session_id="s",
                           agent="a", at_ms=T0, tool=f"T{n}"))
    counting.apply(c, event.Event(kind=event.TOOL_START, name="x" * 5000, session_id="s", agent="a",
                       at_ms=T0, tool="\x00\n" + "y" * 5000))
    assert len(c["tools"]) == counting.MAX_KEYS + 1 and c["tools"][counting.OVERFLOW_KEY] == 11
    assert all(len(k) <= event.MAX_NAME and k.isprintable() for k in c["by_event"])


def test_event_line_round_trip() -> None:
    ev = event.Event(kind=event.TOOL_END, name="PostToolUse", session_id="s", agent="claude-code",
                 at_ms=T0, tool="Bash", duration_ms=12, agent_id="a1", agent_type="Explore",
                 model="m", source=None, cwd="/w")
    back = event.Event.from_line(ev.line(), "s", "claude-code")
    assert back is not None and back.cwd is None  # cwd rides only in spills
    back.cwd = "/w"
    assert back == ev
    assert event.Event.from_line(ev.line(spilled=True), "s", "") == ev
    assert "cwd" not in json.loads(ev.line())


@pytest.mark.parametrize("line", ["", "[]", "{}", '{"v": 2, "at": 1}', '{"v": 1}',
                                  '{"v": 1, "at": "x"}', "[" * 100_000, "not json"])
def test_from_line_rejects_what_it_cannot_read(line: str) -> None:
    assert event.Event.from_line(line, "s", "a") is None


def test_from_line_drops_ill_typed_fields() -> None:
    ev = event.Event.from_line('{"v":1,"at":5,"kind":7,"tool":{"a":1},"duration_ms":"9"}', "s", "a")
    assert ev is not None
    assert (ev.kind, ev.tool, ev.duration_ms, ev.at_ms) == (event.OTHER, None, None, 5)


# -- the refs, in a real repository --------------------------------------------------


def _store(repo: Repo) -> Store:
    return Store.discover(str(repo.path))


def _ev(session: str, tool: str = "Bash", at: int = 0) -> event.Event:
    return event.Event(kind=event.TOOL_START, name="PreToolUse", session_id=session,
                   agent="claude-code", at_ms=T0 + at, tool=tool)


def _later() -> float:
    return time.monotonic() + 30


def test_record_appends_one_commit_per_event(repo: Repo) -> None:
    store = _store(repo)
    for n in range(3):
        assert writer.record(store, _ev("r", at=n), deadline=_later()) == refs.LIVE + "r"
    log = repo.git("log", "--format=%s", refs.LIVE + "r").stdout.splitlines()
    assert [json.loads(s)["at"] for s in log] == [T0 + 2, T0 + 1, T0]
    tree = repo.git("ls-tree", "--name-only", refs.LIVE + "r").stdout.split()
    assert tree == ["counters.json", "session.json"]
    s = readers.read_session(store, refs.LIVE + "r")
    assert s is not None and s.counters["tools"] == {"Bash": 3}
    assert s.meta["session_id"] == "r" and s.meta["raw_session_id"] == "r"


def test_a_remote_copy_keeps_its_state(repo: Repo) -> None:
    """A peer's session as fetched: under refs/sess/remotes/<remote>/ its
    done/ copy reads as done and its live/ copy as live (the report and
    status --all tell handed-off sessions from running ones by this)."""
    store = _store(repo)
    writer.record(store, _ev("p"), deadline=_later())
    tip = repo.git("rev-parse", refs.LIVE + "p").stdout.strip()
    for state in ("done", "live"):
        ref = f"{refs.REMOTES}origin/{state}/p"
        repo.git("update-ref", ref, tip)
        s = readers.read_session(_store(repo), ref)
        assert s is not None and s.state == state and s.counters["tools"] == {"Bash": 1}


def test_spills_are_counted_once_then_folded_by_settle(repo: Repo) -> None:
    store = _store(repo)
    writer.record(store, _ev("f", at=0), deadline=_later())
    names = [writer.spill(store, _ev("f", tool=f"mcp__s__m{n}", at=n + 1), "f") for n in range(3)]
    assert sorted(repo.refs(refs.PENDING)) == sorted(names)
    before = readers.read_session(store, refs.LIVE + "f")
    assert before is not None and before.counters["events"] == 4
    tip = writer.settle(store, refs.LIVE + "f", _later())
    assert repo.refs(refs.PENDING) == {}
    after = readers.read_session(store, refs.LIVE + "f")
    assert after is not None and after.tip == tip and after.counters == before.counters
    msg = repo.git("log", "-1", "--format=%B", refs.LIVE + "f").stdout.split()
    assert [json.loads(line)["tool"] for line in msg] == ["mcp__s__m0", "mcp__s__m1",
                                                          "mcp__s__m2"]
    assert writer.settle(store, refs.LIVE + "f", _later()) == tip  # nothing left: no new commit
    assert writer.settle(store, refs.LIVE + "nothing", _later()) is None


def test_a_folded_spill_whose_deletion_died_is_not_counted_twice(repo: Repo) -> None:
    """A writer killed between its CAS and deleting the spill it folded."""
    store = _store(repo)
    writer.record(store, _ev("d", at=0), deadline=_later())
    name = writer.spill(store, _ev("d", tool="Read", at=1), "d")
    blob = repo.refs(refs.PENDING)[name]
    writer.record(store, _ev("d", at=2), deadline=_later())
    assert repo.refs(refs.PENDING) == {}
    repo.git("update-ref", name, blob)  # as if the deletion never happened...
    folded = json.loads(repo.git("show", f"{refs.LIVE}d:folded.json").stdout)
    assert folded == [name]  # ...the tip still names it as counted
    s = readers.read_session(store, refs.LIVE + "d")
    assert s is not None and s.counters["events"] == 3
    repo.git("pack-refs", "--all")  # even once gc has packed it away
    writer.record(store, _ev("d", at=3), deadline=_later())
    assert repo.refs(refs.PENDING) == {}
    s = readers.read_session(store, refs.LIVE + "d")
    assert s is not None and s.counters["events"] == 4
    assert s.counters["tools"] == {"Bash": 3, "Read": 1}


def test_orphan_spills_are_live_sessions(repo: Repo) -> None:
    store = _store(repo)
    writer.spill(store, _ev("o1", at=5), "o1")
    writer.record(store, _ev("r1", at=1), deadline=_later())
    assert readers.orphan_spills(store) == ["o1"]
    sessions = readers.live_sessions(store)
    assert [(s.session_id, s.tip is None, s.counters["events"]) for s in sessions] == \
        [("o1", True, 1), ("r1", False, 1)]
    assert sessions[0].meta["agent"] == "claude-code"
    writer.record(store, _ev("o1", at=6), deadline=_later())  # the next event adopts the spill
    assert readers.orphan_spills(store) == [] and repo.refs(refs.PENDING) == {}
    s = readers.read_session(store, refs.LIVE + "o1")
    assert s is not None and s.counters["events"] == 2
    assert s.meta["started_at_ms"] == T0 + 5


def test_live_sessions_newest_first_and_done_apart(repo: Repo) -> None:
    store = _store(repo)
    for sid, at in (("old", 0), ("new", 50), ("mid", 20)):
        writer.record(store, _ev(sid, at=at), deadline=_later())
    assert [s.session_id for s in readers.live_sessions(store)] == ["new", "mid", "old"]
    repo.git("update-ref", refs.DONE + "old", refs.LIVE + "old")
    repo.git("update-ref", "-d", refs.LIVE + "old")
    assert [s.session_id for s in readers.live_sessions(store)] == ["new", "mid"]
    (done,) = readers.live_sessions(store, refs.DONE)
    assert (done.session_id, done.state) == ("old", "done")


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.booleans(), min_size=1, max_size=12))
def test_record_and_spill_in_any_mix_count_each_event_once(repo: Repo,
                                                           spills: list[bool]) -> None:
    store = _store(repo)
    sid = f"mix{time.monotonic_ns()}"
    for n, spilled in enumerate(spills):
        if spilled:
            writer.spill(store, _ev(sid, tool=f"T{n}", at=n), sid)
        else:
            writer.record(store, _ev(sid, tool=f"T{n}", at=n), deadline=_later())
    s = readers.read_session(store, refs.LIVE + sid)
    assert s is not None
    assert s.counters["tools"] == {f"T{n}": 1 for n in range(len(spills))}
    writer.settle(store, refs.LIVE + sid, _later())
    s2 = readers.read_session(store, refs.LIVE + sid)
    assert s2 is not None and s2.counters == s.counters
    assert repo.refs(f"{refs.PENDING}{sid}/") == {}
