"""Verification stamps: the pre-push guard's verdict on a handoff commit,
remembered so that `git push` need not start Python to reach it again.

The guard's check of a handoff commit (handoffs.examine) is a function of
the commit, its note, the policy in force and gitsess's own code, once the
record pins every session it covers to a telemetry commit (`sessions[].tip`:
the counters are read from that immutable object, not from a ref that moves
on). post-commit and the guard's Python path stamp each commit that passed
such a check; the pre-push shim compares the stamp with the note and the
policy it finds at push time and starts no Python when both agree. Anything
else (no stamp, another note, another policy, another gitsess, a record that
does not pin its sessions) goes through Python and its full check.

A stamp is a memo, not a trust: it is keyed by everything the verdict
depends on, so it is exactly as strong as checking again.

Layout: `refs/sess/local/verified` (local-only: never pushed or fetched) is
a parentless commit whose tree has one blob per stamped commit, named by
the commit's full hex id, holding `<note blob> <policy blob|none> <VERSION>`.
It keeps the KEEP newest handoff commits (by commit time): a stamp that was
dropped only means Python checks that commit at its push.
"""

from __future__ import annotations

from gitsess import __version__, refs
from gitsess.errors import GitsessError
from gitsess.store import Store

REF = refs.VERIFIED
# Baked into the pre-push shim at install (@STAMP@); the suffix changes with
# the meaning of the check, so stamps of an older check are never taken.
# check2: a session tip counts only when it is that session's telemetry
# commit (check1 stamped a note whose tip named any other commit). check3:
# a handoff counts as its operator's only when git's author (and signature)
# says so (gitsess.handoff.operators).
VERSION = f"{__version__}+check3"
KEEP = 64


def line(note_oid: str, policy_digest: str) -> str:
    """A stamp's content; the shim compares its first line word for word."""
    return f"{note_oid} {policy_digest} {VERSION}\n"


def stamped(store: Store, commit: str) -> str | None:
    """The stamp of `commit`, or None."""
    tip = store.ref(REF)
    if tip is None:
        return None
    try:
        data = store.tree_file(tip, commit)
    except (GitsessError, KeyError, ValueError):
        return None
    return None if data is None else data.decode("utf-8", "replace")


def stamp(store: Store, commit: str, note_oid: str, policy_digest: str, *,
          deadline: float) -> None:
    """Record that `commit`, with note blob `note_oid` under policy
    `policy_digest`, passed the guard's check (compare-and-swap)."""
    blob = store.write_blob(line(note_oid, policy_digest).encode())

    def compute(old: str | None) -> str | None:
        entries: dict[str, tuple[str, str]] = {}
        if old is not None:
            try:
                entries = {n: e for n, e in store.read_tree(old).items() if e[0] == "blob"}
            except (GitsessError, KeyError, ValueError):
                entries = {}  # not ours to keep: rebuilt from this stamp
        if entries.get(commit) == ("blob", blob):
            return old
        entries[commit] = ("blob", blob)
        if len(entries) > KEEP:
            entries = dict(sorted(entries.items(), key=lambda kv: _age_key(store, kv[0]))[-KEEP:])
        tree = store.write_tree(entries)
        return store.write_commit(tree, [], "gitsess: verified handoff records (local)\n")

    store.update_ref(REF, compute, deadline=deadline)


def _age_key(store: Store, commit: str) -> tuple[int, str]:
    """Oldest first; a commit that is gone sorts before everything."""
    try:
        return (store.commit(commit).commit_time, commit)
    except (GitsessError, KeyError, ValueError):
        return (-1, commit)
