"""Hooks git starts only when they have work: prepare-commit-msg and post-commit.

Git starts every executable file in the hooks directory that names a hook it
runs, and each one is a process: 0.9 ms on this machine (a static no-op
binary costs the same as gitsess's sh shim), against an ordinary `git
commit` of about 4 ms. Three commit hooks made an ordinary commit 1.8x its
floor (issue 14 asks for 1.5x). Two of them have work only now and then:

- post-commit stores a handoff's record: only after commit-msg has passed a
  commit with Sess- trailers;
- prepare-commit-msg adds the Assisted-by trailer: only while an agent
  session is live in a worktree whose .gitsess.yaml names `disclosure`.

Where gitsess owns such a hook name outright (nothing chained before it, no
hook manager), install parks its shim as `.gitsess-chained/<hook>.ondemand`
and `arm` links it into place when there is work:

- post-commit by commit-msg, once it has passed a handoff commit: git looks
  for the post-commit hook after commit-msg has run (builtin/commit.c runs
  commit-msg, writes the commit, then `run_commit_hook(... "post-commit")`,
  which finds the hook afresh), so the same commit runs it;
- prepare-commit-msg by every agent event that runs Python (a session's
  first event, each prompt, Stop; not the tool calls' fast path) in a
  worktree whose policy names disclosure (gitsess/agents/hook.py).

A shim with nothing to do takes its link away again (post-commit after a
commit that is no handoff, prepare-commit-msg when no session ref is live),
with sh's `[ "$0" -ef <parked> ]`, and Python with `disarm`. Both remove the
hook only while it is the same file as the parked shim: a hook a person put
there since is never touched, and `arm` never replaces one (the link fails
when the name is taken, and the doctor says so).

Two worktrees share one hooks directory. An ordinary commit in one can take
post-commit away between another's commit-msg and post-commit; `git sess
handoff` completes its own commits whatever the hooks did, and a hand-made
handoff commit caught that way is named by the pre-push guard (fixed with
`git sess handoff --repair`).
"""

from __future__ import annotations

import contextlib
import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from gitsess.store.repo import Store

PARKED_DIR = ".gitsess-chained"
SUFFIX = ".ondemand"
ON_DEMAND = ("prepare-commit-msg", "post-commit")
CFG_HOOKS_DIR = "sess.hooksDir"  # where install put the shims (gitsess/setup/install.py)


def parked(hooks_dir: str, name: str) -> str:
    """Where install keeps the shim of on-demand hook `name`."""
    return os.path.join(hooks_dir, PARKED_DIR, name + SUFFIX)


def _dir(store: Store) -> str | None:
    return store.config_get(CFG_HOOKS_DIR)  # None when unset or unreadable


def armed(hooks_dir: str, name: str) -> bool:
    """Whether `<hooks_dir>/<name>` is the parked shim itself (a link to it)."""
    with contextlib.suppress(OSError):
        return os.path.samefile(os.path.join(hooks_dir, name), parked(hooks_dir, name))
    return False


def arm(store: Store, name: str) -> bool:
    """Put on-demand hook `name` where git runs it; True when this call did.
    Never replaces a file that is there (os.link and os.symlink refuse)."""
    d = _dir(store)
    if not d or not os.path.isfile(src := parked(d, name)):
        return False  # not installed on demand: always there, or not at all
    dst = os.path.join(d, name)
    try:
        os.link(src, dst)
        return True
    except FileExistsError:
        return False
    except OSError:
        pass  # a file system without hard links: a relative symbolic link does the same
    try:
        os.symlink(os.path.join(PARKED_DIR, name + SUFFIX), dst)
        return True
    except OSError:
        return False


def policy_discloses(workdir: str | None) -> bool:
    """The shims' gate (githooks/disclosure.sh), in Python: the worktree's
    .gitsess.yaml has a line that starts `disclosure:`. Only a gate: the
    hook's Python reads the policy itself."""
    if not workdir:
        return False
    try:
        with open(os.path.join(workdir, ".gitsess.yaml"), "rb") as fh:
            head = fh.read(256 * 1024)
    except OSError:
        return False
    return any(line.startswith(b"disclosure:") for line in head.splitlines())


def arm_for_disclosure(store: Store) -> bool:
    """Arm prepare-commit-msg when this worktree's policy names disclosure."""
    return policy_discloses(store.workdir) and arm(store, "prepare-commit-msg")


def disarm(store: Store, name: str) -> bool:
    """Take on-demand hook `name` away while it is still gitsess's link."""
    d = _dir(store)
    if not d or not armed(d, name):
        return False
    with contextlib.suppress(OSError):
        os.unlink(os.path.join(d, name))
        return True
    return False
