"""Builders for the install, guard, sync and rewrite tests: bare remotes,
hook-directory snapshots, hand-made handoff commits, a `git daemon`."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.helpers import Repo, author_env, git


def record_text(hid: str, *, op: str = "RT", ws: str = "core", title: str = "step",
                invariants: list[dict[str, Any]] | None = None, commit: str | None = None,
                session: str = "s1") -> str:
    """A complete, schema-valid handoff record (ARCHITECTURE.md, schemas/handoff.json)."""
    from gitsess.handoff import record

    front = {
        "v": 1, "id": hid, "operator": op, "email": "rosa@example.com", "title": title,
        "workstream": ws, "phase": None, "branch": "main", "commit": commit,
        "started_at": "2026-11-26T08:00:00Z", "ended_at": "2026-11-26T09:00:00Z",
        "git": {"commits": 1, "files_changed": 1, "insertions": 1, "deletions": 0,
                "first_commit_at": "2026-11-26T09:00:00Z", "last_commit_at": "2026-11-26T09:00:00Z",
                "range": None},
        "sessions": [{"id": session, "agent": "claude-code", "model": None}],
        "telemetry": {"events": 2, "tool_calls": 1, "tools": {"Bash": 1}, "mcp": {}, "subagents": 0,
                      "prompts": 0, "failures": 0, "compactions": 0, "active_min_estimate": 1.0,
                      "interruptions_count": 0},
        "invariants": invariants or [],
        "handoff_write_min": 1.0, "confidence": "H", "resume_prompt": f"Carry on with {title}.",
    }
    rec = record.Record(front, {"Summary": title, "Resume Prompt": f"Carry on with {title}."})
    problems = record.schema_problems(front)
    assert not problems, problems
    return record.render(rec)


FAILING = {"name": "tool-calls-counted", "counter": "tool_calls", "op": ">", "expected": 5,
           "actual": 1, "severity": "error", "verdict": "fail"}
# A policy whose invariant every hand-made handoff violates (its session made a Bash call).
NO_BASH_POLICY = (
    "version: 1\ninvariants:\n  - name: no-bash\n    counter: tool:Bash\n"
    '    op: "=="\n    value: 0\n    severity: error\n'
)


def forbid_bash(repo: Repo) -> None:
    """Commit a .gitsess.yaml whose invariant the next hand-made handoff violates."""
    (repo.path / ".gitsess.yaml").write_text(NO_BASH_POLICY)
    repo.git("add", ".gitsess.yaml")
    repo.git("commit", "-q", "--no-verify", "-m", "policy: no Bash")


def allow_bash(repo: Repo) -> None:
    (repo.path / ".gitsess.yaml").unlink()
    repo.git("commit", "-q", "--no-verify", "-am", "policy: anything goes")


def bare(path: Path, *, reflog: bool = True) -> Path:
    """A bare remote; with `reflog`, every ref update is logged (to check for forced ones)."""
    git("init", "-q", "--bare", str(path), cwd=path.parent)
    if reflog:
        git("config", "core.logAllRefUpdates", "always", cwd=path)
    return path


def snapshot(d: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under `d`: relative path -> (mode, bytes). Directories too (mode, b'')."""
    out: dict[str, tuple[int, bytes]] = {}
    for root, dirs, files in os.walk(d):
        for name in dirs + files:
            p = Path(root) / name
            rel = str(p.relative_to(d))
            st = p.lstat()
            out[rel] = (st.st_mode, b"" if p.is_dir() else p.read_bytes())
    return out


def handoff_id(n: int, op: str = "RT") -> str:
    return f"{op}-261126-{n:02d}"


def handoff_commit(repo: Repo, hid: str, *, op: str = "RT", ws: str = "core",
                   title: str | None = None, note: bool = True,
                   invariants: list[dict[str, Any]] | None = None) -> str:
    """A handoff commit made by hand per ARCHITECTURE.md: subject, trailers,
    the record as a note on refs/notes/sess, the handoff ref."""
    title = title or f"step {hid}"
    session = "s1" if op == "RT" else f"s-{op}"  # session ids are unique per clone in real life
    if not repo.refs(f"refs/sess/live/{session}") and not repo.refs(f"refs/sess/done/{session}"):
        from tests.helpers import payload

        repo.record(payload("PreToolUse", session=session, tool_name="Bash"))
    msg = (f"handoff({ws}): {title}\n\n## Summary\n\n{title}\n\n"
           f"Sess-Id: {hid}\nSess-Operator: {op}\nSess-Workstream: {ws}\nSess-Session: {session}\n")
    p = repo.path / f"{ws}.txt"
    p.write_text((p.read_text() if p.exists() else "") + f"{hid}\n")
    repo.git("add", p.name)
    repo.git("commit", "-q", "--no-verify", "-F", "-", input=msg, env=author_env(repo, op) or None)
    oid = repo.git("rev-parse", "HEAD").stdout.strip()
    if note:
        text = record_text(hid, op=op, ws=ws, title=title, invariants=invariants, commit=oid,
                           session=session)
        repo.git("notes", "--ref=sess", "add", "-f", "-F", "-", oid, input=text)
    repo.git("update-ref", f"refs/sess/h/{op}/{hid}", oid)
    return oid


