"""The git plumbing the pre-push hook runs, from the standard library alone.

The pre-push hook (gitsess/sync/prepush.py) starts with `python -I -S` on
every push: importing pygit2 (70 ms quiet, 200 ms loaded) or even
subprocess (its imports cost ~10 ms) would be most of its time. So this
module imports only os and select, and spawns git with
os.posix_spawnp. Like the shell it replaces, each git inherits the hook's
environment as it is (GIT_DIR and the rest are git's word on where the
repository is), and runs with stdin and stderr on /dev/null unless given
input. Each operation returns None where git failed: the caller then hands
the case to the full Python path.
"""

from __future__ import annotations

import os
import select

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: annotations only
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

GIT = "git"


def _spawn(argv: Sequence[str], data: bytes = b"", env: Mapping[str, str] | None = None,
           *, capture: bool = True, stderr: bool = False) -> tuple[int, bytes]:
    """Run argv (found on PATH), `data` on its stdin, its stdout captured:
    (exit code, stdout). Input and output go through one select loop, so
    that a big query and a big answer never block each other."""
    null = os.open(os.devnull, os.O_RDWR)
    r_in = w_in = r_out = w_out = -1
    try:
        actions: list[tuple[int, int, int]] = []
        if data:
            r_in, w_in = os.pipe()
            actions.append((os.POSIX_SPAWN_DUP2, r_in, 0))
        else:
            actions.append((os.POSIX_SPAWN_DUP2, null, 0))
        if capture:
            r_out, w_out = os.pipe()
            actions.append((os.POSIX_SPAWN_DUP2, w_out, 1))
        else:
            actions.append((os.POSIX_SPAWN_DUP2, null, 1))
        if not stderr:
            actions.append((os.POSIX_SPAWN_DUP2, null, 2))
        pid = os.posix_spawnp(argv[0], list(argv), dict(env if env is not None else os.environ),
                              file_actions=actions)
    except OSError:
        for fd in (null, r_in, w_in, r_out, w_out):
            if fd >= 0:
                os.close(fd)
        return 127, b""
    os.close(null)
    for fd in (r_in, w_out):
        if fd >= 0:
            os.close(fd)
    out: list[bytes] = []
    readers = [r_out] if r_out >= 0 else []
    writers = [w_in] if w_in >= 0 else []
    view = memoryview(data)
    while readers or writers:
        ready_r, ready_w, _ = select.select(readers, writers, [])
        if ready_w:
            try:
                view = view[os.write(w_in, view[:65536]):]
            except BrokenPipeError:  # git stopped reading: its exit code says why
                view = view[:0]
            if not view:
                os.close(w_in)
                writers = []
        if ready_r:
            chunk = os.read(r_out, 65536)
            if chunk:
                out.append(chunk)
            else:
                os.close(r_out)
                readers = []
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(out)


def _git(*args: str, data: bytes = b"", env: Mapping[str, str] | None = None) -> bytes | None:
    code, out = _spawn([GIT, *args], data, env)
    return out if code == 0 else None


def _lines(out: bytes | None) -> list[str] | None:
    return None if out is None else out.decode("utf-8", "surrogateescape").split()


def run_gitsess(argv: Sequence[str], data: bytes | None = None) -> int:
    """gitsess's own full Python path (argv from the install), stdin from
    `data` or /dev/null, stdout on /dev/null, stderr the hook's: its exit code."""
    code, _ = _spawn(argv, data or b"", capture=False, stderr=True)
    return code


# -- the guard ------------------------------------------------------------------


def handoff_candidates(revs: Iterable[str], remote: str) -> list[str] | None:
    """Commits of `revs` (oids and ^oids) the remote's tracking branches lack
    whose message has a Sess-Id trailer as git reads trailers (also
    `Sess-Id : X`). Replace refs change what rev-list walks, not what the
    push sends: not followed."""
    return _lines(_git("--no-replace-objects", "rev-list", "--ignore-missing", "-i",
                       "--grep=^Sess-Id[[:blank:]]*:", *revs, "--not", f"--remotes={remote}",
                       "--"))


def file_blob_id(path: str) -> str | None:
    """The blob id of a worktree file as it is (no filters)."""
    out = _git("hash-object", "--no-filters", "--", path)
    return None if out is None else out.decode().strip()


