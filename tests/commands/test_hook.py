"""Acceptance tests of `git sess hook` (issue 2), against real git and real processes.

Race, kills, stale locks and spills, hostile payloads, leaks, and the places a
hook runs (outside a repository, linked worktrees, unborn and detached HEAD).
No wall-clock assertion: where the issue demands an end by a deadline, the
tests assert the outcome (exit 0, the event recorded or spilled, exact counts).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitsess import refs
from gitsess.agents.hook import PAUSE_ENV
from gitsess.store import Store
from gitsess.telemetry import counting, event, readers, writer
from tests.commands.hook_worker import race_payload, unique_payload
from tests.helpers import SESS, Repo, fsck, git, make_repo, payload

WORKER = Path(__file__).with_name("hook_worker.py")
LIVE = refs.LIVE


# -- helpers -----------------------------------------------------------------


def run_hook(repo: Repo | Path, data: bytes, *, env: dict[str, str] | None = None,
             cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    """One real `git-sess hook` process, run to its end."""
    where = cwd or (repo.path if isinstance(repo, Repo) else repo)
    return subprocess.run([*SESS, "hook"], cwd=where, input=data, capture_output=True,
                          timeout=120, env={**os.environ, **(env or {})})


def record(repo: Repo, p: dict[str, Any]) -> None:
    """One event recorded in-process as the hook records it: set-up for a test
    about the hook process that comes after it."""
    out = repo.record(p)
    assert out.returncode == 0 and out.stdout == b"" and out.stderr == b"", out


def assert_quiet_exit(proc: subprocess.CompletedProcess[bytes]) -> None:
    """Exit 0, at most one line on stderr, no traceback."""
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert len(err.splitlines()) <= 1, err


def assert_fsck_clean(repo: Repo) -> None:
    proc = fsck(repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Failed CAS attempts leave dangling commits; an unborn HEAD earns a notice.
    bad = [line for line in (proc.stdout + proc.stderr).splitlines()
           if not line.startswith(("dangling ", "notice: HEAD points to an unborn branch"))]
    assert not bad, bad


def store_of(repo: Repo) -> Store:
    return Store.discover(str(repo.path))


def session(repo: Repo, name: str) -> readers.Session:
    s = readers.read_session(store_of(repo), LIVE + name)
    assert s is not None, f"no session {name}"
    return s


def chain_lines(repo: Repo, ref: str) -> list[dict[str, Any]]:
    """Every event line in the commit messages of a session's history."""
    out = repo.git("log", "--format=%B", ref).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def session_ref(name: str) -> str:
    """The session ref a spill (or a session ref) belongs to."""
    if name.startswith(refs.PENDING):
        return LIVE + name[len(refs.PENDING):].split("/", 1)[0]
    return name


def pending(repo: Repo, name: str = "") -> dict[str, str]:
    return repo.refs(f"refs/sess/pending/{name}")


