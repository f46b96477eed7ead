"""Named git operations on the work tree, the index and the repository's
config that setup (install, uninstall, doctor, hook managers, agent settings,
the demo) needs from the real git rather than from libgit2.

Each runs git through Store.run_git (hook variables stripped) with the exact
arguments below; the callers say what they want, never how git spells it.
They are git rather than pygit2 on purpose: `--show-scope`, `--fixed-value`
and `check-ignore --no-index` have no libgit2 equivalent, and the demo's
commits must run the hooks that install just put in place (libgit2 runs none).

Import rule: store imports only gitsess.errors, gitsess.refs and itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only annotations: whichever module of store/ defines Store
    from gitsess.store import Store

# -- the work tree and the index --------------------------------------------


def worktree_fields(store: Store) -> list[str]:
    """The fields of `git worktree list --porcelain`, one per item."""
    proc = store.run_git(["worktree", "list", "--porcelain", "-z"], check=False)
    if proc.returncode == 0:
        return proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    # git before 2.36 has no -z: a path cannot hold a newline there
    proc = store.run_git(["worktree", "list", "--porcelain"], check=False)
    return proc.stdout.decode("utf-8", "surrogateescape").split("\n")


def is_tracked(store: Store, rel: str) -> bool:
    """Whether the index holds `rel` (a file, or anything below a directory)."""
    out = store.run_git(["ls-files", "-z", "--", rel], check=False).stdout
    return bool(out.strip(b"\0"))


def committed_at_head(store: Store, rel: str) -> bytes | None:
    """The bytes of `rel` as committed at HEAD, or None when it is not there."""
    proc = store.run_git(["cat-file", "blob", f"HEAD:{rel}"], check=False)
    return proc.stdout if proc.returncode == 0 else None


def is_ignored(store: Store, path: str) -> bool:
    """Whether git's ignore rules cover `path`, tracked or not."""
    return store.run_git(["check-ignore", "-q", "--no-index", path], check=False).returncode == 0


# -- config that install adds and takes out again ---------------------------


def hooks_path_setting(store: Store) -> tuple[str, str] | None:
    """(scope, value) of core.hooksPath as git reads it, any scope; None when unset."""
    proc = store.run_git(["config", "--show-scope", "--get", "core.hooksPath"], check=False)
    line = proc.stdout.decode("utf-8", "replace").rstrip("\n")
    if proc.returncode != 0 or "\t" not in line:
        return None
    scope, raw = line.split("\t", 1)
    return scope, raw


def add_config_value(store: Store, key: str, value: str) -> None:
    """`git config --add`: one more value of a multi-valued key."""
    store.run_git(["config", "--add", key, value])


def unset_config_value(store: Store, key: str, value: str) -> None:
    """Remove every `key = value` exactly (not as a pattern); nothing when absent."""
    store.run_git(["config", "--unset-all", "--fixed-value", key, value], check=False)


def remove_section_if_empty(store: Store, section: str) -> None:
    """Remove `[section]` from the repository's config when no key is left in it."""
    listed = store.run_git(["config", "--local", "--get-regexp", "^" + re.escape(section) + r"\."],
                           check=False)
    if listed.returncode == 1 and not listed.stdout.strip():
        store.run_git(["config", "--local", "--remove-section", section], check=False)


# -- the demo's repository ----------------------------------------------------


def commit_all(store: Store, message: str, env: Mapping[str, str] | None = None) -> None:
    """`git add -A` and `git commit`, hooks included (`env` sets the dates)."""
    store.run_git(["add", "-A"], env=env)
    store.run_git(["commit", "-q", "-m", message], env=env)


def commit_file(store: Store, rel: str, message: str) -> None:
    """`git add <rel>` and `git commit`, hooks included."""
    store.run_git(["add", rel])
    store.run_git(["commit", "-q", "-m", message])


def log_subjects(store: Store, rev: str, count: int) -> str:
    """`<short oid> <subject>` of the newest `count` commits of `rev`, one a line."""
    return store.run_git(["log", f"-{count}", "--format=%h %s", rev]).stdout.decode()


def head_with_note(store: Store) -> str:
    """HEAD's subject, then its gitsess note (`git log -1 --notes=sess`)."""
    return store.run_git(["log", "-1", "--notes=sess", "--format=%s%n%N"]).stdout.decode()


def ref_names(store: Store, *patterns: str) -> str:
    """`git for-each-ref` names under `patterns`, one a line."""
    return store.run_git(["for-each-ref", "--format=%(refname)", *patterns]).stdout.decode()
