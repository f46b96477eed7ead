"""Generate a repository shaped like a busy team's, for bench/resume.py.

    python bench/gen_repo.py DIR [--handoffs 10000] [--commits 100000]

Shape (issue 4): HANDOFFS handoffs by 50 operators over 200 workstreams,
500 branches of which 100 remote-tracking, COMMITS commits, a few live peer
sessions. The current operator is op00: its handoff refs are local
(refs/sess/h/op00/...), everyone else's arrived by fetch
(refs/sess/remotes/origin/h/...), and one handoff in a hundred has no ref at
all (found through the notes, as after a clone without refs/sess). The notes
ref and the fetched copy of the remote's notes hold every record, as after a
sync.

Everything is written in one `git fast-import` stream (commits, notes with
git's own fan-out, refs), then `git pack-refs --all` as gc or a clone
leaves it. Records are written from a template rather than through PyYAML:
at 10,000 records this is the difference between one second and fifteen;
one of them is parsed and validated with gitsess.handoff.record as a check.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import IO

OPERATORS = 50
WORKSTREAMS = 200
BRANCHES = 500
REMOTE_BRANCHES = 100
LIVE_PEERS = 5
ME = "op00"
PHASES = ("explore", "design", "build", "review", "ship")


@dataclass
class Handoff:
    mark: int
    op: str
    ws: str
    when: int
    branch: str
    id: str = ""
    has_ref: bool = True


def _data(out: IO[bytes], payload: bytes) -> None:
    out.write(b"data %d\n" % len(payload))
    out.write(payload)
    out.write(b"\n")


def _iso(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def handoff_message(h: Handoff, phase: str, session: str) -> str:
    return (
        f"handoff({h.ws}): work on {h.ws} part {h.mark % 997}\n\n"
        f"## Summary\n\nMoved {h.ws} forward.\n\n"
        f"## Resume Prompt\n\nContinue {h.ws} from where {h.op} stopped.\n\n"
        f"Sess-Id: {h.id}\nSess-Operator: {h.op}\nSess-Workstream: {h.ws}\n"
        f"Sess-Phase: {phase}\nSess-Session: {session}\n"
    )


def note_text(h: Handoff, phase: str, session: str, commit_oid_placeholder: str = "null") -> str:
    start = _iso(h.when - 3600)
    end = _iso(h.when)
    return f"""---
v: 1
id: {h.id}
operator: {h.op}
email: {h.op}@example.com
title: work on {h.ws} part {h.mark % 997}
workstream: {h.ws}
phase: {phase}
branch: {h.branch}
commit: {commit_oid_placeholder}
started_at: '{start}'
ended_at: '{end}'
git:
  commits: 3
  files_changed: 4
  insertions: 120
  deletions: 15
  first_commit_at: '{start}'
  last_commit_at: '{end}'
  range: null
sessions:
- id: {session}
  agent: claude-code
  model: claude-opus-4-5
telemetry:
  events: 240
  tool_calls: 110
  tools:
    Bash: 40
    Edit: 50
    Read: 20
  mcp: {{}}
  subagents: 2
  prompts: 9
  failures: 3
  compactions: 0
  active_min_estimate: 55.0
  interruptions_count: 0
invariants: []
handoff_write_min: 4.0
confidence: M
resume_prompt: Continue {h.ws} from where {h.op} stopped; run the tests first.
---

## Summary

Moved {h.ws} forward: the parser handles the new cases.

## What I Did

- wrote code

## Decisions Made

- kept it simple

## For Future Me

Check the flaky test.

## Learnings

Nothing new.

## Open Questions

- Should {h.ws} keep its own schema?

## Resume Prompt

