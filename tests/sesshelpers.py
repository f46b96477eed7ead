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

from tests.helpers import Repo, git

RECORD = """---
v: 1
id: {id}
operator: {op}
title: {title}
workstream: {ws}
---

## Summary

{title}

## Resume Prompt

Carry on with {title}.
"""


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


def handoff_commit(repo: Repo, hid: str, *, op: str = "RT", ws: str = "core",
                   title: str | None = None, note: bool = True, session: str | None = None,
                   ) -> str:
    """A handoff commit made by hand per ARCHITECTURE.md (trailers, note, handoff ref)."""
    title = title or f"step {hid}"
    msg = f"handoff({ws}): {title}\n\n## Summary\n\n{title}\n\nSess-Id: {hid}\nSess-Operator: {op}\nSess-Workstream: {ws}\n"
    if session:
        msg += f"Sess-Session: {session}\n"
    p = repo.path / "work.txt"
    p.write_text((p.read_text() if p.exists() else "") + f"{hid}\n")
    repo.git("add", "work.txt")
    repo.git("commit", "-q", "--no-verify", "-F", "-", input=msg)
    oid = repo.git("rev-parse", "HEAD").stdout.strip()
    if note:
        repo.git("notes", "--ref=sess", "add", "-f", "-F", "-", oid,
                 input=RECORD.format(id=hid, op=op, title=title, ws=ws))
    repo.git("update-ref", f"refs/sess/h/{op}/{hid}", oid)
    return oid


def remote_refs(path: Path) -> dict[str, str]:
    out = git("for-each-ref", "--format=%(refname) %(objectname)", cwd=path).stdout
    pairs = (line.split(" ", 1) for line in out.splitlines() if line)
    return {name: oid for name, oid in pairs}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def git_daemon(base: Path) -> Iterator[str]:
    """`git daemon` on 127.0.0.1 serving `base` (push enabled); yields git://127.0.0.1:<port>."""
    exec_path = git("--exec-path", cwd=base).stdout.strip()
    if not os.path.exists(os.path.join(exec_path, "git-daemon")) and not shutil.which("git-daemon"):
        import pytest

        pytest.skip("git-daemon is not installed (the git package without git-daemon)")
    port = free_port()
    proc = subprocess.Popen(
        ["git", "daemon", "--reuseaddr", "--listen=127.0.0.1", f"--port={port}", "--export-all",
         "--enable=receive-pack", f"--base-path={base}", "--informative-errors", str(base)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"git daemon did not start: {proc.stderr.read() if proc.stderr else ''!r}")
            time.sleep(0.05)
        yield f"git://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
