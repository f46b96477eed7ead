"""Pre-push overhead: `git push` of 10 commits, one a handoff, with gitsess
installed, as a ratio to the same push without gitsess, in the same run.

A program, not a test (STYLE.md 15): it prints figures and asserts nothing.

    python bench/prepush.py [--rounds 15] [--daemon]

Two repositories start from one commit: "plain" has no hooks, "gitsess" has
`git sess install`. Each round adds 10 commits to both: 9 ordinary ones,
then in "gitsess" a real handoff (hook events of an agent session, then
`git sess handoff --file`, whose post-commit stores the record and stamps
it) and in "plain" a tenth ordinary commit. Then `git push` of main goes to
each one's own bare remote, alternating which goes first, and is timed to
the end of the `git push` process. With gitsess the push runs the guard
(the shim finds the handoff's verification stamp; no Python) and sends
refs/sess/* and refs/notes/sess in a second, non-forced push.

Each scenario is measured two ways, because the shim chooses by where its
stderr goes (sess.pushSessions unset):
- on a terminal (a pty, what a person sees): the session refs go in the
  background, so the push does not wait for them; the bench then waits
  until they are on the remote and prints that time as well;
- on a pipe (scripts, agents, CI): the session refs are sent in line.

A second scenario, agent activity: each round adds 10 commits and no
handoff; with gitsess one telemetry event also moves a live session ref,
which the push sends along.

--against <git-sess of another install> adds a third repository with that
gitsess, pushed in the same rounds in turn with the other two: two versions
compared under the same load (a shared machine's noise swamps a comparison
of separate runs), as a ratio and as the median of per-round differences.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pty
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from benchenv import SESS, narrative
from benchenv import env as hermetic_env

TARGET = 2.0  # issue 5: at most 2x the push without gitsess
def _git(cwd: Path, env: dict[str, str], *args: str, input: str | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True, input=input).stdout.strip()


def _hook(repo: Path, env: dict[str, str], session: str, sess: list[str]) -> None:
    payload = {"session_id": session, "hook_event_name": "PreToolUse", "tool_name": "Bash",
               "cwd": str(repo)}
    subprocess.run([*sess, "hook"], cwd=repo, env=env, input=json.dumps(payload).encode(),
                   check=True, capture_output=True)


def _commits(repo: Path, env: dict[str, str], tag: str, k: int) -> None:
    for i in range(k):
        (repo / f"{tag}-{i}.txt").write_text(f"{tag} {i}\n")
        _git(repo, env, "add", "-A")
        _git(repo, env, "commit", "-q", "--no-verify", "-m", f"work {tag}.{i}")


def _handoff_round(repo: Path, env: dict[str, str], n: int, sess: list[str] | None) -> None:
    _commits(repo, env, f"r{n}", 9)
    if not sess:
        _commits(repo, env, f"r{n}h", 1)
        return
    _hook(repo, env, f"bench-{n}", sess)
    notes = repo.parent / f"narrative-{n}.md"
    notes.write_text(narrative(f"Bench handoff {n}"))
    proc = subprocess.run([*sess, "handoff", "--file", str(notes), "--session", f"bench-{n}"],
                          cwd=repo, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"git sess handoff failed:\n{proc.stderr}")
    head = _git(repo, env, "rev-parse", "HEAD")
    if subprocess.run(["git", "cat-file", "-e", f"refs/sess/local/verified:{head}"], cwd=repo,
                      env=env).returncode != 0:
        raise SystemExit("the handoff was not stamped: its push would start Python")


def _activity_round(repo: Path, env: dict[str, str], n: int, sess: list[str] | None) -> None:
    _commits(repo, env, f"a{n}", 10)
    if sess:
        _hook(repo, env, "agent", sess)


class Terminal:
    """A pty for git's stdout and stderr, drained so that nothing blocks."""

    def __init__(self) -> None:
        self.main, self.tty = pty.openpty()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        with contextlib.suppress(OSError):
            while os.read(self.main, 4096):
                pass