def no_python(repo: Repo) -> None:
    """Break the pre-push shim's Python lines (the check and the send): a
    push that needs Python now fails loudly, one that does not goes through."""
    hook = repo.path / ".git" / "hooks" / "pre-push"
    text = hook.read_text()
    assert text.count("githook pre-push") == 2
    hook.write_text(text.replace("githook pre-push", "no-such-command"))


def remote_refs(path: Path) -> dict[str, str]:
    out = git("for-each-ref", "--format=%(refname) %(objectname)", cwd=path).stdout
    pairs = (line.split(" ", 1) for line in out.splitlines() if line)
    return {name: oid for name, oid in pairs}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _own_port() -> int:
    """A free port that no other pytest-xdist worker of this run picks: the
    port is closed again before git daemon binds it, and a daemon of another
    worker that got the same port would answer this test's probe. Each worker
    draws from a range of its own (Linux gives bind(0) only odd ports, so the
    port's parity cannot split them between two workers)."""
    import random

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:]
    index = int(worker) if worker.isdigit() else 0
    for _attempt in range(500):
        port = 20000 + (index % 20) * 2000 + random.randrange(2000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    return free_port()


def _answers(proc: subprocess.Popen[bytes], port: int) -> bool:
    """The daemon listens on `port`; False when it exited (the port was taken)."""
    deadline = time.monotonic() + 10
    while proc.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            # Whoever answered, ours is still up only if its bind succeeded.
            time.sleep(0.1)
            return proc.poll() is None
        time.sleep(0.05)
    if proc.poll() is None:
        raise RuntimeError(f"git daemon did not answer on port {port} within 10 s")
    return False


@contextlib.contextmanager
def git_daemon(base: Path) -> Iterator[str]:
    """`git daemon` on 127.0.0.1 serving `base` (push enabled); yields git://127.0.0.1:<port>."""
    exec_path = git("--exec-path", cwd=base).stdout.strip()
    if not os.path.exists(os.path.join(exec_path, "git-daemon")) and not shutil.which("git-daemon"):
        import pytest

        pytest.skip("git-daemon is not installed (the git package without git-daemon)")
    # A port taken between free_port() and the daemon's bind (by another
    # process on the machine) makes the daemon exit: try another port.
    for _attempt in range(5):
        port = _own_port()
        proc = subprocess.Popen(
            ["git", "daemon", "--reuseaddr", "--listen=127.0.0.1", f"--port={port}",
             "--export-all", "--enable=receive-pack", f"--base-path={base}",
             "--informative-errors", str(base)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        if _answers(proc, port):
            break
    else:
        raise RuntimeError(f"git daemon did not start: {proc.stderr.read() if proc.stderr else ''!r}")
    try:
        yield f"git://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# A policy the pre-push tests tighten and break: at most one Bash call.
NO_MORE_THAN_ONE_BASH = """\
version: 1
invariants:
  - name: one-bash
    counter: tool:Bash
    op: "<="
    value: 1
"""


def pushed_origin(repo: Repo, tmp_path: Path) -> Path:
    """A bare `origin` that has main, with gitsess installed in `repo`."""
    from tests.handoffhelpers import install

    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    install(repo)
    repo.git("push", "-q", "-u", "origin", "main")
    return remote


def titled_handoff(repo: Repo, tmp_path: Path, title: str = "Wire the billing export") -> str:
    """A real `git sess handoff` of the stock narrative under `title`; its commit."""
    from tests.handoffhelpers import narrative

    text = Path(narrative(tmp_path)).read_text().replace("Wire the billing export", title)
    proc = repo.sess("handoff", "--file", narrative(tmp_path, text, name=f"{title}.md"))
    assert proc.returncode == 0, proc.stderr
    return repo.git("rev-parse", "HEAD").stdout.strip()
