"""Wall time of one `git-sess hook` process, against the floor `python -c "import pygit2"`.

A program, not a test (STYLE.md 15): it prints figures and ratios measured in
one run with one interpreter, and asserts nothing.

    python bench/hook_latency.py [--samples 200] [--writers 50] [--rounds 6]

One writer: floor and hook processes are started alternately, one at a time,
so drift (CPU frequency, page cache, other load) lands on both alike. A third
row, the floor ended by os._exit, shows what interpreter shutdown costs: the
hook skips it (gitsess/main.py), so the hook's figure is its own work plus
the floor minus shutdown; every ratio is against the plain floor. Fifty
writers: each round starts 50 hook processes on one session at once and
times each from its spawn to its exit; a round of 50 concurrent floor
processes, timed the same way, is interleaved with every hook round.

The hook is the installed console script next to the interpreter
(`<python dir>/git-sess hook`), fed a PreToolUse payload on stdin exactly as
Claude Code calls it, in a throwaway repository with a hermetic HOME.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 1.15  # issue 2: median for one writer <= 1.15x the floor


def _env(home: Path, pycache: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "CLAUDE_"))}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
    )
    if pycache is not None:
        # An installed gitsess has its bytecode compiled (pip does it at
        # install; Python does it on first import). A sandbox that sets
        # PYTHONDONTWRITEBYTECODE would make every hook recompile gitsess
        # from source, measuring the sandbox, not gitsess. A private cache
        # dir gives floor and hook the same footing without writing into
        # the source tree.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def _payload(session: str, n: int) -> bytes:
    return json.dumps(
        {
            "session_id": session,
            "transcript_path": f"/tmp/{session}.jsonl",
            "cwd": "/work/project",
            "permission_mode": "default",
            # Pre and Post of one call alternate, each naming the call by its
            # tool_use_id, so the open-call set (issue 11) is on the measured path.
            "hook_event_name": "PostToolUse" if n % 2 else "PreToolUse",
            "tool_use_id": f"toolu_bench{n // 2:08d}",
            "tool_name": "Bash" if n % 3 else "mcp__notion__search",
            "tool_input": {"command": f"ls -la src/{n}", "description": "List files"},
        }
    ).encode()


def _one(cmd: list[str], data: bytes | None, cwd: Path, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, input=data, cwd=cwd, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0 or proc.stderr:
        sys.exit(f"bench: {cmd[-1]} failed ({proc.returncode}): {proc.stderr.decode()[:300]}")
    return elapsed


def _crowd(
    cmd: list[str], datas: list[bytes | None], cwd: Path, env: dict[str, str], errors: list[str]
) -> list[float]:
    """Start len(datas) processes at once; each one's wall time from spawn to exit.

    Whatever they print on stderr (a hook's one-line complaint) goes to `errors`.
    """
    started: dict[int, float] = {}
    procs: dict[int, subprocess.Popen[bytes]] = {}
    for data in datas:
        t0 = time.perf_counter()
        p = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,  # one line at most: fits the pipe until we read it
            cwd=cwd,
            env=env,
        )
        started[p.pid] = t0
        procs[p.pid] = p
        if data is not None and p.stdin is not None:
            p.stdin.write(data)  # a few hundred bytes: fits the pipe buffer
            p.stdin.close()
    out = []
    while procs:
        # os.wait reaps whichever finishes first, so each end time is its own.
        pid, status = os.wait()
        end = time.perf_counter()
        if pid not in procs:
            continue
        p = procs.pop(pid)
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            sys.exit(f"bench: {cmd[-1]} exited {p.returncode}")
        out.append(end - started[pid])
        if p.stderr is not None:
            errors += p.stderr.read().decode("utf-8", "replace").splitlines()
            p.stderr.close()
    return out


def _p99(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[98] if len(xs) > 1 else xs[0]


def _row(label: str, xs: list[float], floor: float) -> str:
    med, p99 = statistics.median(xs), _p99(xs)
    return (
        f"{label:<34} n={len(xs):<5} median {med * 1000:7.1f} ms ({med / floor:4.2f}x)"
        f"   p99 {p99 * 1000:7.1f} ms ({p99 / floor:4.2f}x)"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=200, help="one-writer samples of each kind")
    ap.add_argument("--writers", type=int, default=50, help="concurrent writers on one session")
    ap.add_argument("--rounds", type=int, default=6, help="rounds of concurrent writers")
    ap.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="run children with the caller's PYTHON* settings as they are",
    )
    args = ap.parse_args()

    script = Path(sys.executable).parent / "git-sess"
    if not script.exists():
        sys.exit(f"bench: no console script at {script}; pip install the package first")
    floor_cmd = [sys.executable, "-c", "import pygit2"]
    # For reference: the floor without interpreter shutdown, which the hook
    # skips (gitsess/main.py _exit_now). Ratios are against the plain floor.
    bare_cmd = [sys.executable, "-c", "import os, pygit2; os._exit(0)"]
    hook_cmd = [str(script), "hook"]

    with tempfile.TemporaryDirectory(prefix="gitsess-bench-") as tmp:
        home, repo = Path(tmp, "home"), Path(tmp, "repo")
        home.mkdir()
        (home / ".gitconfig").write_text("[user]\n\tname = Bench\n\temail = bench@example.com\n")
        env = _env(home, None if args.no_bytecode_cache else Path(tmp, "pycache"))
        subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=env)
        subprocess.run(
            ["git", "commit", "-q", "--allow-empty", "-m", "initial"], cwd=repo, check=True, env=env
        )
        # Warm up: page cache, .pyc files, and each session's first event
        # (which also records who started it) out of the samples.
        for session in ("one", "crowd"):
            _one(hook_cmd, _payload(session, 0), repo, env)
        for _ in range(5):
            _one(floor_cmd, None, repo, env)

        floor1, bare1, hook1 = [], [], []
        for i in range(args.samples):
            floor1.append(_one(floor_cmd, None, repo, env))
            hook1.append(_one(hook_cmd, _payload("one", i + 1), repo, env))
            bare1.append(_one(bare_cmd, None, repo, env))

        floorN: list[float] = []
        hookN: list[float] = []
        errors: list[str] = []
        for r in range(args.rounds):
            floorN += _crowd(floor_cmd, [None] * args.writers, repo, env, [])
            datas: list[bytes | None] = [
                _payload("crowd", r * args.writers + i + 1) for i in range(args.writers)
            ]
            hookN += _crowd(hook_cmd, datas, repo, env, errors)

        status = subprocess.run(
            [str(script), "status", "--json"], cwd=repo, env=env, capture_output=True, check=True
        )
        events = {s["session_id"]: s["events"] for s in json.loads(status.stdout)["sessions"]}

    floor = statistics.median(floor1)
    crowd_floor = statistics.median(floorN)
    print(f"python {sys.version.split()[0]} ({sys.executable}), {os.cpu_count()} CPUs")
    cache = "as the caller set it" if args.no_bytecode_cache else "private PYTHONPYCACHEPREFIX"
    print(f"bytecode cache: {cache}")
    print(f"floor: python -c 'import pygit2', median {floor * 1000:.1f} ms")
    print(_row("floor, one process", floor1, floor))
    print(_row("floor without shutdown (os._exit)", bare1, floor))
    print(_row("hook, one writer", hook1, floor))
    print(_row(f"floor, {args.writers} at once", floorN, floor))
    print(_row(f"hook, {args.writers} writers on one session", hookN, floor))
    print(
        f"{args.writers} writers vs {args.writers} concurrent floors: median "
        f"{statistics.median(hookN) / crowd_floor:.2f}x, p99 {_p99(hookN) / _p99(floorN):.2f}x"
    )
    ratio = statistics.median(hook1) / floor
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(f"target: one-writer median <= {TARGET:.2f}x floor: {ratio:.2f}x, {verdict}")
    want = {"one": args.samples + 1, "crowd": args.rounds * args.writers + 1}
    print(f"events recorded: {events} (expected {want})")
    print(f"hook stderr lines from the concurrent rounds: {len(errors)}")
    for line in sorted(set(errors))[:5]:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
