"""store/remote.py's process reading: the hooks learn what git itself was
told (`git push --dry-run`, `git commit --amend`) from the git above them."""

from __future__ import annotations

import subprocess
import sys

# The process under test: it asks for the nearest ancestor with "push" in its argv.
ASK = ("from gitsess.store import remote; "
       "print(remote.calling_argv(lambda a: b'push' in a))")


def _parent(*argv: str, via_shell: bool = False) -> str:
    """Run ASK as the child (or, via_shell, the grandchild under `sh -c`) of a
    real process whose argv is `argv`; what it printed."""
    inner = [sys.executable, "-c", ASK]
    child = ["sh", "-c", '"$@"; :', "sh", *inner] if via_shell else inner
    code = f"import subprocess, sys; sys.exit(subprocess.run({child!r}).returncode)"
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                          check=True)
    return proc.stdout.strip()


def test_the_calling_process_argv_is_read() -> None:
    got = _parent("push", "--dry", "origin")
    assert "b'push', b'--dry', b'origin'" in got


def test_it_is_found_through_a_process_in_between() -> None:
    """A hook manager between git and the hook: the argv is further up."""
    got = _parent("push", "-n", via_shell=True)
    assert "b'push', b'-n'" in got


def test_none_when_no_ancestor_matches() -> None:
    assert _parent("commit", "--amend") == "None"
