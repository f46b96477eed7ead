"""The fields of a handoff record the report needs: branch, invariants, tokens
and models.

The report reads every record in its window, and a bench window is 10,000
of them: PyYAML's pure-Python loader costs a few ms a record (tens of
seconds in all; gitsess.resume.view notes the same). So a record in the
shape gitsess itself writes (`yaml.safe_dump` block style, see
gitsess.handoff.record.dump_yaml) is read line by line here, and anything
this reader does not recognise (quotes it does not take apart, flow
collections, block scalars, anchors, several records in one note) goes to
the bounded parser, gitsess.handoff.record.parse. Both give the same values:
tests/report/test_records.py checks them against each other.
"""

from __future__ import annotations

import re
from typing import Any

from gitsess.errors import ValidationError
from gitsess.handoff.record import RECORD_SEPARATOR, parse
from gitsess.store import safeyaml

_KEY = re.compile(r"^( *)(- )?([A-Za-z_][A-Za-z0-9_.-]*):(?: (.*))?$")
_INT = re.compile(r"^-?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^-?[0-9]+\.[0-9]+$")
# Plain scalars YAML would read as something other than a string or an int.
_SPECIAL = re.compile(r"^(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No"
                      r"|NO|on|On|ON|off|Off|OFF|[-+.0-9].*|[\[\]{}&*!|>'\"%@`#,?:].*)$")

# The top-level keys read; the telemetry keys read.
_TOP = ("branch", "invariants", "telemetry")
_TELEMETRY = ("tokens", "models")


class _Fallback(Exception):
    """This record needs the full parser."""


def _scalar(raw: str) -> Any:
    raw = raw.strip(" \t")
    if raw.startswith("'") and raw.endswith("'") and len(raw) >= 2:
        inner = raw[1:-1]
        if "'" in inner.replace("''", ""):
            raise _Fallback
        return inner.replace("''", "'")
    if " #" in raw or raw.endswith(":") or ": " in raw:
        raise _Fallback
    if _INT.match(raw):
        return int(raw)
    if _FLOAT.match(raw):
        return float(raw)
    if raw in ("null", "~", ""):
        return None
    if raw == "[]":
        return []
    if raw == "{}":
        return {}
    if _SPECIAL.match(raw):
        raise _Fallback
    return raw


def _front(text: str) -> str:
    if RECORD_SEPARATOR in text or not text.startswith("---\n"):
        raise _Fallback
    end = text.find("\n---\n", 3)
    if end < 0:
        raise _Fallback
    return text[3 : end + 1]  # from the newline before the first key


# A top-level key's line and the block under it (lines starting with a space
# or '- '), found by one regex search each: this runs 10,000 times a report.
def _top(key: str) -> re.Pattern[str]:
    return re.compile(f"\n{key}:(?P<value>[^\n]*)\n(?P<block>(?:[ -][^\n]*\n)*)")


_TOP_RE = {key: _top(key) for key in _TOP}
_SUB_RE = {key: re.compile(f"\n  {key}:(?P<value>[^\n]*)\n(?P<block>(?:   [^\n]*\n)*)")
           for key in _TELEMETRY}


def _value(raw: str) -> Any:
    return _scalar(raw) if raw.strip(" \t") else None


def _block(block: str, indent: int) -> Any:
    lines = block.rstrip("\n").split("\n")
    return _mapping(lines, indent) if block else None


def _mapping(lines: list[str], indent: int) -> dict[str, Any]:
    """A block mapping whose keys sit at `indent`, values scalars or mappings."""
    out: dict[str, Any] = {}
    i = 0
    while i < len(lines):
        m = _KEY.match(lines[i])
        if m is None or m.group(2) or len(m.group(1)) != indent:
            raise _Fallback
        key, value = m.group(3), m.group(4)
        if _SPECIAL.match(key):  # `no:` is a boolean key to YAML
            raise _Fallback
        if value is None:
            end = i + 1
            while end < len(lines) and lines[end].startswith(" " * (indent + 1)):
                end += 1
            out[key] = _mapping(lines[i + 1 : end], indent + 2) if end > i + 1 else None
            i = end
        else:
            out[key] = _scalar(value)
            i += 1
    return out


