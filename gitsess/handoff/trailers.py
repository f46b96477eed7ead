"""Commit message trailers, read as `git interpret-trailers --parse` reads them.

A pure-Python port of git's rules (trailer.c, git 2.39), so that the
commit-msg hook starts no extra git:

- the trailer block is the last paragraph of the message, and never the
  first (the subject paragraph);
- it counts when every line in it is a trailer (`Token: value`, the token
  made of letters, digits and '-', whitespace allowed before the ':'), or
  when at least a quarter are and one is git-generated (`Signed-off-by: `,
  `(cherry picked from commit `);
- lines starting with whitespace continue the trailer above (unfolded with
  one space); comment lines and everything after a scissors line are
  ignored; trailing blank and comment lines are skipped;
- `---` is not treated as a patch divider (the `--no-divider` reading, the
  one git uses for commit messages), since markdown uses it as a rule.

Keys are matched case-insensitively, as git does; the Sess- keys are
returned in their canonical spelling (`sess-id` -> `Sess-Id`), others as
written.
"""

from __future__ import annotations

import re

SESS_ID = "Sess-Id"
SESS_OPERATOR = "Sess-Operator"
SESS_WORKSTREAM = "Sess-Workstream"
SESS_PHASE = "Sess-Phase"
SESS_SESSION = "Sess-Session"
CANONICAL = {k.lower(): k for k in (SESS_ID, SESS_OPERATOR, SESS_WORKSTREAM, SESS_PHASE,
                                     SESS_SESSION)}

_GIT_GENERATED = ("Signed-off-by: ", "(cherry picked from commit ")
_TOKEN = re.compile(r"^([A-Za-z0-9-]+)[ \t]*:")
_SCISSORS = " ------------------------ >8 ------------------------"


def _is_trailer_line(line: str) -> bool:
    return bool(_TOKEN.match(line))


def _message_lines(message: str, comment: str) -> list[str]:
    lines = message.split("\n")
    for i, line in enumerate(lines):
        if line == comment + _SCISSORS:
            return lines[:i]
    return lines


def trailer_block(message: str, comment: str = "#") -> tuple[int, int, list[str]]:
    """(start, end, lines): the trailer block's line span in the message."""
    lines = _message_lines(message, comment)
    end = len(lines)
    while end > 0 and (not lines[end - 1].strip() or lines[end - 1].startswith(comment)):
        end -= 1
    # The first paragraph is the title and cannot be trailers.
    title_end = 0
    while title_end < end:
        line = lines[title_end]
        if not line.startswith(comment) and not line.strip():
            break
        title_end += 1
    trailers = non_trailers = continuations = 0
    recognized = False
    i = end - 1
    while i >= title_end:
        line = lines[i]
        if line.startswith(comment):
            non_trailers += continuations
            continuations = 0
        elif not line.strip():
            non_trailers += continuations
            if (recognized and trailers * 3 >= non_trailers) or (trailers and not non_trailers):
                return i + 1, end, lines
            return end, end, lines
        elif line.startswith(_GIT_GENERATED):
            trailers += 1
            continuations = 0
            recognized = True
        elif _is_trailer_line(line):
            trailers += 1
            continuations = 0
        elif line[0] in " \t":
            continuations += 1
        else:
            non_trailers += 1 + continuations
            continuations = 0
        i -= 1
    return end, end, lines


def parse_trailers(message: str, comment: str = "#") -> dict[str, list[str]]:
    """Trailers of a commit message: key -> values in order (see module doc)."""
    start, end, lines = trailer_block(message, comment)
    out: dict[str, list[str]] = {}
    last: tuple[str, int] | None = None
    for line in lines[start:end]:
        if line.startswith(comment):
            continue
        if line[:1] in (" ", "\t") and last is not None:
            key, idx = last
            out[key][idx] = f"{out[key][idx]} {line.strip()}".strip()
            continue
        m = _TOKEN.match(line)
        if not m:
            last = None
            continue
        key = CANONICAL.get(m.group(1).lower(), m.group(1))
        out.setdefault(key, []).append(line[m.end() :].strip())
        last = (key, len(out[key]) - 1)
    return out


def strip_trailers(message: str, comment: str = "#") -> str:
    """The message without its trailer block (and anything after a scissors line)."""
    start, _end, lines = trailer_block(message, comment)
    return "\n".join(lines[:start]).rstrip() + "\n"


def has_sess_trailers(trailers: dict[str, list[str]]) -> bool:
    return any(k.lower().startswith("sess-") for k in trailers)


def first(trailers: dict[str, list[str]], key: str) -> str | None:
    values = trailers.get(key)
    return values[0] if values else None
