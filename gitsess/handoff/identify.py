"""Is this commit a handoff, and what is its id? The one module that answers.

A handoff commit is known by its `Sess-Id` trailer. Three readings of a
message exist, each for a reason; every reader in gitsess asks here:

- **The trailer block as git reads it** (`handoff_id`, `sess_ids`,
  `sessions`, `claims_handoff`): the last paragraph under git's trailer
  rules (gitsess.handoff.trailers: `Sess-Id : X`, a value folded onto the next
  line, any case). What commit-msg validates, post-commit stores, --repair,
  show and the pre-push guard check. `claims_handoff` is wider than
  `handoff_id`: any Sess- trailer makes a commit one that claims to be a
  handoff, so a Sess-Operator without its Sess-Id is refused, never let through.
- **The index's fast reading** (`fast`): the text after the message's last
  blank line, every `key: value` line in it, no more of git's rules. It runs
  once per commit on every resume and log, so a message without "Sess-Id" in
  any case costs one substring test; a squash merge whose subject was
  rewritten still counts by its trailers.
- **A Sess-Id line anywhere** (`sess_ids_anywhere`): a squash merge's message
  carries the trailers of every commit it squashed in its body, maybe
  indented, not in its own trailer block. Finding records to re-link after a
  rewrite (gitsess.sync.rewrite, orphans, vanished) and the ids a day has
  used (gitsess.handoff.ids.in_history) read every line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gitsess.handoff import trailers

# A Sess-Id line anywhere in a message, as git reads a trailer (keys in any
# case, blanks before the colon: git-interpret-trailers(1)).
ANY_SESS_ID = re.compile(r"^[ \t]*Sess-Id[ \t]*:[ \t]*(\S+)[ \t]*$", re.M | re.I)
# As the pre-push shim's grep: most pushed commits are not handoffs, and this
# spares them the trailer parse.
_SESS_ID_LINE = re.compile(r"^Sess-Id[ \t]*:", re.M | re.I)
# A handoff id's shape (gitsess.handoff.ids.ID_RE without the groups).
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}-\d{6}-\d{2,}$")


def handoff_id(message: str, comment: str = "#") -> str | None:
    """The first Sess-Id of the trailer block, as git reads it; None for a
    commit that is not a handoff."""
    return trailers.first(trailers.parse_trailers(message, comment), trailers.SESS_ID)


def claims_handoff(message: str, comment: str = "#") -> bool:
    """Whether the trailer block has any Sess- trailer: the commit claims to be
    a handoff and must pass as one."""
    return trailers.has_sess_trailers(trailers.parse_trailers(message, comment))


def sess_ids(message: str) -> list[str]:
    """Every Sess-Id of the trailer block, as git reads it."""
    if not _SESS_ID_LINE.search(message):
        return []
    return trailers.parse_trailers(message).get(trailers.SESS_ID, [])


def sessions(message: str) -> list[str]:
    """The agent sessions a handoff commit names (its Sess-Session trailers)."""
    return trailers.parse_trailers(message).get(trailers.SESS_SESSION, [])


def sess_ids_anywhere(message: str) -> list[str]:
    """Every Sess-Id a message names on a line of its own, in order."""
    return ANY_SESS_ID.findall(message)


@dataclass(frozen=True, slots=True)
class Fast:
    """What the index's fast reading finds in a handoff commit's message."""

    id: str
    operator: str | None
    workstream: str | None
    phase: str | None
    sessions: tuple[str, ...]


def fast(message: str) -> Fast | None:
    """The Sess- trailers of the message's last paragraph (see the module
    doc), or None when it has no well-formed Sess-Id there."""
    # Trailer keys are case-insensitive (git-interpret-trailers(1)); the
    # substring test keeps the common non-handoff commit to one scan.
    if "Sess-Id" not in message and "sess-id" not in message.lower():
        return None
    text = message.rstrip()
    cut = text.rfind("\n\n")
    if cut < 0:
        return None
    found: dict[str, str] = {}
    listed: list[str] = []
    # str.partition, not a regex: this runs once per handoff on every resume.
    for line in text[cut + 2 :].split("\n"):
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key = key.strip().lower()
        if key == "sess-session":
            listed.append(value.strip())
        elif key.startswith("sess-"):
            found.setdefault(key, value.strip())
    hid = found.get("sess-id", "")
    if not _ID.match(hid):
        return None
    return Fast(hid, found.get("sess-operator") or None, found.get("sess-workstream") or None,
                found.get("sess-phase") or None, tuple(listed))
