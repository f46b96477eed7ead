"""Counting what an agent's own transcript says it did (issue 11).

The hooks can miss events (Claude Code fires none for some subagent tool
calls, anthropics/claude-code #34692 and #65169; a busy machine drops any),
so the handoff also reads the agent's transcript and reconciles the two
(gitsess.transcripts.reconcile). This module only counts: it never stores a line, a
tool input, an output or a prompt's text. Each file is streamed one line at
a time, lines over counting.MAX_LINE are skipped unread, and the sets that
dedupe ids are bounded (counting.MAX_IDS), so memory stays flat whatever the
file's size.

One module per agent's format, each citing the agent's own source or
documentation: gitsess.transcripts.claude_log (Claude Code, with its
subagents' files), codex_log (Codex rollouts) and gemini_log (Gemini CLI
chat files), over the common counting of gitsess.transcripts.counting.

Cursor: its hook payload names a transcript_path, but the transcript's format
is neither documented nor stable (plain text in some versions): not read.
"""

from __future__ import annotations

import errno
from typing import Any

from gitsess.transcripts.claude_log import read_claude
from gitsess.transcripts.codex_log import read_codex
from gitsess.transcripts.gemini_log import read_gemini

READERS = {
    "claude-code": read_claude,
    "codex": read_codex,
    "gemini-cli": read_gemini,
}


def read(agent: str | None, path: str) -> dict[str, Any] | None:
    """The counts of `path` as `agent`'s transcript; None for an agent whose
    transcripts gitsess does not read."""
    reader = READERS.get(agent or "")
    if reader is None:
        return None
    try:
        return reader(path)
    except OSError as exc:  # vanished mid-read, EIO: no counts rather than a traceback
        if exc.errno in (errno.ENOENT, errno.EIO, errno.ESTALE, errno.EACCES):
            return None
        raise