def batch_command(query: str) -> bytes | None:  # read with BatchReplies
    """`git cat-file --batch-command` (git 2.36) of `query`, replace refs not followed."""
    return _git("--no-replace-objects", "cat-file", "--batch-command", data=query.encode())


class BatchReplies:
    """`git cat-file --batch-command` answers, read in the order asked."""

    def __init__(self, out: bytes) -> None:
        self.out, self.pos = out, 0

    def _header(self) -> list[str]:
        end = self.out.find(b"\n", self.pos)
        if end < 0:
            end = len(self.out)
        head = self.out[self.pos:end].decode("utf-8", "surrogateescape").split()
        self.pos = end + 1
        return head

    def info(self) -> tuple[str, str]:
        head = self._header()
        return (head[0], head[1]) if len(head) >= 2 else ("", "")

    def contents(self) -> tuple[str, str]:
        head = self._header()
        if len(head) < 3 or head[-1] == "missing":
            return (head[1] if len(head) > 1 else "", "")
        size = int(head[2])
        body = self.out[self.pos:self.pos + size].decode("utf-8", "surrogateescape")
        self.pos += size + 1
        return head[1], body


# -- the session refs and notes -------------------------------------------------


def ref_table(*prefixes: str) -> tuple[dict[str, str], dict[str, str]] | None:
    """({ref name: oid}, {ref name: its commit's tree}) of the refs under
    `prefixes`, in one for-each-ref: `%(tree)` spares a rev-parse per tree."""
    out = _git("for-each-ref", "--format=%(objectname) %(tree) %(refname)", *prefixes)
    if out is None:
        return None
    oids: dict[str, str] = {}
    trees: dict[str, str] = {}
    for line in out.decode("utf-8", "surrogateescape").splitlines():
        oid, tree, name = line.split(" ", 2)
        oids[name] = oid
        if tree:
            trees[name] = tree
    return oids, trees


# git knows the empty tree without having it: no `git mktree` needed, by hash length.
EMPTY_TREES = {40: "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
               64: "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321"}


def empty_tree_like(oid: str) -> str | None:
    """The empty tree's id in the hash `oid` is in (git mktree when unknown)."""
    return EMPTY_TREES.get(len(oid)) or empty_tree()


def empty_tree() -> str | None:
    out = _git("mktree")
    return None if out is None else out.decode().strip()


def changed_note_paths(old: str, new: str) -> list[str] | None:
    """Paths added or modified from tree `old` to `new` (a notes tree: commit ids, fanned out)."""
    return _lines(_git("diff-tree", "-r", "--no-renames", "--diff-filter=AM", "--name-only",
                       old, new))


def tree_diff(old: str, new: str) -> list[tuple[str, str, str]] | None:
    """(status, new blob, path) per path that differs from tree `old` to `new`."""
    out = _git("diff-tree", "-r", "--no-renames", old, new)
    if out is None:
        return None
    rows = []
    for line in out.decode("utf-8", "surrogateescape").splitlines():
        meta, tab, path = line.partition("\t")
        fields = meta.split(" ")
        if tab and len(fields) == 5:
            rows.append((fields[4], fields[3], path))
    return rows


def commits_among(oids: Iterable[str], *, ignore_missing: bool = True) -> list[str] | None:
    """Which of `oids` are commits here (`rev-list --no-walk`)."""
    flags = ["--ignore-missing"] if ignore_missing else []
    return _lines(_git("rev-list", *flags, "--no-walk", *oids))


def not_reached(commits: Iterable[str], tips: Iterable[str], remote: str, *,
                ignore_missing: bool = True) -> set[str] | None:
    """Commits reachable from `commits` but from none of `tips` nor the
    remote's tracking branches."""
    flags = ["--ignore-missing"] if ignore_missing else []
    out = _lines(_git("rev-list", *flags, *commits, "--not", *tips, f"--remotes={remote}"))
    return None if out is None else set(out)


def config_list() -> dict[str, list[str]]:
    """Every config value, read once: {key as `git config --list` spells it
    (section and name lowercased, subsection as written): [values in order]}."""
    out = _git("config", "-z", "--list")
    got: dict[str, list[str]] = {}
    for item in (out or b"").decode("utf-8", "surrogateescape").split("\0"):
        if item:
            key, _, value = item.partition("\n")
            got.setdefault(key, []).append(value)
    return got


