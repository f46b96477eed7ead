"""Whose handoff is it: an operator is who git says they are (issue 9).

A commit's `Sess-Operator` trailer is only a claim: anyone with push rights
can write `Sess-Operator: A`. A handoff counts as operator X's only when its
commit's author email is one of X's:

- the committed policy's `operators:` map (`.gitsess.yaml`, operator ->
  email or list of emails) decides for every operator it names;
- otherwise the local operator's email is this clone's `user.email`
  (gitsess.handoff.identity);
- otherwise a peer's email is the first one seen on that operator's
  handoffs, oldest first, that no one else holds already (an email is held
  by one operator only). A record dated in the future never establishes an
  email: a forger cannot backdate into the past and forward into the future
  at once, and first-seen goes by the past.

With `require_signed: true` in the policy, a record counts only when git
itself verifies the commit's signature (`%G?` is G: good, from a key that
gpg.ssh.allowedSignersFile or the keyring trusts) and the signer is the
author (`%GS`, the principal, equals the author email): an author email
alone is as forgeable as the trailer.

`Verifier.verdict(claim)` is the one decision resume, log, show and the
pre-push guard all take; `is_mine(brief, me)` is the same decision read back
from a printed brief (schemas/resume.json), for text that only has the
document.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from gitsess.store import Store, history

VERIFIED = "verified"
UNVERIFIED = "unverified"
UNSIGNED = "unsigned"
# A clock this far ahead is a skewed clock, not a future date.
SKEW_S = 300


@dataclass(frozen=True)
class Claim:
    """What a handoff commit claims (its operator) and what git says (its author)."""

    commit: str
    id: str
    operator: str
    email: str  # the commit's author email
    time: int  # the later of author and committer time, epoch seconds


@dataclass(frozen=True)
class Verdict:
    status: str  # VERIFIED, UNVERIFIED or UNSIGNED
    reason: str | None = None
    # Whether the verdict rests on the policy and this clone's config alone
    # (not on which peers' records happen to be fetched): a pre-push stamp
    # may remember only such a verdict (gitsess.handoff.stamps).
    fixed: bool = True

    @property
    def ok(self) -> bool:
        return self.status == VERIFIED

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "reason": self.reason}


def future(when: int, now: float | None = None) -> bool:
    """Whether a record's date is later than now (beyond a skewed clock's SKEW_S)."""
    return when > (time.time() if now is None else now) + SKEW_S


def sort_time(when: int, now: float | None = None) -> int:
    """The time a record sorts by: its own, clamped to now; a record dated in
    the future sorts below every present one (-1), so that a commit dated 2027
    cannot stay on top of resume and log until 2027 (issue 9)."""
    now = time.time() if now is None else now
    return -1 if future(when, now) else min(when, int(now))


def is_mine(brief: dict[str, Any], me: str) -> bool:
    """A printed handoff brief (schemas/resume.json) is `me`'s own: it says so,
    and git agrees (an absent verdict is no verdict: not mine)."""
    v = brief.get("verified")
    return brief.get("operator") == me and isinstance(v, dict) and v.get("status") == VERIFIED


def _norm(email: str) -> str:
    return email.strip().lower()


def _unverified(reason: str, *, fixed: bool = True) -> Verdict:
    return Verdict(UNVERIFIED, reason, fixed)


def _shown(text: str) -> str:
    """A peer-written email or signer name as it may appear in a reason: printable
    characters only (no escape sequence reaches a terminal), at most 100."""
    out = "".join(ch for ch in text if ch.isprintable())
    return out if len(out) <= 100 else out[:99] + "…"


@dataclass
class Verifier:
    """Verdicts for one repository as it stands (see the module docstring).

    `claims` gives every handoff this clone knows (for first-seen emails); it
    is called only when a peer's email is not fixed by the policy or config.
    """

    store: Store
    operators: dict[str, tuple[str, ...]] = field(default_factory=dict)
    require_signed: bool = False
    claims: Callable[[], Iterable[Claim]] | None = None
    now: float = field(default_factory=time.time)
    _me: tuple[str, str] | None = None
    _owner: dict[str, str] | None = None  # email -> operator
    _first: dict[str, str] | None = None  # operator -> email
    _sigs: dict[str, tuple[str, str]] = field(default_factory=dict)  # commit -> (%G?, %GS)

    @classmethod
    def for_store(cls, store: Store, *, policy: Any = None,
                  claims: Callable[[], Iterable[Claim]] | None = None,
                  now: float | None = None) -> Verifier:
        """A verifier under the repository's policy (an unreadable policy
        verifies by config and first-seen emails, unsigned)."""
        if policy is None:
            from gitsess.handoff.policy import load_policy

            try:
                policy = load_policy(store)
            except Exception:  # resume and log must carry on; commit-msg reports it
                policy = None
        ops = {k: tuple(_norm(e) for e in v) for k, v in getattr(policy, "operators", {}).items()}
        if claims is None:
            claims = _index_claims(store)
        return cls(store, ops, bool(getattr(policy, "require_signed", False)), claims,
                   time.time() if now is None else now)

    def me(self) -> tuple[str, str]:
        """(this clone's operator id, the email git authors its commits with)."""
        if self._me is None:
            from gitsess.handoff.identity import operator

            op = operator(self.store, cache=False)
            self._me = (op.id, _norm(self._author_email()))
        return self._me

    def _author_email(self) -> str:
        """The email git authors this clone's commits with, in git's order
        (git-commit-tree(1) "Commit information"): GIT_AUTHOR_EMAIL, then
        author.email, user.email; else what `git var GIT_AUTHOR_IDENT` says
        (EMAIL, or a name git makes up): a process only when config is silent."""
        found = os.environ.get("GIT_AUTHOR_EMAIL") or self.store.config_get("author.email") \
            or self.store.config_get("user.email")
        if found:
            return found
        ident = history.author_ident(self.store) or ""
        start, end = ident.find("<"), ident.find(">")
        return ident[start + 1:end] if 0 <= start < end else ""

    def _fixed_emails(self, op: str) -> tuple[str, ...] | None:
        if op in self.operators:
            return self.operators[op]
        me, email = self.me()
        if op == me:
            return (email,) if email else ()
        return None

    def _fixed_owner(self, email: str) -> str | None:
        for op, emails in self.operators.items():
            if email in emails:
                return op
        me, mine = self.me()
        if mine and email == mine and me not in self.operators:
            return me
        return None

    def _learn(self) -> None:
        """First-seen emails of the operators the policy and config leave open."""
        if self._first is not None:
            return
        owner: dict[str, str] = {}
        first: dict[str, str] = {}
        seen = [c for c in (self.claims() if self.claims else [])
                if c.email and not future(c.time, self.now)]
        for c in sorted(seen, key=lambda c: (c.time, c.id, c.commit)):
            email = _norm(c.email)
            if self._fixed_emails(c.operator) is not None or self._fixed_owner(email):
                continue
            if email not in owner and c.operator not in first:
                owner[email] = c.operator
                first[c.operator] = email
        self._owner, self._first = owner, first

    def verdict(self, c: Claim) -> Verdict:
        email = _norm(c.email)
        if not email:
            return Verdict(UNVERIFIED, "the commit has no author email")
        fixed = self._fixed_emails(c.operator)
        held_by = self._fixed_owner(email)
        if held_by is not None and held_by != c.operator:
            return _unverified(f"authored by {_shown(email)}, which is {held_by}'s")
        if fixed is not None:
            if email not in fixed:
                known = ", ".join(fixed) or "no email (set user.email)"
                return _unverified(f"authored by {_shown(email)}; {_shown(c.operator)}'s is "
                                   f"{_shown(known)}")
            return self._signed(c)
        self._learn()
        assert self._owner is not None and self._first is not None
        if self._owner.get(email, c.operator) != c.operator:
            return _unverified(f"authored by {_shown(email)}, first seen as "
                               f"{_shown(self._owner[email])}'s", fixed=False)
        known_email = self._first.get(c.operator)
        if known_email is not None and known_email != email:
            return _unverified(f"authored by {_shown(email)}; {_shown(c.operator)}'s records "
                               f"are authored by {_shown(known_email)}", fixed=False)
        if known_email is None:  # dated in the future: nothing to compare with
            return _unverified(f"no record of {_shown(c.operator)}'s dated in the past says "
                               "whose email is theirs", fixed=False)
        v = self._signed(c)
        return Verdict(v.status, v.reason, fixed=False)

    def _signed(self, c: Claim) -> Verdict:
        if not self.require_signed:
            return Verdict(VERIFIED)
        status, signer = self.signature(c.commit)
        if status == "N":
            return Verdict(UNSIGNED, "the commit is not signed (policy require_signed)")
        if status != "G":
            return Verdict(UNSIGNED, f"git does not verify its signature (%G? {status})")
        if _norm(signer) != _norm(c.email):
            return Verdict(UNSIGNED, f"signed by {_shown(signer) or 'an unnamed key'}, "
                                     f"not by its author {_shown(_norm(c.email))}")
        return Verdict(VERIFIED)

    def signature(self, commit: str) -> tuple[str, str]:
        """(%G?, %GS) of a commit, as git verifies it (one `git log` per batch)."""
        if commit not in self._sigs:
            self.prefetch([commit])
        return self._sigs.get(commit, ("E", ""))

    def prefetch(self, commits: Iterable[str]) -> None:
        """Read the signatures of many commits in one `git log --no-walk`."""
        want = [c for c in dict.fromkeys(commits) if c not in self._sigs]
        if not want or not self.require_signed:
            return
        for rec in history.signatures(self.store, list(want)).split("\x1e"):
            parts = rec.strip("\n").split("\x1f")
            if len(parts) == 3:
                self._sigs[parts[0]] = (parts[1], parts[2])
        for c in want:
            self._sigs.setdefault(c, ("E", ""))


def _index_claims(store: Store) -> Callable[[], Iterable[Claim]]:
    def read() -> Iterable[Claim]:
        from gitsess.handoff import index as handoff_index

        return [claim(h) for h in handoff_index.build(store).handoffs]

    return read


def claim(h: Any) -> Claim:
    """The claim of a gitsess.handoff.index.Handoff."""
    return Claim(h.commit, h.id, h.operator, h.email, max(h.time, h.author_time))
