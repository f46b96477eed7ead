"""The agent hook's fast path into git: an event stored with git's own plumbing.

A tool call's hook (gitsess/agents/hook.py) starts with `python -IS` and
never imports pygit2 (70 ms quiet, far more loaded): it writes its event's
line as a blob and creates a ref for it with `git update-ref <ref> <oid> ""`
(create only), so git itself decides where the ref goes (GIT_DIR, a linked
worktree's common dir, the ref backend: files, packed-refs, reftable).
Nothing here writes a ref by hand. The blob is written in git's loose format
by Python where the configuration leaves nothing to decide (a sha1
repository, no shared permissions, no fsync or compression settings: see
Config), else by `git hash-object -w --stdin` (sha256 and the rest).

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


# Words in any config file that send the fast path back to git's own reading
# (lower case, as git compares names): includes and per-worktree config can
# hold anything; the object format, shared permissions and fsync settings
# change how an object is written; GIT_CONFIG_* variables add settings.
_GIT_DECIDES = ("include", "worktreeconfig", "objectformat", "sharedrepository", "fsync",
                "compression")


class Config:
    """What the fast path needs of the repository's config, read without git
    where it can be: every config file git would read (system, global, the
    repository's) is scanned for a few words. When none names `sess.hookTimeout`
    nor anything in _GIT_DECIDES, git would find nothing either and the hook
    saves two git processes (`git config`, `git hash-object`); otherwise git
    answers. (The system file is /etc/gitconfig or GIT_CONFIG_SYSTEM: a git
    built with another prefix that puts one of these words in its own system
    file is the one case this misses.)"""

    def __init__(self, where: str, common: str, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        self.where = where
        self.common = common
        texts = _config_texts(common, env)
        overridden = any(k in env for k in ("GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT",
                                           "GIT_OBJECT_DIRECTORY", "GIT_DIR"))
        self.plain = texts is not None and not overridden and not any(
            w in t for t in texts for w in _GIT_DECIDES)
        self.mentions_timeout = not self.plain or any("hooktimeout" in t for t in texts or ())

    def get(self, key: str) -> str | None:
        """sess.hookTimeout (or another key) as git reads it; None when unset."""
        if self.plain and not self.mentions_timeout:
            return None
        out = _git(self.where, "config", "--get", key)
        return out.decode("utf-8", "replace").strip() if out is not None else None


def _config_texts(common: str, env: Mapping[str, str]) -> list[str] | None:
    """Every config file's text, lower-cased; None when one cannot be read."""
    home = env.get("HOME", "")
    xdg = env.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    paths = [os.path.join(common, "config")]
    if "GIT_CONFIG_GLOBAL" in env:
        paths.append(env["GIT_CONFIG_GLOBAL"])
    else:
        paths += [os.path.join(xdg, "git", "config"), os.path.join(home, ".gitconfig")]
    if not env.get("GIT_CONFIG_NOSYSTEM"):
        paths.append(env.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig")
    out = []
    for path in paths:
        if not path or path == os.devnull:
            continue
        try:
            with open(path, "rb") as f:
                out.append(f.read(1 << 20).decode("utf-8", "replace").lower())
        except FileNotFoundError:
            continue
        except OSError:
            return None
    return out


def create_blob_ref(config: Config, ref: str, data: bytes) -> bool:
    """Store `data` as a blob and create `ref` pointing at it (it must not exist).

    The blob is written first, so a process killed in between leaves an
    unreachable blob and no ref, never a ref to nothing; a ref that exists
    already is refused by git (`""` as the old value), so an event is never
    overwritten. `git update-ref` reads the object back before it writes the
    ref (it will not name a missing or corrupt object).
    """
    oid = (_write_loose_blob(config.common, data) if config.plain else
           None if data else _loose_empty_blob(config.common))
    if oid is None:
        out = _git(config.where, "hash-object", "-w", "--stdin", data=data)
        oid = out.strip().decode("ascii", "replace") if out else None
    if not oid:
        return False
    # reftable.lockTimeout: every ref of a reftable repository shares one lock,
    # which git waits for 100 ms by default (git 2.45+'s
    # Documentation/config/reftable.txt); 50 racing hooks need longer. Other
    # backends and older gits ignore the key.
    return _git(config.where, "-c", "reftable.lockTimeout=1000", "update-ref", ref, oid,
                "") is not None


# The empty blob in each object format: the one object every spill that
# carries its line in its name points at (gitsess/telemetry/spillname.py).
EMPTY_BLOBS = ("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391",
               "473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813")


def _loose_empty_blob(common: str) -> str | None:
    """The empty blob when this repository has it loose: a repository whose
    config git must read (sha256, includes) then spills with one git process,
    not two. (A wrong guess only fails update-ref, which checks the object:
    the hook then hands its event to the pygit2 writer.)"""
    for oid in EMPTY_BLOBS:
        if os.path.isfile(os.path.join(common, "objects", oid[:2], oid[2:])):
            return oid
    return None


def _write_loose_blob(common: str, data: bytes) -> str | None:
    """`data` as a loose blob of a sha1 repository, in git's own format
    (gitformat-loose(5): zlib of "blob <size>\\0<data>", at objects/xx/<38 hex>,
    read-only), through a temporary file and a hard link as git does; None
    when anything fails (git then writes it). Only for a repository whose
    config says nothing about its objects (Config.plain)."""
    import _sha1
    import zlib

    raw = b"blob %d\0" % len(data) + data
    oid = _sha1.sha1(raw).hexdigest()
    directory = os.path.join(common, "objects", oid[:2])
    final = os.path.join(directory, oid[2:])
    if os.path.exists(final):
        return oid
    tmp = os.path.join(directory, f"tmp_obj_gitsess_{os.getpid()}_{os.urandom(4).hex()}")
    try:
        os.makedirs(directory, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
        try:
            os.write(fd, zlib.compress(raw, 1))  # core.looseCompression's default
        finally:
            os.close(fd)
        try:  # noqa: SIM105  # no contextlib on the fast path (~1.5 ms to import)
            os.link(tmp, final)
        except FileExistsError:  # written meanwhile by another: the same bytes
            pass
        return oid
    except OSError:
        return None
    finally:
        try:  # noqa: SIM105  # (as above)
            os.unlink(tmp)
        except OSError:
            pass


def ref_exists(where: str, common: str, ref: str) -> bool:
    """Whether `ref` exists: its loose file, else a line of packed-refs, else
    (reftable) git's answer. Read-only, like count_refs."""
    if os.path.isfile(os.path.join(common, ref)):
        return True
    if os.path.isdir(os.path.join(common, "reftable")):
        return _git(where, "rev-parse", "-q", "--verify", ref) is not None
    try:
        with open(os.path.join(common, "packed-refs"), "rb") as f:
            return any(line.rstrip(b"\n").endswith(b" " + ref.encode()) for line in f)
    except OSError:
        return False


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
