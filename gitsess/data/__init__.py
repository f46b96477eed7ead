"""data: files shipped with gitsess (JSON Schemas, git hook shims, the agent
commands' texts), and how to read them.

Import rule: data imports nothing of gitsess.

Schemas and shims live at the top of the source tree (schemas/, githooks/)
and reach the package as gitsess/data/ (symlinks in the tree, real files in
a wheel); the texts of the agents' handoff and sess-resume commands live in
gitsess/data/commands/ (gitsess/setup/agentcommands.py).
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any

_DATA = os.path.dirname(os.path.abspath(__file__))


def data_path(*parts: str) -> str:
    return os.path.join(_DATA, *parts)


def githooks_dir() -> str:
    return data_path("githooks")


@functools.cache
def schema(name: str) -> dict[str, Any]:
    """A schema by file stem, e.g. schema('status') reads schemas/status.json."""
    with open(data_path("schemas", f"{name}.json"), encoding="utf-8") as fh:
        loaded: dict[str, Any] = json.load(fh)
    return loaded
