"""Pre-push overhead: `git push` of 10 commits, one a handoff, with gitsess
installed, as a ratio to the same push without gitsess, in the same run.

A program, not a test (STYLE.md 15): it prints figures and asserts nothing.

    python bench/prepush.py [--rounds 15] [--daemon]

Two repositories start from one commit: "plain" has no hooks, "gitsess" has
`git sess install` (all four shims, chaining nothing). Each round adds 10
commits to both, the last one a handoff commit (trailers, a schema-valid
record note, its handoff ref, a telemetry session), then times `git push`
of main to each one's own bare remote, alternating which goes first. With
gitsess the push also runs the guard (the handoff's record and invariants)
and sends refs/sess/* and refs/notes/sess (a second push). --daemon pushes
over `git daemon` on 127.0.0.1 instead of to a local path.

A second scenario, agent activity: each round adds 10 commits and no
handoff; with gitsess one telemetry event also moves a live session ref, so
the push sends refs/sess/* and refs/notes/sess too (from the shim itself:
no handoff to check, so no Python).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

TARGET = 2.0  # issue 5: at most 2x the push without gitsess
SESS = [str(Path(sys.executable).parent / "git-sess")]
if not Path(SESS[0]).exists():
    SESS = [sys.executable, "-m", "gitsess.main"]


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "CLAUDE_", "GITSESS_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), GIT_CONFIG_NOSYSTEM="1",
               GIT_CONFIG_GLOBAL=str(home / ".gitconfig"), TZ="UTC")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed gitsess has its bytecode
    return env


def _git(cwd: Path, env: dict[str, str], *args: str, input: str | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True, input=input).stdout.strip()


def _record(hid: str, session: str, oid: str) -> str:
    from gitsess import record

    front = {
        "v": 1, "id": hid, "operator": "RT", "email": "rosa@example.com", "title": f"bench {hid}",
        "workstream": "bench", "phase": None, "branch": "main", "commit": oid,
        "started_at": "2026-11-26T08:00:00Z", "ended_at": "2026-11-26T09:00:00Z",
        "git": {"commits": 10, "files_changed": 10, "insertions": 10, "deletions": 0,
                "first_commit_at": None, "last_commit_at": None, "range": None},
        "sessions": [{"id": session, "agent": "claude-code", "model": None}],
        "telemetry": {"events": 1, "tool_calls": 1, "tools": {"Bash": 1}, "mcp": {},
                      "subagents": 0, "prompts": 0, "failures": 0, "compactions": 0,
                      "active_min_estimate": 1.0, "interruptions_count": 0},
        "invariants": [], "handoff_write_min": 1.0, "confidence": "H",
        "resume_prompt": "Carry on.",
    }
    return record.render(record.Record(front, {"Summary": "bench", "Resume Prompt": "Carry on."}))


def _round(repo: Path, env: dict[str, str], n: int, with_sess: bool) -> None:
    for i in range(9):
        (repo / f"f{n}-{i}.txt").write_text(f"{n} {i}\n")
        _git(repo, env, "add", "-A")
        _git(repo, env, "commit", "-q", "--no-verify", "-m", f"work {n}.{i}")
    hid, session = f"RT-261126-{n + 1:02d}", f"bench-{n}"
    if with_sess:
        payload = {"session_id": session, "hook_event_name": "PreToolUse", "tool_name": "Bash",
                   "cwd": str(repo)}
        subprocess.run([*SESS, "hook"], cwd=repo, env=env, input=json.dumps(payload).encode(),
                       check=True, capture_output=True)
    (repo / f"h{n}.txt").write_text("handoff\n")
    _git(repo, env, "add", "-A")
    msg = (f"handoff(bench): round {n}\n\n## Summary\n\nbench\n\nSess-Id: {hid}\n"
           f"Sess-Operator: RT\nSess-Workstream: bench\nSess-Session: {session}\n")
    _git(repo, env, "commit", "-q", "--no-verify", "-F", "-", input=msg)
    if with_sess:
        oid = _git(repo, env, "rev-parse", "HEAD")
        _git(repo, env, "notes", "--ref=sess", "add", "-F", "-", oid,
             input=_record(hid, session, oid))
        _git(repo, env, "update-ref", f"refs/sess/h/RT/{hid}", oid)


def _activity_round(repo: Path, env: dict[str, str], n: int, with_sess: bool) -> None:
    for i in range(10):
        (repo / f"a{n}-{i}.txt").write_text(f"{n} {i}\n")
        _git(repo, env, "add", "-A")
        _git(repo, env, "commit", "-q", "--no-verify", "-m", f"activity {n}.{i}")
    if with_sess:
        payload = {"session_id": "agent", "hook_event_name": "PreToolUse", "tool_name": "Bash",
                   "cwd": str(repo)}
        subprocess.run([*SESS, "hook"], cwd=repo, env=env, input=json.dumps(payload).encode(),
                       check=True, capture_output=True)


def _measure(repos: dict[str, Path], env: dict[str, str], rounds: int,
             make: Callable[[Path, dict[str, str], int, bool], None],
             times: dict[str, list[float]]) -> None:
    for n in range(rounds):
        for name, repo in repos.items():
            make(repo, env, n, name == "gitsess")
        order = ["plain", "gitsess"] if n % 2 == 0 else ["gitsess", "plain"]
        for name in order:
            times[name].append(_time_push(repos[name], env))
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import pygit2"], env=env, check=True)
        times.setdefault("floor", []).append(time.perf_counter() - t0)


def _time_push(repo: Path, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(["git", "push", "-q", "origin", "main"], cwd=repo, env=env,
                          capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if proc.returncode != 0 or "gitsess:" in proc.stderr:
        raise SystemExit(f"push failed or did not send session refs:\n{proc.stderr}")
    return dt


@contextlib.contextmanager
def _daemon(base: Path) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["git", "daemon", "--reuseaddr", "--listen=127.0.0.1",
                             f"--port={port}", "--export-all", "--enable=receive-pack",
                             f"--base-path={base}", str(base)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.1):
                break
            time.sleep(0.05)
        yield f"git://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--daemon", action="store_true", help="push over git daemon on 127.0.0.1")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="gitsess-bench-") as tmp:
        root = Path(tmp)
        home = root / "home"
        home.mkdir()
        (home / ".gitconfig").write_text("[user]\n\tname = Bench\n\temail = b@example.com\n"
                                         "[init]\n\tdefaultBranch = main\n")
        env = _env(home)
        with contextlib.ExitStack() as stack:
            base = stack.enter_context(_daemon(root)) if args.daemon else str(root)
            repos = {}
            for name in ("plain", "gitsess"):
                _git(root, env, "init", "-q", "--bare", f"{name}.git")
                repo = root / name
                _git(root, env, "init", "-q", "-b", "main", name)
                _git(repo, env, "commit", "-q", "--allow-empty", "-m", "initial")
                _git(repo, env, "remote", "add", "origin", f"{base}/{name}.git")
                if name == "gitsess":
                    subprocess.run([*SESS, "install"], cwd=repo, env=env, check=True,
                                   capture_output=True)
                _git(repo, env, "push", "-q", "origin", "main")
                repos[name] = repo
            times: dict[str, list[float]] = {"plain": [], "gitsess": []}
            _measure(repos, env, args.rounds, _round, times)
            remote = root / "gitsess.git"
            sent = _git(remote, env, "for-each-ref", "--format=%(refname)", "refs/sess/",
                        "refs/notes/")
            activity: dict[str, list[float]] = {"plain": [], "gitsess": []}
            _measure(repos, env, args.rounds, _activity_round, activity)
            agent = "refs/sess/live/agent"
            if _git(remote, env, "rev-parse", agent) != _git(repos["gitsess"], env, "rev-parse",
                                                               agent):
                raise SystemExit("agent activity: the live session ref did not reach the remote")
        plain = statistics.median(times["plain"])
        sess = statistics.median(times["gitsess"])
        ratio = sess / plain
        where = "git daemon on 127.0.0.1" if args.daemon else "a local bare repository"
        print(f"push of 10 commits (1 handoff) to {where}, {args.rounds} rounds, median:")
        print(f"  without gitsess  {plain * 1000:7.1f} ms")
        print(f"  with gitsess     {sess * 1000:7.1f} ms   (guard + refs/sess + notes pushed:"
              f" {len(sent.splitlines())} refs on the remote)")
        print(f"  ratio            {ratio:7.2f}x   (target <= {TARGET:.1f}x:"
              f" {'met' if ratio <= TARGET else 'NOT met'})")
        floor = statistics.median(times["floor"])
        print(f"  for scale: one `python -c 'import pygit2'` takes {floor * 1000:.1f} ms"
              f" ({floor / plain:.2f}x the plain push); gitsess adds"
              f" {(sess - plain) * 1000:.1f} ms: the shim, one Python (guard + record check),"
              " and a second push for refs/sess/* and refs/notes/sess")
        plain = statistics.median(activity["plain"])
        sess = statistics.median(activity["gitsess"])
        ratio = sess / plain
        print(f"push of 10 commits (no handoff, a live session ref moved) to {where},"
              f" {args.rounds} rounds, median:")
        print(f"  without gitsess  {plain * 1000:7.1f} ms")
        print(f"  with gitsess     {sess * 1000:7.1f} ms   (the shim sends refs/sess + notes"
              " itself: no Python)")
        print(f"  ratio            {ratio:7.2f}x   (target <= {TARGET:.1f}x:"
              f" {'met' if ratio <= TARGET else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
