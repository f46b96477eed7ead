"""Installing gitsess's git hook shims into a repository.

Plain form: copy each shim from githooks/ into the hooks directory with the
exact git-sess of this install substituted. (The install issue makes this
robust: chaining, core.hooksPath, agent settings, uninstall.)
"""

from __future__ import annotations

import os
import shlex
import stat
import sys

from gitsess.resources import githooks_dir
from gitsess.store import Store

HOOKS = ("commit-msg", "post-commit")
MARKER = "gitsess"


def gitsess_command() -> list[str]:
    """argv that runs this very install of gitsess: its console script, or
    `<python> -m gitsess.main` (never a PATH lookup, never a version-manager shim)."""
    candidate = os.path.join(os.path.dirname(sys.executable), "git-sess")
    if os.access(candidate, os.X_OK):
        return [candidate]
    return [sys.executable, "-m", "gitsess.main"]


def render_shim(name: str) -> str:
    with open(os.path.join(githooks_dir(), name), encoding="utf-8") as fh:
        text = fh.read()
    return text.replace("@GITSESS@", shlex.join(gitsess_command()))


def hooks_dir(store: Store) -> str:
    return os.path.join(store.common_dir, "hooks")


def install_hooks(store: Store, names: tuple[str, ...] = HOOKS) -> list[str]:
    target = hooks_dir(store)
    os.makedirs(target, exist_ok=True)
    written = []
    for name in names:
        path = os.path.join(target, name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(render_shim(name))
        os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        written.append(path)
    return written
