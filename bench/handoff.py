"""Handoff costs (issue 3), as ratios against floors measured in the same run.

A program, not a test (STYLE.md 15): it prints figures and asserts nothing.

    python bench/handoff.py [--rounds 9] [--events 10000]

1. Ordinary commits. `git commit` of a one-line change in a repository with
   `git sess install` against the same commit in a repository without hooks,
   alternating which goes first. Target: <= 1.5x. Git starts each hook file
   as a process (about 0.9 ms here, a fifth of the commit), so install keeps
   post-commit and prepare-commit-msg (AI disclosure, issue 14) parked until
   they have work (gitsess/store/hookfiles.py): an ordinary commit starts
   commit-msg alone, whose shell decides it is no handoff. A third
   repository also commits a policy with `disclosure: assisted-by` and has no
   live session: the same one hook. Target: <= 1.5x. Two more repositories,
   for reference, have one and three no-op `#!/bin/sh` hooks: what git's
   starting a hook costs whatever it runs (three were gitsess's before).

2. Handoffs. A full `git sess handoff --file` (compose, validate, reserve the
   id, the real `git commit` with both hooks, note, ref, live -> done) over a
   session of --events events, against the same handoff over a session of
   one event: the ratio shows the cost does not grow with the session
   (counters are read from the session ref's tip, no chain is walked).
   Target: the 10,000-event handoff under 1.5 s.

Between rounds the session is put back (its done ref removed, its live ref
restored at the same tip), so every round hands off the same events.
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

from benchenv import SESS, make_home, narrative

COMMIT_TARGET = 1.5
HANDOFF_TARGET_S = 1.5
DISCLOSURE_POLICY = "version: 1\ndisclosure: assisted-by\n"

def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - t


def _repo(path: Path, env: dict[str, str], *, hooks: bool, policy: str | None = None) -> Path:
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], env=env, check=True)
    (path / "f.txt").write_text("0\n")
    _run(["git", "add", "f.txt"], path, env)
    if policy is not None:
        (path / ".gitsess.yaml").write_text(policy)
        _run(["git", "add", ".gitsess.yaml"], path, env)
    _run(["git", "commit", "-q", "-m", "init"], path, env)
    if hooks:
        _run([*SESS, "install"], path, env)
    return path


NOOP = "#!/bin/sh\nexit 0\n"


def _noop_hooks(path: Path, env: dict[str, str], names: tuple[str, ...]) -> Path:
    """A repository whose hooks are no-op scripts: what git's starting them costs."""
    _repo(path, env, hooks=False)
    for name in names:
        hook = path / ".git" / "hooks" / name
        hook.write_text(NOOP)
        hook.chmod(0o755)
    return path


def bench_commits(root: Path, env: dict[str, str], rounds: int) -> dict[str, float]:
    """Median commit time per repository kind (see the module docstring)."""
    repos = {
        "plain": _repo(root / "plain", env, hooks=False),
        "hooked": _repo(root / "hooked", env, hooks=True),
        "disclosed": _repo(root / "disclosed", env, hooks=True, policy=DISCLOSURE_POLICY),
        "noop1": _noop_hooks(root / "noop1", env, ("commit-msg",)),
        "noop3": _noop_hooks(root / "noop3", env,
                             ("prepare-commit-msg", "commit-msg", "post-commit")),
    }
    times: dict[str, list[float]] = {k: [] for k in repos}
    for i in range(rounds * 3):
        order = list(repos.items()) if i % 2 == 0 else list(reversed(repos.items()))
        for kind, repo in order:
            (repo / "f.txt").write_text(f"{i + 1}\n")
            _run(["git", "add", "f.txt"], repo, env)
            times[kind].append(_run(["git", "commit", "-q", "-m", f"change {i}"], repo, env))
    return {k: statistics.median(v) for k, v in times.items()}


