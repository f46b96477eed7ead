"""`git sess demo`: replay a realistic Claude Code session (demo_session.py)
into a throwaway repository, through the real hook process and real git, and
show what gitsess recorded.

Everything goes through `git-sess` processes and the real `git commit`, as
it would for a person: installing, the agent's hooks, a handoff a policy
refuses, the real one, and resume. The status view is the one exception,
passed in by the command (it is a command's output, a layer above setup).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator

from gitsess import refs
from gitsess.setup import demo_session as demo
from gitsess.setup.shims import gitsess_command
from gitsess.store import Store, git_env, worktree

OPERATOR_NAME = "Rosa Tanaka"
OPERATOR_EMAIL = "rosa@example.com"


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
    return subprocess.run([*gitsess_command(), *args], cwd=repo, input=stdin,
                          capture_output=True, env=git_env(env), check=False)


def _banner(text: str) -> None:
    print(f"\n\033[1m== {text}\033[0m" if sys.stdout.isatty() else f"\n== {text}")


def _dated(when: int) -> dict[str, str]:
    return {"GIT_AUTHOR_DATE": f"@{when} +0000", "GIT_COMMITTER_DATE": f"@{when} +0000"}


def replay(*, keep: bool, directory: str | None, status: Callable[[str], object]) -> int:
    """The whole demo; `status(repo)` prints `git sess status` for the repository."""
    with _workspace(directory, keep) as where:
        repo = os.path.join(where, "shop-api")
        store = Store.init(repo)
        store.config_set("user.name", OPERATOR_NAME)
        store.config_set("user.email", OPERATOR_EMAIL)
        t0 = int(time.time()) - 2600  # the session ended a few minutes ago
        _write(repo, os.path.join("app", "export.py"), "def export():\n    return []\n")
        worktree.commit_all(store, "Initial export endpoint", _dated(t0 - 600))
        installed = _sess(repo, ["install"])
        if installed.returncode != 0:
            sys.stderr.write(installed.stderr.decode(errors="replace"))
            return installed.returncode

        code = _replay_session(store, repo, t0)
        if code:
            return code

        _banner("git sess status")
        sys.stdout.flush()
        status(repo)
        live = refs.live(demo.SESSION_ID)
        _banner(f"the session's timeline: git log {live} (newest 3)")
        sys.stdout.write(worktree.log_subjects(store, live, 3))

        code = _hand_off(store, repo, where)
        if code:
            return code
        _banner("git sess resume   (what the next session, or a teammate, sees)")
        _show(_sess(repo, ["resume"]))
        _banner("git sess report   (the team's view: --html FILE draws it, --json is for scripts)")
        _show(_sess(repo, ["report"]))
        spaces = (refs.SESS.rstrip("/"), refs.NOTES_NS.rstrip("/"))
        _banner(f"git for-each-ref {' '.join(spaces)}")
        sys.stdout.write(worktree.ref_names(store, *spaces))
        if keep or directory:
            print(f"\nthe demo repository is kept at {repo}")
    return 0


def _replay_session(store: Store, repo: str, t0: int) -> int:
    """Send the script's hook events through `git-sess hook`, making its commits."""
    _banner(f"replaying a Claude Code session into {repo}")
    events = commits = 0
    for offset, kind, data in demo.script():
        when = t0 + offset
        if kind == "commit":
            for name, text in data["files"].items():
                _write(repo, name, text)
            worktree.commit_all(store, data["message"], _dated(when))
            commits += 1
            continue
        proc = _sess(repo, ["hook", "--agent", "claude"], stdin=json.dumps(data).encode(),
                     env={"GITSESS_EVENT_TIME": str(when), "CLAUDE_PROJECT_DIR": repo})
        events += 1
        if proc.returncode != 0:
            print(f"hook exited {proc.returncode}: {proc.stderr.decode(errors='replace')}")
            return 1
    print(f"{events} hook events sent through `git-sess hook`, {commits} commits made")
    return 0


def _hand_off(store: Store, repo: str, where: str) -> int:
    """A handoff the strict policy refuses, then the real one, and its record."""
    narrative = os.path.join(where, "handoff.md")
    with open(narrative, "w", encoding="utf-8") as fh:
        fh.write(demo.NARRATIVE)
    _write(repo, ".gitsess.yaml", demo.STRICT_POLICY)
    _banner("git sess handoff --file handoff.md   (policy: no calls to the linear MCP server)")
    refused = _sess(repo, ["handoff", "--file", narrative])
    _show(refused)
    print(f"(exit status {refused.returncode}: nothing committed, the draft is kept)")

    _write(repo, ".gitsess.yaml", demo.POLICY)
    worktree.commit_file(store, ".gitsess.yaml", "Add the gitsess policy")
    _banner("git sess handoff --file handoff.md   (the policy allows linear now)")
    done = _sess(repo, ["handoff", "--file", narrative])
    _show(done)
    if done.returncode != 0:
        return done.returncode
    _banner("git log -1 --notes=sess --format='%s%n%N' | head -24   (the stored record)")
    print("\n".join(worktree.head_with_note(store).splitlines()[:24]))
    print("...")
    return 0


def _write(repo: str, name: str, text: str) -> None:
    path = os.path.join(repo, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def _show(proc: subprocess.CompletedProcess[bytes]) -> None:
    sys.stdout.write(proc.stdout.decode(errors="replace"))
    sys.stdout.write(proc.stderr.decode(errors="replace"))
    sys.stdout.flush()
