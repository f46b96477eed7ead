"""Benchmark: `git sess resume --all` and `git sess log -n 50` at team scale.

(`--all`: the unbounded text, every peer line; plain `resume` shows less.)

    python bench/resume.py [--runs 7] [--dir DIR]

Builds repositories with bench/gen_repo.py (100,000 commits, 500 branches of
which 100 remote-tracking, 50 operators, 200 workstreams) at 1,000 and at
10,000 handoffs, then times each command from a cold process (a new
`git-sess` process per run, no cache of any kind) as the median of RUNS
runs, printed as a ratio to `git for-each-ref` over the same repository.
The figures are printed, never asserted (STYLE.md 15); the outputs are
checked for sense.

The generated refs are packed, as a clone or gc leaves them. A last row
times the 10,000-handoff repository again with every ref loose, as a run of
fetches leaves them before the next gc: there reading 10,000 ref files is
the floor, for git as for gitsess.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_repo import generate

HANDOFFS = (1_000, 10_000)
TARGET_S = 0.5


def git_sess() -> list[str]:
    candidate = Path(sys.executable).parent / "git-sess"
    return [str(candidate)] if candidate.exists() else [sys.executable, "-m", "gitsess.main"]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GITSESS_"))}


def timed(cmd: list[str], cwd: str, runs: int) -> tuple[float, str]:
    """Median wall time of `runs` cold runs, and the last run's stdout."""
    times = []
    out = ""
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=_env())
        times.append(time.perf_counter() - started)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.strip()}")
        out = proc.stdout
    return statistics.median(times), out


def check(resume_out: str, log_out: str) -> None:
    """The commands must have done their work for the timings to mean anything."""
    lines = resume_out.splitlines()
    assert lines[0].startswith("Last handoff: op00-"), lines[:2]
    assert "Resume prompt:" in lines and "Your workstreams:" in lines
    assert sum(1 for x in lines if x.startswith("Peer activity — ")) == 49
    assert sum(1 for x in lines if ": active now (" in x) == 5
    assert len(log_out.splitlines()) == 50


def unpack_refs(path: str) -> None:
    """Every ref as a loose file, packed-refs emptied (what fetches leave)."""
    listing = subprocess.run(["git", "-C", path, "for-each-ref", "--format=%(objectname) %(refname)"],
                             check=True, capture_output=True, text=True, env=_env()).stdout
    git_dir = Path(path, ".git")
    for line in listing.splitlines():
        oid, name = line.split(" ", 1)
        target = git_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(oid + "\n")
    (git_dir / "packed-refs").write_text("# pack-refs with: peeled fully-peeled sorted \n")


def measure(path: str, runs: int) -> dict[str, float]:
    sess = git_sess()
    floor, _ = timed(["git", "for-each-ref"], path, runs)
    python, _ = timed([*sess, "--version"], path, runs)
    resume, resume_out = timed([*sess, "resume", "--all"], path, runs)  # unbounded: all of it
    log, log_out = timed([*sess, "log", "-n", "50"], path, runs)
    check(resume_out, log_out)
    return {"floor": floor, "python": python, "resume": resume, "log": log}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--dir", help="build the repositories here and keep them")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gitsess-bench-") as tmp:
        base = Path(args.dir or tmp)
        base.mkdir(parents=True, exist_ok=True)
        results = {}
        for n in HANDOFFS:
            path = str(base / f"h{n}")
            started = time.monotonic()
            if not Path(path, ".git").exists():
                generate(path, handoffs=n)
            built = time.monotonic() - started
            results[f"{n:,}"] = measure(path, args.runs)
            print(f"built {n:,} handoffs in {built:.1f} s", file=sys.stderr)
        unpack_refs(path)
        results[f"{HANDOFFS[-1]:,} loose"] = measure(path, args.runs)
    ms = 1000.0
    print("git sess resume / log benchmark: 100,000 commits, 500 branches (100 remote-tracking),")
    print(f"50 operators, 200 workstreams; median of {args.runs} cold runs; "
          "ratio = time / `git for-each-ref`")
    print(f"{'handoffs':>12}  {'for-each-ref':>12}  {'git-sess --version':>18}  "
          f"{'resume':>16}  {'log -n 50':>16}")
    for label, r in results.items():
        print(f"{label:>12}  {r['floor'] * ms:>9.1f} ms  {r['python'] * ms:>15.1f} ms  "
              f"{r['resume'] * ms:>6.0f} ms ({r['resume'] / r['floor']:>4.1f}x)  "
              f"{r['log'] * ms:>6.0f} ms ({r['log'] / r['floor']:>4.1f}x)")
    small, big = results[f"{HANDOFFS[0]:,}"], results[f"{HANDOFFS[-1]:,}"]
    grow = HANDOFFS[-1] / HANDOFFS[0]
    for key, name in (("resume", "resume"), ("log", "log -n 50")):
        over_small = small[key] - small["python"]
        over_big = big[key] - big["python"]
        print(f"{name}: x{big[key] / small[key]:.2f} from {HANDOFFS[0]:,} to {HANDOFFS[-1]:,} "
              f"handoffs (x{grow:.0f} would be linear); beyond interpreter start-up "
              f"x{over_big / over_small:.2f}, {over_big / HANDOFFS[-1] * 1e6:.1f} us per handoff; "
              f"target {TARGET_S * ms:.0f} ms: {'met' if big[key] < TARGET_S else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
