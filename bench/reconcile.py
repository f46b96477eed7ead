"""What reading the transcript adds to a handoff (issue 11), against a floor
measured in the same run.

A program, not a test (STYLE.md 15): it prints figures and asserts nothing.

    python bench/reconcile.py [--rounds 7] [--mb 3.5]

A session whose hooks recorded its Claude Code transcript (--mb MB, in
Claude Code's own line format, streamed messages repeated per content block)
and three subagent files (one nested under subagents/workflows/) is handed
off with `git sess handoff --file`, alternately with the reading on and off
(`sess.reconcile`), the session put back between rounds. The floor is the
handoff with the reading off. Target: at most +1.0 s.

It also prints the CPU-seconds per MB the reader spends (in this process,
time.process_time over gitsess.transcripts.agentlogs.read_claude), and the handoff's
own extra CPU (children's rusage) per MB it read. The handoff reads the
transcripts twice: when it composes the record and when commit-msg
recomputes it from the commit message.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from benchenv import SESS, make_home, narrative

TARGET_S = 1.0
SESSION = "7d3c2a1e-5b4f-4e6a-9c8d-1f2e3a4b5c6d"
CWD = "/work/bench-project"


def _line(kind: str, n: int, agent: str | None, **more: Any) -> str:
    d: dict[str, Any] = {"parentUuid": f"u{n - 1}", "isSidechain": agent is not None,
                         "userType": "external", "cwd": CWD, "sessionId": SESSION,
                         "version": "2.1.3", "gitBranch": "main", "type": kind,
                         "uuid": f"u{n}", "timestamp": "2026-11-26T08:00:00.000Z", **more}
    if agent:
        d["agentId"] = agent
    return json.dumps(d) + "\n"


def transcript(path: Path, size: int, agent: str | None = None) -> int:
    """A Claude Code transcript of about `size` bytes; returns its tool calls."""
    path.parent.mkdir(parents=True, exist_ok=True)
    usage = {"input_tokens": 4, "output_tokens": 300, "cache_creation_input_tokens": 2000,
             "cache_read_input_tokens": 60000}
    n = calls = 0
    body = "x" * 1500  # a tool output of a typical size
    with open(path, "w") as fh:
        written = 0
        while written < size:
            n += 1
            mid, rid, cid = f"msg_{agent}{n}", f"req_{agent}{n}", f"toolu_{agent}{n}"
            blocks = [{"type": "thinking", "thinking": "thinking " * 40, "signature": "Eq" * 60},
                      {"type": "text", "text": "Looking at the file now. " * 8},
                      {"type": "tool_use", "id": cid, "name": ("Read", "Bash", "Edit")[n % 3],
                       "input": {"file_path": f"/src/{n}.py"}}]
            for b in blocks:  # streamed: one line per block, same id, request id and usage
                msg = {"id": mid, "type": "message", "role": "assistant",
                       "model": "claude-opus-4-5", "content": [b], "usage": usage}
                written += fh.write(_line("assistant", n, agent, requestId=rid, message=msg))
            result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": cid,
                                                   "content": body, "is_error": n % 17 == 0}]}
            written += fh.write(_line("user", n, agent, message=result,
                                      toolUseResult={"stdout": body}))
            calls += 1
    return calls


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, children's CPU seconds) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"bench: {' '.join(cmd[-4:])} failed:\n"
                         + proc.stderr.decode("utf-8", "replace"))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--mb", type=float, default=3.5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="gitsess-bench-") as tmp:
        root = Path(tmp)
        home, env = make_home(root)
        folder = home / ".claude" / "projects" / CWD.replace("/", "-")
        main_path = folder / f"{SESSION}.jsonl"
        calls = transcript(main_path, int(args.mb * (1 << 20)))
        agents = [folder / SESSION / "subagents" / "agent-a1.jsonl",
                  folder / SESSION / "subagents" / "agent-a2.jsonl",
                  folder / SESSION / "subagents" / "workflows" / "wf1" / "agent-a3.jsonl"]
        for i, p in enumerate(agents):
            calls += transcript(p, 300 << 10, agent=f"a{i + 1}")
        size = sum(p.stat().st_size for p in [main_path, *agents])
        main_mb = main_path.stat().st_size / (1 << 20)

        repo = root / "repo"
        subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], env=env, check=True)
        subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "init"], cwd=repo,
                       env=env, check=True)
        subprocess.run([*SESS, "install"], cwd=repo, env=env, check=True, capture_output=True)
        payload = {"session_id": SESSION, "transcript_path": str(main_path), "cwd": str(repo),
                   "hook_event_name": "SessionStart", "source": "startup"}
        subprocess.run([*SESS, "hook"], cwd=repo, env=env, check=True, capture_output=True,
                       input=json.dumps(payload).encode())
        tip = subprocess.run(["git", "rev-parse", f"refs/sess/live/{SESSION}"], cwd=repo,
                             env=env, check=True, capture_output=True, text=True).stdout.strip()
        notes = root / "narrative.md"
        notes.write_text(narrative())

        from gitsess.transcripts import agentlogs

        t = time.process_time()
        counted = agentlogs.read_claude(str(main_path))
        reader_cpu = time.process_time() - t

        walls: dict[bool, list[float]] = {True: [], False: []}
        cpus: dict[bool, list[float]] = {True: [], False: []}
        order = [i % 4 in (1, 2) for i in range(args.rounds * 2)]  # ABBA: off, on, on, off
        for on in order if order[-1] else order[::-1]:  # the last one on: its record is shown
            subprocess.run(["git", "config", "sess.reconcile", "true" if on else "false"],
                           cwd=repo, env=env, check=True)
            # Each round hands off the same events again: undo the last
            # round's retire and its claim (gitsess.handoff.claims), or the handoff
            # would find them claimed and nothing left to hand off.
            for ref in (f"refs/sess/done/{SESSION}", f"refs/sess/local/claims/{SESSION}"):
                subprocess.run(["git", "update-ref", "-d", ref], cwd=repo,
                               env=env, check=False, capture_output=True)
            subprocess.run(["git", "update-ref", f"refs/sess/live/{SESSION}", tip], cwd=repo,
                           env=env, check=True)
            wall, cpu = _run([*SESS, "handoff", "--file", str(notes), "--session", SESSION],
                             repo, env)
            walls[on].append(wall)
            cpus[on].append(cpu)
        rec = subprocess.run([*SESS, "show", "--json", "HEAD"], cwd=repo, env=env, check=True,
                             capture_output=True, text=True).stdout
        tel = json.loads(rec)["record"]["telemetry"]

    mb = size / (1 << 20)
    floor, with_t = statistics.median(walls[False]), statistics.median(walls[True])
    extra_cpu = statistics.median(cpus[True]) - statistics.median(cpus[False])
    print(f"transcripts: main {main_mb:.2f} MB "
          f"+ 3 subagent files, {mb:.2f} MB in all, {calls} tool calls")
    print(f"record: tool_calls {tel['tool_calls']}, failures {tel['failures']}, "
          f"transcripts {tel.get('transcripts')}")
    print(f"handoff, median of {args.rounds} each (ABBA order):")
    print(f"  {'transcripts off (floor)':<28}{floor * 1000:8.1f} ms")
    print(f"  {'transcripts read':<28}{with_t * 1000:8.1f} ms   ratio {with_t / floor:.2f}x, "
          f"+{(with_t - floor) * 1000:.0f} ms")
    verdict = "met" if with_t - floor <= TARGET_S else "MISSED"
    print(f"target: at most +{TARGET_S:.1f} s: {verdict}")
    print(f"reader alone: {counted['tool_calls']} calls, {reader_cpu:.3f} CPU-s for "
          f"{counted['bytes'] / (1 << 20):.2f} MB (main file and subagents) = "
          f"{reader_cpu / (counted['bytes'] / (1 << 20)):.3f} CPU-s per MB read")
    print(f"handoff's extra CPU (children): {extra_cpu:.3f} s for {2 * mb:.2f} MB read "
          f"(twice: compose and commit-msg) = {extra_cpu / (2 * mb):.3f} CPU-s per MB read")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
