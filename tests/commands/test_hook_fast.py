"""The hook's fast path (issue 15): tool calls spilled through git's plumbing, folded later.

Real processes and the real git: the launcher as install.sh writes it, a
fold killed between its commit and its deletes, two folders at once, the
pending bound, a handoff while events are pending, and the repositories git
can make (linked worktrees, sha256, reftable where this git has it).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from gitsess import refs
from gitsess.main import write_launcher
from gitsess.store import Store, eventrefs
from gitsess.telemetry import readers, spill, spillname, writer
from tests.handoffhelpers import events, install, narrative
from tests.helpers import Repo, git, payload, use_reftable_git

LIVE = refs.LIVE
ROOT = Path(__file__).resolve().parents[2]
# A tool name whose line is too long for a spill's ref name: its spill is a blob.
LONG_TOOL = "mcp__" + "x" * 180


def _call(n: int, session: str, *, post: bool = False) -> dict[str, Any]:
    return payload("PostToolUse" if post else "PreToolUse", session, tool_name=f"T{n}",
                   tool_use_id=f"toolu_{n:04d}")


def _spill_all(repo: Repo, session: str, n: int) -> None:
    """n tool calls' Pre events, recorded in-process (set-up: they spill)."""
    for i in range(n):
        assert repo.record(_call(i, session)).returncode == 0


def _lines(repo: Repo, ref: str) -> list[dict[str, Any]]:
    out = repo.git("log", "--format=%B", ref).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _session(repo: Repo, name: str) -> readers.Session:
    s = readers.read_session(Store.discover(str(repo.path)), LIVE + name)
    assert s is not None
    return s


def test_a_tool_call_imports_neither_pygit2_nor_site(repo: Repo) -> None:
    """The hook process as the launcher starts it (-IS): what it imported, asked after it ran."""
    code = ("import sys; sys.path.append(sys.argv[1]); from gitsess.main import main; "
            "main(['hook']); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'pygit2', 'site', 'typing', "
            "'subprocess', 'click', 'yaml'}))")
    repo.record(payload("UserPromptSubmit", "imp"))  # a session's first event makes its ref
    data = json.dumps(_call(1, "imp")).encode()
    proc = subprocess.run([sys.executable, "-IS", "-c", code, str(ROOT)], cwd=repo.path,
                          input=data, capture_output=True, check=True)
    assert (proc.stdout, proc.stderr) == (b"[]\n", b"")
    assert list(repo.refs(refs.pending("imp"))) != []
    # A Stop leaves the fast path: site-packages come back and pygit2 folds.
    data = json.dumps(payload("Stop", "imp")).encode()
    proc = subprocess.run([sys.executable, "-IS", "-c", code, str(ROOT)], cwd=repo.path,
                          input=data, capture_output=True, check=True)
    assert b"pygit2" in proc.stdout and b"site" in proc.stdout
    assert repo.refs(refs.PENDING) == {}
    assert _session(repo, "imp").counters["tools"] == {"T1": 1}


def test_the_launcher_runs_the_hook_and_every_other_command(repo: Repo, tmp_path: Path) -> None:
    launcher = tmp_path / "git-sess"
    write_launcher(str(launcher))
    assert launcher.read_text().startswith(f"#!{sys.executable} -IS\n")
    for p in (payload("UserPromptSubmit", "la"), _call(1, "la"), _call(1, "la", post=True),
              payload("Stop", "la")):
        proc = subprocess.run([str(launcher), "hook"], cwd=repo.path,
                              input=json.dumps(p).encode(), capture_output=True, check=True)
        assert (proc.stdout, proc.stderr) == (b"", b"")
    out = subprocess.run([str(launcher), "status", "--json"], cwd=repo.path,
                         capture_output=True, check=True).stdout
    (view,) = json.loads(out)["sessions"]
    assert (view["events"], view["tool_calls"]) == (4, 1)