def first_lines(names: Iterable[str]) -> dict[str, bytes | None]:
    """{name: first line of the blob `name` (a "<rev>:<path>"), None when missing}.
    A name that is there but not a blob is left out."""
    names = list(names)
    out = _git("cat-file", "--batch=%(objecttype) %(objectsize)", data="".join(
        f"{n}\n" for n in names).encode("utf-8", "surrogateescape"))
    if out is None:
        return {}
    got: dict[str, bytes | None] = {}
    pos = 0
    for name in names:
        end = out.index(b"\n", pos)
        head = out[pos:end].split(b" ")
        pos = end + 1
        if head[-1] == b"missing":
            got[name] = None
            continue
        size = int(head[1])
        if head[0] == b"blob":
            got[name] = out[pos:pos + size].split(b"\n", 1)[0]
        pos += size + 1
    return got


def session_trailers(commits: Iterable[str]) -> list[str] | None:
    """The Sess-Session trailer values of `commits`."""
    out = _git("log", "--no-walk", "--format=%(trailers:key=Sess-Session,valueonly)", *commits)
    return None if out is None else out.decode("utf-8", "surrogateescape").splitlines()


def notes_commit(base_tree: str, parent: str | None, entries: Iterable[tuple[str, str]],
                 scratch: str) -> str | None:
    """A commit "Notes published by gitsess" whose tree is `base_tree` with
    (blob, path) entries added, on `parent`: built in the scratch index file
    `scratch` (removed after), never touching the repository's index."""
    env = {**os.environ, "GIT_INDEX_FILE": scratch}
    info = "".join(f"100644 {blob}\t{path}\n" for blob, path in entries).encode()
    _remove(scratch)
    try:
        tree = (_git("read-tree", base_tree, env=env) is not None
                and _git("update-index", "--index-info", data=info, env=env) is not None
                and _git("write-tree", env=env))
    finally:
        _remove(scratch)
    if not tree:
        return None
    args = ["commit-tree", "-m", "Notes published by gitsess"]
    if parent:
        args += ["-p", parent]
    out = _git(*args, tree.decode().strip())
    return None if out is None else out.decode().strip()


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:  # (not contextlib.suppress: one import less per push)
        return


def push_quietly(remote: str, specs: Sequence[str]) -> bool:
    """A plain push of `specs`, never forced, hooks off (GITSESS_IN_PREPUSH
    also tells a chained hook it is ours), no prompt: whether it went."""
    env = {**os.environ, "GITSESS_IN_PREPUSH": "1", "GIT_TERMINAL_PROMPT": "0"}
    code, _ = _spawn([GIT, "push", "--no-verify", "--quiet", "--", remote, *specs], env=env,
                     capture=False)
    return code == 0


# -- processes ------------------------------------------------------------------


def calling_process(match: Callable[[list[bytes]], bool], *, pid: int | None = None,
                    levels: int = 4) -> tuple[int, list[bytes]] | None:
    """(pid, argv) of the process that runs this hook (the `git push` or `git
    commit` git tells its hooks nothing about), read from /proc: the first of
    our parent and a few above it (a hook manager may sit in between) whose
    argv `match` takes. None where /proc does not say: not Linux, a process
    gone, or none matched."""
    pid = pid or os.getppid()
    for _ in range(levels):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                argv = fh.read().split(b"\0")
            if match(argv):
                return pid, argv
            with open(f"/proc/{pid}/stat", "rb") as fh:
                # "<pid> (<comm>) <state> <ppid> ...": comm may hold ") ".
                parent = int(fh.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return None
        if parent <= 1:
            return None
        pid = parent
    return None


def ps_argv(pid: int) -> list[bytes]:
    """A process's argv as `ps` shows it, split at blanks (where /proc is not)."""
    code, out = _spawn(["ps", "-o", "args=", "-p", str(pid)])
    return out.split() if code == 0 else []


def process_ended(pid: int) -> bool:
    """Whether `pid` has exited (a zombie counts: exit, not reaping, is what matters)."""
    stat = f"/proc/{pid}/stat"
    if os.access(stat, os.R_OK):
        try:
            with open(stat, "rb") as fh:
                return fh.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X")
        except (OSError, IndexError):
            return True  # reaped meanwhile
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False
