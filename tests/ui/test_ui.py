"""Colour on a terminal through click; none with NO_COLOR, --no-color, or
into a pipe (issue 10, deliverable 6). The terminal is a real pty."""

from __future__ import annotations

import os
import pty
import subprocess

from tests.helpers import SESS, Repo

ESC = "\x1b["


def on_a_terminal(repo: Repo, *args: str, env: dict[str, str] | None = None) -> str:
    """What `git sess ARGS` writes to stdout and stderr when both are a pty."""
    main, child = pty.openpty()
    proc = subprocess.Popen([*SESS, *args], cwd=repo.path, stdin=subprocess.DEVNULL,
                            stdout=child, stderr=child, env={**os.environ, **(env or {})})
    os.close(child)
    out = b""
    while True:
        try:
            data = os.read(main, 4096)
        except OSError:  # EIO: the other side closed
            break
        if not data:
            break
        out += data
    proc.wait(timeout=60)
    os.close(main)
    return out.decode("utf-8", "replace")


def test_colour_on_a_terminal_only(repo: Repo) -> None:
    out = on_a_terminal(repo, "show", "ZZ-261126-01")
    assert f"{ESC}31m" in out and "error:" in out  # red, by click.style
    plain = on_a_terminal(repo, "show", "ZZ-261126-01", env={"NO_COLOR": "1"})
    assert "error:" in plain and ESC not in plain
    plain = on_a_terminal(repo, "--no-color", "show", "ZZ-261126-01")
    assert "error:" in plain and ESC not in plain
    piped = repo.sess("show", "ZZ-261126-01")
    assert piped.stderr.startswith("error:") and ESC not in piped.stderr
