"""Benchmark: `git sess report` over 10,000 handoffs and 1,000 sessions (issue 14).

    python bench/report.py [--runs 3] [--dir DIR] [--commits 20000]

Builds a repository with bench/gen_repo.py (10,000 handoffs by 50 operators
over 200 workstreams, their records in refs/notes/sess, 5 live peer
sessions) and adds 995 more sessions the way a fetch leaves them
(refs/sess/remotes/origin/{done,live}/<session>: a commit whose tree holds
session.json and counters.json), in one `git fast-import` stream. Then it
times, from a cold process each (median of RUNS runs):

  - `git for-each-ref`: the floor, the refs the report lists;
  - `git-sess --version`: the interpreter's start, which every command pays;
  - `git sess log -n 50`: the same handoff index, without the records
    (`log --json` would parse 10,000 records with PyYAML: tens of seconds);
  - `git sess report` (text), `report --json`, `report --html FILE`;

and prints each as a ratio to the floor, with the page's size. Targets:
text under 1 s, HTML under 2 s, page under 2 MB. Figures are printed, never
asserted (STYLE.md 15); the outputs are checked for sense. The machine may
be shared: use a few runs and read the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_repo import _data, generate
from resume import git_sess, timed

HANDOFFS = 10_000
SESSIONS = 1_000
TEXT_S, HTML_S, PAGE_BYTES = 1.0, 2.0, 2 * 1024 * 1024


def add_sessions(path: str, n: int, now: int) -> None:
    """n sessions of 50 operators, most handed off, the last tenth live."""
    proc = subprocess.Popen(["git", "-C", path, "fast-import", "--quiet", "--done"],
                            stdin=subprocess.PIPE, env=_env())
    assert proc.stdin is not None
    out = proc.stdin
    span = 60 * 86400
    for i in range(n):
        op = f"op{i % 50:02d}"
        sid = f"bench-{i:05d}"
        start = now - span + i * (span // n)
        kind = "live" if i >= n * 9 // 10 else "done"
        tools = {"Bash": 3 + i % 5, "Read": 7, "Edit": 2 + i % 3, "mcp__github__get_issue": i % 4}
        meta = {"v": 1, "session_id": sid, "agent": "claude-code", "model": "claude-opus-4-5",
                "operator": op, "branch": f"b{1 + i % 400:03d}", "started_at_ms": start * 1000}
        counters = {"v": 1, "events": 60, "tool_calls": sum(tools.values()), "tools": tools,
                    "failures": i % 3, "mcp": {"github": {"total": i % 4, "methods": {}}},
                    "prompts": 4, "first_event_ms": start * 1000,
                    "last_event_ms": (start + 1800) * 1000}
        out.write(f"commit refs/sess/remotes/origin/{kind}/{sid}\n"
                  f"committer {op} <{op}@example.com> {start} +0000\n".encode())
        _data(out, b'{"v":1,"event":"Stop","kind":"stop"}\n')
        for name, obj in (("session.json", meta), ("counters.json", counters)):
            out.write(f"M 100644 inline {name}\n".encode())
            _data(out, json.dumps(obj, sort_keys=True).encode())
        out.write(b"\n")
    out.write(b"done\n")
    out.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "-C", path, "pack-refs", "--all"], check=True, env=_env())


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GITSESS_"))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", help="build the repository here and keep it")
    ap.add_argument("--commits", type=int, default=20_000)
    args = ap.parse_args(argv)
    sess = git_sess()
    with tempfile.TemporaryDirectory(prefix="gitsess-bench-") as tmp:
        base = Path(args.dir or tmp)
        base.mkdir(parents=True, exist_ok=True)
        path = str(base / "team")
        started = time.monotonic()
        if not Path(path, ".git").exists():
            generate(path, handoffs=HANDOFFS, commits=args.commits)
            add_sessions(path, SESSIONS - 5, int(time.time()))
        print(f"built in {time.monotonic() - started:.1f} s", file=sys.stderr)
        page = str(base / "report.html")
        floor, _ = timed(["git", "for-each-ref"], path, args.runs)
        python, _ = timed([*sess, "--version"], path, args.runs)
        log, _ = timed([*sess, "log", "-n", "50"], path, args.runs)
        text, text_out = timed([*sess, "report"], path, args.runs)
        as_json, json_out = timed([*sess, "report", "--json"], path, args.runs)
        html, _ = timed([*sess, "report", "--html", page], path, args.runs)
        size = os.path.getsize(page)
        doc = json.loads(json_out)
        totals = doc["totals"]
        assert totals["handoffs"] == HANDOFFS and totals["sessions"] == SESSIONS, totals
        assert text_out.startswith("Team report") and f"{HANDOFFS} handoffs" in text_out
        reads = sum(1 for h in doc["handoffs"] if h["record"])
    print(f"git sess report benchmark: {HANDOFFS:,} handoffs ({reads:,} records read), "
          f"{SESSIONS:,} sessions, {args.commits:,} commits;")
    print(f"median of {args.runs} cold runs; ratio = time / `git for-each-ref` in the same run")
    rows = [("git for-each-ref (floor)", floor, None), ("git-sess --version", python, None),
            ("log -n 50 (same index)", log, None),
            ("report (text)", text, TEXT_S), ("report --json", as_json, None),
            ("report --html", html, HTML_S)]
    for name, seconds, target in rows:
        verdict = "" if target is None else ("  ok" if seconds < target else "  OVER")
        goal = f"  target < {target:.0f} s" if target else ""
        print(f"{name:>26}  {seconds * 1000:8.0f} ms  {seconds / floor:7.1f}x{goal}{verdict}")
    print(f"{'page size':>26}  {size / 1024:8.0f} KiB  target < 2048 KiB"
          f"{'  ok' if size < PAGE_BYTES else '  OVER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
