"""HEAD and git config, read through libgit2 and written to the repository's own config."""

from __future__ import annotations

from dataclasses import dataclass

import pygit2

from gitsess import refs
from gitsess.errors import GitsessError
from gitsess.store.gitcmd import GitCommands


@dataclass(frozen=True)
class HeadInfo:
    branch: str | None  # short name, None when detached
    oid: str | None  # None when unborn
    detached: bool
    unborn: bool


class ConfigStore(GitCommands):
    def head(self) -> HeadInfo:
        if self.reftable:
            return self._git_head()
        repo = self._repo
        try:
            unborn = bool(repo.head_is_unborn)
            detached = bool(repo.head_is_detached)
        except pygit2.GitError:
            return HeadInfo(None, None, False, True)
        if unborn:
            target = self._symbolic_head_target()
            short = target[len(refs.HEADS) :] if target.startswith(refs.HEADS) else None
            return HeadInfo(short, None, False, True)
        try:
            head = repo.head
        except pygit2.GitError:
            return HeadInfo(None, None, detached, True)
        oid = str(head.target)
        return HeadInfo(None if detached else head.shorthand, oid, detached, False)

    def _git_head(self) -> HeadInfo:
        """`head` where libgit2 cannot read the refs (reftable): git's answer."""
        sym = self.run_git(["symbolic-ref", "-q", "HEAD"], check=False)
        target = sym.stdout.decode("utf-8", "surrogateescape").strip() if sym.returncode == 0 else ""
        detached = sym.returncode != 0
        short = target[len(refs.HEADS):] if target.startswith(refs.HEADS) else None
        proc = self.run_git(["rev-parse", "-q", "--verify", "HEAD^{commit}"], check=False)
        oid = proc.stdout.decode("ascii", "replace").strip() if proc.returncode == 0 else ""
        if not oid:
            return HeadInfo(None if detached else short, None, False, True)
        return HeadInfo(None if detached else short, oid, detached, False)

    def _symbolic_head_target(self) -> str:
        try:
            ref = self._repo.lookup_reference("HEAD")
            target = ref.target
            return target if isinstance(target, str) else ""
        except (pygit2.GitError, KeyError):
            return ""

    def config_get(self, key: str) -> str | None:
        try:
            value = self._repo.config[key]
        except (KeyError, pygit2.GitError, ValueError):
            return None
        return str(value)

    def config_get_all(self, key: str) -> list[str]:
        try:
            return [str(v) for v in self._repo.config.get_multivar(key)]
        except (KeyError, pygit2.GitError, ValueError):
            return []

    def config_set(self, key: str, value: str) -> None:
        """Write to the repository's own config (never global)."""
        try:
            self._repo.config[key] = value
        except pygit2.GitError as exc:
            raise GitsessError(f"cannot set git config {key}: {exc}") from exc

    def config_add(self, key: str, value: str) -> None:
        """Add one more value to a multi-valued key, unless it is already there."""
        if value in self.config_get_all(key):
            return
        self.run_git(["config", "--add", key, value])

    def config_unset(self, key: str, value_pattern: str | None = None) -> None:
        args = ["config", "--unset-all", key]
        if value_pattern is not None:
            args.append(value_pattern)
        self.run_git(args, check=False)

    def signature_identity(self) -> tuple[str, str]:
        """(name, email) for commits gitsess writes itself."""
        if self._sig is None:
            name = self.config_get("user.name") or "gitsess"
            email = self.config_get("user.email") or "gitsess@localhost"
            self._sig = (name, email)
        return self._sig