def _push(repo: Path, env: dict[str, str], term: Terminal | None) -> float:
    out: int | None = term.tty if term else subprocess.PIPE
    t0 = time.perf_counter()
    proc = subprocess.run(["git", "push", "-q", "origin", "main"], cwd=repo, env=env,
                          stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    dt = time.perf_counter() - t0
    if proc.returncode != 0 or (proc.stderr and b"gitsess" in proc.stderr):
        raise SystemExit(f"push failed or did not send the session refs:\n{proc.stderr!r}")
    return dt


def _children_cpu() -> float:
    """CPU seconds of the children reaped so far and of what they reaped: for a
    push, git and its hook's processes, not the detached send (init reaps it).
    Less swayed by a busy machine than the time on the clock."""
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def _landed(repo: Path, remote: Path, env: dict[str, str], t0: float) -> float:
    """Seconds from t0 until the remote has our session refs and the note of
    the pushed tip (the remote's notes ref is its own notes commit: only the
    notes of commits it has)."""
    want = _git(repo, env, "for-each-ref", "--format=%(objectname) %(refname)",
                "refs/sess/live", "refs/sess/done", "refs/sess/h")
    head = _git(repo, env, "rev-parse", "HEAD")
    noted = subprocess.run(["git", "notes", "--ref=sess", "list", head], cwd=repo, env=env,
                           capture_output=True).returncode == 0
    end = time.monotonic() + 60
    while time.monotonic() < end:
        got = _git(remote, env, "for-each-ref", "--format=%(objectname) %(refname)",
                   "refs/sess/live", "refs/sess/done", "refs/sess/h")
        if got == want and (not noted or subprocess.run(
                ["git", "notes", "--ref=sess", "list", head], cwd=remote, env=env,
                capture_output=True).returncode == 0):
            return time.perf_counter() - t0
        time.sleep(0.002)
    raise SystemExit("the session refs did not reach the remote within 60 s")


def _measure(repos: dict[str, Path], remotes: dict[str, Path], env: dict[str, str], rounds: int,
             make: Callable[[Path, dict[str, str], int, list[str] | None], None], start: int,
             term: Terminal | None, sess: dict[str, list[str]]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {n: [] for n in [*repos, *(f"{r} cpu" for r in repos),
                                                     "landed", "floor"]}
    for n in range(start, start + rounds):
        for name, repo in repos.items():
            make(repo, env, n, sess.get(name))
        names = list(repos)
        for name in names[n % len(names):] + names[:n % len(names)]:  # each goes first in turn
            t0 = time.perf_counter()
            cpu = _children_cpu()
            times[name].append(_push(repos[name], env, term))
            times[f"{name} cpu"].append(_children_cpu() - cpu)
            if name in sess:  # before anything else runs: the background is done
                landed = _landed(repos[name], remotes[name], env, t0)
                if name == "gitsess":  # (the other's too: it would slow the next push)
                    times["landed"].append(landed)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import pygit2"], env=env, check=True)
        times["floor"].append(time.perf_counter() - t0)
    return times


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


def _report(title: str, times: dict[str, list[float]], background: bool) -> None:
    plain = statistics.median(times["plain"])
    sess = statistics.median(times["gitsess"])
    landed = statistics.median(times["landed"])
    ratio = sess / plain
    print(f"  {title}")
    print(f"    without gitsess   {plain * 1000:7.1f} ms")
    print(f"    with gitsess      {sess * 1000:7.1f} ms   ratio {ratio:5.2f}x   (target <= "
          f"{TARGET:.1f}x: {'met' if ratio <= TARGET else 'NOT met'})")
    if background:
        print(f"    session refs on the remote after {landed * 1000:.1f} ms"
              f" ({landed / plain:.2f}x; sent in the background, nobody waits for it)")
    cpu = {n: statistics.median(times[f"{n} cpu"]) * 1000 for n in ("plain", "gitsess", "other")
           if f"{n} cpu" in times}
    print("    CPU of the push's own processes: " + ", ".join(
        f"{n} {ms:.1f} ms" for n, ms in cpu.items()))
    if "other" in times:
        other = statistics.median(times["other"])
        diff = statistics.median(a - b for a, b in zip(times["gitsess"], times["other"], strict=True))
        print(f"    with the other    {other * 1000:7.1f} ms   ratio {other / plain:5.2f}x   "
              f"(this one - the other, per round: median {diff * 1000:+.1f} ms)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--daemon", action="store_true", help="push over git daemon on 127.0.0.1")
    ap.add_argument("--against", metavar="GIT_SESS",
                    help="another install's git-sess, measured in the same rounds")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="gitsess-bench-") as tmp:
        root = Path(tmp)
        home = root / "home"
        home.mkdir()
        (home / ".gitconfig").write_text("[user]\n\tname = Rosa Tanaka\n\temail = rt@example.com\n"
                                         "[init]\n\tdefaultBranch = main\n")
        env = hermetic_env(home)
        term = Terminal()
        results: dict[str, dict[str, list[float]]] = {}
        with contextlib.ExitStack() as stack:
            base = stack.enter_context(_daemon(root)) if args.daemon else str(root)
            repos, remotes = {}, {}
            sess = {"gitsess": SESS, **({"other": [args.against]} if args.against else {})}
            for name in ("plain", *sess):
                _git(root, env, "init", "-q", "--bare", f"{name}.git")
                repo = root / name
                _git(root, env, "init", "-q", "-b", "main", name)
                _git(repo, env, "commit", "-q", "--allow-empty", "-m", "initial")
                _git(repo, env, "remote", "add", "origin", f"{base}/{name}.git")
                if name in sess:
                    subprocess.run([*sess[name], "install"], cwd=repo, env=env, check=True,
                                   capture_output=True)
                _git(repo, env, "push", "-q", "origin", "main")
                repos[name], remotes[name] = repo, root / f"{name}.git"
            r = args.rounds
            results["handoff, terminal"] = _measure(repos, remotes, env, r, _handoff_round, 0, term,
                                                    sess)
            results["handoff, pipe"] = _measure(repos, remotes, env, r, _handoff_round, r, None,
                                                sess)
            results["activity, terminal"] = _measure(repos, remotes, env, r, _activity_round, 0,
                                                     term, sess)
            results["activity, pipe"] = _measure(repos, remotes, env, r, _activity_round, r, None,
                                                 sess)
            sent = _git(remotes["gitsess"], env, "for-each-ref", "--format=%(refname)",
                        "refs/sess/", "refs/notes/")
        where = "git daemon on 127.0.0.1" if args.daemon else "a local bare repository"
        if args.against:
            print(f"the other: {args.against}")
        print(f"push of 10 commits to {where}, {args.rounds} rounds each, median"
              f" ({len(sent.splitlines())} session refs and notes on the remote at the end):")
        print("1 handoff among the 10 (guard from its stamp, no Python; refs/sess + notes sent):")
        _report("stderr on a terminal (sent in the background)", results["handoff, terminal"], True)
        _report("stderr on a pipe (sent in line)", results["handoff, pipe"], False)
        print("no handoff, a live session ref moved (refs/sess + notes sent):")
        _report("stderr on a terminal (sent in the background)", results["activity, terminal"],
                True)
        _report("stderr on a pipe (sent in line)", results["activity, pipe"], False)
        floor = statistics.median(results["handoff, pipe"]["floor"])
        plain = statistics.median(results["handoff, pipe"]["plain"])
        print(f"for scale: one `python -c 'import pygit2'` takes {floor * 1000:.1f} ms"
              f" ({floor / plain:.2f}x the plain push)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
