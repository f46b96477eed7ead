"""install.sh on a fresh machine (a hermetic HOME): its own venv, git-sess
linked into ~/.local/bin, git-sess(1) beside it for `git sess --help`,
`git sess install` in the repository; idempotent."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import Repo
from tests.sesshelpers import snapshot

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, path: str | None = None, venv: Path | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **(env or {})}
    env["GITSESS_PYTHON"] = sys.executable
    if venv is not None:
        env["GITSESS_VENV"] = str(venv)
    env["PATH"] = path or env.get("PATH", "")
    return subprocess.run(["sh", str(ROOT / "install.sh"), *args], capture_output=True, text=True,
                          env=env, timeout=600)


def _files(top: Path) -> set[str]:
    """Every file below `top`, through data/'s links to githooks/ and schemas/."""
    return {os.path.relpath(os.path.join(d, f), top)
            for d, dirs, files in os.walk(top, followlinks=True) if "__pycache__" not in d
            for f in files if not f.endswith(".pyc")}


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
    # The installed copy (a wheel, not this tree) has every package and data file.
    installed = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import gitsess, os; print(os.path.dirname(gitsess.__file__))"],
        capture_output=True, text=True, cwd="/", check=True).stdout.strip()
    assert installed != str(ROOT / "gitsess")
    wanted, got = _files(ROOT / "gitsess"), _files(Path(installed))
    assert wanted <= got, sorted(wanted - got)
    for command in ("verify", "report"):
        out = subprocess.run([str(link), command, "--help"], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
    # The launcher, not pip's script: a tool call's hook skips site-packages (issue 15).
    assert (venv / "bin" / "git-sess").read_text().split("\n", 1)[0] == \
        f"#!{venv / 'bin' / 'python'} -IS"

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


def test_install_sh_demo_in_an_empty_home(tmp_path: Path) -> None:
    """The README's quick start, `./install.sh --demo`, on a machine that has
    nothing yet: an empty HOME, no git identity, run outside any repository."""
    home = tmp_path / "home"
    home.mkdir()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    # Nothing of the hermetic fixture's identity, dates or XDG dirs: a new
    # machine's HOME (git's system config stays out, as in every test).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "XDG_")) or k == "GIT_CONFIG_NOSYSTEM"}
    env.update(HOME=str(home), GITSESS_PYTHON=sys.executable)
    proc = subprocess.run(["sh", str(ROOT / "install.sh"), "--demo"], cwd=outside,
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "35 hook events sent through `git-sess hook`" in proc.stdout
    assert "invariant 'no-linear-writes' failed" in proc.stdout
    assert "Resume prompt:" in proc.stdout and "refs/sess/h/RT/RT-" in proc.stdout
    assert "refs/notes/sess" in proc.stdout  # the refs the demo listed at its end
    assert list(outside.iterdir()) == []  # the throwaway repository went away
    assert (home / ".local" / "bin" / "git-sess").is_symlink()


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


# -- the man page: `git sess --help` is git's `man git-sess` -------------------

def _page(home: Path) -> Path:
    return home / ".local" / "share" / "man" / "man1" / "git-sess.1"


def test_install_sh_writes_the_man_page_beside_the_link(tmp_path: Path) -> None:
    home = Path(os.environ["HOME"])
    first = _run()
    assert first.returncode == 0, first.stdout + first.stderr
    page = _page(home)
    assert f"gitsess: man page {page}" in first.stdout
    made = subprocess.run([str(home / ".local/bin/git-sess"), "manpage"], capture_output=True,
                          text=True, check=True).stdout
    assert page.read_text() == made and ".SH COMMANDS" in made
    os.utime(page, (1_000_000, 1_000_000))
    again = _run()
    assert again.returncode == 0 and "up to date" in again.stdout
    assert page.stat().st_mtime == 1_000_000  # the same text: not rewritten


@pytest.mark.skipif(shutil.which("man") is None,
                    reason="man is not installed here: git sess --help has nothing to run")
def test_git_sess_help_shows_the_man_page_after_install(tmp_path: Path) -> None:
    home = Path(os.environ["HOME"])
    path = f"{home}/.local/bin:{os.environ.get('PATH', '')}"
    proc = _run(path=path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "man does not find" not in proc.stdout and "man is not installed" not in proc.stdout
    # The environment the install leaves: its bin dir on PATH (as it says to
    # add), no MANPATH; pagers that print instead of waiting for a key.
    env = {k: v for k, v in os.environ.items() if k != "MANPATH"}
    env.update(PATH=path, MANPAGER="cat", PAGER="cat", GIT_PAGER="cat")
    for args in (["git", "sess", "--help"], ["git", "help", "sess"], ["man", "git-sess"]):
        shown = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, env=env,
                               timeout=60)
        assert shown.returncode == 0, (args, shown.stderr)
        out = shown.stdout
        assert out.startswith("GIT-SESS(1)"), (args, out[:300], shown.stderr)
        for text in ("git-sess - the working memory of AI-assisted development",
                     "git sess handoff [OPTIONS]", "-F, --file FILE", "GITSESS_DEBUG",
                     "git-notes(1), githooks(5)"):
            assert text in out, (args, text)


def test_install_sh_moves_its_man_page_and_never_replaces_a_foreign_one(tmp_path: Path) -> None:
    home = Path(os.environ["HOME"])
    assert _run().returncode == 0
    other = tmp_path / "other"
    env_bin = {"GITSESS_BIN_DIR": str(other / "bin")}
    moved = _run(env=env_bin)
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert not _page(home).exists()  # the previous install's page went with its record
    assert f"removed the man page of the previous install, {_page(home)}" in moved.stdout
    assert (other / "share/man/man1/git-sess.1").read_text().startswith(".\\\" git-sess(1)")

    _page(home).write_text(".TH MINE 1\n")
    kept = _run(env=env_bin | {"GITSESS_MAN_DIR": str(home / ".local/share/man")})
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert f"{_page(home)} was not written by gitsess; not replacing it" in kept.stderr
    assert _page(home).read_text() == ".TH MINE 1\n"
    assert (other / "share/man/man1/git-sess.1").exists()  # not ours to replace: left as it was


def test_install_sh_without_man_installs_and_says_how_to_read_the_help(tmp_path: Path) -> None:
    """A machine without man (a fresh container, CI): no failure, and a way to read it."""
    farm = tmp_path / "path-without-man"
    farm.mkdir()
    for d in os.environ.get("PATH", "").split(os.pathsep):
        for exe in sorted(Path(d).iterdir()) if d and Path(d).is_dir() else ():
            if exe.name != "man" and not (farm / exe.name).exists() and os.access(exe, os.X_OK):
                (farm / exe.name).symlink_to(exe)
    proc = _run(path=str(farm))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "man is not installed, so `git sess --help` cannot show the page" in proc.stdout
    assert "`git sess -h` and `git sess COMMAND -h` print the same help" in proc.stdout
    assert _page(Path(os.environ["HOME"])).is_file()
