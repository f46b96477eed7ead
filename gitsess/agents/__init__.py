"""Agent adapters: each turns its agent's hook payload into a gitsess Event.

An adapter is a module with `AGENT` (its name) and `to_event(payload) -> Event | None`.
Adding an agent means adding a module here and a line in ADAPTERS; the core
never changes.
"""

from __future__ import annotations

import importlib
from types import ModuleType

ADAPTERS = {"claude": "gitsess.agents.claude"}


def adapter(name: str) -> ModuleType | None:
    module = ADAPTERS.get(name)
    return importlib.import_module(module) if module else None
