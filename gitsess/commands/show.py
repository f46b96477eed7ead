"""`git sess show <ID|commit>`: print one handoff record.

Finding it (by handoff ref, else a search of the branches for its Sess-Id;
the note, else the commit message) is gitsess.handoff.lookup's; this module
prints it, through gitsess.ui.untrusted: a note is whatever its writer pushed.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from gitsess.handoff import ids, lookup
from gitsess.handoff import operators as verify
from gitsess.handoff.record import Record
from gitsess.store import Store
from gitsess.ui import untrusted
from gitsess.ui.timefmt import iso

SCHEMA_VERSION = 1
# The whole text and each JSON field bounded (a narrative is a few KB).
SHOWN_CHARS = 200_000
FIELD_CHARS = 64_000


def view(rec: Record, oid: str, source: str,
         v: tuple[verify.Verdict, bool] | None = None) -> dict[str, Any]:
    """The JSON document (schemas/show.json)."""
    out: dict[str, Any] = {
        "v": SCHEMA_VERSION,
        "id": rec.front.get("id"),
        "commit": oid,
        "source": source,
        "record": rec.front,
        "sections": rec.sections,
    }
    if v is not None:
        out["verified"] = v[0].as_json()
        if v[1]:
            out["future"] = True
    return out


def run(*, store: Store, what: str, as_json: bool = False) -> int:
    oid = lookup.resolve(store, what)
    rec, source, text = lookup.load(store, oid, want=what if ids.split_id(what) else None)
    v = lookup.verdict(store, oid)
    if as_json:
        # Sanitised too: JSON would escape a control character, but `jq -r`
        # unescapes it onto the terminal, and an agent reads the text.
        doc = untrusted.tree(view(rec, oid, source, v), None, text_chars=FIELD_CHARS)
        json.dump(doc, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
        return 0
    if source == "message" and lookup.note(store, oid) is None:
        print(f"# no record note on {oid[:12]}: shown from the commit message", file=sys.stderr)
    text = untrusted.text(text, SHOWN_CHARS)
    if v is not None and not v[0].ok:
        print(f"# {v[0].status}: {v[0].reason}; git does not say this record is its "
              "operator's", file=sys.stderr)
    if v is not None and v[1]:
        print(f"# dated in the future ({iso(store.commit(oid).commit_time * 1000)}): sorted "
              "below the present records", file=sys.stderr)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
