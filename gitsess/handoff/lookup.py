"""One handoff's record, found by id or commit (`git sess show`, `git sess log`).

The record is the note on the handoff commit (refs/notes/sess, then the
fetched copies of peers' notes); a handoff commit without a note (notes not
fetched, or lost in a rewrite) is shown from its message, and says so; so
is one whose note is not a record this gitsess reads (broken YAML, another
version, another id), with a warning naming why.
An id is found by its handoff ref (local, then fetched), else by a search
of the branches for its Sess-Id trailer.
"""

from __future__ import annotations

import re
from typing import Any

from gitsess import refs
from gitsess.errors import UsageError, ValidationError, warn
from gitsess.handoff import identify, ids, message
from gitsess.handoff import index as handoff_index
from gitsess.handoff import operators as verify
from gitsess.handoff.index import Handoff
from gitsess.handoff.record import Record, parse, render, split_records
from gitsess.store import Store, history

# Record versions this gitsess reads: 2 adds tokens, models and reconciled
# counts (issue 11) to what 1 has.
RECORD_VERSIONS = (1, 2)


def resolve(store: Store, what: str) -> str:
    """The commit of a handoff id, or of a revision."""
    if ids.split_id(what):
        found = ids.find(store, what)
        if found is not None and store.has_object(found.commit):
            return found.commit
        hit = history.commit_naming_id(store, what)
        if hit:
            return hit
        raise UsageError(f"no handoff {what} in this clone",
                         hint="git sess sync fetches peers' handoffs; git sess log lists them")
    oid = store.resolve(what)
    if oid is None:
        candidates = _candidates(store, what)
        if len(candidates) > 1:
            raise UsageError(f"short commit id '{what}' is ambiguous",
                             hint="candidates: " + ", ".join(c[:12] for c in candidates[:8])
                                  + "; give more digits")
        raise UsageError(f"'{what}' is neither a handoff id (RT-261126-01) nor a commit")
    return oid


def _candidates(store: Store, prefix: str) -> list[str]:
    """Commits whose id starts with `prefix` (git rev-parse --disambiguate)."""
    if not re.fullmatch(r"[0-9a-fA-F]{4,39}", prefix):
        return []
    oids = history.disambiguate(store, prefix)
    return [o for o in oids if store.resolve(o) == o]


def note(store: Store, oid: str) -> str | None:
    text = store.note(oid)
    if text is not None:
        return text
    for name in sorted(store.refs(refs.REMOTES)):
        if name.endswith("/notes"):
            text = store.note(oid, ref=name)
            if text is not None:
                return text
    return None


def load(store: Store, oid: str, want: str | None = None) -> tuple[Record, str, str]:
    """(record, source, text): source is 'note' or 'message'.

    `want` is the handoff id asked for: a squash of two handoffs carries two
    records in its note, and shows the one asked for.
    """
    msg = store.commit(oid).message
    # A squash keeps only the last commit's trailers as the trailer block; the
    # id asked for found this commit through its handoff ref or a search.
    hid = want or identify.handoff_id(msg)
    text = note(store, oid)
    if text is not None:
        try:
            rec: Record | None = parse(text, id=hid)
            problem = _not_a_record(rec.front if rec else {}, hid)
        except ValidationError as exc:
            rec, problem = None, exc.message
        if rec is not None and problem is None:
            if len(split_records(text)) > 1:  # print only the record asked for
                text = render(rec)
            return rec, "note", text
        if hid is None:
            raise ValidationError(f"the note on {oid[:12]} is not a handoff record: {problem}",
                                  hint="git notes --ref=sess show " + oid[:12] + " shows it")
        warn(f"the note on {oid[:12]} is not a readable record ({problem}); "
             "shown from the commit message")
    if hid is None:
        raise UsageError(f"commit {oid[:12]} is not a handoff (no Sess-Id trailer, no note)")
    from gitsess.handoff.subject import template_of

    fm = message.from_message(msg, template=template_of(store))
    front = {"v": 1, **fm.front, "commit": oid,
             "sessions": [{"id": s} for s in fm.session_ids]}
    rec = Record(front, fm.sections)
    return rec, "message", render(rec)


def _not_a_record(front: dict[str, Any], hid: str | None) -> str | None:
    """Why a note's front matter cannot be shown as this commit's record (STYLE 7:
    a version this gitsess does not know is flagged, not passed off as one)."""
    if not front:
        return "no front matter"
    if front.get("v") not in RECORD_VERSIONS:
        return (f"record version {front.get('v')!r}; this gitsess reads versions "
                f"{', '.join(map(str, RECORD_VERSIONS))}")
    if not isinstance(front.get("id"), str):
        return f"id {front.get('id')!r} is not a handoff id"
    if hid is not None and front["id"] != hid:
        return f"it is the record of {front['id']}, the commit's Sess-Id is {hid}"
    return None


def verdict(store: Store, oid: str) -> tuple[verify.Verdict, bool] | None:
    """(whose git says the handoff at `oid` is, whether it is dated in the
    future); None for a commit that records no handoff."""
    info = store.commit(oid)
    h = handoff_index.parse_commit(oid, info.message, info.commit_time)
    if h is None:
        return None
    h.email, h.author_time = info.author_email, info.author_time
    claim = verify.claim(h)
    return verify.Verifier.for_store(store).verdict(claim), verify.future(claim.time)


def _counts(value: Any) -> dict[str, int] | None:
    if not isinstance(value, dict):
        return None
    return {str(k)[:200]: v for k, v in value.items()
            if type(v) is int and v >= 0}


def usage(store: Store, index: handoff_index.Index, h: Handoff) -> dict[str, Any]:
    """Tokens per model and models of a handoff, from its record (version 2;
    null for a version 1 record or a handoff whose note this clone lacks).
    A peer's note: only counts are taken from it, names clipped."""
    text = handoff_index.record_text(store, index, h)
    if text is None:
        return {}
    try:
        tel = parse(text, id=h.id).front.get("telemetry")
    except (ValidationError, RecursionError, ValueError):
        return {}
    if not isinstance(tel, dict):
        return {}
    tokens = tel.get("tokens")
    return {
        "tokens": {str(m)[:200]: c for m, v in tokens.items() if (c := _counts(v)) is not None}
        if isinstance(tokens, dict) else None,
        "models": _counts(tel.get("models")),
    }
