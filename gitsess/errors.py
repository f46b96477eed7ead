"""One error hierarchy, and the one handler that turns any exception into
`error: …` / `hint: …` and an exit code (used by cli.py and by main.py's
entry for git's hooks).

Import rule: errors imports only gitsess.ui (to print).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import IntEnum


class ExitCode(IntEnum):
    """Documented exit codes of every `git sess` command."""

    OK = 0
    FAILURE = 1  # a check failed (invalid record, violated invariant, doctor finding)
    USAGE = 2  # bad arguments or input the user must fix
    NOT_A_REPO = 3  # not inside a git repository
    CONFLICT = 4  # a ref could not be updated before the deadline (contention, locks)
    INTERNAL = 70  # a bug: please report it


# What each code means, as git-sess(1) says it (`git sess manpage`).
EXIT_STATUS: dict[ExitCode, str] = {
    ExitCode.OK: "Success.",
    ExitCode.FAILURE: "A check failed: a refused handoff, a doctor finding, an invalid import.",
    ExitCode.USAGE: "Bad usage: unknown options, bad values, input the user must fix.",
    ExitCode.NOT_A_REPO: "Not inside a git repository.",
    ExitCode.CONFLICT: "A ref could not be updated in time (contention, a lock).",
    ExitCode.INTERNAL: "An internal error, a bug: GITSESS_DEBUG=1 shows the traceback.",
}


class GitsessError(Exception):
    """Base of every error gitsess raises on purpose."""

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def report(self) -> int:
        """Print the error in git's voice (`error: …`, `hint: …`); its exit code."""
        from gitsess.ui import untrusted
        from gitsess.ui.colour import prefixed

        lines = [f"error: {self.message}"]
        lines += [f"  - {problem}" for problem in getattr(self, "problems", [])]
        lines += [f"hint: {line}" for line in (self.hint or "").splitlines()]
        # A message can quote a note, a policy or a ref someone else pushed.
        text = untrusted.text("\n".join(lines), 64_000)
        print("\n".join(prefixed(line, sys.stderr) for line in text.split("\n")),
              file=sys.stderr)
        return int(self.exit_code)


def warn(*lines: str) -> None:
    """`warning: …` on stderr, one line each: the one warning printer.

    A warning can name a record, a session or a policy field others pushed,
    so each line goes through the sanitiser.
    """
    from gitsess.ui import untrusted
    from gitsess.ui.colour import prefixed

    for line in lines:
        print(prefixed(f"warning: {untrusted.line(line)}", sys.stderr), file=sys.stderr)


class UsageError(GitsessError):
    exit_code = ExitCode.USAGE


# What every command that needs a worktree says in a bare repository (exit 2).
BARE_HINT = "run it in a clone with a working tree (git clone <this repository>)"


class NotARepoError(GitsessError):
    exit_code = ExitCode.NOT_A_REPO


class RefError(GitsessError):
    """A ref write failed; `kind` is 'modified', 'locked', 'missing' or 'invalid'."""

    exit_code = ExitCode.CONFLICT

    def __init__(self, kind: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.kind = kind


class ValidationError(GitsessError):
    """A record or policy failed validation; `problems` lists one line each."""

    exit_code = ExitCode.FAILURE

    def __init__(
        self, message: str, problems: list[str] | None = None, *, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.problems = list(problems or [])


def handle(run: Callable[[], int], *, internal: str = "internal error",
           hint: str = "rerun with GITSESS_DEBUG=1 for a traceback, and report it") -> int:
    """`run()`'s exit code, with every exception it raises made one.

    A GitsessError prints its report, Ctrl-C is 130 as a shell would say, a
    closed stdout (`| head`) is no error, and anything else is a bug: one
    `error:` line (its traceback only with GITSESS_DEBUG set) and 70.
    `internal` and `hint` word that last case for the caller (a git hook
    names itself and how to skip it).
    """
    try:
        return run()
    except GitsessError as exc:
        return exc.report()
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: one line, unless asked for the traceback
        if os.environ.get("GITSESS_DEBUG"):
            raise
        print(f"error: {internal}: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(f"hint: {hint}", file=sys.stderr)
        return int(ExitCode.INTERNAL)
