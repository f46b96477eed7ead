"""Shared builders for tests: real repositories, real git, real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The console script next to the interpreter running the tests: the same
# install a user gets. Fall back to `python -m gitsess.main` when absent.
_BIN = Path(sys.executable).parent / "git-sess"
SESS = [str(_BIN)] if _BIN.exists() else [sys.executable, "-m", "gitsess.main"]


@dataclass
class Repo:
    path: Path

    def git(self, *args: str, check: bool = True, input: str | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return git(*args, cwd=self.path, check=check, input=input, env=env)

    def sess(self, *args: str, check: bool = False, input: str | bytes | None = None,
             env: dict[str, str] | None = None, timeout: float = 60,
             ) -> subprocess.CompletedProcess[str]:
        return sess(*args, cwd=self.path, check=check, input=input, env=env, timeout=timeout)

    def hook(self, payload: dict[str, Any] | str | bytes, *, timeout: float = 30,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
        """Run `git-sess hook` as Claude Code would: payload JSON on stdin."""
        data: bytes
        if isinstance(payload, dict):
            data = json.dumps(payload).encode()
        elif isinstance(payload, str):
            data = payload.encode()
        else:
            data = payload
        return subprocess.run([*SESS, "hook"], cwd=self.path, input=data,
                              capture_output=True, timeout=timeout, env=_env(env))

    def refs(self, prefix: str = "") -> dict[str, str]:
        out = self.git("for-each-ref", "--format=%(refname) %(objectname)").stdout
        pairs = (line.split(" ", 1) for line in out.splitlines() if line)
        return {name: oid for name, oid in pairs if name.startswith(prefix)}

    def commit(self, message: str = "work", files: dict[str, str] | None = None) -> str:
        for name, text in (files or {}).items():
            p = self.path / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
            self.git("add", name)
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").stdout.strip()


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    env = dict(os.environ)
    if extra:
        env.update(extra)
    return env


def git(*args: str, cwd: Path, check: bool = True, input: str | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, check=check, capture_output=True,
                          text=True, input=input, env=_env(env))


def sess(*args: str, cwd: Path, check: bool = False, input: str | bytes | None = None,
         env: dict[str, str] | None = None, timeout: float = 60,
         ) -> subprocess.CompletedProcess[str]:
    if isinstance(input, bytes):
        input = input.decode()
    proc = subprocess.run([*SESS, *args], cwd=cwd, capture_output=True, text=True,
                          input=input, env=_env(env), timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"git sess {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


def make_repo(path: Path, *, commit: bool = True) -> Repo:
    path.mkdir(parents=True, exist_ok=True)
    git("init", "-q", "-b", "main", str(path), cwd=path.parent)
    repo = Repo(path)
    if commit:
        (path / "README.md").write_text("hello\n")
        repo.git("add", "README.md")
        repo.git("commit", "-q", "-m", "initial")
    return repo


def payload(event: str, session: str = "s1", **fields: Any) -> dict[str, Any]:
    """A Claude Code hook payload with the common fields filled in."""
    base: dict[str, Any] = {
        "session_id": session,
        "transcript_path": f"/tmp/{session}.jsonl",
        "cwd": "/work/project",
        "permission_mode": "default",
        "hook_event_name": event,
    }
    base.update(fields)
    return base


def fsck(repo: Repo) -> subprocess.CompletedProcess[str]:
    return repo.git("fsck", "--strict", "--no-progress", check=False)


# -- fake secrets (redaction tests) -------------------------------------------
# Assembled at run time so that no test file holds a whole token for a secret
# scanner to trip on. AWS's are its documented example credentials.
AWS_ID = "AKIA" + "IOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
GH_CLASSIC = "ghp_" + "R8xQ2mT5vK9wL3nB7cF1" + "hJ4dS6gA0zY2uE8iO5pW"
GH_FINE = "github_pat_" + "11AB7QX2Y0" + "Zr3kT9mLq8" + "_" + "Wv5" * 27
STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"


def fake_pem(kind: str = "RSA PRIVATE KEY", lines: int = 6, seed: str = "k") -> tuple[str, list[str]]:
    """A private-key-shaped block and its body lines (random bytes, not a key)."""
    import base64
    import hashlib

    body = [
        base64.b64encode(hashlib.sha512(f"{seed}{i}".encode()).digest()[:48]).decode()
        for i in range(lines)
    ]
    return f"-----BEGIN {kind}-----\n" + "\n".join(body) + f"\n-----END {kind}-----\n", body