def expected_counters(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """The counters the issue asks for, computed from the payloads by hand."""
    names = Counter(p["hook_event_name"] for p in payloads)
    pre = [p for p in payloads if p["hook_event_name"] == "PreToolUse"]
    tools = Counter(p["tool_name"] for p in pre)
    mcp: dict[str, dict[str, Any]] = {}
    for tool, n in tools.items():
        if tool.startswith("mcp__"):
            _, server, method = tool.split("__")
            entry = mcp.setdefault(server, {"total": 0, "methods": {}})
            entry["total"] += n
            entry["methods"][method] = entry["methods"].get(method, 0) + n
    return {
        "events": len(payloads),
        "by_event": dict(names),
        "tool_calls": len(pre),
        "tools": dict(tools),
        "mcp": mcp,
        "failures": names["PostToolUseFailure"],
        "prompts": names["UserPromptSubmit"],
        "subagent_starts": names["SubagentStart"],
        "subagent_stops": names["SubagentStop"],
        "subagent_tool_calls": tools["Task"] + tools["Agent"],
        "subagent_events": sum(1 for p in payloads if p.get("agent_id")),
        "duration_ms": sum(p.get("duration_ms", 0) for p in payloads
                           if p["hook_event_name"] in ("PostToolUse", "PostToolUseFailure")),
    }


def assert_counters(actual: dict[str, Any], payloads: list[dict[str, Any]]) -> None:
    want = expected_counters(payloads)
    assert {k: actual[k] for k in want} == want
    assert actual["first_event_ms"] <= actual["last_event_ms"]
    # Every event of a race lies within IDLE_GAP_MS of the others, so the
    # active time is exactly the span, whatever order the events landed in.
    assert actual["active_ms"] == actual["last_event_ms"] - actual["first_event_ms"]


def assert_exact(repo: Repo, name: str, payloads: list[dict[str, Any]]) -> None:
    """Counters agree before and after settling; each event is in the timeline once."""
    before = session(repo, name).counters
    assert_counters(before, payloads)
    store = store_of(repo)
    writer.settle(store, LIVE + name, time.monotonic() + 30)
    after = session(repo, name).counters
    assert after == before
    assert pending(repo, name + "/") == {}
    assert len(chain_lines(repo, LIVE + name)) == len(payloads)


@contextlib.contextmanager
def held_lock(path: Path) -> Iterator[None]:
    """A fresh ref lock, kept fresh (mtime touched) until the block ends: a live writer."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    stop = threading.Event()

    def touch() -> None:
        while not stop.wait(0.1):
            with contextlib.suppress(OSError):
                os.utime(path)

    thread = threading.Thread(target=touch, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        path.unlink(missing_ok=True)


class Workers:
    """Racing hook writers (tests/commands/hook_worker.py), released together."""

    def __init__(self, repo: Repo, tmp: Path, plan: list[tuple[int, list[str]]], *,
                 mode: str = "mix") -> None:
        self.go = tmp / "go"
        self.procs: dict[int, subprocess.Popen[str]] = {}
        readies = []
        for worker, (count, sessions) in enumerate(plan):
            ready = tmp / f"ready-{worker}"
            readies.append(ready)
            self.procs[worker] = subprocess.Popen(
                [sys.executable, str(WORKER), str(self.go), str(ready), str(worker), str(count),
                 mode, *sessions],
                cwd=repo.path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        limit = time.monotonic() + 120
        while not all(r.exists() for r in readies):
            assert time.monotonic() < limit, "workers did not start"
            assert all(p.poll() is None for p in self.procs.values()), "a worker died early"
            time.sleep(0.01)

    def release(self) -> None:
        self.go.write_text("go")

    def finish(self) -> dict[int, tuple[int, set[int], str]]:
        """worker -> (exit status, events whose hook returned 0, stderr)."""
        out = {}
        for worker, p in self.procs.items():
            stdout, stderr = p.communicate(timeout=300)
            done = {int(line.split()[2]) for line in stdout.splitlines() if line.startswith("ok ")}
            out[worker] = (p.returncode, done, stderr)
        return out


# -- race ----------------------------------------------------------------------


def test_race_50_writers_1000_events_one_session(repo: Repo, tmp_path: Path) -> None:
    workers = Workers(repo, tmp_path, [(20, ["race"])] * 50)
    workers.release()
    results = workers.finish()
    for worker, (status, done, stderr) in results.items():
        assert (status, len(done), stderr) == (0, 20, ""), worker
    payloads = [race_payload(w, n, "race") for w in range(50) for n in range(20)]
    assert session(repo, "race").counters["events"] == 1000
    out = json.loads(repo.sess("status", "--json", check=True).stdout)
    (view,) = out["sessions"]
    assert (view["events"], view["tool_calls"], view["failures"]) == (1000, 400, 100)
    assert view["subagents"] == 100 and view["prompts"] == 100
    assert_fsck_clean(repo)
    assert_exact(repo, "race", payloads)
    assert_fsck_clean(repo)


def test_race_50_writers_across_10_sessions(repo: Repo, tmp_path: Path) -> None:
    plan = [(20, [f"s{w % 10}"]) for w in range(50)]
    workers = Workers(repo, tmp_path, plan)
    workers.release()
    for worker, (status, done, stderr) in workers.finish().items():
        assert (status, len(done), stderr) == (0, 20, ""), worker
    assert len(repo.refs(LIVE)) == 10
    total = 0
    for k in range(10):
        payloads = [race_payload(w, n, f"s{k}") for w in range(k, 50, 10) for n in range(20)]
        assert_exact(repo, f"s{k}", payloads)
        total += len(payloads)
    assert total == 1000
    assert_fsck_clean(repo)


def test_race_real_hook_processes(repo: Repo, tmp_path: Path) -> None:
    """20 `git-sess hook` processes at a time, 3 events each, released together."""
    go = tmp_path / "go"
    script = ('while [ ! -e "$0" ]; do sleep 0.01; done; '
              'for n in 0 1 2; do "$1" hook < "$2.$n" 2>>"$2.err"; echo "$n $?"; done')
    procs = []
    for w in range(20):
        base = tmp_path / f"p{w}"
        for n in range(3):
            Path(f"{base}.{n}").write_text(json.dumps(unique_payload(w, n, "real")))
        procs.append(subprocess.Popen(["sh", "-c", script, str(go), SESS[0], str(base)],
                                      cwd=repo.path, stdout=subprocess.PIPE, text=True))
    time.sleep(0.5)  # let the shells reach their wait loop
    go.write_text("go")
    for w, p in enumerate(procs):
        stdout, _ = p.communicate(timeout=300)
        assert stdout.split() == ["0", "0", "1", "0", "2", "0"], (w, stdout)
        assert Path(tmp_path / f"p{w}.err").read_text() == ""
    tools = session(repo, "real").counters["tools"]
    assert tools == {f"K{w}_{n}": 1 for w in range(20) for n in range(3)}
    assert_fsck_clean(repo)


# -- kills and locks -------------------------------------------------------------


def test_kill_9_on_looping_writers(repo: Repo, tmp_path: Path) -> None:
    """kill -9 lands on writers mid-stream; every event a hook returned 0 for is kept."""
    rnd = random.Random(20261126)
    workers = Workers(repo, tmp_path, [(60, ["k"])] * 8, mode="unique")
    workers.release()
    victims = rnd.sample(sorted(workers.procs), 5)
    for worker in victims:
        time.sleep(rnd.uniform(0.0, 0.4))
        with contextlib.suppress(ProcessLookupError):
            os.kill(workers.procs[worker].pid, signal.SIGKILL)
    results = workers.finish()
    promised = {f"K{w}_{n}" for w, (_, done, _) in results.items() for n in done}
    for w, (status, done, stderr) in results.items():
        if w not in victims:
            assert (status, len(done), stderr) == (0, 60, ""), w
    # Later hooks are not wedged by whatever the killed writers left behind.
    for n in range(3):
        proc = run_hook(repo, json.dumps(unique_payload(99, n, "k")).encode())
        assert_quiet_exit(proc)
        promised.add(f"K99_{n}")
    tools = session(repo, "k").counters["tools"]
    assert promised <= set(tools), sorted(promised - set(tools))
    assert set(tools.values()) == {1}  # nothing counted twice
    assert_fsck_clean(repo)


def test_kill_9_on_hook_processes(repo: Repo) -> None:
    """Real hook processes, some killed at random moments; the others' events are kept."""
    rnd = random.Random(7)
    procs = []
    for n in range(30):
        p = subprocess.Popen([*SESS, "hook"], cwd=repo.path, stdin=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert p.stdin is not None
        p.stdin.write(json.dumps(unique_payload(0, n, "kp")).encode())
        p.stdin.close()
        procs.append(p)
    for p in rnd.sample(procs, 12):
        time.sleep(rnd.uniform(0.0, 0.15))
        with contextlib.suppress(ProcessLookupError):
            p.send_signal(signal.SIGKILL)
    survived = set()
    for n, p in enumerate(procs):
        assert p.stderr is not None
        err = p.stderr.read()
        p.wait(timeout=120)
        if p.returncode == 0:
            assert len(err.splitlines()) <= 1 and b"Traceback" not in err
            survived.add(f"K0_{n}")
        else:
            assert p.returncode == -signal.SIGKILL
    proc = run_hook(repo, json.dumps(unique_payload(1, 0, "kp")).encode())
    assert_quiet_exit(proc)
    tools = session(repo, "kp").counters["tools"]
    assert survived | {"K1_0"} <= set(tools)
    assert set(tools.values()) == {1}
    assert_fsck_clean(repo)


def test_stale_lock_is_detected_and_cleared(repo: Repo) -> None:
    """A .lock older than STALE_REF_LOCK_S is a dead writer's: the next hook removes it."""
    # Events that go through the pygit2 writer: tool calls spill (test_hook_fast.py).
    record(repo, payload("UserPromptSubmit", "st"))
    lock = repo.path / ".git/refs/sess/live/st.lock"
    lock.write_bytes(b"")
    old = time.time() - 60
    os.utime(lock, (old, old))
    store = store_of(repo)
    assert [p for p, age in store.stale_locks() if age > 30] == [str(lock)]
    proc = run_hook(repo, json.dumps(payload("Stop", "st")).encode())
    assert_quiet_exit(proc)
    assert not lock.exists()
    assert pending(repo) == {}  # written straight into the session ref
    assert session(repo, "st").counters["by_event"] == {"UserPromptSubmit": 1, "Stop": 1}
    assert_fsck_clean(repo)


def test_clear_stale_locks_keeps_fresh_ones(repo: Repo) -> None:
    store = store_of(repo)
    live = repo.path / ".git/refs/sess/live"
    live.mkdir(parents=True)
    (live / "old.lock").write_bytes(b"")
    (live / "new.lock").write_bytes(b"")
    packed = repo.path / ".git/packed-refs.lock"
    packed.write_bytes(b"")
    old = time.time() - 5  # stale for a ref lock, not yet for packed-refs.lock
    for p in (live / "old.lock", packed):
        os.utime(p, (old, old))
    assert store.clear_stale_locks("refs/sess/live/old") == [str(live / "old.lock")]
    assert store.clear_stale_locks("refs/sess/live/new") == []
    assert (live / "new.lock").exists() and packed.exists()
    older = time.time() - 60
    os.utime(packed, (older, older))
    assert store.clear_stale_locks("refs/sess/live/new") == [str(packed)]


def test_fresh_lock_spills_then_folds_exactly_once(repo: Repo) -> None:
    """A ref held by a live writer for the whole hook: the event spills, nothing is lost."""
    first = payload("UserPromptSubmit", "sp")
    record(repo, first)
    tip = repo.refs(LIVE)[LIVE + "sp"]
    spilled = payload("PreToolUse", "sp", tool_name="mcp__notion__search")
    with held_lock(repo.path / ".git/refs/sess/live/sp.lock"):
        proc = run_hook(repo, json.dumps(spilled).encode())
        assert_quiet_exit(proc)
        assert repo.refs(LIVE)[LIVE + "sp"] == tip  # the session ref did not move
        assert len(pending(repo, "sp/")) == 1
        before_fold = session(repo, "sp").counters  # readers count the spill already
        assert before_fold["tools"] == {"mcp__notion__search": 1}
        assert before_fold["mcp"] == {"notion": {"total": 1, "methods": {"search": 1}}}
    last = payload("Stop", "sp")
    proc = run_hook(repo, json.dumps(last).encode())
    assert_quiet_exit(proc)
    assert pending(repo) == {}  # folded by the next writer, then deleted
    c = session(repo, "sp").counters
    assert (c["events"], c["tool_calls"]) == (3, 1)
    assert_counters(c, [first, spilled, last])
    # Newest commit first; within the fold's commit, its events in time order.
    assert [e["event"] for e in chain_lines(repo, LIVE + "sp")] == \
        ["PreToolUse", "Stop", "UserPromptSubmit"]
    assert_fsck_clean(repo)


def test_writer_lock_held_past_the_deadline_spills(repo: Repo) -> None:
    """Another writer holds the hooks' flock for the whole hook: the hook
    spills rather than touch the ref without it (only a flock holder may
    clear a stale .lock), exits 0 in time, and the event counts."""
    import fcntl

    first = payload("UserPromptSubmit", "fl")
    record(repo, first)
    repo.git("config", "sess.hookTimeout", "0.5")
    fd = os.open(repo.path / ".git", os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        second = payload("SubagentStart", "fl", agent_id="a1")
        proc = run_hook(repo, json.dumps(second).encode())
        assert_quiet_exit(proc)
        assert len(pending(repo, "fl/")) == 1
    finally:
        os.close(fd)
    assert session(repo, "fl").counters["subagent_starts"] == 1
    third = payload("Stop", "fl")
    assert run_hook(repo, json.dumps(third).encode()).returncode == 0
    assert pending(repo) == {}
    assert session(repo, "fl").counters["events"] == 3


def test_first_event_spilled_makes_an_orphan_that_readers_see(repo: Repo) -> None:
    p = payload("SessionStart", "orphan", source="startup", model="claude-opus-4-5")
    with held_lock(repo.path / ".git/refs/sess/live/orphan.lock"):
        proc = run_hook(repo, json.dumps(p).encode())
        assert_quiet_exit(proc)
    assert LIVE + "orphan" not in repo.refs(LIVE)
    out = json.loads(repo.sess("status", "--json", check=True).stdout)
    (view,) = out["sessions"]
    assert (view["session_id"], view["events"]) == ("orphan", 1)
    assert (view["agent"], view["model"]) == ("claude-code", "claude-opus-4-5")
    store = store_of(repo)
    tip = writer.settle(store, LIVE + "orphan", time.monotonic() + 10)
    assert tip == repo.refs(LIVE)[LIVE + "orphan"] and pending(repo) == {}
    s = session(repo, "orphan")
    assert s.counters["events"] == 1 and s.meta["model"] == "claude-opus-4-5"
    assert s.meta["branch"] == "main"
    assert_fsck_clean(repo)


def test_hook_timeout_is_honoured(repo: Repo) -> None:
    """sess.hookTimeout: a short one spills sooner, a long one waits out a slow writer."""
    record(repo, payload("Stop", "t"))
    lock = repo.path / ".git/refs/sess/live/t.lock"
    repo.git("config", "sess.hookTimeout", "0.5")
    with held_lock(lock):
        proc = run_hook(repo, json.dumps(payload("Stop", "t")).encode())
        assert_quiet_exit(proc)
    assert len(pending(repo, "t/")) == 1  # gave up on the ref within half a second
    repo.git("config", "sess.hookTimeout", "8")
    with held_lock(lock):
        hook = threading.Thread(target=lambda: results.append(
            run_hook(repo, json.dumps(payload("Stop", "t")).encode())))
        results: list[subprocess.CompletedProcess[bytes]] = []
        hook.start()
        time.sleep(2.5)  # longer than the default deadline
    hook.join()
    (proc,) = results
    assert_quiet_exit(proc)
    assert pending(repo) == {}  # it waited for the ref (and folded the earlier spill)
    assert session(repo, "t").counters["events"] == 3
    repo.git("config", "sess.hookTimeout", "nan")  # nonsense falls back to the default
    proc = run_hook(repo, json.dumps(payload("Stop", "t")).encode())
    assert_quiet_exit(proc)
    assert session(repo, "t").counters["events"] == 4


def test_stalled_stdin_is_cut_at_the_deadline(repo: Repo) -> None:
    """An agent that never closes the hook's stdin: exit 0 at the deadline, event not kept."""
    p = subprocess.Popen([*SESS, "hook"], cwd=repo.path, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdin is not None
    p.stdin.write(b'{"session_id": "stall", "hook_event_name": "St')
    p.stdin.flush()  # and never closed while the hook runs
    p.wait(timeout=120)  # it ends on its own: the watchdog's exit
    assert p.stderr is not None
    err = p.stderr.read()
    p.stdin.close()
    assert p.returncode == 0
    assert err == b"gitsess: hook deadline reached; event not recorded\n"
    assert repo.refs("refs/sess/") == {}


def test_closed_stdin(repo: Repo) -> None:
    proc = subprocess.run([*SESS, "hook"], cwd=repo.path, stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=60)
    assert_quiet_exit(proc)
    proc = subprocess.run(["sh", "-c", '"$0" hook <&-', SESS[0]], cwd=repo.path,
                          capture_output=True, timeout=60)
    assert_quiet_exit(proc)
    assert repo.refs("refs/sess/") == {}


@pytest.mark.parametrize("held", [False, True], ids=["ref free", "ref held"])
def test_a_hook_starved_while_writing_finishes_past_its_deadline(
        repo: Repo, tmp_path: Path, held: bool) -> None:
    """CPU starvation, reached deterministically: the hook stops just before
    it writes its event (GITSESS_TEST_PAUSE_BEFORE_RECORD) until its deadline
    has passed. The watchdog lets a writing hook finish, so it exits 0 without
    a word and the event counts: in the session ref when the ref is free, as
    a spill when another writer holds it (past its deadline it waits on nothing)."""
    record(repo, payload("UserPromptSubmit", "starved"))  # the pygit2 writer's events
    tip = repo.refs(LIVE)[LIVE + "starved"]
    repo.git("config", "sess.hookTimeout", "0.5")
    gate = tmp_path / "gate"
    p = subprocess.Popen([*SESS, "hook"], cwd=repo.path, stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         env={**os.environ, PAUSE_ENV: str(gate)})
    assert p.stdin is not None and p.stderr is not None
    p.stdin.write(json.dumps(payload("SubagentStart", "starved", agent_id="a1")).encode())
    p.stdin.close()
    reached = Path(f"{gate}.reached")
    while not reached.exists():
        assert p.poll() is None, p.stderr.read()
        time.sleep(0.01)
    # The deadline counts from the hook's start, before the pause point: once
    # this much has passed since the pause began, it has passed for the hook.
    time.sleep(0.5 + 0.1)
    with held_lock(repo.path / ".git/refs/sess/live/starved.lock") if held \
            else contextlib.nullcontext():
        gate.write_text("go")
        assert p.wait(timeout=120) == 0
        assert p.stderr.read() == b""
        assert len(pending(repo, "starved/")) == (1 if held else 0)
        assert (repo.refs(LIVE)[LIVE + "starved"] == tip) is held
    assert session(repo, "starved").counters["by_event"] == \
        {"UserPromptSubmit": 1, "SubagentStart": 1}


# -- hostile payloads ------------------------------------------------------------

def _p(**fields: Any) -> bytes:
    return json.dumps(payload("PreToolUse", **fields)).encode()


def _sid(sid: Any) -> bytes:
    return json.dumps(payload("PreToolUse", "x", tool_name="Bash") | {"session_id": sid}).encode()


HUGE = 50 * 1024 * 1024
BAD_PAYLOADS: list[tuple[str, bytes | None, str]] = [
    # (name, stdin, expected: "counted" = one event under a safe ref; "ignored" = no ref)
    ("empty input", b"", "ignored"),
    ("whitespace", b" \n\t ", "ignored"),
    ("not json", b"hello, hook", "ignored"),
    ("truncated json", _p(session="s", tool_name="Bash")[:40], "ignored"),
    ("json array", b'[{"session_id": "s", "hook_event_name": "Stop"}]', "ignored"),
    ("json string", b'"session_id"', "ignored"),
    ("json number", b"42", "ignored"),
    ("json null", b"null", "ignored"),
    ("session_id int", _sid(42), "ignored"),
    ("session_id list", _sid(["a"]), "ignored"),
    ("session_id dict", _sid({"id": "a"}), "ignored"),
    ("session_id null", _sid(None), "ignored"),
    ("hook_event_name int", json.dumps({"session_id": "s", "hook_event_name": 7}).encode(),
     "counted"),
    ("tool_name dict", _p(session="s", tool_name={"name": "Bash"}), "counted"),
    ("duration_ms string", _p(session="s", tool_name="Bash", duration_ms="12"), "counted"),
    ("duration_ms bool", _p(session="s", tool_name="Bash", duration_ms=True), "counted"),
    ("duration_ms huge", _p(session="s", tool_name="Bash", duration_ms=10**300), "counted"),
    ("duration_ms negative", _p(session="s", tool_name="Bash", duration_ms=-5), "counted"),
    ("50 MiB tool_response", None, "counted"),
    ("50 MiB tool_input", None, "counted"),
    ("binary", bytes(range(256)) * 4, "ignored"),
    ("NUL bytes", b'{"session_id": "s\x00", "hook_event_name": "Stop"}', "ignored"),
    ("NUL escaped in strings", _p(session="s\u0000t", tool_name="Ba\u0000sh"), "counted"),
    ("invalid utf-8", b'{"session_id": "\xff\xfe", "hook_event_name": "Stop"}', "ignored"),
    ("lone surrogate", b'{"session_id": "a\\ud800", "hook_event_name": "Stop"}', "counted"),
    ("deeply nested", b"[" * 200_000 + b"]" * 200_000, "ignored"),
    ("deeply nested field", b'{"session_id": "s", "x": ' + b"[" * 200_000 + b"]" * 200_000
     + b"}", "ignored"),
    ("utf-8 bom", b"\xef\xbb\xbf" + _p(session="s", tool_name="Bash"), "counted"),
    ("id ../../HEAD", _sid("../../HEAD"), "counted"),
    ("id refs/heads/main", _sid("refs/heads/main"), "counted"),
    ("id a/b", _sid("a/b"), "counted"),
    ("id a..b", _sid("a..b"), "counted"),
    ("id x.lock", _sid("x.lock"), "counted"),
    ("id trailing dot", _sid("abc."), "counted"),
    ("id leading dot", _sid(".hidden"), "counted"),
    ("id newline", _sid("a\nb"), "counted"),
    ("id empty", _sid(""), "ignored"),
    ("id @{-1}", _sid("@{-1}"), "counted"),
    ("id 10 KB", _sid("a" * 10_240), "counted"),
    ("id leading dash", _sid("-rf"), "counted"),
    ("id unicode", _sid("séance-😀"), "counted"),
    ("id spaces", _sid("my session"), "counted"),
    ("id HEAD", _sid("HEAD"), "counted"),
]


def _huge(field: str) -> bytes:
    event = "PostToolUse" if field == "tool_response" else "PreToolUse"
    head = json.dumps(payload(event, "huge", tool_name="Bash"))[:-1]
    return (head + f', "{field}": {{"stdout": "').encode() + b"y" * HUGE + b'"}}'


@pytest.mark.parametrize(("name", "data", "expect"), BAD_PAYLOADS,
                         ids=[row[0] for row in BAD_PAYLOADS])
def test_hostile_payload(repo: Repo, name: str, data: bytes | None, expect: str) -> None:
    assert len(BAD_PAYLOADS) >= 25
    if data is None:
        data = _huge(name.split()[-1])
    head_before = (repo.path / ".git/HEAD").read_text()
    refs_before = repo.refs()
    files_before = _git_files(repo)
    proc = run_hook(repo, data)
    assert_quiet_exit(proc)
    assert proc.stdout == b""
    refs_after = repo.refs()
    assert (repo.path / ".git/HEAD").read_text() == head_before
    assert {k: v for k, v in refs_after.items() if not k.startswith("refs/sess/")} == refs_before
    # (the own-session mark beside a new session ref is local: gitsess.transcripts.ownfiles)
    new = sorted(r for r in set(refs_after) - set(refs_before) if not r.startswith(refs.OWN))
    if expect == "ignored":
        assert new == []
        assert proc.stderr.decode().startswith("gitsess: hook: ")
    else:
        # A tool call's event is spilled (gitsess/telemetry/spill.py), any other written.
        assert len(new) == 1 and new[0].startswith((LIVE, refs.PENDING)), new
        assert repo.git("check-ref-format", new[0], check=False).returncode == 0
        s = readers.read_session(store_of(repo), session_ref(new[0]))
        assert s is not None and s.counters["events"] == 1
        if name.startswith("50 MiB"):
            assert s.counters["by_event"] == {"PostToolUse" if "response" in name
                                              else "PreToolUse": 1}
        if name == "50 MiB tool_input":
            assert s.counters["tool_calls"] == 1 and s.counters["tools"] == {"Bash": 1}
        if name.startswith("duration_ms"):
            assert s.counters["duration_ms"] == 0
    new_files = _git_files(repo) - files_before
    assert all(f.startswith("refs/sess/") for f in new_files), new_files
    assert_fsck_clean(repo)


def _git_files(repo: Repo) -> set[str]:
    """Files under .git, objects aside: a ref written anywhere else would show here."""
    git_dir = repo.path / ".git"
    return {str(p.relative_to(git_dir)) for p in git_dir.rglob("*")
            if p.is_file() and p.relative_to(git_dir).parts[0] != "objects"}


def test_many_hostile_events_in_one_session_stay_bounded(repo: Repo) -> None:
    """Thousands of distinct tool names cannot grow a session's counters without bound."""
    store = store_of(repo)
    deadline = time.monotonic() + 120
    for n in range(counting.MAX_KEYS + 50):
        ev = event.Event(kind=event.TOOL_START, name="PreToolUse", session_id="b",
                             agent="claude-code", tool=f"mcp__s{n}__m{n}")
        writer.record(store, ev, deadline=deadline)
    c = session(repo, "b").counters
    assert c["tool_calls"] == counting.MAX_KEYS + 50
    assert len(c["tools"]) == counting.MAX_KEYS + 1 and c["tools"]["(other)"] == 50
    assert sum(e["total"] for e in c["mcp"].values()) == counting.MAX_KEYS + 50


# -- privacy -----------------------------------------------------------------------

SECRET = "sk-ant-api03-Zq8vW3kT9LpX2mN7rB4yH6dF1sG5jC0e"


def _scan(repo: Repo) -> bytes:
    out = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"],
                         cwd=repo.path, capture_output=True, check=True).stdout
    assert out  # the scan saw the session's objects
    return out


def test_no_secret_reaches_any_git_object(repo: Repo) -> None:
    events = [
        payload("SessionStart", "leak", source="startup"),
        payload("UserPromptSubmit", "leak", prompt=f"deploy with {SECRET}"),
        payload("PreToolUse", "leak", tool_name="Bash",
                tool_input={"command": f"curl -H 'x-api-key: {SECRET}' api"}),
        payload("PostToolUse", "leak", tool_name="Bash", tool_input={"command": SECRET},
                tool_response={"stdout": f"key={SECRET}"}, duration_ms=3),
        payload("PostToolUseFailure", "leak", tool_name="Bash", error=f"bad key {SECRET}"),
        payload("Stop", "leak", last_assistant_message=SECRET),
    ]
    for p in events:
        proc = run_hook(repo, json.dumps(p).encode())
        assert_quiet_exit(proc)
    # An oversize payload takes the other parsing path; and one spilled event.
    big = json.dumps(payload("PostToolUse", "leak", tool_name="Bash"))[:-1]
    big_data = (big + f', "tool_response": "{SECRET}' + "z" * (9 << 20) + '"}').encode()
    assert run_hook(repo, big_data).returncode == 0
    with held_lock(repo.path / ".git/refs/sess/live/leak.lock"):
        assert run_hook(repo, json.dumps(events[2]).encode()).returncode == 0
    assert pending(repo, "leak/")
    assert session(repo, "leak").counters["events"] == len(events) + 2
    assert SECRET.encode() not in _scan(repo)  # loose objects
    repo.git("gc", "-q", "--prune=now")
    assert SECRET.encode() not in _scan(repo)  # packed, after gc
    for f in (repo.path / ".git").rglob("*"):  # refs, packed-refs, config, logs
        if f.is_file() and "objects" not in f.parts:
            assert SECRET.encode() not in f.read_bytes(), f


# -- where the hook runs -------------------------------------------------------------


def test_outside_a_repository_does_nothing(tmp_path: Path) -> None:
    bare_dir = tmp_path / "plain"
    bare_dir.mkdir()
    env = {"GIT_CEILING_DIRECTORIES": str(tmp_path)}
    proc = run_hook(bare_dir, json.dumps(payload("Stop", "o")).encode(), env=env)
    assert_quiet_exit(proc)
    assert (proc.stdout, proc.stderr) == (b"", b"")
    assert list(bare_dir.iterdir()) == []


def test_linked_worktree_writes_the_shared_refs(repo: Repo, tmp_path: Path) -> None:
    wt = tmp_path / "wt"
    repo.git("worktree", "add", "-q", "-b", "feature", str(wt))
    proc = run_hook(repo, json.dumps(payload("SessionStart", "w", source="startup"))
                             .encode(), cwd=wt)
    assert_quiet_exit(proc)
    assert LIVE + "w" in repo.refs(LIVE)  # visible from the main worktree
    meta = session(repo, "w").meta
    # Stored relative to the repository (it is pushed), read back absolute.
    assert not os.path.isabs(meta["worktree"])
    assert os.path.normpath(os.path.join(repo.path, ".git", meta["worktree"])) == str(wt)
    assert meta["head"] == repo.git("rev-parse", "HEAD").stdout.strip()
    # Nothing of gitsess's in the worktree's own refs (git 2.45+ makes that
    # directory itself, for per-worktree refs).
    assert not (repo.path / ".git/worktrees/wt/refs/sess").exists()
    assert_fsck_clean(repo)


def test_unborn_head(empty_repo: Repo) -> None:
    proc = run_hook(empty_repo, json.dumps(payload("SessionStart", "u")).encode())
    assert_quiet_exit(proc)
    meta = session(empty_repo, "u").meta
    assert (meta["branch"], meta["head"], meta["detached"]) == ("main", None, False)
    assert empty_repo.git("rev-parse", "--verify", "-q", "HEAD", check=False).returncode != 0
    assert_fsck_clean(empty_repo)


def test_detached_head(repo: Repo) -> None:
    oid = repo.commit("second")
    repo.git("checkout", "-q", "--detach", "HEAD~1")
    proc = run_hook(repo, json.dumps(payload("SessionStart", "d")).encode())
    assert_quiet_exit(proc)
    meta = session(repo, "d").meta
    assert (meta["branch"], meta["detached"]) == (None, True)
    assert meta["head"] == repo.git("rev-parse", "HEAD").stdout.strip() != oid
    assert repo.git("symbolic-ref", "-q", "HEAD", check=False).returncode != 0
    assert repo.refs("refs/heads/")["refs/heads/main"] == oid


def test_claude_project_dir_wins_over_cwd(repo: Repo, tmp_path: Path) -> None:
    elsewhere = make_repo(tmp_path / "other")
    proc = run_hook(elsewhere, json.dumps(payload("Stop", "cp")).encode(),
                       env={"CLAUDE_PROJECT_DIR": str(repo.path)})
    assert proc.returncode == 0
    assert LIVE + "cp" in repo.refs(LIVE) and elsewhere.refs("refs/sess/") == {}


def test_session_start_records_where_and_parallel_sessions(repo: Repo) -> None:
    for sid in ("p1", "p2"):
        p = payload("SessionStart", sid, source="startup", model={"id": "claude-sonnet-4-5"})
        assert run_hook(repo, json.dumps(p).encode()).returncode == 0
    one, two = session(repo, "p1").meta, session(repo, "p2").meta
    assert (one["parallel_sessions"], two["parallel_sessions"]) == (0, 1)
    assert two["model"] == "claude-sonnet-4-5" and two["agent"] == "claude-code"
    assert two["operator"] == "RT"
    # Stored relative to the repository's git dir (it is pushed): gitsess/telemetry/paths.py.
    assert not os.path.isabs(two["cwd"])
    assert os.path.normpath(os.path.join(repo.path, ".git", two["cwd"])) == "/work/project"
    assert git("log", "-1", "--format=%an", LIVE + "p1", cwd=repo.path).stdout.strip() \
        == "Rosa Tanaka"


def test_tool_events_never_write_git_config(repo: Repo) -> None:
    """The hook derives the operator for session.json but leaves config to the handoff."""
    config = (repo.path / ".git/config").read_bytes()
    for p in (payload("PreToolUse", "cfg", tool_name="Bash"), payload("Stop", "cfg")):
        assert run_hook(repo, json.dumps(p).encode()).returncode == 0
    assert (repo.path / ".git/config").read_bytes() == config
    assert session(repo, "cfg").meta["operator"] == "RT"
