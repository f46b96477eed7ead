"""What the store's contract tests share: a Store on a real repository, and
a real writer process that uses the store from outside the test."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from gitsess.store import Store
from tests.helpers import Repo


def open_store(repo: Repo) -> Store:
    return Store.discover(str(repo.path))


def head(repo: Repo) -> str:
    return repo.git("rev-parse", "HEAD").stdout.strip()


def python(code: str, cwd: Path, *args: str) -> subprocess.Popen[bytes]:
    """A separate interpreter running `code` (dedented) in `cwd`, with the
    gitsess of this test run importable: a real concurrent writer."""
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
