"""`git sess show <ID|commit>`: print one handoff record.

The record is the note on the handoff commit (refs/notes/sess, then the
fetched copies of peers' notes); a handoff commit without a note (notes not
fetched, or lost in a rewrite) is shown from its message, and says so.
An id is found by its handoff ref (local, then fetched), else by a search
of the branches for its Sess-Id trailer.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from gitsess import handoff, ids, trailers
from gitsess.errors import UsageError
from gitsess.record import Record, parse, render
from gitsess.store import Store

SCHEMA_VERSION = 1


def resolve(store: Store, what: str) -> str:
    """The commit of a handoff id, or of a revision."""
    if ids.split_id(what):
        found = ids.find(store, what)
        if found is not None and store.has_object(found.commit):
            return found.commit
        proc = store.run_git(["log", "--all", "-n1", "--format=%H", "-F",
                              f"--grep={trailers.SESS_ID}: {what}"], check=False)
        hit = proc.stdout.decode().strip()
        if hit:
            return hit
        raise UsageError(f"no handoff {what} in this clone",
                         hint="git sess sync fetches peers' handoffs; git sess log lists them")
    oid = store.resolve(what)
    if oid is None:
        raise UsageError(f"'{what}' is neither a handoff id (RT-261126-01) nor a commit")
    return oid


def _note(store: Store, oid: str) -> str | None:
    text = store.note(oid)
    if text is not None:
        return text
    for name in sorted(store.refs("refs/sess/remotes/")):
        if name.endswith("/notes"):
            text = store.note(oid, ref=name)
            if text is not None:
                return text
    return None


def load(store: Store, oid: str) -> tuple[Record, str, str]:
    """(record, source, text): source is 'note' or 'message'."""
    message = store.commit(oid).message
    hid = trailers.first(trailers.parse_trailers(message), trailers.SESS_ID)
    text = _note(store, oid)
    if text is not None:
        return parse(text, id=hid), "note", text
    if hid is None:
        raise UsageError(f"commit {oid[:12]} is not a handoff (no Sess-Id trailer, no note)")
    fm = handoff.from_message(message)
    front = {"v": 1, **fm.front, "commit": oid,
             "sessions": [{"id": s} for s in fm.session_ids]}
    rec = Record(front, fm.sections)
    return rec, "message", render(rec)


def view(rec: Record, oid: str, source: str) -> dict[str, Any]:
    """The JSON document (schemas/show.json)."""
    return {
        "v": SCHEMA_VERSION,
        "id": rec.front.get("id"),
        "commit": oid,
        "source": source,
        "record": rec.front,
        "sections": rec.sections,
    }


def run(*, store: Store, what: str, as_json: bool = False) -> int:
    oid = resolve(store, what)
    rec, source, text = load(store, oid)
    if as_json:
        json.dump(view(rec, oid, source), sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
        return 0
    if source == "message":
        print(f"# no record note on {oid[:12]}: shown from the commit message", file=sys.stderr)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
