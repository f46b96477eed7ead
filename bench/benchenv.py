"""What the handoff and push benchmarks share: the gitsess they run, a
hermetic environment, and a handoff narrative."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# The console script next to this interpreter (the install being measured).
SESS = [str(Path(sys.executable).parent / "git-sess")]
if not Path(SESS[0]).exists():
    SESS = [sys.executable, "-m", "gitsess.main"]


def narrative(title: str = "Bench handoff") -> str:
    return (f"---\ntitle: {title}\nworkstream: bench\nconfidence: M\n---\n"
            "## Summary\nA benchmark handoff.\n\n## Resume Prompt\nRun the bench again.\n")


def env(home: Path) -> dict[str, str]:
    """This process's environment without git/agent/gitsess variables, HOME
    and git config pinned to `home`."""
    out = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "CLAUDE_", "GITSESS_"))}
    out.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), GIT_CONFIG_NOSYSTEM="1",
               GIT_CONFIG_GLOBAL=str(home / ".gitconfig"), TZ="UTC", GIT_EDITOR="false")
    out.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed gitsess has its bytecode
    return out


GITCONFIG = ("[user]\n\tname = Rosa Tanaka\n\temail = rosa@example.com\n"
             "[commit]\n\tgpgsign = false\n[gc]\n\tauto = 0\n")


def make_home(root: Path) -> tuple[Path, dict[str, str]]:
    """A fresh HOME under `root` with a pinned git identity (no signing, no
    auto gc), and the hermetic environment that points at it."""
    home = root / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(GITCONFIG)
    return home, env(home)
