"""Every agent's settings spec, by name: the registry `git sess install`,
`uninstall` and `doctor` walk.

Each spec sits beside its adapter (gitsess/agents/<agent>_settings.py); the
functions that read and write the files are in gitsess/agents/settings.py.
Adding an agent adds its module and one name here.
"""

from __future__ import annotations

from gitsess.agents.claude_settings import SPEC as CLAUDE
from gitsess.agents.cursor_settings import SPEC as CURSOR
from gitsess.agents.gemini_settings import SPEC as GEMINI
from gitsess.agents.settings import Spec

__all__ = ["CLAUDE", "CURSOR", "GEMINI", "SPECS", "Spec", "for_path"]

SPECS = {s.name: s for s in (CLAUDE, GEMINI, CURSOR)}


def for_path(path: str) -> Spec | None:
    """The agent whose settings file `path` is (by its directory and name)."""
    parts = path.replace("\\", "/").rsplit("/", 2)
    if len(parts) < 2:
        return None
    d, name = parts[-2], parts[-1]
    return next((s for s in SPECS.values() if s.dir == d and name in s.files), None)
