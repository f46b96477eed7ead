"""Who is working: the operator id (`sess.operator`) and how it was found.

Initials collide (Rita Torres and Raj Thomas are both RT, issue 10). A
derived id is checked against the operators of the records this clone
knows: where a record of another email already holds it, a longer one is
derived from the last name (RTh, RTho, ...) and the Operator carries a
warning that says so and how to choose one (`git config sess.operator`).
An id set by hand is never changed; `whoami` and `handoff` warn when
another email holds it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gitsess import refs
from gitsess.store import Store

OPERATOR_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


@dataclass(frozen=True)
class Operator:
    id: str
    email: str | None
    source: str  # "sess.operator", "derived from user.name", ...
    ignored: str | None = None  # a sess.operator that is not a valid id, set aside
    warning: str | None = None  # a derived id was taken by another email


def derive_operator(name: str | None, email: str | None) -> tuple[str, str]:
    """An operator id from a person's name (initials) or email; and how."""
    if name:
        words = [w for w in re.split(r"[^A-Za-z0-9]+", name) if w]
        if len(words) >= 2:
            return "".join(w[0] for w in words[:4]).upper(), "derived from user.name"
        if words:
            return words[0][:16].lower(), "derived from user.name"
    if email:
        local = re.sub(r"[^A-Za-z0-9_-]+", "-", email.split("@", 1)[0]).strip("-_")
        if local:
            return local[:32].lower(), "derived from user.email"
    return "anon", "default (no user.name or user.email)"


def operator(store: Store, *, cache: bool = True) -> Operator:
    """The operator of this repository's user.

    `sess.operator` wins. Otherwise an id is derived from user.name (initials,
    "Rosa Tanaka" -> "RT") or user.email and cached in the repository's git
    config as sess.operator, with sess.operatorSource saying how, so that ids
    stay stable when the name later changes.
    """
    email = store.config_get("user.email") or None  # an empty user.email is none
    configured = store.config_get("sess.operator")
    if configured and OPERATOR_RE.match(configured):
        # sess.operatorSource names the id it was written for ("derived from
        # user.name (RT)"): once someone sets sess.operator by hand, it no
        # longer describes the value and the source is sess.operator itself.
        cached = store.config_get("sess.operatorSource") or ""
        how, _, value = cached.rpartition(" (")
        source = how if how and value == configured + ")" else "sess.operator"
        return Operator(configured, email, source)
    name = store.config_get("user.name")
    derived, how = derive_operator(name, email)
    warning = None
    others = other_holders(store, derived, email)
    if others:
        longer = _longer(store, derived, name, email)
        warning = (f"operator id {derived} is already used by {', '.join(sorted(others))} in "
                   f"this repository's handoffs; yours is {longer}")
        derived, how = longer, f"{how}, {derived} being taken"
    if cache and not configured:
        try:
            store.config_set("sess.operator", derived)
            store.config_set("sess.operatorSource", f"{how} ({derived})")
        except Exception:  # a read-only config must not stop anyone working
            pass
    return Operator(derived, email, how, ignored=configured or None, warning=warning)


HINT = "choose your operator id once for this repository: git config sess.operator <ID>"
_EMAIL = re.compile(r"^email:[ \t]*['\"]?([^'\"\s]+)['\"]?[ \t]*$", re.M)
MAX_CHECKED = 200  # handoffs read per id: enough to know who holds it


def holders(store: Store, op: str) -> set[str]:
    """The emails of the handoffs recorded under operator id `op` (local and
    fetched): each record's `email`, else its commit's author email."""
    from gitsess.handoff import ids

    notes = [n for n in [store.ref(refs.NOTES)] if n]
    notes += [oid for name, oid in store.refs(refs.REMOTES).items()
              if name.endswith("/notes")]
    out: set[str] = set()
    for r in ids.handoff_refs(store, op)[:MAX_CHECKED]:
        if not store.has_object(r.commit):
            continue
        email = None
        for n in notes:
            text = store.note_in(r.commit, n)
            m = _EMAIL.search(text.split("\n---", 1)[0]) if text else None
            if m and m.group(1) not in ("null", "~"):
                email = m.group(1)
                break
        email = email or store.commit(r.commit).author_email
        if email:
            out.add(email.lower())
    return out


def shared_with(store: Store, op: Operator) -> str | None:
    """A warning when the operator id in use is, or was, another person's."""
    if op.warning:
        return op.warning
    others = other_holders(store, op.id, op.email)
    if not others:
        return None
    return (f"operator id {op.id} is also used by {', '.join(sorted(others))} in this "
            "repository's handoffs: resume would take their handoffs for yours")


def other_holders(store: Store, op: str, email: str | None) -> set[str]:
    """Emails other than `email` that hold operator id `op` in the records."""
    if not email:
        return set()
    return holders(store, op) - {email.lower()}


def _longer(store: Store, taken: str, name: str | None, email: str | None) -> str:
    """A longer id for someone whose initials are taken: more letters of the
    last name (RT -> RTh -> RTho), then a digit; the first no one else holds."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name or "") if w]
    last = words[-1] if len(words) >= 2 else ""
    tries = [taken + last[1:k].lower() for k in range(2, len(last) + 1)]
    tries += [f"{taken}{n}" for n in range(2, 10)]
    for cand in tries:
        if OPERATOR_RE.match(cand) and not other_holders(store, cand, email):
            return cand
    return tries[-1]
