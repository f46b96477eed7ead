"""Secret redaction for agent transcripts, done before anything reaches git.

Detection is detect-secrets' (Yelp's maintained scanner): the patterns and
entropy limits of every plugin in its default settings. We call its
plugins' own regular expressions rather than `scan_line`, for three
reasons: `scan_line` is built for ad-hoc reports and turns on "eager"
search, which flags every word of a line whatever its entropy; a regex
detector reports its first capture group, which for some patterns is only a
token's prefix (GitHubTokenDetector reports 'ghp'), whereas removal needs
the whole span, so a match is widened to the token it sits in; and
`analyze_line` may try to verify a secret over the network when
verification is configured, which a redactor must never do. The keyword
detector's own false-positive filters (indirect references, templates,
`$VARS`) are applied; for the rest, removing too much is the safe side.

Our own additions cover what detect-secrets 1.5 leaves behind:

* Private key blocks. PrivateKeyDetector flags the `BEGIN ... PRIVATE KEY`
  header only, while the secret is the lines after it. From a flagged header
  we remove through the matching `-----END ...-----` (or PuTTY's
  `Private-MAC:` line), or to the end of the text when the block is cut off.
* `.env` lines. detect-secrets' keyword list has password, secret and
  api_key but not token, auth, credential or a bare `*_KEY`, and outside
  config files its entropy plugins only look inside quotes; so an unquoted
  `DEPLOY_TOKEN=...` passes. A `NAME=value` assignment whose name holds one
  of those words (redact_finders.ENV_SECRET_WORDS) has its value removed,
  unless the value is code (`key={todo.id}`).
* Token formats it has no plugin for, or matches only in part
  (gitsess.transcripts.redact_rules.EXTRA_PATTERNS): whole JWTs, Anthropic, Google,
  newer Slack, GitHub fine-grained, OpenAI project and Stripe test keys.
* Secrets used as JSON object keys: keys are redacted as values are.

And what it flags but is no secret is spared: the generic detectors
(entropy, keyword, .env) drop a span that is exactly an Anthropic API or
Claude Code id or the quoted value of a `signature` key, and a thinking
block's own signature is not scanned (gitsess.transcripts.redact_rules).

Anything found once is removed everywhere else in the same transcript (an
AWS key read from a .env file and later echoed in prose), when it is long
enough (MIN_SPREAD) for that to be safe.

A JSONL transcript is redacted value by value: each line is parsed, every
string in it is scanned as text (so JSON's own quotes do not feed the
quote-seeking plugins), and only lines that changed are re-serialised.

A string often holds JSON in turn (a tool result holding an API response),
where quotes read `\\"` and deeper `\\\\\\"`. Such a text is also scanned
as each of its decodings (gitsess.transcripts.escapes), and every span, wherever found,
is cut back in the text only along whole escape sequences: a nested
document still parses once its secrets are gone, at any depth.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from gitsess.transcripts.escapes import Views, decodings, encodings
from gitsess.transcripts.redact_finders import (
    Finder,
    entropy_finder,
    env_values,
    has_equals,
    has_quote,
    keyword_finder,
    regex_finder,
    value_finder,
)
from gitsess.transcripts.redact_rules import (
    EXTRA_PATTERNS,
    SIGNED_FIELD,
    WORDS_KEY,
    spared,
)

PLACEHOLDER = "[REDACTED:{}]"
PRIVATE_KEY = "Private Key"
ENV_SECRET = "Env Secret"
# Values shorter than this are removed where found but not searched for
# elsewhere: replacing every "abc" in a transcript would destroy it.
MIN_SPREAD = 8
# Lines longer than this are scanned in overlapping windows: some of
# detect-secrets' keyword patterns are quadratic in the line's length.
WINDOW = 4000
OVERLAP = 400

_PEM_END = re.compile(r"-----END[^\n]*?-----|Private-MAC:[^\n]*")
# Characters some detect-secrets patterns take in around a token.
_DELIMS = frozenset(" \t\r\n\"'`=:@,;")


@dataclass
class Result:
    """Redacted bytes and what was removed (secret type -> spans), never the values."""

    data: bytes
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    rank: int  # lower wins the name of a merged span: specific detectors first
    kind: str


class Redactor:
    """detect-secrets' default plugins, loaded once, applied to text and JSONL."""

    def __init__(self) -> None:
        from detect_secrets.plugins.base import RegexBasedDetector
        from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin
        from detect_secrets.plugins.keyword import DENYLIST, REGEX_BY_FILETYPE, KeywordDetector
        from detect_secrets.settings import default_settings, get_plugins
        from detect_secrets.util.filetype import FileType

        with default_settings():
            plugins = list(get_plugins())
        # Token patterns run once over a whole text (they stop at whitespace);
        # the keyword, entropy and .env finders run line by line, as
        # detect-secrets runs them (their values run to a quote, not to a
        # newline), and only on lines that could match at all.
        self._whole: list[tuple[int, str, Finder]] = []
        self._per_line: list[tuple[int, str, Callable[[str], object], Finder]] = []
        self._pem: list[re.Pattern[str]] = []
        for p in plugins:
            kind = str(p.secret_type)
            if isinstance(p, RegexBasedDetector):
                if kind == PRIVATE_KEY:
                    self._pem = list(p.denylist)  # see _blocks
                    continue
                self._whole.append((0, kind, regex_finder(list(p.denylist))))
            elif isinstance(p, KeywordDetector):
                # Both the quotes-required patterns (code) and the config ones
                # (`password: x`, `password=x` unquoted).
                groups = {**REGEX_BY_FILETYPE[FileType.PYTHON], **REGEX_BY_FILETYPE[FileType.YAML]}
                hint = re.compile("|".join(DENYLIST), re.IGNORECASE).search
                self._per_line.append((1, kind, hint, keyword_finder(groups)))
            elif isinstance(p, HighEntropyStringsPlugin):
                self._per_line.append((3, kind, has_quote, entropy_finder(p)))
            else:  # a plugin of a kind we do not know: use its reported values
                self._per_line.append((2, kind, bool, value_finder(p)))
        for kind, patterns in EXTRA_PATTERNS.items():
            self._whole.append((0, kind, regex_finder(patterns)))
        self._per_line.append((2, ENV_SECRET, has_equals, env_values))

    # -- text ------------------------------------------------------------------
    def text(self, text: str, found: dict[str, str] | None = None) -> tuple[str, Counter[str]]:
        """Redact one text (any number of lines). `found` collects value -> type."""
        counts: Counter[str] = Counter()
        found = found if found is not None else {}
        text = self._blocks(text, counts, found)
        if len(text) < 4:
            return text, counts
        spans = _everywhere(text, self._spans)
        if not spans:
            return text, counts
        return self._cut(text, spans, counts, found), counts

    def _blocks(self, text: str, counts: Counter[str], found: dict[str, str]) -> str:
        """Cut private key blocks (header through END, or to the end of the text)."""
        if not self._pem or ("PRIVATE KEY" not in text and "PuTTY-User-Key" not in text):
            return text
        while True:
            hits = [m for rx in self._pem for m in [rx.search(text)] if m is not None]
            if not hits:
                return text
            m = min(hits, key=lambda h: h.start())
            start = m.start()
            while start > 0 and text[start - 1] == "-":
                start -= 1
            end_m = _PEM_END.search(text, m.end())
            end = end_m.end() if end_m else _cut_off_end(text, m.end())
            for part in re.split(r"(?:\s|\\+[nr])+", text[m.end() : end]):
                part = part.strip("-\\")
                if len(part) >= 16 and not part.startswith(("END", "Private-MAC")):
                    found.setdefault(part, PRIVATE_KEY)
            counts[PRIVATE_KEY] += 1
            text = text[:start] + PLACEHOLDER.format(PRIVATE_KEY) + text[end:]

    @staticmethod
    def _cut(text: str, spans: list[_Span], counts: Counter[str], found: dict[str, str]) -> str:
        out, pos = [], 0
        for s in _merge(spans):
            for value in decodings(text[s.start : s.end]):
                if len(value) >= MIN_SPREAD:
                    found.setdefault(value, s.kind)
            out.append(text[pos : s.start])
            out.append(PLACEHOLDER.format(s.kind))
            counts[s.kind] += 1
            pos = s.end
        out.append(text[pos:])
        return "".join(out)

    def _spans(self, text: str) -> Iterable[_Span]:
        for rank, kind, finder in self._whole:
            for a, b in finder(text):
                a, b = _trim(text, a, b)
                if b > a:
                    yield _Span(a, b, rank, kind)
        # A finder no line could want is not asked line by line.
        finders = [f for f in self._per_line if f[2](text)]
        if not finders:
            return
        base = 0
        for line in text.splitlines(keepends=True):
            if len(line) >= 4:
                yield from self._line_spans(line, base, finders)
            base += len(line)

    def _line_spans(
        self, line: str, base: int, finders: list[tuple[int, str, Callable[[str], object], Finder]]
    ) -> Iterable[_Span]:
        step = WINDOW - OVERLAP
        for offset in range(0, max(1, len(line) - OVERLAP), step):
            chunk = line[offset : offset + WINDOW]
            for rank, kind, wants, finder in finders:
                if not wants(chunk):
                    continue
                for a, b in finder(chunk):
                    a, b = _trim(chunk, a, b)
                    if b > a and not spared(chunk, a, b):
                        yield _Span(base + offset + a, base + offset + b, rank, kind)

    # -- JSONL -----------------------------------------------------------------
    def jsonl(self, data: bytes) -> Result:
        """Redact a JSONL transcript; lines that are not JSON are redacted as text."""
        return self.jsonl_many([data])[0]

    def jsonl_many(self, files: list[bytes]) -> list[Result]:
        """Redact JSONL transcripts that belong together (a session and its
        subagents): a secret found in one is removed from all."""
        found: dict[str, str] = {}
        counts = [Counter[str]() for _ in files]
        outs = []
        for data, count in zip(files, counts, strict=True):
            fix = self._fixer(found, count)
            outs.append([self._jsonl_line(line, fix) for line in _lines(data)])
        spread = _spread_pattern(found)
        if spread is not None:
            listed = _listed_pattern(found)
            for out, count in zip(outs, counts, strict=True):
                fix = _spreader(spread, found, count)
                out[:] = [self._jsonl_line(x, fix, every_key=True) if listed.search(x) else x
                          for x in out]
        # A lone surrogate (JSON "\\ud83d", a cut emoji) decodes to a str
        # that UTF-8 cannot hold; re-serialised, it sits inside a JSON
        # string, where its escape is what it was.
        return [
            Result("".join(out).encode("utf-8", "backslashreplace"), dict(sorted(count.items())))
            for out, count in zip(outs, counts, strict=True)
        ]

    def _fixer(self, found: dict[str, str], counts: Counter[str]) -> Callable[[str], str]:
        def fix(text: str) -> str:
            out, more = self.text(text, found)
            counts.update(more)
            return out

        return fix

    @staticmethod
    def _jsonl_line(line: str, fix: Callable[[str], str], every_key: bool = False) -> str:
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        try:
            obj = json.loads(body)
        except ValueError:
            return fix(body) + ending
        new = _walk(obj, fix, every_key)
        if new == obj:
            return line
        return json.dumps(new, ensure_ascii=False, separators=(",", ":")) + ending


