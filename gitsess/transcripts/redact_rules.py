"""What gitsess adds to detect-secrets (gitsess.transcripts.redact): token formats its
plugins miss, and what they flag that is no secret.

Issue 11: on real transcripts the redactor let through whole-JWT
signatures, Anthropic and Google keys and tokens used as JSON keys, while
96 of its 119 redactions were API ids, thinking signatures and JSX keys.
The rules here are plain data and predicates; gitsess.transcripts.redact applies them.
"""

from __future__ import annotations

import re

# Token formats detect-secrets 1.5 has no plugin for, or matches only in
# part, each with its type name. The formats are gitleaks' rules
# (github.com/gitleaks/gitleaks, cmd/generate/config/rules/: anthropic.go,
# gcp.go, slack.go, openai.go, stripe.go, github.go, jwt.go), widened where
# a vendor's exact length is not published: removing a little more is the
# safe side. A specific prefix (`sk-ant-`, `xoxb-`, `AIza` + 35) is a token
# wherever it starts, glued to a word or not; the looser ones (a bare `sk-`,
# `rk_test_` as in `network_test_…`) only where no word goes on before
# them (_EDGE), so a Stripe test key glued to a word is left. A JSON escape (`\n`, `\t`, `\u00e9`) ends a word:
# in a text that holds JSON the letter before a token is often one.
_EDGE = r"(?:(?<![A-Za-z0-9_-])|(?<=\\[nrtbf])|(?<=\\u[0-9a-fA-F]{4}))"
EXTRA_PATTERNS: dict[str, list[re.Pattern[str]]] = {
    # JwtTokenDetector's pattern ends lazily (`[...]*?`), so its match stops
    # before the signature, the one part that is secret. A whole JWS (three
    # segments) or JWE (five), every segment taken.
    "JSON Web Token": [re.compile(r"eyJ[A-Za-z0-9_=-]{6,}(?:\.[A-Za-z0-9_=+/-]*){0,3}\.[A-Za-z0-9_=+/-]+")],
    # sk-ant-api03-, sk-ant-admin01-, and the OAuth sk-ant-oat01-/ort01-.
    "Anthropic API Key": [re.compile(r"sk-ant-[a-z]{2,8}\d{2}-[A-Za-z0-9_-]{20,}")],
    # Google Cloud / Gemini API keys: `AIza` + 35.
    "Google API Key": [re.compile(r"AIza[0-9A-Za-z_-]{35}")],
    # SlackDetector wants `xox?-` followed by digit groups; newer tokens
    # (xoxe, xoxr refresh tokens, xoxa-2-) do not all have them.
    "Slack Token": [re.compile(r"xox[abeprs]-[A-Za-z0-9-]{10,}")],
    # GitHub fine-grained personal access tokens (2022): `github_pat_` + 82.
    # GitHubTokenDetector knows only the classic ghp_/gho_/ghu_/ghs_/ghr_.
    "GitHub Token": [re.compile(r"github_pat_[A-Za-z0-9_]{22,}")],
    # OpenAIDetector knows the legacy `sk-` + 20 + T3BlbkFJ + 20 only, not
    # the project, service-account and admin keys, which hold `-` and `_`.
    "OpenAI Token": [
        re.compile(r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}"),
        re.compile(r"sk-[A-Za-z0-9_-]*T3BlbkFJ[A-Za-z0-9_-]+"),
        re.compile(_EDGE + r"sk-[A-Za-z0-9]{48}(?![A-Za-z0-9_-])"),
    ],
    # StripeDetector knows live keys of exactly 24 only, not test keys.
    "Stripe Access Key": [re.compile(_EDGE + r"(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{20,}")],
}
# Not secrets, though they look random: the ids of the Anthropic API and
# Claude Code (tool use, message, request, agent message; `bdrk_`/`vrtx_`
# on Bedrock and Vertex), which a transcript repeats on every line and which
# the entropy plugin flags whenever a tool result quotes them in JSON.
# Only the generic detectors (entropy, keyword, .env) spare them: a span
# is kept when it is exactly one such id. Shapes as Claude Code writes them:
# `message.id` msg_…, `requestId` req_…, tool_use `id` toolu_… (observed
# transcripts, e.g. github.com/DRMacIver/claude-reliability
# notes/transcript-format.md, Huntehhh/claude-code-chat
# docs/claude-cli-jsonl-format.md).
SAFE_ID = re.compile(r"(?:srvtoolu|toolu|agent_msg|msg|req)_(?:(?:bdrk|vrtx)_)?[A-Za-z0-9]{16,64}")
# Signatures are not secrets either (they prove, and grant nothing): the
# `signature` of an extended-thinking block, Gemini's `thoughtSignature`,
# the encrypted `data` of a redacted_thinking block. The entropy plugin
# flags them when a tool result quotes them; a quoted value right after
# such a key is spared by the generic detectors. (The signature holds the
# full thinking, encrypted, and lets the API verify a block it issued;
# docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-thinking-encryption.html)
# (Backslashes before a quote: in a view, one level's quotes read \" still.)
SIGNED_VALUE = re.compile(
    r'(?:[sS]ignature|"type\\*"\s*:\s*\\*"redacted_thinking\\*"\s*,\s*\\*"data)\\*"\s*:\s*\\*"$'
)


# A value that is code, not a secret: an expression in braces or brackets
# (JSX's `key={todo.id}`, a template literal), and, after a name that is no
# shouting .env NAME (`key=`, `token=` in code or markup), an identifier or
# attribute path (`key=len`, `auth=self.auth`) or anything under 8 characters
# (`key="item-1"`). A .env value that is a bare word is still taken.
CODE_START = frozenset("{[(<`")
CODE_PATH = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*(?:\(.*)?[)\]},>]*")


def is_code(name: str, value: str) -> bool:
    if value[0] in CODE_START:
        return True
    if name.upper() == name:
        return False
    if len(value) < 8:
        return True
    return CODE_PATH.fullmatch(value) is not None and not any(c.isdigit() for c in value)


# Keys made of lowercase words (`tool_use_id`, `cacheReadInputTokens`): the
# keys a transcript's own structure has, which no detector flags; they are
# not scanned, the rest are. The pass that removes values found elsewhere
# (a password read once, used as a key later) takes every key.
WORDS_KEY = re.compile(r"[a-z]+(?:[A-Z_][a-z]+)*")


# A thinking block's signature (and a redacted one's encrypted data), which
# Claude Code copies from the API into the transcript: not a secret, and
# the longest random-looking string of a line; it is not scanned at all.
SIGNED_FIELD = {"thinking": "signature", "redacted_thinking": "data"}


def spared(line: str, a: int, b: int) -> bool:
    """Whether a generic detector's span is an API id or a signature (see SAFE_ID, SIGNED_VALUE)."""
    # The entropy plugin's charset holds the backslash: in a view where
    # deeper quotes still read \", a span can end in one.
    while b > a and line[b - 1] == "\\":
        b -= 1
    if SAFE_ID.fullmatch(line, a, b):
        return True
    return SIGNED_VALUE.search(line, max(0, a - 80), a) is not None
