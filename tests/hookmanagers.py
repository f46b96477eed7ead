"""Builders for the hook-manager tests: real pre-commit, husky and lefthook
installs, and a gitsess install whose hooks log each time they start Python."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import Repo

VENV = Path(sys.executable).parent.parent
# .ci/run installs husky 8, husky 9 and lefthook here (npm, under the venv).
NPM = VENV / "npm" / "node_modules"
PRECOMMIT = shutil.which("pre-commit", path=os.path.dirname(sys.executable))


def counting_install(tmp: Path) -> tuple[list[str], Path]:
    """argv that runs `git-sess` as an install whose console script is a
    wrapper logging its arguments: the shims install writes name it, so each
    start of gitsess's Python from a hook is one line of the log."""
    bin_dir = tmp / "counted" / "bin"
    bin_dir.mkdir(parents=True)
    os.symlink(sys.executable, bin_dir / "python")
    shutil.copy(VENV / "pyvenv.cfg", bin_dir.parent / "pyvenv.cfg")
    log = tmp / "counted" / "log"
    real = Path(sys.executable).parent / "git-sess"
    (bin_dir / "git-sess").write_text(
        f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{real}" "$@"\n')
    (bin_dir / "git-sess").chmod(0o755)
    return [str(bin_dir / "python"), "-m", "gitsess.main"], log


def counted_env() -> dict[str, str]:
    import gitsess

    site = [p for p in sys.path if p.endswith("site-packages")]
    src = str(Path(gitsess.__file__).parent.parent)
    return {"PYTHONPATH": os.pathsep.join([src, *site])}


def run(argv: list[str], repo: Repo, *, env: dict[str, str] | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run in its own process group, killed whole on timeout (a hook that
    calls itself forks until the machine says no)."""
    full = {**os.environ, **(env or {})}
    with subprocess.Popen(argv, cwd=repo.path, env=full, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, start_new_session=True) as p:
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)
            out, err = p.communicate()
            return subprocess.CompletedProcess(argv, -9, out, err + "\n(timed out)")
    return subprocess.CompletedProcess(argv, p.returncode, out, err)


def logged(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def npm_tool(*parts: str) -> Path | None:
    """A tool .ci/run installed with npm under the venv, or None."""
    path = NPM.joinpath(*parts)
    return path if path.exists() and shutil.which("node") else None


def need(tool: Path | None, what: str) -> Path:
    import pytest

    if tool is None:
        pytest.skip(f"{what} is not installed: .ci/run installs it with npm under"
                    f" {NPM.parent} (needs node and npm)")
    return tool