# -- helpers -------------------------------------------------------------------


def _trim(line: str, a: int, b: int) -> tuple[int, int]:
    while a < b and line[a] in _DELIMS:
        a += 1
    while b > a and line[b - 1] in _DELIMS:
        b -= 1
    return a, b


def _merge(spans: list[_Span]) -> list[_Span]:
    out: list[_Span] = []
    for s in sorted(spans, key=lambda s: (s.start, s.rank)):
        if out and s.start < out[-1].end:
            last = out[-1]
            kind, rank = (s.kind, s.rank) if s.rank < last.rank else (last.kind, last.rank)
            out[-1] = _Span(last.start, max(last.end, s.end), rank, kind)
        else:
            out.append(s)
    return out


def _walk(obj: Any, fix: Callable[[str], str], every_key: bool = False) -> Any:
    if isinstance(obj, str):
        return fix(obj)
    if isinstance(obj, list):
        return [_walk(v, fix, every_key) for v in obj]
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        signed = SIGNED_FIELD.get(str(obj.get("type")))
        for k, v in obj.items():
            # A secret can be a key (an env map, a token-keyed cache): keys
            # are redacted as values are, and two that come out the same are
            # told apart, so that no value is lost from the object.
            key = k if not every_key and WORDS_KEY.fullmatch(k) else fix(k)
            if key != k:
                n, base = 2, key
                while key in out or key in obj:
                    key, n = f"{base}#{n}", n + 1
            out[key] = v if k == signed and isinstance(v, str) else _walk(v, fix, every_key)
        return out
    return obj


