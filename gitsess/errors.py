"""One error hierarchy; cli.py turns it into `error: …` / `hint: …` and an exit code."""

from __future__ import annotations

import sys
from enum import IntEnum


class ExitCode(IntEnum):
    """Documented exit codes of every `git sess` command."""

    OK = 0
    FAILURE = 1  # a check failed (invalid record, violated invariant, doctor finding)
    USAGE = 2  # bad arguments or input the user must fix
    NOT_A_REPO = 3  # not inside a git repository
    CONFLICT = 4  # a ref could not be updated before the deadline (contention, locks)
    INTERNAL = 70  # a bug: please report it


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
