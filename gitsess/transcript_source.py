"""The one gate a recorded transcript path passes before gitsess reads it.

The hook records the payload's `transcript_path` in the session's
session.json (issue 11). session.json travels: a peer can push a session
naming any file on a reader's machine (`~/.ssh/id_ed25519`, `/dev/zero`, a
FIFO). So a recorded path is read only when `transcript_source` says so:

- it was recorded by this machine: session.json's `transcript_seal` is an
  HMAC-SHA256 of the session and the path under a key that never leaves this
  machine (`$XDG_STATE_HOME/gitsess/transcript.key`, by default under
  `~/.local/state`; created on first use, mode 0600; outside every
  repository, so nothing gitsess writes to git or pushes holds it), so a
  pushed session.json cannot name a path this machine did not;
- it lies under the agent's own transcript folder (Claude Code
  `$CLAUDE_CONFIG_DIR/projects` or `~/.claude/projects`; Codex
  `$CODEX_HOME/sessions` or `~/.codex/sessions`; Gemini CLI `~/.gemini/tmp`),
  with no symbolic link below that folder (one above it, such as a home
  directory reached through a link, is the user's own setup);
- it is a regular file (lstat: not a link, a FIFO or a device).

This is the only place gitsess turns a recorded path into a file to read
(the issue 9 gate being written alongside can replace its body).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gitsess.store import Store
    from gitsess.telemetry import Session

KEY_FILE = "transcript.key"
_KEY_BYTES = 32


def key_path() -> str:
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"),
                                                             ".local", "state")
    return os.path.join(state, "gitsess", KEY_FILE)


def _key(*, create: bool) -> bytes | None:
    path = key_path()
    try:
        with open(path, "rb") as fh:
            key = fh.read(_KEY_BYTES + 1)
        return key if len(key) == _KEY_BYTES else None
    except FileNotFoundError:
        if not create:
            return None
    except OSError:
        return None
    key = os.urandom(_KEY_BYTES)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        os.link(tmp, path)  # fails when a racing hook made one first: use theirs
    except FileExistsError:
        return _key(create=False)
    except OSError:
        return None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return key


def _mac(key: bytes, session: str, path: str) -> str:
    msg = f"{session}\0{path}".encode("utf-8", "surrogatepass")
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def seal(store: Store, session: str, path: str) -> str | None:
    """The seal session.json records beside `path` (None: no key could be made)."""
    key = _key(create=True)
    return _mac(key, session, path) if key is not None else None


def agent_roots(agent: str | None) -> list[str]:
    """The folders an agent keeps its transcripts in (see the module docstring)."""
    home = os.path.expanduser("~")
    if agent == "claude-code":
        base = os.environ.get("CLAUDE_CONFIG_DIR") or os.path.join(home, ".claude")
        return [os.path.join(base, "projects")]
    if agent == "codex":
        base = os.environ.get("CODEX_HOME") or os.path.join(home, ".codex")
        return [os.path.join(base, "sessions")]
    if agent == "gemini-cli":
        return [os.path.join(home, ".gemini", "tmp")]
    return []


def _under(path: str, root: str) -> bool:
    """`path` is below `root` (as written, or its realpath) through no link."""
    real_root = os.path.realpath(root)
    for base in {root.rstrip(os.sep), real_root.rstrip(os.sep)}:
        if path.startswith(base + os.sep):
            rel = path[len(base) + 1:]
            return os.path.realpath(path) == os.path.join(real_root, rel)
    return False


def transcript_source(store: Store, session: Session) -> Path | None:
    """The session's transcript file when every check above passes, else None."""
    meta: dict[str, Any] = session.meta
    path = meta.get("transcript_path")
    given = meta.get("transcript_seal")
    if not isinstance(path, str) or not isinstance(given, str) or "\0" in path:
        return None
    if not os.path.isabs(path) or os.path.normpath(path) != path:
        return None
    key = _key(create=False)
    if key is None or not hmac.compare_digest(_mac(key, session.ref.rsplit("/", 1)[-1], path),
                                              given):
        return None
    if not any(_under(path, root) for root in agent_roots(meta.get("agent"))):
        return None
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return Path(path) if stat.S_ISREG(st.st_mode) else None