def _everywhere(text: str, find: Callable[[str], Iterable[_Span]]) -> list[_Span]:
    """Spans `find` reports in a text and in each of its JSON decodings, as
    spans of the text that split no escape sequence (gitsess.transcripts.escapes)."""
    if "\\" not in text:
        return list(find(text))
    views = Views(text)
    spans: list[_Span] = []
    for depth, view in enumerate(views.texts):
        # A decoding is worth scanning when it uncovered quotes: JSON inside
        # a string. The text itself always is.
        if depth and '\\"' not in views.texts[depth - 1]:
            continue
        for s in find(view):
            a, b = views.snap(views.to_source(depth, s.start), views.to_source(depth, s.end))
            if b > a:
                spans.append(_Span(a, b, s.rank, s.kind))
    return spans


def _cut_off_end(text: str, pos: int) -> int:
    """Where a private key block with no END line ends: the end of the text,
    or, when its lines end in escaped newlines (the key is inside a JSON
    string), the quote that closes that string."""
    m = re.compile(r"\n|(\\+)n").search(text, pos)
    if m is None or m.group(1) is None:
        return len(text)
    # A newline k levels down is written with 2**(k-1) backslashes and the
    # quote closing its string with one fewer.
    closing = len(m.group(1)) - 1
    for q in re.compile(r'(\\*)"').finditer(text, m.end()):
        if len(q.group(1)) == closing:
            return q.start()
    return len(text)


