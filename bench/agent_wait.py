"""What the agent waits for per tool call, with each agent's hook settings as
`git sess install` writes them, against the floor of spawning a shell that reads its stdin.

A program, not a test (STYLE.md 15): it prints figures and ratios measured in
one run, and asserts nothing.

    python bench/agent_wait.py [--samples 15]

The harness plays the agent for one tool call: it reads the installed
settings file, takes the entries of the agent's pre-tool and post-tool events,
and runs each command the way the agent does (`sh -c <command>`, the event's
payload on stdin): a blocking entry is waited for, an async one (Claude Code,
Qwen Code: `"async": true`) is started and not waited for. The entries of one
event start together and the event ends when its blocking ones have exited
(Claude Code runs an event's hooks in parallel); the post-tool event comes
after the pre-tool one. The figure is the sum of the two waits. Async
processes are reaped after each sample, outside the timing, so they do not
pile up; their events are counted at the end to show they were recorded.

"Before" is Claude Code's settings as install wrote them until issue 13:
the same entries without `async`, each tool call waiting for two hook
processes. The floor is the same harness spawning `sh -c 'cat >/dev/null'`
(reading the payload as a hook does) twice, blocking; a second row starts the two without waiting, the least any
async entry can cost (the agent still forks the shell). The machine is shared, so medians are noisy: compare ratios taken
in one run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchenv import SESS, make_home

from gitsess.agents.settings import Spec, is_ours
from gitsess.agents.specs import SPECS

GOAL_MS = 5.0  # issue 13: Claude Code's wait per tool call
# Each agent's events around one tool call, and a payload for each.
TOOL_EVENTS = {"claude": ("PreToolUse", "PostToolUse"), "gemini": ("BeforeTool", "AfterTool"),
               "cursor": ("preToolUse", "postToolUse"), "codex": ("PreToolUse", "PostToolUse"),
               "copilot": ("preToolUse", "postToolUse"), "qwen": ("PreToolUse", "PostToolUse"),
               "droid": ("PreToolUse", "PostToolUse")}


def payload(agent: str, event: str, n: int) -> bytes:
    session = f"bench-{agent}"
    if agent == "copilot":
        p: dict[str, Any] = {"sessionId": session, "timestamp": 0, "cwd": "/w",
                             "toolName": "bash", "toolArgs": {"command": "ls"}}
        if event.startswith("post"):
            p["toolResult"] = {"resultType": "success", "textResultForLlm": "ok"}
    elif agent == "cursor":
        p = {"conversation_id": session, "hook_event_name": event, "tool_name": "Shell",
             "tool_use_id": f"c{n}", "tool_input": {"command": "ls"}}
    else:
        p = {"session_id": session, "transcript_path": None, "cwd": "/w",
             "hook_event_name": event, "tool_name": "Bash", "tool_use_id": f"c{n}",
             "tool_input": {"command": "ls"}}
    return json.dumps(p).encode()


def entries(spec: Spec, settings: dict[str, Any], event: str) -> list[tuple[str, bool]]:
    """(command, async) of gitsess's entries for `event` in an installed file."""
    items = settings.get("hooks", {}).get(event, [])
    flat = [h for g in items for h in (g.get("hooks", []) if spec.grouped else [g])]
    return [(h[spec.key], bool(h.get("async"))) for h in flat if is_ours(spec, h)]