def test_a_tool_call_starved_past_its_deadline_still_spills(repo: Repo, tmp_path: Path) -> None:
    """The watchdog lets a hook that is writing its event finish: paused just
    before the spill until its deadline has passed, it exits 0 without a word
    and the event counts."""
    from gitsess.agents.hook import PAUSE_ENV

    repo.record(payload("UserPromptSubmit", "sv"))
    repo.git("config", "sess.hookTimeout", "0.5")
    gate = tmp_path / "gate"
    p = subprocess.Popen([sys.executable, "-m", "gitsess.main", "hook"], cwd=repo.path,
                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env={**os.environ, PAUSE_ENV: str(gate)})
    assert p.stdin is not None and p.stderr is not None
    p.stdin.write(json.dumps(_call(1, "sv")).encode())
    p.stdin.close()
    reached = Path(f"{gate}.reached")
    while not reached.exists():
        assert p.poll() is None, p.stderr.read()
        time.sleep(0.01)
    time.sleep(0.5 + 0.1)  # the deadline counts from the start, before the pause
    gate.write_text("go")
    assert p.wait(timeout=120) == 0
    assert p.stderr.read() == b""
    assert len(repo.refs(refs.pending("sv"))) == 1
    assert _session(repo, "sv").counters["tool_calls"] == 1


def test_a_sessions_first_event_makes_its_ref_whatever_its_kind(repo: Repo) -> None:
    """A tool call that starts a session goes to the pygit2 writer (who,
    where, the marker); the next one spills."""
    repo.record(_call(1, "first"))
    assert LIVE + "first" in repo.refs(LIVE) and repo.refs(refs.PENDING) == {}
    assert _session(repo, "first").meta["operator"] == "RT"
    repo.record(_call(1, "first", post=True))
    assert len(repo.refs(refs.pending("first"))) == 1
    repo.git("pack-refs", "--all")  # the ref found in packed-refs too
    repo.record(_call(2, "first"))
    assert len(repo.refs(refs.pending("first"))) == 2


def test_open_calls_count_once_across_spills_and_folds(repo: Repo) -> None:
    """Issue 11's open-call set with spilled events: a Pre folded after its
    Post, or a Post repeated, still counts the call once."""
    repo.record(payload("UserPromptSubmit", "oc"))
    repo.record(_call(1, "oc", post=True))  # the Post spilled first
    writer.settle(Store.discover(str(repo.path)), LIVE + "oc", time.monotonic() + 10)
    repo.record(_call(1, "oc"))  # its Pre, folded later
    repo.record(_call(1, "oc", post=True))  # a repeat
    repo.record(_call(2, "oc"))  # open when the agent stops: an interruption
    assert _session(repo, "oc").counters["tool_calls"] == 2
    repo.record(payload("Stop", "oc"))
    c = _session(repo, "oc").counters
    assert (c["tool_calls"], c["tools"], c["interruptions"]) == (2, {"T1": 1, "T2": 1}, 1)
    assert repo.refs(refs.PENDING) == {}


