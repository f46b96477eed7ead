"""gitsess/sync/prepush.py, the pre-push hook's Python: what it costs to
start. The shim runs it on every push as `python -I -S`, so it must load
neither pygit2 (70 ms quiet, 200 ms loaded) nor subprocess; what it decides
is covered by the pushes of tests/commands/test_prepush_fast.py, test_guard.py
and the other push tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import gitsess

ROOT = Path(gitsess.__file__).resolve().parent.parent
SHIM = ROOT / "githooks" / "pre-push"


def test_the_hook_python_loads_no_pygit2() -> None:
    code = ("import sys; sys.path.append(sys.argv[1]); import gitsess.sync.prepush; "
            "print(sorted(m for m in ('pygit2', 'subprocess', 'gitsess.store.repo', 'yaml')"
            " if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-I", "-S", "-c", code, str(ROOT)],
                          capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_the_store_package_still_names_its_classes() -> None:
    """store/__init__ loads repo.py on first use of a name (PEP 562)."""
    code = ("import sys; sys.path.append(sys.argv[1]); import gitsess.store.plumbing; "
            "a = 'pygit2' in sys.modules; from gitsess.store import Store; "
            "print(a, 'pygit2' in sys.modules, Store.__module__)")
    proc = subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True,
                          text=True, check=True)
    assert proc.stdout.split() == ["False", "True", "gitsess.store.repo"]


def test_the_shim_stays_short() -> None:
    assert len(SHIM.read_text().splitlines()) <= 120
