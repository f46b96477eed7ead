"""The pre-push hook's Python side: refuse handoff commits whose record
fails its checks, and send the session refs and notes to the same remote
(never forced, and never failing the user's own push for it). The shim
(githooks/pre-push) calls each half only when it cannot do without it."""

from __future__ import annotations

import sys
from typing import IO

from gitsess.errors import GitsessError
from gitsess.handoff import check
from gitsess.store import Store
from gitsess.sync import exchange
from gitsess.ui import untrusted


def pre_push_check_hook(store: Store, args: list[str], stdin: IO[str]) -> int:
    """The shim's guard, for the handoff commits it found no valid stamp for."""
    remote = args[0] if args else "origin"
    failures = check.check_push(store, remote, check.parse_push_lines(stdin.read()))
    for line in check.refusal(failures) if failures else []:
        # A refusal quotes the record's own text: whatever its author pushed.
        print(untrusted.line(line), file=sys.stderr)
    return 1 if failures else 0


def pre_push_send_hook(store: Store, args: list[str], stdin: IO[str]) -> int:
    """The shim's send, when a plain push of the session refs did not do.
    The shim runs it once the person's push has ended: what that push made
    public is then on the remote, and publish.py asks the remote for it.
    One line on stderr when that did not work; the push itself stands."""
    remote = args[0] if args else "origin"
    try:
        if remote in exchange.remotes(store) and store.config_get("sess.hooksDir"):
            from gitsess.setup import install

            install.ensure_refspecs(store, remote)
        why = exchange.send_after_push(store, remote)
    except GitsessError as exc:
        why = exc.message
    if why:
        print(f"gitsess: session refs and notes not sent to {remote} ({why}); your own push"
              f" is not affected; `git sess sync {remote}` retries", file=sys.stderr)
    return 0
