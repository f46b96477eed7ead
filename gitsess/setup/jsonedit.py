"""Text-preserving JSON edits: turn a file's text that parses to `old` into
text that parses to `new`, changing only the bytes that differ.

Agent settings files are the user's (often committed, reviewed in diffs):
install adds gitsess's entries where they go, in the file's own indent and
key order, and leaves every other byte alone, so that `git diff` shows the
added entries only. Only what gitsess's merge produces is handled: members
added to an object, items appended to a list, a value replaced. Anything else
returns None, and the caller writes the file whole.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_WS = re.compile(r"[ \t\r\n]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_SCALAR = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")
MAX_DEPTH = 64  # settings nest a few levels; deeper is not a file gitsess edits


@dataclass
class Node:
    start: int
    end: int  # one past the value's last character
    members: dict[str, Node] = field(default_factory=dict)  # an object's, by key
    items: list[Node] = field(default_factory=list)  # an array's


class _Unsupported(Exception):
    pass


def _parse(text: str, i: int, depth: int = 0) -> Node:
    if depth > MAX_DEPTH:
        raise _Unsupported
    i = _WS.match(text, i).end()  # type: ignore[union-attr]
    if i >= len(text):
        raise _Unsupported
    c = text[i]
    if c == "{" or c == "[":
        node = Node(i, i)
        close = "}" if c == "{" else "]"
        j = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
        if j < len(text) and text[j] == close:
            node.end = j + 1
            return node
        while True:
            if c == "{":
                m = _STRING.match(text, _WS.match(text, j).end())  # type: ignore[union-attr]
                if not m:
                    raise _Unsupported
                key = json.loads(m.group())
                j = _WS.match(text, m.end()).end()  # type: ignore[union-attr]
                if text[j:j + 1] != ":":
                    raise _Unsupported
                child = _parse(text, j + 1, depth + 1)
                node.members[key] = child
            else:
                child = _parse(text, j, depth + 1)
                node.items.append(child)
            j = _WS.match(text, child.end).end()  # type: ignore[union-attr]
            if text[j:j + 1] == ",":
                j += 1
                continue
            if text[j:j + 1] == close:
                node.end = j + 1
                return node
            raise _Unsupported
    m = _STRING.match(text, i) if c == '"' else _SCALAR.match(text, i)
    if not m:
        raise _Unsupported
    return Node(i, m.end())


def _indent_unit(text: str) -> str | None:
    """The file's indent step (two spaces, four, a tab), or None for a file
    written on one line."""
    m = re.search(r"\n([ \t]+)\S", text)
    return m.group(1) if m else None


def _line_indent(text: str, pos: int) -> str:
    line_start = text.rfind("\n", 0, pos) + 1
    return re.match(r"[ \t]*", text[line_start:]).group()  # type: ignore[union-attr]


def _render(value: Any, unit: str | None, base: str) -> str:
    if unit is None:
        return json.dumps(value, ensure_ascii=False)
    out = json.dumps(value, indent=1, ensure_ascii=False)
    # json.dumps indents with spaces per level: re-indent with the file's unit.
    lines = []
    for ln in out.split("\n"):
        stripped = ln.lstrip(" ")
        lines.append(unit * (len(ln) - len(stripped)) + stripped)
    return ("\n" + base).join(lines)


def edit(text: str, old: Any, new: Any, *, lists_first: bool = True) -> str | None:
    """`text` (which parses to `old`) changed to parse to `new` (but for the
    order of list items), or None. With `lists_first` False, items added to
    a list that has some go after them (where their order may matter)."""
    try:
        root = _parse(text, 0)
        if _WS.match(text, root.end).end() != len(text):  # type: ignore[union-attr]
            return None
        unit = _indent_unit(text)
        if unit is None and ("\n" in text[root.start:root.end] or not (root.members or root.items)):
            unit = "  "  # an empty object ({} or nothing): gitsess's own two spaces
        patches: list[tuple[int, int, str]] = []
        _diff(text, root, old, new, unit, patches, lists_first)
    except (_Unsupported, ValueError, IndexError):
        return None
    for start, end, repl in sorted(patches, reverse=True):
        text = text[:start] + repl + text[end:]
    try:
        if _canon(json.loads(text)) != _canon(new):
            return None
    except ValueError:
        return None
    return text


def _canon(value: Any) -> Any:
    """`value` with each list's order ignored: an added item may go first
    (gitsess finds its entries wherever they are; the agent runs them all)."""
    if isinstance(value, dict):
        return {k: _canon(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_canon(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def _diff(text: str, node: Node, old: Any, new: Any, unit: str | None,
          patches: list[tuple[int, int, str]], lists_first: bool) -> None:
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict) and set(old) <= set(new):
        for key in old:
            _diff(text, node.members[key], old[key], new[key], unit, patches, lists_first)
        added = [(k, new[k]) for k in new if k not in old]
        if added:
            _append(text, node, [json.dumps(k, ensure_ascii=False) + ": " for k, _ in added],
                    [v for _, v in added], unit, patches, True)
        return
    if isinstance(old, list) and isinstance(new, list) and len(old) <= len(new):
        for i, item in enumerate(old):
            _diff(text, node.items[i], item, new[i], unit, patches, lists_first)
        if len(new) > len(old):
            _append(text, node, [""] * (len(new) - len(old)), new[len(old):], unit, patches,
                    lists_first)
        return
    base = _line_indent(text, node.start)
    patches.append((node.start, node.end, _render(new, unit, base)))


def _append(text: str, node: Node, heads: list[str], values: list[Any], unit: str | None,
            patches: list[tuple[int, int, str]], first: bool) -> None:
    """Add members (heads '"<key>": ') or items (heads '') to a container.

    Where the container's first child starts a line of its own they go first,
    each line new ("<entry>," before it): the diff is added lines only, with
    no line changed to take a comma. Otherwise they go last."""
    base = _line_indent(text, node.start)
    children = list(node.members.values()) or node.items
    first_on_own_line = first and bool(children) and "\n" in text[node.start:children[0].start]
    if first_on_own_line:
        inner = _line_indent(text, children[0].start)
    elif children:
        inner = _line_indent(text, children[-1].start) if unit is not None else ""
    else:
        inner = base + (unit or "")
    rendered = [h + _render(v, unit, inner) for h, v in zip(heads, values, strict=True)]
    if first_on_own_line:
        at = node.start + 1
        patches.append((at, at, "".join("\n" + inner + r + "," for r in rendered)))
    elif unit is None:
        at = children[-1].end if children else node.start + 1
        patches.append((at, at, (", " if children else "") + ", ".join(rendered)))
    elif children:
        at = children[-1].end
        patches.append((at, at, "".join(",\n" + inner + r for r in rendered)))
    else:  # `{}` or `[ ]`: open it up
        body = (",\n" + inner).join(rendered)
        patches.append((node.start + 1, node.end - 1, "\n" + inner + body + "\n" + base))
