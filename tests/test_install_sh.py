"""install.sh on a fresh machine (a hermetic HOME): its own venv, git-sess
linked into ~/.local/bin, `git sess install` in the repository; idempotent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import Repo
from tests.sesshelpers import snapshot

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, path: str | None = None,
         venv: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["GITSESS_PYTHON"] = sys.executable
    if venv is not None:
        env["GITSESS_VENV"] = str(venv)
    env["PATH"] = path or env.get("PATH", "")
    return subprocess.run(["sh", str(ROOT / "install.sh"), *args], capture_output=True, text=True,
                          env=env, timeout=600)


def test_install_sh_fresh_then_again(repo: Repo) -> None:
    home = Path(os.environ["HOME"])
    first = _run(str(repo.path), "--agent", "claude")
    assert first.returncode == 0, first.stdout + first.stderr
    venv = Path(os.environ["XDG_DATA_HOME"]) / "gitsess" / "venv"
    link = home / ".local" / "bin" / "git-sess"
    assert link.is_symlink() and Path(os.readlink(link)) == venv / "bin" / "git-sess"
    assert f'export PATH="{home}/.local/bin:$PATH"' in first.stdout  # says exactly how
    shim = (repo.path / ".git" / "hooks" / "pre-push").read_text()
    assert str(venv / "bin" / "git-sess") in shim  # the shims name the installed copy
    assert (repo.path / ".claude" / "settings.json").exists()
    out = subprocess.run([str(link), "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and "git-sess" in out.stdout

    before = snapshot(repo.path / ".git" / "hooks")
    settings = (repo.path / ".claude" / "settings.json").read_bytes()
    # The README's first command: install (already done: up to date) and the demo.
    second = _run(str(repo.path), "--agent", "claude", "--demo",
                  path=f"{home}/.local/bin:{os.environ.get('PATH', '')}")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "up to date" in second.stdout and "not on your PATH" not in second.stdout
    assert "35 hook events sent through `git-sess hook`" in second.stdout
    assert "Resume prompt:" in second.stdout and "refs/sess/h/RT/RT-" in second.stdout
    assert snapshot(repo.path / ".git" / "hooks") == before
    assert (repo.path / ".claude" / "settings.json").read_bytes() == settings


def test_install_sh_refuses_to_replace_a_foreign_file(tmp_path: Path) -> None:
    bindir = Path(os.environ["HOME"]) / ".local" / "bin"
    bindir.mkdir(parents=True)
    (bindir / "git-sess").write_text("#!/bin/sh\necho mine\n")
    env_venv = tmp_path / "venv"
    proc = _run(venv=env_venv)
    assert proc.returncode == 1 and "not a symlink" in proc.stderr
    assert (bindir / "git-sess").read_text() == "#!/bin/sh\necho mine\n"


def test_install_sh_usage_errors() -> None:
    proc = _run("--bogus")
    assert proc.returncode == 1 and "unknown option --bogus" in proc.stderr
    assert "install.sh" in _run("--help").stdout


def test_install_sh_refuses_a_venv_dir_that_is_not_one(tmp_path: Path) -> None:
    """GITSESS_VENV naming a directory of the user's used to be turned into a venv."""
    mine = tmp_path / "projects"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine\n")
    proc = _run(venv=mine)
    assert proc.returncode == 1 and "is not a virtual environment" in proc.stderr
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


def test_install_sh_relative_venv_and_bin_dir_from_another_cwd(repo: Repo, tmp_path: Path) -> None:
    """Relative GITSESS_VENV / GITSESS_BIN_DIR made a dangling link and a
    `git sess install` that was 'not found'."""
    env = dict(os.environ, GITSESS_PYTHON=sys.executable, GITSESS_VENV="v e n v",
               GITSESS_BIN_DIR="b i n")
    proc = subprocess.run(["sh", str(ROOT / "install.sh"), str(repo.path)], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    link = tmp_path / "b i n" / "git-sess"
    assert os.readlink(link) == str(tmp_path / "v e n v" / "bin" / "git-sess")
    assert subprocess.run([str(link), "--version"], capture_output=True).returncode == 0
    assert str(tmp_path / "v e n v" / "bin" / "git-sess") in (
        repo.path / ".git" / "hooks" / "pre-push").read_text()