def one_event(cmds: list[tuple[str, bool]], data: bytes, cwd: Path, env: dict[str, str],
              background: list[subprocess.Popen[bytes]]) -> float:
    """Seconds the agent waits for one event's entries."""
    t0 = time.perf_counter()
    blocking: list[subprocess.Popen[bytes]] = []
    for cmd, is_async in cmds:
        proc = subprocess.Popen(["sh", "-c", cmd], cwd=cwd, env=env, stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert proc.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # a command that reads no stdin
            proc.stdin.write(data)
            proc.stdin.close()
        (background if is_async else blocking).append(proc)
    for proc in blocking:
        proc.wait()
    return time.perf_counter() - t0


def tool_call(agent: str, plan: list[list[tuple[str, bool]]], n: int, cwd: Path,
              env: dict[str, str]) -> float:
    background: list[subprocess.Popen[bytes]] = []
    events = TOOL_EVENTS.get(agent, ("pre", "post"))
    waited = sum(one_event(cmds, payload(agent, ev, n), cwd, env, background)
                 for cmds, ev in zip(plan, events, strict=True))
    for proc in background:  # reaped outside the timing
        proc.wait()
    return waited


def median_ms(xs: list[float]) -> float:
    return statistics.median(xs) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, default=15)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _, env = make_home(root)
        bindir = root / "bin"
        bindir.mkdir()
        # Installed settings name `git-sess`, found on PATH as on a user's machine.
        if len(SESS) == 1:
            (bindir / "git-sess").symlink_to(SESS[0])
        else:
            (bindir / "git-sess").write_text(f"#!/bin/sh\nexec {' '.join(SESS)} \"$@\"\n")
            (bindir / "git-sess").chmod(0o755)
        env["PATH"] = f"{bindir}{os.pathsep}{env['PATH']}"
        repo = root / "repo"
        subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], env=env, check=True)
        subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "init"], cwd=repo,
                       env=env, check=True)
        plans: dict[str, list[list[tuple[str, bool]]]] = {}
        for name, spec in SPECS.items():
            subprocess.run([*SESS, "install", "--agent", name], cwd=repo, env=env, check=True,
                           capture_output=True)
            data = json.loads((repo / spec.dir / spec.files[0]).read_text())
            plans[name] = [entries(spec, data, ev) for ev in TOOL_EVENTS[name]]
        # Before issue 13: Claude Code's entries, all blocking.
        plans["claude, before"] = [[(c, False) for c, _ in cmds] for cmds in plans["claude"]]
        floor_plan = [[("cat >/dev/null", False)], [("cat >/dev/null", False)]]
        spawn_plan = [[("cat >/dev/null", True)], [("cat >/dev/null", True)]]
        runs: dict[str, list[float]] = {k: [] for k in ["floor", "spawn", *plans]}
        env_for = {k: {**env, "CLAUDE_PROJECT_DIR": str(repo)} for k in runs}
        for n in range(args.samples):  # interleaved, so drift lands on every row alike
            runs["floor"].append(tool_call("floor", floor_plan, n, repo, env_for["floor"]))
            runs["spawn"].append(tool_call("spawn", spawn_plan, n, repo, env_for["spawn"]))
            for name, plan in plans.items():
                agent = name.split(",")[0]
                runs[name].append(tool_call(agent, plan, n, repo, env_for[name]))
        status = subprocess.run([*SESS, "status", "--json"], cwd=repo, env=env, check=True,
                                capture_output=True, text=True)
        sessions = {s["session_id"]: s for s in json.loads(status.stdout)["sessions"]}
    floor = median_ms(runs["floor"])
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.samples} samples"
          " per row (a shared machine: medians are noisy, ratios are taken in one run)")
    print(f"floor: two blocking `sh -c 'cat >/dev/null'` per tool call, median {floor:.1f} ms")
    spawn = median_ms(runs["spawn"])
    print(f"the same two started, not waited for (what async entries cost at least):"
          f" median {spawn:.1f} ms ({spawn / floor:.1f}x floor)")
    before, after = median_ms(runs["claude, before"]), median_ms(runs["claude"])
    print(f"Claude Code before (every entry blocking): median {before:.1f} ms"
          f" ({before / floor:.1f}x floor)")
    print(f"Claude Code as installed (async but SessionStart): median {after:.1f} ms"
          f" ({after / floor:.1f}x floor); goal under {GOAL_MS:.0f} ms:"
          f" {'met' if after < GOAL_MS else 'NOT met'}")
    print()
    print(f"{'agent':<9} {'settings file':<27} {'blocking hooks/call':>19} {'median ms':>10}"
          f" {'p90 ms':>7} {'x floor':>8}")
    for name, spec in SPECS.items():
        xs = sorted(runs[name])
        blocking = sum(1 for cmds in plans[name] for _, a in cmds if not a)
        p90 = xs[min(len(xs) - 1, int(0.9 * len(xs)))] * 1000
        print(f"{name:<9} {spec.dir + '/' + spec.files[0]:<27} {blocking:>19}"
              f" {median_ms(xs):>10.1f} {p90:>7.1f} {median_ms(xs) / floor:>8.1f}")
    print()
    want = 2 * 2 * args.samples  # two events per call, before and after rows
    got = sessions.get("bench-claude", {}).get("events", 0)
    print(f"Claude Code events recorded (async ones included): {got} (expected {want})")
    for name in SPECS:
        if name != "claude":
            got = sessions.get(f"bench-{name}", {}).get("events", 0)
            want = sum(len(cmds) for cmds in plans[name]) * args.samples
            print(f"  {name}: {got} events (expected {want})")
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
