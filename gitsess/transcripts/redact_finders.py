"""Finders for gitsess.transcripts.redact: each turns one line (or one text)
into (start, end) spans of secrets, from detect-secrets' own patterns and
plugins, and from gitsess's `.env` rule (redact.py's docstring says why each
exists and what it widens or spares).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from gitsess.transcripts.redact_rules import is_code

# Name parts that make a NAME=value line secret. Whole words for the short
# ones (KEY would match MONKEY), substrings for the rest.
ENV_SECRET_WORDS = frozenset(
    {"KEY", "KEYS", "APIKEY", "PASS", "PWD", "AUTH", "CREDS", "DSN", "SALT", "COOKIE", "JWT"}
)
ENV_SECRET_PARTS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE", "SIGNATURE")
_ENV_LINE = re.compile(
    r"(?:^|(?<=[\s;&|(`'\"→]))(?:export\s+)?"
    r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>\"[^\"\n]*\"|'[^'\n]*'|[^\s'\"`;&|]+)"
)
# Characters of a token, and those some detect-secrets patterns take in around one.
_TOKEN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+/")


Finder = Callable[[str], Iterable[tuple[int, int]]]


def regex_finder(patterns: list[re.Pattern[str]]) -> Finder:
    def find(line: str) -> Iterable[tuple[int, int]]:
        for rx in patterns:
            for m in rx.finditer(line):
                start, end = m.span()
                groups = [m.start(i) for i in range(1, (rx.groups or 0) + 1) if m.start(i) >= 0]
                # `key = "value"` patterns capture the value after a label; a
                # group at the very start (GitHub's `(ghp|...)_`) is a prefix.
                if groups and groups[0] > start:
                    start = groups[0]
                else:
                    # A fixed-length pattern matched inside a longer token
                    # (`ghp_` + 36 of 40 characters): take the whole token.
                    while start > 0 and line[start - 1] in _TOKEN:
                        start -= 1
                if line[end - 1] in _TOKEN:  # not after a closing '@' or quote
                    while end < len(line) and line[end] in _TOKEN:
                        end += 1
                yield start, end

    return find


def keyword_finder(
    groups: dict[re.Pattern[str], int],
) -> Finder:
    from detect_secrets.filters.heuristic import (
        is_indirect_reference,
        is_prefixed_with_dollar_sign,
        is_templated_secret,
    )

    def find(line: str) -> Iterable[tuple[int, int]]:
        hits = [m.span(g) for rx, g in groups.items() for m in rx.finditer(line)]
        # The keyword detector's own false-positive filters: `secret =
        # get_secret()` and `password: ${PASSWORD}` name a secret, hold none.
        if not hits or is_indirect_reference(line):
            return
        for a, b in hits:
            value = line[a:b]
            if value and not is_templated_secret(value) and not is_prefixed_with_dollar_sign(value):
                yield a, b

    return find


def entropy_finder(plugin: Any) -> Finder:
    def find(line: str) -> Iterable[tuple[int, int]]:
        for m in plugin.regex.finditer(line):
            if plugin.calculate_shannon_entropy(m.group(2)) > plugin.entropy_limit:
                yield m.span(2)

    return find


def value_finder(plugin: Any) -> Finder:
    def find(line: str) -> Iterable[tuple[int, int]]:
        for value in plugin.analyze_string(line):
            if isinstance(value, str) and value:
                for m in re.finditer(re.escape(value), line):
                    yield m.span()

    return find


def env_values(line: str) -> Iterable[tuple[int, int]]:
    """Values of NAME=value assignments whose NAME sounds secret."""
    if "=" not in line:
        return
    for m in _ENV_LINE.finditer(line):
        if not env_name_is_secret(m.group("name")):
            continue
        start, end = m.span("value")
        if end - start >= 2 and line[start] in "'\"" and line[end - 1] == line[start]:
            start, end = start + 1, end - 1
        value = line[start:end]
        if value and not value.startswith("$") and not is_code(m.group("name"), value):
            yield start, end



def env_name_is_secret(name: str) -> bool:
    upper = name.upper()
    words = [w for w in upper.split("_") if w]
    return any(w in ENV_SECRET_WORDS for w in words) or any(p in upper for p in ENV_SECRET_PARTS)


def has_quote(line: str) -> bool:
    return '"' in line or "'" in line


def has_equals(line: str) -> bool:
    return "=" in line