def test_pending_refs_stay_bounded_and_every_event_is_kept(
        repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past FOLD_AT pending refs a tool call's hook folds them: a long turn
    never piles up refs, and the timeline holds every event once, in order."""
    monkeypatch.setattr(spill, "FOLD_AT", 8)
    repo.record(payload("UserPromptSubmit", "bd"))
    most = 0
    for i in range(30):
        repo.record(_call(i, "bd"))
        most = max(most, len(repo.refs(refs.pending("bd"))))
    assert most <= 8
    assert _session(repo, "bd").counters["tool_calls"] == 30
    folds = repo.git("rev-list", "--count", LIVE + "bd").stdout.strip()
    assert int(folds) == 1 + 30 // 8  # the prompt's commit and one per fold
    repo.record(payload("Stop", "bd"))
    lines = _lines(repo, LIVE + "bd")
    assert [e["tool"] for e in lines if "tool" in e] == \
        [f"T{i}" for j in range(24, -1, -8) for i in range(j, min(j + 8, 30))][:30]
    assert sorted(e["at"] for e in lines[:-1]) != []


def test_one_hook_at_a_time_claims_the_fold(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the bound, a hook that finds the fold claimed (the session's
    pending directory flocked) leaves it to the claimant: fifty hooks past the
    bound do not all start pygit2."""
    import fcntl

    monkeypatch.setattr(spill, "FOLD_AT", 4)
    repo.record(payload("UserPromptSubmit", "cl"))
    _spill_all(repo, "cl", 3)
    fd = os.open(repo.path / ".git" / refs.pending("cl"), os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        for i in range(3, 6):
            repo.record(_call(i, "cl"))
        assert len(repo.refs(refs.pending("cl"))) == 6  # claimed elsewhere: no fold
    finally:
        os.close(fd)
    repo.record(_call(6, "cl"))
    assert repo.refs(refs.pending("cl")) == {}
    assert _session(repo, "cl").counters["tool_calls"] == 7


def _fold_process(repo: Repo, session: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    code = ("import sys, time; from gitsess.store import Store; "
            "from gitsess.telemetry import writer; "
            "writer.settle(Store.discover('.'), sys.argv[1], time.monotonic() + 60)")
    return subprocess.Popen([sys.executable, "-c", code, LIVE + session], cwd=repo.path,
                            env={**os.environ, **env}, stderr=subprocess.PIPE)


def test_a_fold_killed_midway_loses_and_doubles_nothing(repo: Repo, tmp_path: Path) -> None:
    repo.record(payload("UserPromptSubmit", "km"))
    _spill_all(repo, "km", 20)
    gate = tmp_path / "gate"
    p = _fold_process(repo, "km", {writer.FOLD_PAUSE_ENV: str(gate)})
    reached = Path(f"{gate}.reached")
    while not reached.exists():
        assert p.poll() is None
        time.sleep(0.01)
    p.send_signal(signal.SIGKILL)  # its commit is in, its spills not yet deleted
    p.wait(timeout=60)
    assert len(repo.refs(refs.pending("km"))) == 20
    assert _session(repo, "km").counters["tool_calls"] == 20  # folded.json: not twice
    repo.record(_call(99, "km"))
    repo.record(payload("Stop", "km"))
    assert repo.refs(refs.PENDING) == {}
    c = _session(repo, "km").counters
    assert (c["events"], c["tool_calls"]) == (23, 21)
    assert len(_lines(repo, LIVE + "km")) == 23


def test_two_folders_at_once_count_each_event_once(repo: Repo) -> None:
    repo.record(payload("UserPromptSubmit", "two"))
    _spill_all(repo, "two", 40)
    folders = [_fold_process(repo, "two", {}) for _ in range(2)]
    for p in folders:
        assert p.wait(timeout=120) == 0 and p.stderr is not None and p.stderr.read() == b""
    assert repo.refs(refs.PENDING) == {}
    assert _session(repo, "two").counters["tool_calls"] == 40
    assert len(_lines(repo, LIVE + "two")) == 41


def test_a_handoff_while_events_are_pending_takes_them_all(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    events(repo, "s1", tools=("Bash", "Read", "Edit"))
    assert len(repo.refs(refs.pending("s1"))) == 6  # the tool calls wait as spills
    proc = repo.sess("handoff", "--allow-empty", "--file", narrative(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert repo.refs(refs.PENDING) == {}
    done = readers.read_session(Store.discover(str(repo.path)), refs.done("s1"))
    assert done is not None
    assert (done.counters["events"], done.counters["tool_calls"]) == (8, 3)
    assert len(_lines(repo, refs.done("s1"))) == 8


@pytest.mark.parametrize("command", ["status", "resume"])
def test_status_and_resume_fold_what_is_pending(repo: Repo, command: str) -> None:
    repo.record(payload("UserPromptSubmit", "sr"))
    _spill_all(repo, "sr", 3)
    repo.record(_call(0, "sr", post=True))
    assert len(repo.refs(refs.pending("sr"))) == 4
    proc = repo.sess(command, "--json")
    assert proc.returncode == 0, proc.stderr
    assert repo.refs(refs.PENDING) == {}
    assert [e["event"] for e in _lines(repo, LIVE + "sr")] == \
        ["PreToolUse", "PreToolUse", "PreToolUse", "PostToolUse", "UserPromptSubmit"]
    c = _session(repo, "sr").counters
    assert (c["events"], c["tool_calls"]) == (5, 3)


def test_a_linked_worktree_and_git_dir_find_the_common_dir(repo: Repo, tmp_path: Path) -> None:
    wt = tmp_path / "wt"
    repo.git("worktree", "add", "-q", "-b", "feature", str(wt))
    common = str(repo.path / ".git")
    assert eventrefs.common_dir(str(wt), {}) == common
    assert eventrefs.common_dir(str(tmp_path), {"GIT_DIR": common}) == common
    assert eventrefs.common_dir(str(tmp_path), {}) is None
    repo.record(payload("UserPromptSubmit", "wt"))
    data = json.dumps(_call(1, "wt")).encode()
    proc = subprocess.run([sys.executable, "-m", "gitsess.main", "hook"], cwd=wt, input=data,
                          capture_output=True, check=True)
    assert proc.stderr == b""
    assert len(repo.refs(refs.pending("wt"))) == 1  # the shared refs, seen from the main one
    assert eventrefs.count_refs(str(wt), common, refs.pending("wt"), 10) == 1


def test_a_sha256_repository_gets_its_spill_in_its_own_format(tmp_path: Path) -> None:
    path = tmp_path / "sha256"
    git("init", "-q", "--object-format=sha256", str(path), cwd=tmp_path)
    from gitsess.telemetry.event import TOOL_START, Event

    config = eventrefs.Config(str(path), str(path / ".git"))
    short = spill.store_event(config, Event(TOOL_START, "PreToolUse", "s", "claude-code",
                                            tool="Bash"))
    assert short is not None and json.loads(spillname.decode(short) or "")["tool"] == "Bash"
    empty = git("rev-parse", short, cwd=path).stdout.strip()
    assert empty == git("hash-object", "--stdin", input="", cwd=path).stdout.strip()
    assert len(empty) == 64  # the empty blob in the repository's own format
    again = spill.store_event(config, Event(TOOL_START, "PreToolUse", "s", "claude-code",
                                            tool="Read"))  # the empty blob is there now
    assert again is not None and git("rev-parse", again, cwd=path).stdout.strip() == empty
    ev = Event(TOOL_START, "PreToolUse", "s", "claude-code", tool=LONG_TOOL)
    name = spill.store_event(config, ev)
    assert name is not None and spillname.decode(name) is None
    oid = git("rev-parse", name, cwd=path).stdout.strip()
    assert len(oid) == 64
    line = git("cat-file", "blob", oid, cwd=path).stdout
    assert json.loads(line)["tool"] == LONG_TOOL
    assert git("fsck", "--no-progress", cwd=path).returncode == 0


@pytest.mark.parametrize("setting", [None, ("core.sharedRepository", "group"),
                                     ("sess.hookTimeout", "5"), ("include.path", "x")],
                         ids=["plain", "shared", "timeout", "include"])
def test_the_blob_is_written_as_git_would_or_by_git(repo: Repo, setting: tuple[str, str] | None,
                                                    ) -> None:
    """Python writes the loose blob only where the config leaves git nothing
    to decide; either way git reads it back (fsck, update-ref's own check)."""
    if setting:
        repo.git("config", *setting)
    config = eventrefs.Config(str(repo.path), str(repo.path / ".git"))
    assert config.plain is (setting is None or setting[0] == "sess.hookTimeout")
    assert config.get("sess.hookTimeout") == ("5" if setting and setting[1] == "5" else None)
    from gitsess.telemetry.event import TOOL_START, Event

    # A line too long for the ref's name: the blob path (a short one is in the name).
    ev = Event(TOOL_START, "PreToolUse", "bl", "claude-code", tool=LONG_TOOL)
    name = spill.store_event(config, ev)
    assert name is not None and spillname.decode(name) is None
    oid = repo.git("rev-parse", name).stdout.strip()
    assert repo.git("hash-object", "--stdin", input=ev.line(spilled=True)).stdout.strip() == oid
    path = repo.path / ".git" / "objects" / oid[:2] / oid[2:]
    mode = path.stat().st_mode & 0o777
    shared = setting is not None and setting[0] == "core.sharedRepository"
    assert mode == (0o444 | 0o040 if shared else 0o444)
    assert repo.git("fsck", "--strict", "--no-dangling").returncode == 0
    assert not [p for p in path.parent.iterdir() if p.name.startswith("tmp_obj")]


def test_a_tool_calls_line_rides_in_its_refs_name(repo: Repo) -> None:
    """Issue 15's storage goal: tool events whose line fits in the spill's ref
    name write no object (all point at the one empty blob); readers and the
    fold read them back from the name, exactly once, in order."""
    store = Store.discover(str(repo.path))
    repo.record(payload("SessionStart", "nm"))  # the session's ref
    loose = _loose(repo)
    for n in range(12):
        assert repo.record(_call(n, "nm")).returncode == 0
        assert repo.record(_call(n, "nm", post=True)).returncode == 0
    names = repo.refs(refs.pending("nm"))
    assert len(names) == 24 and all(spillname.decode(n) for n in names)
    assert {spillname.key(n) for n in names} == {n.rsplit(".", 1)[0] for n in names}
    assert _loose(repo) - loose <= 1  # the empty blob, once
    s = readers.read_session(store, refs.live("nm"))
    assert s is not None and sum(s.counters["tools"].values()) == 12
    writer.settle(store, refs.live("nm"), time.monotonic() + 30)
    assert repo.refs(refs.pending("nm")) == {}
    # The fold's folded.json listed them by key, without the lines.
    listed = json.loads(repo.git("show", refs.live("nm") + ":folded.json").stdout)
    assert sorted(listed) == sorted(spillname.key(n) for n in names)
    s = readers.read_session(Store.discover(str(repo.path)), refs.live("nm"))
    assert s is not None and sum(s.counters["tools"].values()) == 12
    lines = repo.git("log", "-1", "--format=%B", refs.live("nm")).stdout.split("\n")
    ats = [json.loads(x)["at"] for x in lines if x.startswith("{")]
    assert len(ats) == 24 and ats == sorted(ats)


@pytest.mark.parametrize("leaf", ["1-2-3.", "1-2-3.!!!", "1-2-3.gA", "1-2-3"])
def test_a_name_that_carries_no_line_reads_as_none(leaf: str) -> None:
    assert spillname.decode(refs.pending("s") + leaf) is None


def test_a_spills_key_drops_only_the_line() -> None:
    """folded.json lists keys: a session name may hold dots, a key keeps them."""
    assert spillname.key(refs.pending("a.b") + "1-2-3.eyJ4") == refs.pending("a.b") + "1-2-3"
    assert spillname.key(refs.pending("a.b") + "1-2-3") == refs.pending("a.b") + "1-2-3"


def _loose(repo: Repo) -> int:
    out = repo.git("count-objects", "-v").stdout
    return int(next(x for x in out.splitlines() if x.startswith("count:")).split()[1])


def test_reftable_records_and_folds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_reftable_git(monkeypatch)  # or skip, saying why
    path = tmp_path / "reftable"
    git("init", "-q", "--ref-format=reftable", str(path), cwd=tmp_path)
    git("commit", "-q", "--allow-empty", "-m", "initial", cwd=path)
    repo = Repo(path)
    repo.record(payload("UserPromptSubmit", "rt"))
    for i in range(3):
        proc = subprocess.run([sys.executable, "-m", "gitsess.main", "hook"], cwd=path,
                              input=json.dumps(_call(i, "rt")).encode(), capture_output=True,
                              check=True)
        assert proc.stderr == b""
    assert not (path / ".git/refs/sess").exists()  # no ref file written by hand
    assert len(repo.refs(refs.pending("rt"))) == 3
    assert eventrefs.count_refs(str(path), str(path / ".git"), refs.pending("rt"), 10) == 3
    repo.record(payload("Stop", "rt"))
    assert repo.refs(refs.PENDING) == {}
    assert _session(repo, "rt").counters["tool_calls"] == 3
