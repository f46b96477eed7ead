"""The agent hook's cost (issue 15), against floors measured in the same run.

A program, not a test (STYLE.md 15): it prints figures and ratios, asserts nothing.

    python bench/hook_latency.py [--samples 60] [--writers 50] [--calls 20]
                                 [--events 10000] [--hogs 4]

1. One hook event (a PreToolUse on stdin, as Claude Code sends it), median
   wall of real processes started one at a time, interleaved: the fast path
   (the launcher install.sh writes: `python -IS`, git's plumbing), the pygit2
   path (the same launcher with GITSESS_HOOK_PATH=pygit2: the hook as it was
   before issue 15), the pygit2 floor (`python -c "import pygit2"`) and the
   git-plumbing floor (a shell writing the same line with `git hash-object
   -w --stdin` + `git update-ref`). Goal: fast path <= 20 ms.
2. --writers shell loops at once, each running --calls hooks in a row on
   one session: wall seconds, CPU seconds of every process (user + sys, all
   children), events recorded (status after the run) out of the calls made.
   Before (pygit2 path) and after (fast path), each in a fresh repository.
3. The same while --hogs `yes > /dev/null` processes hold the CPUs (killed
   by this program when the section ends).
4. A 200-call turn (prompt, 200 x Pre + Post, Stop) through the fast path:
   the most pending refs seen after any hook, and the slowest hook (the one
   that folds past spill.FOLD_AT).
5. Storage of a --events session made the hook's way (each tool call's event
   spilled through git's plumbing, folds past FOLD_AT, a prompt and a Stop
   every 200 calls) but in this process, to spare 10,000 interpreter
   starts: loose objects and bytes before gc, pack bytes per event after
   `git gc`. Goals: <= 1 loose object and <= 200 packed bytes per event.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gitsess import refs
from gitsess.agents import hook as agent_hook
from gitsess.main import write_launcher
from gitsess.store import Store, eventrefs
from gitsess.telemetry import spill, writer

GOAL_MS = 20.0
GOAL_LOOSE = 1.0
GOAL_PACKED = 200.0


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "CLAUDE_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=str(home / ".gitconfig"))
    return env


def _repo(path: Path, env: dict[str, str]) -> Path:
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=env)
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "initial"], cwd=path,
                   check=True, env=env)
    return path


def _payload(session: str, n: int) -> bytes:
    return json.dumps({
        "session_id": session, "transcript_path": f"/tmp/{session}.jsonl",
        "cwd": "/work/project", "permission_mode": "default",
        # Pre and Post of one call alternate, each naming it by its tool_use_id.
        "hook_event_name": "PostToolUse" if n % 2 else "PreToolUse",
        "tool_use_id": f"toolu_bench{n // 2:08d}",
        "tool_name": "Bash" if n % 3 else "mcp__notion__search",
        "tool_input": {"command": f"ls -la src/{n}", "description": "List files"},
    }).encode()


def _one(cmd: list[str], data: bytes | None, cwd: Path, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, input=data, cwd=cwd, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0 or proc.stderr:
        sys.exit(f"bench: {cmd} failed ({proc.returncode}): {proc.stderr.decode()[:300]}")
    return elapsed


def _events(launcher: Path, repo: Path, env: dict[str, str], session: str) -> int:
    out = subprocess.run([str(launcher), "status", "--json"], cwd=repo, env=env,
                         capture_output=True, check=True).stdout
    return sum(s["events"] for s in json.loads(out)["sessions"] if s["session_id"] == session)


def one_event(launcher: Path, repo: Path, env: dict[str, str], samples: int) -> None:
    hook = [str(launcher), "hook"]
    slow_env = {**env, spill.PATH_ENV: "pygit2"}
    pygit2_floor = [sys.executable, "-c", "import pygit2"]
    plumbing_floor = ["sh", "-c", 'o=$(git hash-object -w --stdin) && '
                      'git update-ref "refs/sess/floor/$1" "$o" ""', "sh"]
    _one(hook, _payload("one", 0), repo, slow_env)  # the session's first event: out of the samples
    rows: dict[str, list[float]] = {k: [] for k in ("fast", "pygit2", "floor_py", "floor_git")}
    for i in range(samples):
        data = _payload("one", i + 1)
        rows["floor_py"].append(_one(pygit2_floor, None, repo, env))
        rows["fast"].append(_one(hook, data, repo, env))
        rows["floor_git"].append(_one([*plumbing_floor, str(i)], data, repo, env))
        rows["pygit2"].append(_one(hook, _payload("two", i), repo, slow_env))
    med = {k: statistics.median(v) * 1000 for k, v in rows.items()}
    print(f"1. one hook event, median of {samples} (interleaved):")
    print(f"   pygit2 floor  python -c 'import pygit2'   {med['floor_py']:7.1f} ms  1.00x")
    print(f"   git floor     hash-object + update-ref    {med['floor_git']:7.1f} ms  "
          f"{med['floor_git'] / med['floor_py']:.2f}x")
    print(f"   hook, pygit2 path (before)                {med['pygit2']:7.1f} ms  "
          f"{med['pygit2'] / med['floor_py']:.2f}x")
    print(f"   hook, fast path (after)                   {med['fast']:7.1f} ms  "
          f"{med['fast'] / med['floor_py']:.2f}x  = {med['fast'] / med['floor_git']:.2f}x the "
          f"git floor; goal <= {GOAL_MS:.0f} ms: {'met' if med['fast'] <= GOAL_MS else 'MISSED'}")


def crowd(launcher: Path, root: Path, env: dict[str, str], writers: int, calls: int,
          label: str) -> None:
    for name, extra in (("before (pygit2 path)", {spill.PATH_ENV: "pygit2"}),
                        ("after (fast path)", {})):
        repo = _repo(root / f"crowd-{label}-{len(extra)}", env)
        datas = root / f"payloads-{label}-{len(extra)}"
        datas.mkdir()
        for w in range(writers):
            for n in range(calls):
                (datas / f"{w}.{n}").write_bytes(_payload("crowd", w * calls + n))
        script = ('w=$1; shift; for n in $(seq 0 $(($#-1))); do "$0" hook < "$D/$w.$n" '
                  '2>>"$D/err"; done')
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        procs = [subprocess.Popen(["sh", "-c", script, str(launcher), str(w),
                                   *map(str, range(calls))], cwd=repo,
                                  env={**env, **extra, "D": str(datas)})
                 for w in range(writers)]
        for p in procs:
            p.wait()
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        got = _events(launcher, repo, env, "crowd")
        errs = (datas / "err").read_text().splitlines() if (datas / "err").exists() else []
        print(f"   {name:<22} wall {wall:6.1f} s   CPU {cpu:6.1f} s   recorded "
              f"{got}/{writers * calls}   hook stderr lines {len(errs)}"
              + (f" (e.g. {errs[0]!r})" if errs else ""))


def turn(launcher: Path, root: Path, env: dict[str, str]) -> None:
    repo = _repo(root / "turn", env)
    common = str(repo / ".git")
    prefix = refs.pending("turn")
    walls, most = [], 0
    prompt = json.dumps({"session_id": "turn", "hook_event_name": "UserPromptSubmit",
                         "prompt": "go"}).encode()
    _one([str(launcher), "hook"], prompt, repo, env)
    for n in range(400):
        walls.append(_one([str(launcher), "hook"], _payload("turn", n), repo, env))
        most = max(most, eventrefs.count_refs(str(repo), common, prefix, 10_000))
    stop = json.dumps({"session_id": "turn", "hook_event_name": "Stop"}).encode()
    _one([str(launcher), "hook"], stop, repo, env)
    folds = subprocess.run(["git", "rev-list", "--count", refs.live("turn")], cwd=repo, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    print(f"4. a 200-call turn (400 tool events, FOLD_AT {spill.FOLD_AT}): most pending refs "
          f"{most}; hook median {statistics.median(walls) * 1000:.1f} ms, slowest "
          f"{max(walls) * 1000:.0f} ms (a fold); commits on the session {folds}; recorded "
          f"{_events(launcher, repo, env, 'turn')}/402")


def storage(root: Path, env: dict[str, str], events: int) -> None:
    repo = _repo(root / "storage", env)
    os.environ.update({k: v for k, v in env.items() if k.startswith(("GIT_", "HOME", "XDG"))})
    store = Store.discover(str(repo))
    base = int(count_objects(repo)["count"])
    at = 1_790_000_000_000
    written = 0
    while written < events:
        for kind in ("UserPromptSubmit", *["tool"] * 400, "Stop"):
            if written == events:
                break
            at += 7
            written += 1
            data = (_payload("big", written) if kind == "tool" else
                    json.dumps({"session_id": "big", "hook_event_name": kind}).encode())
            agent_hook.run_payload(store, "claude", data, {"GITSESS_EVENT_TIME": str(at / 1000)})
    writer.settle(store, refs.live("big"), time.monotonic() + 60)
    loose = count_objects(repo)
    n_loose = int(loose["count"]) - base
    subprocess.run(["git", "gc", "-q"], cwd=repo, env=env, check=True)
    packed = count_objects(repo)
    pack_bytes = int(packed["size-pack"]) * 1024
    print(f"5. storage, a {events}-event session (in-process, the hook's own git calls):")
    print(f"   before gc: {n_loose} loose objects ({n_loose / events:.3f} per event, goal <= "
          f"{GOAL_LOOSE:.0f}: {'met' if n_loose / events <= GOAL_LOOSE else 'MISSED'}), "
          f"{int(loose['size']) * 1024 / events:.0f} bytes per event on disk")
    print(f"   after git gc: pack {pack_bytes} bytes, {pack_bytes / events:.0f} per event "
          f"(goal <= {GOAL_PACKED:.0f}: {'met' if pack_bytes / events <= GOAL_PACKED else 'MISSED'})"
          f"; {packed['count']} unreachable spill blobs left loose until gc.pruneExpire")


def count_objects(repo: Path) -> dict[str, str]:
    out = subprocess.run(["git", "count-objects", "-v"], cwd=repo, capture_output=True,
                         text=True, check=True).stdout
    return dict(line.split(": ", 1) for line in out.splitlines())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=60, help="one-event samples of each kind")
    ap.add_argument("--writers", type=int, default=50)
    ap.add_argument("--calls", type=int, default=20, help="hooks per writer")
    ap.add_argument("--events", type=int, default=10_000, help="events in the storage session")
    ap.add_argument("--hogs", type=int, default=4, help="`yes > /dev/null` processes in 3.")
    ap.add_argument("--only", default="12345", help="sections to run, e.g. 15")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="gitsess-bench-") as tmp:
        root = Path(tmp)
        home = root / "home"
        home.mkdir()
        (home / ".gitconfig").write_text("[user]\n\tname = Bench\n\temail = bench@example.com\n")
        env = _env(home)
        launcher = root / "git-sess"
        write_launcher(str(launcher))
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load "
              f"{os.getloadavg()[0]:.1f}; hooks run by the launcher install.sh writes (-IS)")
        if "1" in args.only:
            one_event(launcher, _repo(root / "one", env), env, args.samples)
        if "2" in args.only:
            print(f"2. {args.writers} writers x {args.calls} calls on one session:")
            crowd(launcher, root, env, args.writers, args.calls, "quiet")
        if "3" in args.only:
            print(f"3. the same with {args.hogs} x `yes > /dev/null` holding the CPUs:")
            hogs = [subprocess.Popen(["yes"], stdout=subprocess.DEVNULL) for _ in range(args.hogs)]
            try:
                crowd(launcher, root, env, args.writers, args.calls, "hog")
            finally:
                for h in hogs:
                    h.kill()
                    h.wait()
        if "4" in args.only:
            turn(launcher, root, env)
        if "5" in args.only:
            storage(root, env, args.events)
    return 0


if __name__ == "__main__":
    sys.exit(main())
