"""`git sess manpage`: the page on stdout, or written to a file only when it changed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gitsess.cli import _manpage_program
from gitsess.commands import manpage as cmd
from gitsess.errors import UsageError
from gitsess.ui import manpage
from tests.helpers import sess


def test_prints_the_page_outside_any_repository(tmp_path: Path) -> None:
    proc = sess("manpage", cwd=tmp_path, check=True)
    assert proc.stdout == manpage.render(_manpage_program())
    assert proc.stdout.startswith(manpage.SIGNATURE + "\n.TH ")
    assert proc.stderr == ""


def test_writes_creates_directories_and_leaves_an_unchanged_page(tmp_path: Path) -> None:
    page = tmp_path / "share" / "man" / "man1" / "git-sess.1"
    sess("manpage", "--output", str(page), cwd=tmp_path, check=True)
    text = page.read_text()
    assert text == manpage.render(_manpage_program())
    assert page.stat().st_mode & 0o777 == 0o644 & ~_umask()
    os.utime(page, (1_000_000, 1_000_000))
    proc = sess("manpage", "-o", str(page), cwd=tmp_path, check=True)
    assert proc.stdout == "" and page.stat().st_mtime == 1_000_000  # untouched
    page.write_text(".TH OLD 1\n")
    sess("manpage", "-o", str(page), cwd=tmp_path, check=True)
    assert page.read_text() == text
    assert sorted(p.name for p in page.parent.iterdir()) == ["git-sess.1"]  # no temp file left


def test_dash_is_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = _manpage_program()
    assert cmd.run(program=program, output="-") == 0
    assert capsys.readouterr().out == manpage.render(program)
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_path_is_an_error_in_git_s_voice(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory\n")
    proc = sess("manpage", "-o", str(tmp_path / "file" / "git-sess.1"), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: cannot write the man page to {tmp_path}/file/git-sess.1")
    assert "hint: " in proc.stderr and "Traceback" not in proc.stderr
    with pytest.raises(UsageError):
        cmd.run(program=_manpage_program(), output=str(tmp_path))  # a directory


def test_the_hook_path_never_loads_the_page_module() -> None:
    """`git sess hook` and the cli itself start without gitsess.ui.manpage."""
    code = ("import sys, gitsess.main, gitsess.cli, gitsess.commands.hook; "
            "print('gitsess.ui.manpage' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
