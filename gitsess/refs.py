"""Every ref name and ref pattern gitsess uses, and nothing else.

ARCHITECTURE.md's table of refs says what each holds and whether it travels;
this module is the only place their names are spelled. A prefix ends in "/",
so that `startswith` never takes `refs/sess/hx/...` for `refs/sess/h/...`.

Import rule: refs imports nothing of gitsess.
"""

from __future__ import annotations

# Everything gitsess writes, notes aside.
SESS = "refs/sess/"
NOTES = "refs/notes/sess"
NOTES_NS = "refs/notes/"

# Telemetry: one chain per agent session, live until a handoff retires it.
LIVE = "refs/sess/live/"
DONE = "refs/sess/done/"
PENDING = "refs/sess/pending/"  # spilled events; never pushed

# Handoffs and what travels with them.
HANDOFFS = "refs/sess/h/"
TRANSCRIPTS = "refs/sess/transcripts/"

# Peers' refs as fetched, per remote.
REMOTES = "refs/sess/remotes/"

# This clone's own bookkeeping; never pushed or fetched.
LOCAL = "refs/sess/local/"
LOCAL_TRANSCRIPTS = "refs/sess/local/transcripts/"
RESERVE = "refs/sess/local/reserve/"
INSTALL = "refs/sess/local/install/"
OWN = "refs/sess/local/own/"
CLAIMS = "refs/sess/local/claims/"
VERIFIED = "refs/sess/local/verified"

# The namespaces under refs/sess/ that travel to and from remotes.
PUSHED = ("live", "done", "h", "transcripts")

# git's own.
HEADS = "refs/heads/"
TAGS = "refs/tags/"
GIT_REMOTES = "refs/remotes/"


def live(session: str) -> str:
    return LIVE + session


def done(session: str) -> str:
    return DONE + session


def pending(session: str) -> str:
    """The prefix of one session's spilled events."""
    return f"{PENDING}{session}/"


def own(session: str) -> str:
    return OWN + session


def claim(session: str) -> str:
    return CLAIMS + session


def handoff(operator: str, hid: str) -> str:
    return f"{HANDOFFS}{operator}/{hid}"


def reservation(operator: str, hid: str) -> str:
    return f"{RESERVE}{operator}/{hid}"


def transcript(hid: str, session: str, *, pushed: bool) -> str:
    return f"{TRANSCRIPTS if pushed else LOCAL_TRANSCRIPTS}{hid}/{session}"


def branch(name: str) -> str:
    return HEADS + name


def tracking(remote: str) -> str:
    """Where a remote's session refs land when fetched."""
    return f"{REMOTES}{remote}/"


def tracking_notes(remote: str) -> str:
    return f"{REMOTES}{remote}/notes"


def fetch_refspecs(remote: str) -> list[str]:
    """The refspecs `git sess install` adds to remote.<remote>.fetch.

    The notes refspec is a glob on purpose: a configured exact refspec whose
    ref the remote lacks (a new remote, teammates without gitsess) makes
    every plain `git fetch` die with "couldn't find remote ref"; a glob that
    matches nothing does not. It also matches refs/notes/sess<anything>,
    which lands beside the notes as refs/sess/remotes/<remote>/notes<anything>.
    """
    specs = [f"+{SESS}{ns}/*:{tracking(remote)}{ns}/*" for ns in PUSHED]
    return [*specs, f"+{NOTES}*:{tracking_notes(remote)}*"]


def is_sess(name: str) -> bool:
    """A ref gitsess may write: under refs/sess/ or the notes ref itself."""
    return name.startswith(SESS) or name == NOTES