def _lines(data: bytes) -> list[str]:
    """A JSONL file's lines, split at "\\n" only: str.splitlines also splits
    at U+2028 and friends, which JSON.stringify leaves raw inside strings."""
    text = data.decode("utf-8", "replace")
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def _spread_pattern(found: dict[str, str]) -> re.Pattern[str] | None:
    """One pattern for every value found (decodings included, see _cut)."""
    values = [v for v in found if len(v) >= MIN_SPREAD]
    if not values:
        return None
    return re.compile("|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)))


def _listed_pattern(found: dict[str, str]) -> re.Pattern[str]:
    """Every value found as it may read in a raw JSONL line (escaped once or more)."""
    forms = {f for v in found if len(v) >= MIN_SPREAD for f in encodings(v)}
    return re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)))


def _spreader(
    spread: re.Pattern[str], found: dict[str, str], counts: Counter[str]
) -> Callable[[str], str]:
    def find(view: str) -> Iterable[_Span]:
        for m in spread.finditer(view):
            yield _Span(m.start(), m.end(), 0, found.get(m.group(0), "Secret"))

    def fix(text: str) -> str:
        spans = _everywhere(text, find)
        return Redactor._cut(text, spans, counts, {}) if spans else text

    return fix


_DEFAULT: Redactor | None = None


def redactor() -> Redactor:
    """The process's Redactor (loading detect-secrets' plugins costs ~0.1 s)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Redactor()
    return _DEFAULT


def redact_text(text: str) -> tuple[str, dict[str, int]]:
    """Redact plain text (a whole file, a .env, a log): text and counts by type."""
    found: dict[str, str] = {}
    out, counts = redactor().text(text, found)
    spread = _spread_pattern(found)
    if spread is not None:
        out = _spreader(spread, found, counts)(out)
    return out, dict(sorted(counts.items()))


def redact_jsonl(data: bytes) -> Result:
    """Redact a JSONL transcript (Claude Code's format), line by line."""
    return redactor().jsonl(data)


def redact_jsonl_many(files: list[bytes]) -> list[Result]:
    """Redact JSONL transcripts of one session (its own and its subagents'):
    what is found in one is removed from all."""
    return redactor().jsonl_many(files)
