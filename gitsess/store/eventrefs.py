"""The agent hook's fast path into git: an event stored with git's own plumbing.

A tool call's hook (gitsess/agents/hook.py) starts with `python -IS` and
never imports pygit2 (70 ms quiet, far more loaded): it writes its event's
line as a blob with `git hash-object -w --stdin` and creates a ref for it
with `git update-ref <ref> <oid> ""` (create only). git itself then decides
everything about the repository: where it is (GIT_DIR, a linked worktree's
common dir), the object format (sha1 or sha256), the ref backend (files,
packed-refs, reftable), shared permissions, fsync. Nothing here writes a
ref or an object file by hand.

Stdlib only (os, plus what plumbing.py imports), like plumbing.py, whose
spawner it shares: importing subprocess alone costs a fast hook ~10%.
"""

from __future__ import annotations

import os

from gitsess.store.plumbing import GIT, _spawn

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: annotations only
if TYPE_CHECKING:
    from collections.abc import Mapping


def _git(where: str, *args: str, data: bytes = b"",
         env: Mapping[str, str] | None = None) -> bytes | None:
    """`git -C where ARGS`'s stdout, None when git failed. The environment is
    the hook's own: GIT_DIR and the rest, when set, are git's word on where
    the repository is."""
    code, out = _spawn([GIT, "-C", where, *args], data, env)
    return out if code == 0 else None


def common_dir(where: str, env: Mapping[str, str] | None = None) -> str | None:
    """The repository's common git dir as seen from `where`, found without git.

    Only for what the fast path does beside git's own commands (counting its
    loose pending refs, probing the writers' flock): a wrong answer costs a
    fold that happens later, never an event. GIT_DIR and GIT_COMMON_DIR win,
    as in git; else the nearest `.git` (a directory, or a linked worktree's
    `gitdir:` file) and its `commondir`.
    """
    env = os.environ if env is None else env
    git_dir = env.get("GIT_DIR")
    if git_dir:
        git_dir = os.path.abspath(git_dir)
    else:
        d = os.path.abspath(where)
        while True:
            dotgit = os.path.join(d, ".git")
            if os.path.isdir(dotgit):
                git_dir = dotgit
                break
            if os.path.isfile(dotgit):
                git_dir = _gitdir_file(dotgit)
                break
            parent = os.path.dirname(d)
            if parent == d:
                return None
            d = parent
    if not git_dir or not os.path.isfile(os.path.join(git_dir, "HEAD")):
        return None
    common = env.get("GIT_COMMON_DIR")
    if common:
        return os.path.abspath(common)
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as f:
            rel = f.read().strip()
    except (OSError, ValueError):
        return git_dir
    return os.path.normpath(os.path.join(git_dir, rel)) if rel else git_dir


def _gitdir_file(path: str) -> str | None:
    """The directory a `.git` file names (gitrepository-layout(5): "gitdir: <path>")."""
    try:
        with open(path, encoding="utf-8") as f:
            line = f.readline().strip()
    except (OSError, ValueError):
        return None
    if not line.startswith("gitdir:"):
        return None
    return os.path.normpath(os.path.join(os.path.dirname(path), line[7:].strip()))


def config_get(where: str, key: str) -> str | None:
    """One config value as git reads it (every scope), None when unset."""
    out = _git(where, "config", "--get", key)
    return out.decode("utf-8", "replace").strip() if out is not None else None


def create_blob_ref(where: str, ref: str, data: bytes) -> bool:
    """Store `data` as a blob and create `ref` pointing at it (it must not exist).

    Two git processes: the blob is written first, so a process killed
    between them leaves an unreachable blob and no ref, never a ref to
    nothing; a ref that exists already is refused by git (`""` as the old
    value), so an event is never overwritten.
    """
    oid = _git(where, "hash-object", "-w", "--stdin", data=data)
    if not oid or not oid.strip():
        return False
    return _git(where, "update-ref", ref, oid.strip().decode("ascii", "replace"), "") is not None


def count_refs(where: str, common: str, prefix: str, limit: int) -> int:
    """How many refs there are under `prefix` (a directory name ending in
    "/"), counted up to `limit`.

    With the files backend, the loose refs are counted by listing their
    directory (no process at all); packed ones are not counted (only a gc
    packs them, and the next fold takes them in). A reftable repository has
    no such directory: git lists the refs.
    """
    if os.path.isdir(os.path.join(common, "reftable")):
        out = _git(where, "for-each-ref", f"--count={limit}", "--format=x", prefix)
        return out.count(b"\n") if out else 0
    try:
        names = os.listdir(os.path.join(common, prefix))
    except OSError:
        return 0
    return sum(1 for n in names if not n.endswith(".lock"))
