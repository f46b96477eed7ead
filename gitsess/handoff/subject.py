"""The handoff commit's subject line: `.gitsess.yaml` `subject:` (issue 10).

A template with the placeholders {title}, {workstream}, {id} and {phase},
e.g. `chore(handoff): {title}` for a repository whose commitlint allows only
conventional-commit types. The default is `handoff({workstream}): {title}`.

The subject only names a handoff for people: what makes a commit a handoff
is its Sess-Id trailer (trailers.py), so every reader recognises a handoff
whatever its subject. Readers take the title (and, where the template has
it, the workstream) back out of a subject with `parse`, trying the
repository's template and then the default (a handoff committed before the
template changed).
"""

from __future__ import annotations

import re
import string
from typing import TYPE_CHECKING

from gitsess.errors import GitsessError

if TYPE_CHECKING:
    from gitsess.store import Store

DEFAULT = "handoff({workstream}): {title}"
PLACEHOLDERS = ("title", "workstream", "id", "phase")
MAX_LEN = 200
MAX_SUBJECT = 1000

# What each placeholder can match when read back. A title is free text; the
# others are single words (ids and workstreams never hold whitespace).
_MATCH = {"title": r".*?", "workstream": r"[^\s]+?", "id": r"[^\s]+?", "phase": r"[^\s]*?"}


def problems(template: str) -> list[str]:
    """What is wrong with a template (empty when it is usable)."""
    if "\n" in template or "\r" in template:
        return ["subject: must be one line"]
    if len(template) > MAX_LEN:
        return [f"subject: longer than {MAX_LEN} characters"]
    try:
        specs = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(template)
                 if f is not None]
    except ValueError as exc:  # a lone { or }
        return [f"subject: {exc} (write {{{{ or }}}} for a literal brace)"]
    fields = [f for f, _, _ in specs]
    out = []
    for f, spec, conv in specs:
        if f not in PLACEHOLDERS:
            out.append(f"subject: unknown placeholder {{{f}}} (known: "
                       + ", ".join("{" + p + "}" for p in PLACEHOLDERS) + ")")
        elif spec or conv:
            out.append(f"subject: {{{f}}} takes no format spec or conversion")
    if "title" not in fields:
        out.append("subject: must contain {title}")
    return out


def render(template: str, front: dict[str, object]) -> str:
    """The subject of a handoff with this front matter."""
    values = {k: _one_line(front.get(k)) for k in PLACEHOLDERS}
    if problems(template):  # a pushed policy's template: never `{title.__class__}`
        return DEFAULT.format(**values)
    try:
        return template.format(**values)
    except (KeyError, ValueError, IndexError):  # a template the policy did not check
        return DEFAULT.format(**values)


def _one_line(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _regex(template: str) -> re.Pattern[str] | None:
    parts = ["^"]
    seen: set[str] = set()
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return None
    for literal, f, _spec, _conv in parsed:
        parts.append(re.escape(literal))
        if f is None:
            continue
        if f not in _MATCH:
            return None
        if f in seen:
            parts.append(f"(?P={f})")
        else:
            parts.append(f"(?P<{f}>{_MATCH[f]})")
            seen.add(f)
    parts.append("$")
    try:
        return re.compile("".join(parts))
    except re.error:
        return None


def parse(subject: str, template: str = DEFAULT) -> dict[str, str] | None:
    """The placeholders' values in a subject made from `template` (or from the
    default), or None when it was made from neither."""
    subject = subject.strip()
    if len(subject) > MAX_SUBJECT:  # a peer's commit: keep the match bounded
        return None
    for t in dict.fromkeys((template, DEFAULT)):
        rx = _regex(t)
        m = rx.match(subject) if rx else None
        if m:
            return {k: v.strip() for k, v in m.groupdict().items()}
    return None


def title_of(subject: str, template: str = DEFAULT) -> str:
    """The title a subject gives: the {title} part, else the whole subject."""
    parsed = parse(subject, template)
    return (parsed or {}).get("title") or subject.strip()


def template_of(store: Store) -> str:
    """The repository's template; the default when the policy cannot be read
    (a reader must not fail for a broken policy: the commit-msg hook names it)."""
    from gitsess.handoff import policy

    try:
        return policy.load_policy(store).subject
    except (GitsessError, OSError):
        return DEFAULT
