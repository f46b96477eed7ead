"""Running the real git: the one place a git command line is started.

Named operations (in this package) call `run_git`; no module outside
gitsess/store/ builds a git argument list.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from gitsess.errors import GitsessError
from gitsess.store.base import StoreBase

if TYPE_CHECKING:
    import subprocess

# Variables git exports to hooks; they must not leak into a git we start
# elsewhere (githooks(5): "GIT_DIR, GIT_INDEX_FILE ... are set").
_GIT_LOCAL_VARS = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_PREFIX",
    "GIT_NAMESPACE",
    "GIT_QUARANTINE_PATH",
    "GIT_REFLOG_ACTION",
    "GIT_EDITOR_ENV",
)


# git commands that never write a ref: the ref listings read before them
# still hold after them.
_READS_ONLY = frozenset((
    "for-each-ref", "ls-remote", "rev-list", "rev-parse", "log", "merge-base", "cat-file",
    "config", "var", "hash-object", "ls-files", "diff", "show", "status", "check-ref-format",
    "name-rev",
))


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a git we start: git's hook variables stripped."""
    env = {k: v for k, v in os.environ.items() if k not in _GIT_LOCAL_VARS}
    if extra:
        env.update(extra)
    return env


class GitCommands(StoreBase):
    def run_git(
        self,
        args: list[str],
        *,
        input: bytes | None = None,
        check: bool = True,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run the real git on this repository, hook variables stripped."""
        # subprocess is imported here: the agent hook imports the store on
        # every tool call and runs no git.
        import subprocess

        cmd = ["git", "--git-dir", self.git_dir]
        if self.workdir:
            cmd += ["--work-tree", self.workdir]
        proc = subprocess.run(
            cmd + args,
            input=input,
            capture_output=True,
            env=git_env(env),
            cwd=cwd or self.workdir or self.git_dir,
            check=False,
        )
        if not args or args[0] not in _READS_ONLY:  # that git may have written refs
            self.forget_refs()
        if check and proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitsessError(
                f"git {' '.join(args[:2])} failed: {err[-1] if err else proc.returncode}"
            )
        return proc
