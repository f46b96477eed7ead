"""The pre-push hook: refuse handoff commits whose record fails its checks,
then send the session refs and notes to the same remote (never forced, and
never failing the user's own push for it)."""

from __future__ import annotations

import os
import re
import sys
import time
from typing import IO

from gitsess import guard, sync
from gitsess.errors import GitsessError
from gitsess.store import Store

SHARE_BUDGET_S = 20.0


def pre_push_hook(store: Store, args: list[str], stdin: IO[str]) -> int:
    remote = args[0] if args else "origin"
    lines = guard.parse_push_lines(stdin.read())
    failures = guard.check_push(store, remote, lines)
    if failures:
        for line in guard.refusal(failures):
            print(line, file=sys.stderr)
        return 1
    if not dry_run():
        share(store, remote)
    return 0


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
        if arg == "--dry-run" or re.fullmatch(r"-[A-Za-z]*n[A-Za-z]*", arg):
            return True
    return False


def share(store: Store, remote: str) -> None:
    """Push refs/sess/* and notes; one line on stderr when that did not work."""
    try:
        if remote in sync.remotes(store) and store.config_get("sess.hooksDir"):
            from gitsess import install

            install.ensure_refspecs(store, remote)
        result = sync.push(store, remote, deadline=time.monotonic() + SHARE_BUDGET_S, attempts=3)
        why = None if result.ok else sync.describe(result)
    except GitsessError as exc:
        why = exc.message
    if why:
        print(f"gitsess: session refs and notes not sent to {remote} ({why}); your push goes on;"
              " `git sess sync` retries", file=sys.stderr)