def _sequence(block: str) -> list[dict[str, Any]]:
    """A block sequence of flat mappings ('- k: v' then '  k: v')."""
    out: list[dict[str, Any]] = []
    for line in block.rstrip("\n").split("\n"):
        m = _KEY.match(line)
        if m is None or m.group(4) is None:
            raise _Fallback
        if m.group(2) and m.group(1) == "":
            out.append({})
        elif not out or m.group(2) or m.group(1) != "  ":
            raise _Fallback
        if _SPECIAL.match(m.group(3)):
            raise _Fallback
        out[-1][m.group(3)] = _scalar(m.group(4))
    return out


def _fast(text: str) -> dict[str, Any]:
    fm = _front(text)
    if "\n&" in fm or " &" in fm or " *" in fm or " !" in fm:
        raise _Fallback  # anchors, aliases, tags: the parser refuses or resolves them
    front: dict[str, Any] = {}
    for key, pattern in _TOP_RE.items():
        at = fm.find(f"\n{key}:")
        if at < 0:
            continue
        if fm.find(f"\n{key}:", at + 1) >= 0:
            raise _Fallback  # a duplicate key: the parser says which wins
        m = pattern.match(fm, at)
        if m is None:
            raise _Fallback
        value, block = m.group("value"), m.group("block")
        if value.strip(" \t") and block:
            raise _Fallback
        if key == "invariants":
            front[key] = _sequence(block) if block else _value(value)
        elif key == "telemetry" and block:
            tel = "\n" + block
            front[key] = {}
            for sub, sub_re in _SUB_RE.items():
                at = tel.find(f"\n  {sub}:")
                if at < 0:
                    continue
                h = sub_re.match(tel, at)
                if (h is None or tel.find(f"\n  {sub}:", at + 1) >= 0
                        or (h.group("value").strip(" \t") and h.group("block"))):
                    raise _Fallback
                front[key][sub] = (_block(h.group("block"), 4) if h.group("block")
                                   else _value(h.group("value")))
        elif block:
            raise _Fallback
        else:
            front[key] = _value(value)
    return front


def front(text: str, hid: str) -> dict[str, Any]:
    """branch, invariants and telemetry{tokens, models} of the record of `hid`
    in a note; {} when the note holds no readable record."""
    if len(text) > safeyaml.NOTE_MAX_BYTES:
        return {}
    try:
        return _fast(text)
    except (_Fallback, RecursionError):
        pass
    try:
        full = parse(text, id=hid).front
    except (ValidationError, RecursionError, ValueError):
        return {}
    return {k: full[k] for k in _TOP if k in full}


def counts(value: Any) -> dict[str, int] | None:
    """A mapping of counts, as gitsess.handoff.lookup reads one (names clipped)."""
    if not isinstance(value, dict):
        return None
    return {str(k)[:200]: v for k, v in value.items() if type(v) is int and v >= 0}


def usage(rec: dict[str, Any]) -> dict[str, Any]:
    """Tokens per model and messages per model, as `git sess log --json` shows them."""
    tel = rec.get("telemetry")
    if not isinstance(tel, dict):
        return {"tokens": None, "models": None}
    tokens = tel.get("tokens")
    return {
        "tokens": {str(m)[:200]: c for m, v in tokens.items() if (c := counts(v)) is not None}
        if isinstance(tokens, dict) else None,
        "models": counts(tel.get("models")),
    }


def invariants(rec: dict[str, Any]) -> list[dict[str, str]]:
    """name, severity and verdict of each invariant the record states."""
    out = []
    for inv in rec.get("invariants") or []:
        if isinstance(inv, dict) and isinstance(inv.get("name"), str) \
                and inv.get("verdict") in ("pass", "fail", "warn"):
            sev = inv.get("severity")
            out.append({"name": inv["name"][:200], "verdict": inv["verdict"],
                        "severity": sev if sev in ("error", "warn") else "error"})
    return out
