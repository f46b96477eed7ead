"""What 10,000 session refs cost a handoff and a sync (issue 12), as ratios
against the same commands in a twin repository without them, in the same run.

A program, not a test (STYLE.md 15): it prints figures and asserts nothing.

    python bench/refs.py [--refs 10000] [--rounds 5]

Two repositories are built alike: one commit on main, pushed to a bare
remote of their own, `git sess install`, and one untimed `git sess sync`.
The remote of "many" also holds --refs session refs of peers, made with
`git update-ref --stdin`: half of them handoff refs (refs/sess/h/<op>/<id>),
half live sessions (refs/sess/live/<session>). The untimed sync fetches them
into refs/sess/remotes/origin/, as a long-lived team clone gathers them;
fetches run with --no-auto-gc, so they stay loose.

Each round times, in both repositories and alternating which goes first:
a plain `git fetch` of the remote (git's own share of a sync, printed
below it), one no-op `git sess sync` (nothing new on either side), then one
`git sess handoff --file --allow-empty` (compose, validate, reserve the id,
the real `git commit` with both hooks, note, ref). All of it runs first with
the refs loose, then again after `git pack-refs --all` in both repositories.

Run it with another install's python (its `git-sess` is the one next to the
interpreter) to measure that install: the same repositories, the same figures.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchenv import SESS, make_home, narrative


def _run(cmd: list[str], cwd: Path, env: dict[str, str], input: bytes | None = None) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, input=input, capture_output=True, check=False)
    took = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd.name}:\n"
                         f"{proc.stderr.decode('utf-8', 'replace')}")
    return took


# What a sync's fetch costs git alone (install's refspecs bring the session
# refs): the floor under the sync's figure that gitsess cannot lower.
FETCH = ["git", "fetch", "--quiet", "--prune", "--no-auto-gc", "origin"]


def _repo(root: Path, name: str, env: dict[str, str]) -> Path:
    bare = root / f"{name}.git"
    repo = root / name
    _run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], root, env)
    _run(["git", "init", "-q", "-b", "main", str(repo)], root, env)
    (repo / "f.txt").write_text("0\n")
    _run(["git", "add", "f.txt"], repo, env)
    _run(["git", "commit", "-q", "-m", "init"], repo, env)
    _run(["git", "remote", "add", "origin", str(bare)], repo, env)
    _run(["git", "push", "-q", "-u", "origin", "main"], repo, env)
    _run([*SESS, "install"], repo, env)
    return repo


def _many_refs(bare: Path, env: dict[str, str], count: int) -> None:
    """`count` session refs of peers on the remote, all on main's first commit."""
    tip = subprocess.run(["git", "rev-parse", "main"], cwd=bare, env=env, check=True,
                         capture_output=True, text=True).stdout.strip()
    lines = []
    for i in range(count // 2):
        op = f"peer{i % 40}"
        lines.append(f"create refs/sess/h/{op}/{op}-250101-{i:05d} {tip}\n")
    for i in range(count - count // 2):
        lines.append(f"create refs/sess/live/peer-session-{i:05d} {tip}\n")
    _run(["git", "update-ref", "--stdin"], bare, env, input="".join(lines).encode())


def _measure(repos: dict[str, Path], env: dict[str, str], notes: Path,
             rounds: int) -> dict[str, dict[str, float]]:
    times: dict[str, dict[str, list[float]]] = {
        cmd: {name: [] for name in repos} for cmd in ("fetch", "sync", "handoff")}
    handoff = [*SESS, "handoff", "--file", str(notes), "--allow-empty"]
    for i in range(rounds):
        order = list(repos) if i % 2 == 0 else list(reversed(repos))
        for name in order:
            times["fetch"][name].append(_run(FETCH, repos[name], env))
        for name in order:
            times["sync"][name].append(_run([*SESS, "sync"], repos[name], env))
        for name in order:
            times["handoff"][name].append(_run(handoff, repos[name], env))
    return {cmd: {name: statistics.median(t) for name, t in by.items()}
            for cmd, by in times.items()}


def _report(title: str, figures: dict[str, dict[str, float]], count: int, rounds: int) -> None:
    print(f"{title}, median of {rounds}:")
    for cmd, label in (("handoff", "git sess handoff --file"), ("sync", "git sess sync (no-op)"),
                       ("fetch", "  git's share: git fetch")):
        floor, many = figures[cmd]["few"], figures[cmd]["many"]
        print(f"  {label:<26} without: {floor * 1000:7.1f} ms   with {count:,} refs: "
              f"{many * 1000:7.1f} ms   ratio {many / floor:.2f}x")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--refs", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="gitsess-bench-") as tmp:
        root = Path(tmp)
        _home, env = make_home(root)
        notes = root / "narrative.md"
        notes.write_text(narrative())
        repos = {name: _repo(root, name, env) for name in ("few", "many")}
        _many_refs(root / "many.git", env, args.refs)
        for repo in repos.values():  # the first sync fetches the peers' refs
            _run([*SESS, "sync"], repo, env)
        fetched = subprocess.run(["git", "for-each-ref", "--format=%(refname)", "refs/sess/"],
                                 cwd=repos["many"], env=env, capture_output=True, text=True,
                                 check=True).stdout.count("\n")
        print(f"gitsess: {SESS[0]}; {fetched:,} session refs in the clone with many")
        _report("refs loose", _measure(repos, env, notes, args.rounds), args.refs, args.rounds)
        for repo in repos.values():
            _run(["git", "pack-refs", "--all"], repo, env)
        _report("refs packed", _measure(repos, env, notes, args.rounds), args.refs, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