Continue {h.ws} from where {h.op} stopped; run the tests first.
"""


def plan(handoffs: int, commits: int, now: int, rng: random.Random) -> tuple[
    list[tuple[str, int, int, int]], dict[int, Handoff]
]:
    """Commits as (ref, mark, parent mark or 0, time), and handoffs by mark."""
    per_branch = max(1, (commits // 5) // (BRANCHES - 1))
    main_len = commits - per_branch * (BRANCHES - 1)
    span = 365 * 86400
    start = now - span
    rows: list[tuple[str, int, int, int]] = []
    main_marks: list[tuple[int, int]] = []
    mark = 1
    for i in range(main_len):
        t = start + int(i * span * 0.9 / main_len)
        rows.append(("refs/heads/main", mark, mark - 1 if i else 0, t))
        main_marks.append((mark, t))
        mark += 1
    branch_of: dict[int, str] = {m: "main" for m, _ in main_marks}
    for b in range(1, BRANCHES):
        name = f"b{b:03d}"
        ref = f"refs/remotes/origin/{name}" if b > BRANCHES - 1 - REMOTE_BRANCHES else f"refs/heads/{name}"
        fork_mark, fork_t = main_marks[rng.randrange(len(main_marks))]
        step = max(1, (now - 60 - fork_t) // (per_branch + 1))
        parent = fork_mark
        for j in range(per_branch):
            t = fork_t + step * (j + 1)
            rows.append((ref, mark, parent, t))
            branch_of[mark] = name
            parent = mark
            mark += 1
    chosen = rng.sample(range(2, mark), handoffs)
    hs: dict[int, Handoff] = {}
    times = {m: t for _, m, _, t in rows}
    for m in chosen:
        branch = branch_of[m]
        owner = int(branch[1:]) % OPERATORS if branch != "main" else rng.randrange(OPERATORS)
        ws = 4 * owner + rng.randrange(4) if rng.random() < 0.8 else rng.randrange(WORKSTREAMS)
        hs[m] = Handoff(m, f"op{owner:02d}", f"ws{ws:03d}", times[m], branch)
    # Ids: <op>-<yymmdd>-<nn>, numbered per operator and day in time order.
    seq: dict[tuple[str, str], int] = {}
    for h in sorted(hs.values(), key=lambda h: (h.when, h.mark)):
        day = time.strftime("%y%m%d", time.gmtime(h.when))
        n = seq[(h.op, day)] = seq.get((h.op, day), 0) + 1
        h.id = f"{h.op}-{day}-{n:02d}"
        h.has_ref = h.op == ME or rng.random() >= 0.01
    return rows, hs


def write_stream(out: IO[bytes], rows: list[tuple[str, int, int, int]],
                 hs: dict[int, Handoff], now: int, rng: random.Random) -> None:
    phases: dict[int, tuple[str, str]] = {}
    for ref, mark, parent, t in rows:
        h = hs.get(mark)
        if h is None:
            msg = f"change {mark}\n"
            who = "Dev <dev@example.com>"
        else:
            phase = PHASES[(mark // 7) % len(PHASES)]
            session = f"{mark:08x}-0000-4000-8000-{rng.randrange(1 << 48):012x}"
            phases[mark] = (phase, session)
            msg = handoff_message(h, phase, session)
            who = f"{h.op} <{h.op}@example.com>"
        out.write(f"commit {ref}\nmark :{mark}\ncommitter {who} {t} +0000\n".encode())
        _data(out, msg.encode())
        if parent:
            out.write(f"from :{parent}\n".encode())
        path = "main.txt" if ref == "refs/heads/main" else ref.rsplit("/", 1)[-1] + ".txt"
        out.write(f"M 100644 inline {path}\n".encode())
        _data(out, f"{mark}\n".encode())
        out.write(b"\n")
    # The notes, as after a sync: refs/notes/sess holds every record, and the
    # fetched copy of the remote's notes is the same commit.
    out.write(f"commit refs/notes/sess\ncommitter gitsess <g@example.com> {now} +0000\n".encode())
    _data(out, b"Notes added by 'git sess'\n")
    for mark, h in hs.items():
        phase, session = phases[mark]
        out.write(f"N inline :{mark}\n".encode())
        _data(out, note_text(h, phase, session).encode())
    out.write(b"\n")
    out.write(b"reset refs/sess/remotes/origin/notes\nfrom refs/notes/sess\n\n")
    for h in hs.values():
        if not h.has_ref:
            continue
        ns = "refs/sess/h" if h.op == ME else "refs/sess/remotes/origin/h"
        out.write(f"reset {ns}/{h.op}/{h.id}\nfrom :{h.mark}\n\n".encode())
    for i in range(LIVE_PEERS):
        op = f"op{i + 1:02d}"
        sid = f"live-{op}-{i:04d}"
        meta = {"v": 1, "session_id": sid, "agent": "claude-code", "operator": op,
                "branch": f"b{i + 1:03d}", "started_at_ms": (now - 1800) * 1000}
        counters = {"v": 1, "events": 40 + i, "tool_calls": 17 + i,
                    "first_event_ms": (now - 1800) * 1000, "last_event_ms": (now - 60 * i) * 1000}
        out.write(f"commit refs/sess/remotes/origin/live/{sid}\n"
                  f"committer {op} <{op}@example.com> {now - 60 * i} +0000\n".encode())
        _data(out, b'{"v":1,"event":"PreToolUse","kind":"tool_start"}\n')
        for name, obj in (("session.json", meta), ("counters.json", counters)):
            out.write(f"M 100644 inline {name}\n".encode())
            _data(out, json.dumps(obj, sort_keys=True).encode())
        out.write(b"\n")
    out.write(b"done\n")


def _check_one_record(hs: dict[int, Handoff]) -> None:
    """Parse and validate one generated record with gitsess itself."""
    try:
        from gitsess.handoff import record
    except ImportError:  # the generator also runs without gitsess installed
        return
    h = next(iter(hs.values()))
    problems = record.validate(record.parse(note_text(h, "build", "s-1")))
    if problems:
        raise SystemExit("generated record is invalid: " + "; ".join(problems))


def generate(path: str, *, handoffs: int = 10_000, commits: int = 100_000, seed: int = 4) -> None:
    rng = random.Random(seed)
    now = int(time.time())
    rows, hs = plan(handoffs, commits, now, rng)
    _check_one_record(hs)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    subprocess.run(["git", "init", "-q", "-b", "main", path], check=True, env=env)
    subprocess.run(["git", "-C", path, "config", "sess.operator", ME], check=True, env=env)
    subprocess.run(["git", "-C", path, "config", "user.name", "Op Zero"], check=True, env=env)
    subprocess.run(["git", "-C", path, "config", "user.email", "op00@example.com"], check=True, env=env)
    proc = subprocess.Popen(
        ["git", "-C", path, "fast-import", "--quiet", "--done", "--active-branches=600"],
        stdin=subprocess.PIPE, env=env,
    )
    assert proc.stdin is not None
    write_stream(proc.stdin, rows, hs, now, rng)
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "-C", path, "pack-refs", "--all"], check=True, env=env)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--handoffs", type=int, default=10_000)
    ap.add_argument("--commits", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=4)
    args = ap.parse_args(argv)
    started = time.monotonic()
    generate(args.dir, handoffs=args.handoffs, commits=args.commits, seed=args.seed)
    print(f"generated {args.dir} in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
