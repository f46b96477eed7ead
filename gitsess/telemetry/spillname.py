"""A spilled event's line carried in its ref's name (gitsess/telemetry/spill.py).

`refs/sess/pending/<session>/<unique>.<line>`: the line in base64url without
padding, after a "." that no unique part contains. Such a ref points at the
empty blob, which all of them share, so a tool call's event writes no object
of its own. A line that would make the name longer than NAME_MAX is stored
as a blob under the plain unique name instead.

Stdlib only and cheap to import (binascii is a C module; base64.py would
bring re and struct onto the hook's hot path).
"""

from __future__ import annotations

import binascii

# The last component of the ref's name, "<unique>.<base64url line>": the
# files backend stores it as a file name (at most 255 bytes on ext4, APFS,
# NTFS) and writes "<name>.lock" beside it first.
NAME_MAX = 250
# Every line starts so (Event.line): left out of the name, put back on reading.
PREFIX = '{"v":1,"event":"'
_TO_URL = bytes.maketrans(b"+/", b"-_")
_FROM_URL = bytes.maketrans(b"-_", b"+/")
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def encode(ref: str, line: str) -> str | None:
    """`ref` with `line` carried in its last component; None when too long."""
    if not line.startswith(PREFIX):
        return None
    body = line[len(PREFIX):].encode()
    coded = binascii.b2a_base64(body, newline=False).translate(_TO_URL).rstrip(b"=")
    leaf = ref.rsplit("/", 1)[-1]
    if len(leaf) + 1 + len(coded) > NAME_MAX:
        return None
    return f"{ref}.{coded.decode('ascii')}"


def decode(ref: str) -> str | None:
    """The line a ref's name carries; None when it carries none (or nothing
    that decodes: a name gitsess did not write)."""
    leaf = ref.rsplit("/", 1)[-1]
    _, dot, coded = leaf.partition(".")
    if not dot or not coded:
        return None
    raw = coded.encode("ascii", "replace").translate(_FROM_URL)
    if raw.translate(None, _ALPHABET):  # a2b_base64 would skip what is not base64
        return None
    try:
        line = binascii.a2b_base64(raw + b"=" * (-len(raw) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    return PREFIX + line if line else None


def key(ref: str) -> str:
    """A spill's ref without the line its name carries: what folded.json
    lists, so that a fold of thousands of spills stays far under the bound on
    a tree's JSON (gitsess/store/safejson.py). A name that carries no line
    is its own key (and so is every name written before lines were)."""
    head, slash, leaf = ref.rpartition("/")
    return head + slash + leaf.partition(".")[0]
