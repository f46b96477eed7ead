"""The pre-push guard: every handoff commit about to leave has a valid
record whose invariants hold.

"About to leave" is what git's pre-push stdin names, less what the remote
already has: for an update `<remote sha>..<local sha>`, for a new branch
everything not on one of the remote's tracking refs; a deletion sends no
commits. Commits the remote is known to have were checked when they left
(or are someone else's).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field

from gitsess import refs
from gitsess.errors import GitsessError
from gitsess.handoff import examine, identify, policy
from gitsess.handoff import operators as verify
from gitsess.handoff import stamps as verified
from gitsess.store import CommitInfo, Store

ZERO = "0" * 40
STAMP_S = 1.0


@dataclass(frozen=True)
class PushLine:
    local_ref: str
    local_oid: str
    remote_ref: str
    remote_oid: str


@dataclass
class Failure:
    commit: CommitInfo
    record_id: str
    problems: list[str] = field(default_factory=list)

    @property
    def subject(self) -> str:
        return self.commit.message.split("\n", 1)[0]


def parse_push_lines(text: str) -> list[PushLine]:
    out = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4:
            out.append(PushLine(*parts))
    return out


def pushed_commits(store: Store, remote: str, lines: list[PushLine]) -> list[CommitInfo]:
    """The commits this push sends that the remote is not known to have."""
    # A tag is walked from its commit; a blob or a tree (or a tag of one:
    # git.git tags a blob) sends no commit, as `git rev-list` in the shim sees it.
    tips = [c for ln in lines if ln.local_oid != ZERO and store.has_object(ln.local_oid)
            and (c := store.resolve(ln.local_oid)) is not None]
    if not tips:
        return []
    hide = [ln.remote_oid for ln in lines if ln.remote_oid != ZERO and store.has_object(ln.remote_oid)]
    hide += list(store.refs(f"{refs.GIT_REMOTES}{remote}/").values())
    return list(store.walk(tips, hide))


def check_commit(store: Store, commit: CommitInfo, pol: policy.Policy | None = None,
                 verifier: verify.Verifier | None = None) -> list[str]:
    """Problems of one handoff commit: its record against the schema and the
    policy's sections, and the invariants recomputed from the telemetry it
    covered (gitsess.handoff.examine, the same check commit-msg runs). A
    commit that passes is stamped (gitsess.handoff.stamps), so that the next push
    of it is decided by the shim alone."""
    pol = pol if pol is not None else policy.load_policy(store)
    note_oid = store.note_oid(commit.oid)
    if note_oid and verified.stamped(store, commit.oid) == verified.line(note_oid, pol.digest):
        return []  # what the shim takes without Python
    verdict = examine.examine(store, commit.oid, pol, verifier)
    if not verdict.problems and verdict.pinned and verdict.note_oid:
        # A memo only: a stamp that cannot be written costs the next push
        # a Python start, never this push.
        with contextlib.suppress(GitsessError):
            verified.stamp(store, commit.oid, verdict.note_oid, pol.digest,
                           deadline=time.monotonic() + STAMP_S)
    return verdict.problems


def check_push(store: Store, remote: str, lines: list[PushLine]) -> list[Failure]:
    failures = []
    pol: policy.Policy | None = None
    verifier: verify.Verifier | None = None  # one for the push: peers' emails read once
    for commit in pushed_commits(store, remote, lines):
        ids = identify.sess_ids(commit.message)
        if not ids:
            continue
        pol = pol if pol is not None else policy.load_policy(store)
        verifier = verifier or verify.Verifier.for_store(store, policy=pol)
        problems = check_commit(store, commit, pol, verifier)
        if problems:
            failures.append(Failure(commit, ", ".join(ids), problems))
    return failures


def refusal(failures: list[Failure]) -> list[str]:
    """The lines a refused push prints: record, invariant, fix, bypass."""
    n = len(failures)
    out = [f"error: push refused: {n} handoff commit{'s' if n > 1 else ''} failed gitsess's checks"]
    for f in failures:
        out.append(f"  handoff {f.record_id} ({f.commit.oid[:12]} {f.subject!r}):")
        out += [f"    - {p}" for p in f.problems]
    out += [
        "hint: fix the record, then rewrite the handoff commit so the checks run again",
        "hint:   (git commit --amend on it, or git rebase -i for an older one); see git sess doctor",
        "hint: to push it anyway, deliberately: git push --no-verify",
    ]
    return out
