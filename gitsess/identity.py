"""Who is working: the operator id (`sess.operator`) and how it was found."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gitsess.store import Store

OPERATOR_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


@dataclass(frozen=True)
class Operator:
    id: str
    email: str | None
    source: str  # "sess.operator", "derived from user.name", ...
    ignored: str | None = None  # a sess.operator that is not a valid id, set aside


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
    derived, how = derive_operator(store.config_get("user.name"), email)
    if cache and not configured:
        try:
            store.config_set("sess.operator", derived)
            store.config_set("sess.operatorSource", f"{how} ({derived})")
        except Exception:  # a read-only config must not stop anyone working
            pass
    return Operator(derived, email, how, ignored=configured or None)
