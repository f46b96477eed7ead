"""A session's events are claimed by one record (issue 9, deliverable 6).

A handoff's record names each session it covers with the telemetry tip it
counted. Post-commit stores the record and then retires each session up to
that tip (gitsess.handoff.retire.retire_session). A handoff killed in between
leaves the claimed events live, and the next handoff would claim them again;
a `--repair` of a handoff whose record was never stored would compose it
from the commit message and claim whatever the session holds by then.

So post-commit marks each claim, right after the record is stored and
before the retire, in a local-only ref (refs/sess/local/ is never pushed or
fetched):

    refs/sess/local/claims/<session>  -> blob {"v": 1, "handoff": <id>, "tip": <oid>}

(the latest claim of the session). Before a handoff picks its sessions,
`finish` completes any earlier retire a claim shows unfinished, so the new
record covers only what came after. `claimed_elsewhere` tells a repair
which sessions another handoff has claimed already.
"""

from __future__ import annotations

import contextlib
import json
from typing import NamedTuple

from gitsess import refs
from gitsess.errors import GitsessError, RefError
from gitsess.store import Store
from gitsess.telemetry import event, readers

VERSION = 1


class Claim(NamedTuple):
    handoff: str
    tip: str


def mark(store: Store, sid: str, handoff: str, tip: str | None, *, deadline: float) -> None:
    """Record that `handoff` claims session `sid` up to `tip` (best effort:
    a claim not marked only loses the protection against a second claim)."""
    if not tip:
        return
    blob = store.write_blob(json.dumps({"v": VERSION, "handoff": handoff, "tip": tip},
                                       sort_keys=True).encode())
    with contextlib.suppress(RefError):
        store.update_ref(refs.claim(event.safe_session_name(sid)), lambda _old: blob,
                         deadline=deadline)


def get(store: Store, sid: str) -> Claim | None:
    oid = store.ref(refs.claim(event.safe_session_name(sid)))
    if oid is None:
        return None
    try:
        doc = json.loads(store.read_blob(oid))
    except (GitsessError, ValueError, KeyError):
        return None
    if not isinstance(doc, dict) or doc.get("v") != VERSION:
        return None
    handoff, tip = doc.get("handoff"), doc.get("tip")
    if not isinstance(handoff, str) or not isinstance(tip, str) or len(tip) != 40:
        return None
    return Claim(handoff, tip)


def claimed_elsewhere(store: Store, sid: str, handoff: str) -> str | None:
    """The other handoff that claimed session `sid`, if any."""
    c = get(store, sid)
    return c.handoff if c is not None and c.handoff != handoff else None


def unfinished(store: Store, s: readers.Session) -> Claim | None:
    """The claim on live session `s` whose retire did not happen: its tip is
    still on the live chain."""
    if s.tip is None or not s.ref.startswith(refs.LIVE):
        return None
    c = get(store, s.session_id)
    if c is None or not store.has_object(c.tip):
        return None
    return c if c.tip == s.tip or store.merge_base(c.tip, s.tip) == c.tip else None


def finish(store: Store, sessions: list[readers.Session], *,
           deadline: float) -> tuple[list[readers.Session], list[str]]:
    """The sessions again, each with an earlier handoff's unfinished retire
    done first (those with nothing left dropped), and what was done."""
    from gitsess.handoff.retire import retire_session

    out: list[readers.Session] = []
    notes: list[str] = []
    for s in sessions:
        c = unfinished(store, s)
        if c is None:
            out.append(s)
            continue
        try:
            retire_session(store, s.session_id, c.tip, deadline=deadline)
        except RefError as exc:
            raise GitsessError(
                f"session {s.session_id}: handoff {c.handoff} claimed it but its telemetry "
                f"could not be moved to done ({exc.message})",
                hint=f"retry, or run git sess handoff --repair {c.handoff}") from None
        notes.append(f"session {s.session_id}: the events handoff {c.handoff} claimed were "
                     "moved to done first (that handoff had not finished)")
        again = readers.read_session(store, s.ref)
        if again is not None:
            out.append(again)
    return out, notes
