"""JSON for the hook's fast path, from the C accelerator `_json` without the json package.

`import json` costs a tool call's hook ~4 ms of its ~20 (json.decoder and
json.encoder import re, which imports enum, functools and collections), but
the scanner and the string encoder json uses are C functions of `_json`.
`loads` and `dumps_flat` are json.loads and json.dumps(separators=(",", ":"),
ensure_ascii=True) for what the hook reads and writes; anything else (input
that is not UTF-8, a value that is not a string or an int, a Python without
`_json`) goes to the json package itself, so results never differ.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

try:
    import _json
except ImportError:  # another Python: the json package does it all
    _json = None  # type: ignore[assignment]

_SPACE = " \t\n\r"  # json.decoder.WHITESPACE
_CONSTANTS = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}


class _Context:
    """What `_json.make_scanner` reads from json.decoder.JSONDecoder, with its defaults."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = _CONSTANTS.__getitem__


_scan = _json.make_scanner(_Context()) if _json is not None else None  # type: ignore[arg-type]


def loads(data: bytes) -> Any:
    """json.loads(data): ValueError (or RecursionError) where it raises one."""
    # UTF-16 and UTF-32 (json.detect_encoding: a BOM, or NULs in the first
    # bytes) are left to json; UTF-8 with or without its BOM is decoded here.
    if _scan is None or b"\x00" in data[:4] or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        import json

        return json.loads(data)
    text = data.decode("utf-8-sig", "surrogatepass")
    start = len(text) - len(text.lstrip(_SPACE))
    try:
        obj, end = _scan(text, start)
    except StopIteration:
        raise ValueError("Expecting value") from None
    if text[end:].strip(_SPACE):
        raise ValueError("Extra data")
    return obj


def dumps_flat(d: dict[str, Any]) -> str:
    """json.dumps(d, separators=(",", ":"), ensure_ascii=True) for a flat dict."""
    if _json is None or not all(isinstance(k, str) and (type(v) is int or isinstance(v, str))
                                for k, v in d.items()):
        import json

        return json.dumps(d, separators=(",", ":"), ensure_ascii=True)
    enc = _json.encode_basestring_ascii
    return "{" + ",".join(
        enc(k) + ":" + (int.__repr__(v) if type(v) is int else enc(v)) for k, v in d.items()
    ) + "}"
