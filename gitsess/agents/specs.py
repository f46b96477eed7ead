"""Every agent's settings spec, by name: the registry `git sess install`,
`uninstall` and `doctor` walk.

Each spec sits beside its adapter (gitsess/agents/<agent>_settings.py); the
functions that read and write the files are in gitsess/agents/settings.py.
Adding an agent adds its module and one name here.
"""

from __future__ import annotations

import os

from gitsess.agents.claude_settings import SPEC as CLAUDE
from gitsess.agents.codex_settings import SPEC as CODEX
from gitsess.agents.copilot_settings import SPEC as COPILOT
from gitsess.agents.cursor_settings import SPEC as CURSOR
from gitsess.agents.droid_settings import SPEC as DROID
from gitsess.agents.gemini_settings import SPEC as GEMINI
from gitsess.agents.qwen_settings import SPEC as QWEN
from gitsess.agents.settings import Spec

__all__ = ["CLAUDE", "CODEX", "COPILOT", "CURSOR", "DROID", "GEMINI", "QWEN", "SPECS", "Spec",
           "for_path", "root_of"]

SPECS = {s.name: s for s in (CLAUDE, GEMINI, CURSOR, CODEX, COPILOT, QWEN, DROID)}


def for_path(path: str) -> Spec | None:
    """The agent whose settings file `path` is (by its directory and name;
    Copilot CLI's directory is two deep, .github/hooks)."""
    p = "/" + path.replace("\\", "/")
    return next((s for s in SPECS.values() for name in s.files
                 if p.endswith(f"/{s.dir}/{name}")), None)


def root_of(path: str) -> str | None:
    """The worktree an agent settings file `path` sits at the top of."""
    spec = for_path(path)
    if spec is None:
        return None
    for _ in range(spec.dir.count("/") + 2):
        path = os.path.dirname(path)
    return path