def _session(repo: Path, name: str, n: int) -> str:
    """A live session of n events written by the real telemetry writer; its tip."""
    from gitsess import refs
    from gitsess.commands import hook
    from gitsess.store import Store
    from gitsess.telemetry import event, writer

    store = Store.discover(str(repo))
    t0 = int(time.time() * 1000) - n * 1000
    kinds = [("PreToolUse", event.TOOL_START), ("PostToolUse", event.TOOL_END)]
    for i in range(n):
        if i == 0:
            ev = event.Event(kind=event.SESSION_START, name="SessionStart",
                             session_id=name, agent="claude-code", at_ms=t0, model="bench")
        else:
            hook_event, kind = kinds[i % 2]
            tool = ("Bash", "Read", "Edit", "mcp__notion__search")[(i // 2) % 4]
            ev = event.Event(kind=kind, name=hook_event, session_id=name, agent="claude-code",
                             at_ms=t0 + i * 1000, tool=tool, cwd=str(repo))
        writer.record(store, ev, deadline=time.monotonic() + 5, operator=hook.operator(store))
    tip = store.ref(refs.LIVE + name)
    assert tip is not None
    return tip


def _restore(repo: Path, env: dict[str, str], name: str, tip: str) -> None:
    """The session live again at `tip`: the last round's retire and its claim
    (gitsess.handoff.claims) undone, else the handoff finds the events claimed."""
    for ref in (f"refs/sess/done/{name}", f"refs/sess/local/claims/{name}"):
        subprocess.run(["git", "update-ref", "-d", ref], cwd=repo, env=env,
                       check=False, capture_output=True)
    _run(["git", "update-ref", f"refs/sess/live/{name}", tip], repo, env)


def bench_handoffs(root: Path, env: dict[str, str], rounds: int, events: int,
                   ) -> tuple[float, float, float]:
    big = _repo(root / "big", env, hooks=True)
    small = _repo(root / "small", env, hooks=True)
    old = os.environ.copy()
    os.environ.update(env)  # the writer reads the operator from this HOME's config
    try:
        t = time.perf_counter()
        big_tip = _session(big, "big", events)
        build = time.perf_counter() - t
        small_tip = _session(small, "small", 1)
    finally:
        os.environ.clear()
        os.environ.update(old)
    notes = root / "narrative.md"
    notes.write_text(narrative())
    cmd = [*SESS, "handoff", "--file", str(notes)]
    times: dict[Path, list[float]] = {big: [], small: []}
    for i in range(rounds):
        for repo, name, tip in ((big, "big", big_tip), (small, "small", small_tip))[:: 1 if i % 2
                                                                                     else -1]:
            _restore(repo, env, name, tip)
            times[repo].append(_run([*cmd, "--session", name], repo, env))
    return statistics.median(times[small]), statistics.median(times[big]), build


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--events", type=int, default=10000)
    ap.add_argument("--commits-only", action="store_true", help="Skip the handoff figures.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="gitsess-bench-") as tmp:
        root = Path(tmp)
        _home, env = make_home(root)
        med = bench_commits(root, env, args.rounds)
        plain = med["plain"]
        print(f"ordinary git commit, median of {args.rounds * 3}:")
        print(f"  {'without hooks (floor)':<32}{plain * 1000:7.1f} ms")
        for label, t in (("with gitsess hooks", med["hooked"]),
                         ("+ disclosure policy, no session", med["disclosed"])):
            ratio = t / plain
            print(f"  {label:<32}{t * 1000:7.1f} ms   ratio {ratio:.2f}x  "
                  f"(target <= {COMMIT_TARGET}x: {'ok' if ratio <= COMMIT_TARGET else 'MISSED'})")
        for label, t in (("1 no-op sh hook (reference)", med["noop1"]),
                         ("3 no-op sh hooks (reference)", med["noop3"])):
            print(f"  {label:<32}{t * 1000:7.1f} ms   ratio {t / plain:.2f}x")
        if args.commits_only:
            return 0
        small, big, build = bench_handoffs(root, env, args.rounds, args.events)
        print(f"git sess handoff --file, median of {args.rounds}:")
        label = f"session of {args.events:,} events"
        print(f"  {'session of 1 event (floor)':<32}{small * 1000:7.1f} ms")
        print(f"  {label:<32}{big * 1000:7.1f} ms   ratio "
              f"{big / small:.2f}x   (target < {HANDOFF_TARGET_S} s: "
              f"{'ok' if big < HANDOFF_TARGET_S else 'MISSED'})")
        print(f"  (writing the {args.events:,} events through the hook writer took {build:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
