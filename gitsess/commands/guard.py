"""The pre-push hook's Python side: refuse handoff commits whose record
fails its checks, and send the session refs and notes to the same remote
(never forced, and never failing the user's own push for it). The shim
(githooks/pre-push) calls each half only when it cannot do without it."""

from __future__ import annotations

import os
import re
import sys
import time
from typing import IO

from gitsess.errors import GitsessError
from gitsess.handoff import check as guard
from gitsess.store import Store
from gitsess.sync import exchange as sync
from gitsess.ui import untrusted

SHARE_BUDGET_S = 20.0


def pre_push_check_hook(store: Store, args: list[str], stdin: IO[str]) -> int:
    """The shim's guard, for the handoff commits it found no valid stamp for."""
    return _check(store, args[0] if args else "origin", guard.parse_push_lines(stdin.read()))


def _check(store: Store, remote: str, lines: list[guard.PushLine]) -> int:
    failures = guard.check_push(store, remote, lines)
    for line in guard.refusal(failures) if failures else []:
        # A refusal quotes the record's own text: whatever its author pushed.
        print(untrusted.line(line), file=sys.stderr)
    return 1 if failures else 0


def pre_push_send_hook(store: Store, args: list[str], stdin: IO[str]) -> int:
    """The shim's send, when a plain push of the session refs did not do.
    The shim runs it once the person's push has ended: what that push made
    public is then on the remote, and publish.py asks the remote for it."""
    share(store, args[0] if args else "origin")
    return 0


def pre_push_hook(store: Store, args: list[str], stdin: IO[str]) -> int:
    """Both at once, in line: what shims of gitsess 0.1.0 before stamps ran
    (`git sess doctor` reports those as stale)."""
    lines = guard.parse_push_lines(stdin.read())
    remote = args[0] if args else "origin"
    code = _check(store, remote, lines)
    if code == 0 and not dry_run():
        share(store, remote)
    return code


def dry_run(pid: int | None = None) -> bool:
    """Whether the `git push` that runs this hook is a --dry-run (git runs
    pre-push for those too, and then gitsess must send nothing either).
    Read from the pushing git's command line where /proc has it."""
    try:
        with open(f"/proc/{pid or os.getppid()}/cmdline", "rb") as fh:
            argv = fh.read().decode("utf-8", "replace").split("\0")
    except OSError:
        return False
    if "push" not in argv:
        return False
    for arg in argv[argv.index("push") + 1 :]:
        if arg == "--":
            break
        # `--dr` is as good as --dry-run: git takes any unambiguous prefix.
        if re.fullmatch(r"--dr(y(-(r(un?)?)?)?)?|-[A-Za-z]*n[A-Za-z]*", arg):
            return True
    return False


def share(store: Store, remote: str) -> None:
    """Push refs/sess/* and notes (only what the remote's commits make public:
    publish.py); one line on stderr when that did not work."""
    try:
        if remote in sync.remotes(store) and store.config_get("sess.hooksDir"):
            from gitsess.setup import gitconfig

            gitconfig.ensure_refspecs(store, remote)
        result = sync.push(store, remote, deadline=time.monotonic() + SHARE_BUDGET_S, attempts=3)
        why = None if result.ok else sync.describe(result)
    except GitsessError as exc:
        why = exc.message
    if why:
        print(f"gitsess: session refs and notes not sent to {remote} ({why}); your own push"
              f" is not affected; `git sess sync {remote}` retries", file=sys.stderr)
