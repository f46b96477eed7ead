"""`git sess demo`: replay a realistic Claude Code session into a throwaway
repository, through the real hook process and real git, and show what
gitsess recorded."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

from gitsess.setup import demo_session as demo
from gitsess.store import Store, git_env

OPERATOR_NAME = "Rosa Tanaka"
OPERATOR_EMAIL = "rosa@example.com"


def _self() -> list[str]:
    """This very install of gitsess (console script beside the interpreter)."""
    candidate = os.path.join(os.path.dirname(sys.executable), "git-sess")
    if os.access(candidate, os.X_OK):
        return [candidate]
    return [sys.executable, "-m", "gitsess.main"]


@contextlib.contextmanager
def _workspace(directory: str | None, keep: bool) -> Iterator[str]:
    if directory:
        os.makedirs(directory, exist_ok=True)
        yield directory
        return
    path = tempfile.mkdtemp(prefix="gitsess-demo-")
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)


def _sess(repo: str, args: list[str], *, stdin: bytes | None = None,
          env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*_self(), *args], cwd=repo, input=stdin, capture_output=True,
                          env=git_env(env), check=False)


def _banner(text: str) -> None:
    print(f"\n\033[1m== {text}\033[0m" if sys.stdout.isatty() else f"\n== {text}")


def run(*, keep: bool = False, directory: str | None = None) -> int:
    with _workspace(directory, keep) as where:
        repo = os.path.join(where, "shop-api")
        store = Store.init(repo)
        store.config_set("user.name", OPERATOR_NAME)
        store.config_set("user.email", OPERATOR_EMAIL)
        t0 = int(time.time()) - 2600  # the session ended a few minutes ago
        dated = {"GIT_AUTHOR_DATE": f"@{t0 - 600} +0000", "GIT_COMMITTER_DATE": f"@{t0 - 600} +0000"}
        os.makedirs(os.path.join(repo, "app"), exist_ok=True)
        with open(os.path.join(repo, "app", "export.py"), "w", encoding="utf-8") as fh:
            fh.write("def export():\n    return []\n")
        store.run_git(["add", "-A"], env=dated)
        store.run_git(["commit", "-q", "-m", "Initial export endpoint"], env=dated)
        installed = _sess(repo, ["install"])
        if installed.returncode != 0:
            sys.stderr.write(installed.stderr.decode(errors="replace"))
            return installed.returncode

        _banner(f"replaying a Claude Code session into {repo}")
        events = commits = 0
        for offset, kind, data in demo.script():
            when = t0 + offset
            if kind == "commit":
                for name, text in data["files"].items():
                    path = os.path.join(repo, name)
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    with open(path, "w", encoding="utf-8") as fh:
                        fh.write(text)
                env = {"GIT_AUTHOR_DATE": f"@{when} +0000", "GIT_COMMITTER_DATE": f"@{when} +0000"}
                store.run_git(["add", "-A"], env=env)
                store.run_git(["commit", "-q", "-m", data["message"]], env=env)
                commits += 1
                continue
            import json

            proc = _sess(repo, ["hook", "--agent", "claude"], stdin=json.dumps(data).encode(),
                         env={"GITSESS_EVENT_TIME": str(when), "CLAUDE_PROJECT_DIR": repo})
            events += 1
            if proc.returncode != 0:
                print(f"hook exited {proc.returncode}: {proc.stderr.decode(errors='replace')}")
                return 1
        print(f"{events} hook events sent through `git-sess hook`, {commits} commits made")

        _banner("git sess status")
        sys.stdout.flush()
        from gitsess.commands import status

        status.run(store=Store.discover(repo))
        _banner(f"the session's timeline: git log refs/sess/live/{demo.SESSION_ID} (newest 3)")
        log = store.run_git(["log", "-3", "--format=%h %s", f"refs/sess/live/{demo.SESSION_ID}"])
        sys.stdout.write(log.stdout.decode())

        narrative = os.path.join(where, "handoff.md")
        with open(narrative, "w", encoding="utf-8") as fh:
            fh.write(demo.NARRATIVE)
        _write(repo, ".gitsess.yaml", demo.STRICT_POLICY)
        _banner("git sess handoff --file handoff.md   (policy: no calls to the linear MCP server)")
        refused = _sess(repo, ["handoff", "--file", narrative])
        _show(refused)
        print(f"(exit status {refused.returncode}: nothing committed, the draft is kept)")

        _write(repo, ".gitsess.yaml", demo.POLICY)
        store.run_git(["add", ".gitsess.yaml"])
        store.run_git(["commit", "-q", "-m", "Add the gitsess policy"])
        _banner("git sess handoff --file handoff.md   (the policy allows linear now)")
        done = _sess(repo, ["handoff", "--file", narrative])
        _show(done)
        if done.returncode != 0:
            return done.returncode
        _banner("git log -1 --notes=sess --format='%s%n%N' | head -24   (the stored record)")
        shown = store.run_git(["log", "-1", "--notes=sess", "--format=%s%n%N"]).stdout.decode()
        print("\n".join(shown.splitlines()[:24]))
        print("...")
        _banner("git sess resume   (what the next session, or a teammate, sees)")
        _show(_sess(repo, ["resume"]))
        _banner("git for-each-ref refs/sess refs/notes")
        sys.stdout.write(store.run_git(["for-each-ref", "--format=%(refname)", "refs/sess",
                                        "refs/notes"]).stdout.decode())
        if keep or directory:
            print(f"\nthe demo repository is kept at {repo}")
    return 0


def _write(repo: str, name: str, text: str) -> None:
    with open(os.path.join(repo, name), "w", encoding="utf-8") as fh:
        fh.write(text)


def _show(proc: subprocess.CompletedProcess[bytes]) -> None:
    sys.stdout.write(proc.stdout.decode(errors="replace"))
    sys.stdout.write(proc.stderr.decode(errors="replace"))
    sys.stdout.flush()
