"""Storage faults (a full disk, a read-only or unwritable .git) as one-line errors.

They are not bugs, so they must not end as exit 70 and a traceback. They
reach us three ways: an OSError from Python with its errno; an OSError or
pygit2.GitError from libgit2, which carries only the C library's message
("failed to write out file: No space left on device": libgit2's
git_error_vset appends the system's message to a GIT_ERROR_OS error, errors.c); and git's own
output ("fatal: ... No space left on device"). `storage_fault` recognises
all three by the errno or by strerror's words for the errnos below.

Whoever meets one removes what it left (temporary files, id reservations)
and raises `StorageError`: exit 1, one `error:` line and a `hint:`.
"""

from __future__ import annotations

import errno
import os

from gitsess.errors import ExitCode, GitsessError

ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG)
# git's own words for a short write (csum-file.c, write_or_die.c) besides strerror's.
_WORDS = (*(os.strerror(e) for e in ERRNOS), "Out of diskspace")


class StorageError(GitsessError):
    """The repository (or a file beside it) could not be written."""

    exit_code = ExitCode.FAILURE


def storage_fault(exc: BaseException | str) -> str | None:
    """The fault's words ("No space left on device") when `exc` is one, else None."""
    if isinstance(exc, OSError) and exc.errno in ERRNOS:
        return os.strerror(exc.errno)
    text = exc if isinstance(exc, str) else str(exc)
    for words in _WORDS:
        if words in text:
            return words
    return None


def hint_for(reason: str) -> str:
    full = (os.strerror(errno.ENOSPC), os.strerror(errno.EDQUOT), os.strerror(errno.EFBIG),
            "Out of diskspace")
    if reason in full:
        return "free some disk space"
    return "make the repository's .git writable"
