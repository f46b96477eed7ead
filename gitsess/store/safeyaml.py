"""Bounded YAML and JSON: the one way gitsess reads either from a file or object
someone else could have written (the policy, notes, legacy documents,
legacy documents); gitsess.store.safejson does the same for JSON.

Issue 9: a 531-byte billion-laughs `.gitsess.yaml` kept PyYAML busy for 45
minutes, a 595-byte one in a note made `show --json` write 910 MB, and a
100 KB nested file ended in RecursionError (exit 70). So, before anything
is built:

- a byte limit, checked before parsing starts;
- anchors and aliases are refused where the composer meets them (an alias
  is the only way a small document becomes a large object graph; gitsess
  never writes one: `yaml.safe_dump` of plain data emits none);
- a nesting limit, checked while composing (PyYAML's composer and
  constructor recurse once per level; its parser and scanner do not).

Every refusal is a `yaml.YAMLError` with a mark, so callers that already
turn YAML errors into `line N: problem` keep doing so.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError

MAX_DEPTH = 64
POLICY_MAX_BYTES = 64 * 1024
NOTE_MAX_BYTES = 256 * 1024


class LimitError(ComposerError):
    """A document refused by a limit (size, depth, anchors/aliases)."""


def _refuse(problem: str, mark: Any = None) -> LimitError:
    return LimitError(None, None, problem, mark)


class BoundedLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses anchors, aliases and deep nesting."""

    max_depth = MAX_DEPTH

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _refuse(f"aliases are not allowed (*{event.anchor})", event.start_mark)
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _refuse(f"anchors are not allowed (&{anchor})", event.start_mark)
        self._depth += 1
        try:
            if self._depth > self.max_depth:
                raise _refuse(f"nested deeper than {self.max_depth} levels", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _check_size(text: str, max_bytes: int) -> None:
    # len(text) <= bytes <= 4 * len(text): most documents are decided without encoding.
    if len(text) > max_bytes or (4 * len(text) > max_bytes
                                 and len(text.encode("utf-8", "replace")) > max_bytes):
        raise _refuse(f"larger than {_kib(max_bytes)}")


def _kib(n: int) -> str:
    return f"{n // 1024} KiB" if n % 1024 == 0 else f"{n} bytes"


def compose_and_load(text: str, *, max_bytes: int) -> tuple[yaml.Node | None, Any]:
    """(the node tree, for line numbers; the data) of one YAML document.

    Raises yaml.YAMLError: invalid YAML, or a LimitError.
    """
    _check_size(text, max_bytes)
    loader = BoundedLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except RecursionError as exc:  # belt and braces: MAX_DEPTH keeps well clear of it
        raise _refuse("nested too deeply") from exc
    finally:
        loader.dispose()
    return node, data


def load(text: str, *, max_bytes: int) -> Any:
    """The data of one YAML document, bounded (see the module docstring)."""
    return compose_and_load(text, max_bytes=max_bytes)[1]
