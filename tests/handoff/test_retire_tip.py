"""Issue 9, deliverable 6: a record covers exactly what it claims.

Retiring moves to done only the events up to the tip the record names; a
tool call made while the handoff commits stays live and is the next
record's. A session is claimed by one record, also when a handoff is killed
after its commit and then repaired.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from gitsess.store import Store
from gitsess.telemetry import readers
from tests.handoffhelpers import events, front, install, narrative, note, policy
from tests.helpers import SESS, Repo, payload

NO_DANGER = """\
version: 1
invariants:
  - name: no-danger
    counter: tool:Danger
    op: "=="
    value: 0
    severity: error
"""


def _paused_handoff(repo: Repo, tmp_path: Path, name: str = "go") -> tuple[subprocess.Popen[str], Path]:
    """`git sess handoff` started, and waited for until it stands between its
    commit and its retire (GITSESS_TEST_PAUSE_BEFORE_RETIRE)."""
    gate = tmp_path / name
    env = {**os.environ, "GITSESS_TEST_PAUSE_BEFORE_RETIRE": str(gate)}
    proc = subprocess.Popen([*SESS, "handoff", "--file", narrative(tmp_path), "--json"],
                            cwd=repo.path, env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    end = time.monotonic() + 60
    while not Path(str(gate) + ".reached").exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < end, "the handoff never reached its pause point"
        time.sleep(0.02)
    return proc, gate


def _records(repo: Repo) -> list[dict[str, Any]]:
    out = []
    listed = repo.git("notes", "--ref=sess", "list").stdout.split()
    for annotated in listed[1::2]:
        out.append(front(note(repo, annotated) or ""))
    return out


def _danger(repo: Repo, sid: str = "s1") -> None:
    for event in ("PreToolUse", "PostToolUse"):
        proc = repo.hook(payload(event, sid, tool_name="Danger", tool_input={"x": 1}))
        assert proc.returncode == 0, proc.stderr


def test_a_tool_call_during_the_handoff_stays_live_for_the_next_record(
        repo: Repo, tmp_path: Path) -> None:
    install(repo)
    policy(repo, NO_DANGER, commit=True)
    events(repo, "s1")
    proc, gate = _paused_handoff(repo, tmp_path)
    _danger(repo)  # after the tip the record names, before the retire
    gate.touch()
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    (first,) = _records(repo)
    assert first["telemetry"]["tools"] == {"Bash": 1, "Read": 1}
    assert [r["verdict"] for r in first["invariants"]] == ["pass"]
    refs = repo.refs("refs/sess/")
    assert refs["refs/sess/done/s1"] == first["sessions"][0]["tip"]
    store = Store.discover(str(repo.path))
    live = readers.read_session(store, "refs/sess/live/s1")
    assert live is not None, "the Danger call went to done with a record that does not count it"
    assert live.counters["tools"] == {"Danger": 1} and live.counters["tool_calls"] == 1
    assert live.meta.get("session_id") == "s1"  # session.json carried over
    # The next record counts it, and the invariant refuses it.
    second = repo.sess("handoff", "--file", narrative(tmp_path, name="second.md"))
    assert second.returncode == 1
    assert "no-danger" in second.stderr and "tool:Danger == 0 expected, actual 1" in second.stderr
    # Nothing was counted twice or lost: done + live hold every event once.
    done = readers.read_session(store, "refs/sess/done/s1")
    assert done is not None
    assert done.counters["tool_calls"] + live.counters["tool_calls"] == 3
    assert done.counters["events"] + live.counters["events"] == 6 + 2


def test_a_handoff_killed_after_its_commit_does_not_get_its_sessions_claimed_twice(
        repo: Repo, tmp_path: Path) -> None:
    install(repo)
    events(repo, "s1")
    proc, _gate = _paused_handoff(repo, tmp_path)
    os.killpg(proc.pid, signal.SIGKILL)  # the handoff's own process group
    proc.communicate(timeout=30)
    (first,) = _records(repo)
    assert "refs/sess/live/s1" in repo.refs("refs/sess/live/")  # its retire never ran
    assert repo.hook(payload("PreToolUse", "s1", tool_name="Grep")).returncode == 0
    again = repo.sess("handoff", "--file", narrative(tmp_path, name="again.md"), "--json")
    assert again.returncode == 0, again.stderr
    assert f"the events handoff {first['id']} claimed were moved to done first" in again.stderr
    repair = repo.sess("handoff", "--repair", first["id"])
    assert repair.returncode == 0, repair.stderr
    records = sorted(_records(repo), key=lambda f: str(f["id"]))
    assert [r["telemetry"]["tools"] for r in records] == [{"Bash": 1, "Read": 1}, {"Grep": 1}]
    assert sum(r["telemetry"]["events"] for r in records) == 6 + 1
    store = Store.discover(str(repo.path))
    done = readers.read_session(store, "refs/sess/done/s1")
    assert done is not None and done.counters["tool_calls"] == 3
    assert "refs/sess/live/s1" not in repo.refs("refs/sess/live/")


def test_a_repaired_record_leaves_out_a_session_another_handoff_claimed(
        repo: Repo, tmp_path: Path) -> None:
    """Killed before its record was stored, a handoff's sessions go to the next
    one; its repair composes the record from the message and leaves them out."""
    install(repo)
    events(repo, "s1")
    proc, _gate = _paused_handoff(repo, tmp_path)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    (first,) = _records(repo)
    killed = repo.git("rev-parse", "HEAD").stdout.strip()
    # As if killed before post-commit stored anything: no note, no claim.
    repo.git("notes", "--ref=sess", "remove", killed)
    repo.git("update-ref", "-d", "refs/sess/local/claims/s1")
    again = repo.sess("handoff", "--file", narrative(tmp_path, name="again.md"))
    assert again.returncode == 0, again.stderr
    repair = repo.sess("handoff", "--repair", killed)
    assert repair.returncode == 0, repair.stderr
    records = _records(repo)
    assert len(records) == 2
    claiming = [r["id"] for r in records if any(s["id"] == "s1" for s in r["sessions"])]
    assert len(claiming) == 1 and claiming[0] != first["id"]


def test_under_a_running_writer_records_and_live_count_every_call_once(
        repo: Repo, tmp_path: Path) -> None:
    """A hook firing throughout three handoffs (the issue's race: records
    claimed 124 calls while the done refs held 200): what the records claim
    plus what is still live is what was sent, and done holds what they claim."""
    import threading

    install(repo)
    events(repo, "s1", tools=("Bash",))
    sent = [1]
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            proc = repo.hook(payload("PreToolUse", "s1", tool_name="Edit", tool_input={}))
            assert proc.returncode == 0
            sent[0] += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        for n in range(3):
            proc = repo.sess("handoff", "--file", narrative(tmp_path, name=f"r{n}.md"))
            assert proc.returncode == 0, proc.stderr
    finally:
        stop.set()
        t.join(timeout=60)
    claimed = sum(r["telemetry"]["tool_calls"] for r in _records(repo))
    store = Store.discover(str(repo.path))
    live = readers.read_session(store, "refs/sess/live/s1")
    done = readers.read_session(store, "refs/sess/done/s1")
    assert done is not None
    left = live.counters["tool_calls"] if live is not None else 0
    assert done.counters["tool_calls"] == claimed
    assert claimed + left == sent[0]


def test_session_of_an_earlier_record_is_not_claimed_again(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    events(repo, "s1")
    first = repo.sess("handoff", "--file", narrative(tmp_path), "--json")
    assert first.returncode == 0, first.stderr
    again = repo.sess("handoff", "--file", narrative(tmp_path, name="again.md"), "--session", "s1")
    assert again.returncode == 1
    assert "error: sessions already claimed by another handoff" in again.stderr
    assert "session s1 was handed off already, by RT-" in again.stderr
    assert len(_records(repo)) == 1
