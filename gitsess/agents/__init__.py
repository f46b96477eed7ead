"""Agent adapters: each turns its agent's hook payload into a gitsess Event.

An adapter is a module with `AGENT` (its name), `PROJECT_DIR_ENV` (the
environment variables, in order, that name the project the agent runs in),
`to_event(payload) -> Event | None` and `reply(event, context) -> str` (what
the hook prints for the agent: the resume context in the agent's own output
contract, or what the agent expects when there is nothing to say). Adding an
agent means adding a module here and a line in ADAPTERS, and its settings
spec beside it (<agent>_settings.py, registered in specs.py); the core never changes.

hook.py is the hook's work for any agent: the payload read within the
deadline, the event written (gitsess.telemetry.writer), the agent's reply.
settings.py is the shape of an agent's settings file and gitsess's entries in it.

Import rule: agents imports gitsess.telemetry, gitsess.store, gitsess.refs,
gitsess.errors, gitsess.ui and itself; never gitsess.transcripts (its sibling).
"""

from __future__ import annotations

import importlib
from types import ModuleType

ADAPTERS = {
    "claude": "gitsess.agents.claude",
    "gemini": "gitsess.agents.gemini",
    "cursor": "gitsess.agents.cursor",
    "codex": "gitsess.agents.codex",
    "copilot": "gitsess.agents.copilot",
    "qwen": "gitsess.agents.qwen",
    "droid": "gitsess.agents.droid",
}


def adapter(name: str) -> ModuleType | None:
    module = ADAPTERS.get(name)
    return importlib.import_module(module) if module else None
