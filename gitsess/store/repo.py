"""The one door to git. Only this module imports pygit2.

It speaks gitsess's words (refs under refs/sess/, notes, config, commits) and
turns pygit2 errors into gitsess errors. Every ref write is a compare-and-swap
against the value read; `update_ref` retries with jitter inside a deadline and
clears stale lock files left by killed writers (see `_clear_stale_lock`).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pygit2

from gitsess.errors import GitsessError, NotARepoError, RefError

if TYPE_CHECKING:
    import subprocess

# random and subprocess are imported where they are used: the agent hook
# imports this module on every tool call, and neither is on its usual path
# (a first CAS that succeeds needs no jitter; the hook runs no git).

SESS_PREFIX = "refs/sess/"
NOTES_REF = "refs/notes/sess"

# A ref lock older than this is taken to be left by a killed writer. Every
# legitimate writer (gitsess or git itself) holds a loose-ref lock for
# milliseconds; git waits up to 1 s for packed-refs.lock (core.packedRefsTimeout),
# so that one gets a longer grace.
STALE_REF_LOCK_S = 1.0
STALE_PACKED_LOCK_S = 10.0

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


@dataclass(frozen=True)
class HeadInfo:
    branch: str | None  # short name, None when detached
    oid: str | None  # None when unborn
    detached: bool
    unborn: bool


@dataclass(frozen=True)
class CommitInfo:
    oid: str
    tree: str
    parents: tuple[str, ...]
    message: str
    author_name: str
    author_email: str
    author_time: int
    commit_time: int


def valid_sess_ref(name: str) -> bool:
    """True for a well-formed ref that gitsess may write."""
    if name != NOTES_REF and not name.startswith(SESS_PREFIX):
        return False
    return bool(pygit2.reference_is_valid_name(name))


def _check_ref(name: str) -> None:
    if not valid_sess_ref(name):
        raise RefError("invalid", f"refusing to write ref '{name}' outside refs/sess/")


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a git we start: git's hook variables stripped."""
    env = {k: v for k, v in os.environ.items() if k not in _GIT_LOCAL_VARS}
    if extra:
        env.update(extra)
    return env


class Store:
    """A git repository seen through gitsess's needs."""

    def __init__(self, repo: pygit2.Repository) -> None:
        self._repo = repo
        self.git_dir = os.path.abspath(repo.path)
        self.common_dir = _common_dir(self.git_dir)
        workdir = repo.workdir
        self.workdir = os.path.abspath(workdir) if workdir else None
        self._sig: tuple[str, str] | None = None

    # -- opening ---------------------------------------------------------
    @classmethod
    def discover(cls, path: str = ".") -> Store:
        """Open the repository containing `path`; NotARepoError otherwise."""
        store = cls.try_discover(path)
        if store is None:
            raise NotARepoError(
                f"not a git repository (or any parent up to mount point): {os.path.abspath(path)}"
            )
        return store

    @classmethod
    def init(cls, path: str, *, initial_branch: str = "main") -> Store:
        """Create a new repository with a work tree at `path`."""
        try:
            return cls(pygit2.init_repository(path, initial_head=initial_branch))
        except (pygit2.GitError, OSError) as exc:
            raise GitsessError(f"cannot create a repository at {path}: {exc}") from exc

    @classmethod
    def try_discover(cls, path: str = ".") -> Store | None:
        """Like discover, but None when there is no repository (the hook's case)."""
        # GIT_DIR is honoured as git itself would when it is set (we may run
        # inside a git hook); otherwise walk up from `path`.
        git_dir = os.environ.get("GIT_DIR")
        try:
            if git_dir:
                return cls(pygit2.Repository(os.path.abspath(git_dir)))
            found = pygit2.discover_repository(path)
            if found is None:
                return None
            return cls(pygit2.Repository(found))
        except (pygit2.GitError, OSError, KeyError, ValueError):
            return None

    # -- HEAD and config -------------------------------------------------
    def head(self) -> HeadInfo:
        repo = self._repo
        try:
            unborn = bool(repo.head_is_unborn)
            detached = bool(repo.head_is_detached)
        except pygit2.GitError:
            return HeadInfo(None, None, False, True)
        if unborn:
            target = self._symbolic_head_target()
            short = target[len("refs/heads/") :] if target.startswith("refs/heads/") else None
            return HeadInfo(short, None, False, True)
        try:
            head = repo.head
        except pygit2.GitError:
            return HeadInfo(None, None, detached, True)
        oid = str(head.target)
        return HeadInfo(None if detached else head.shorthand, oid, detached, False)

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

    # -- objects ---------------------------------------------------------
    def write_blob(self, data: bytes) -> str:
        return str(self._repo.create_blob(data))

    @staticmethod
    def hash_blob(data: bytes) -> str:
        """The id `data` has as a blob (`git hash-object --no-filters`), written nowhere."""
        return str(pygit2.hash(data))

    def read_blob(self, oid: str) -> bytes:
        obj = self._repo[oid]
        if not isinstance(obj, pygit2.Blob):
            raise GitsessError(f"{oid} is not a blob")
        return bytes(obj.data)

    def write_tree(self, entries: Mapping[str, tuple[str, str]]) -> str:
        """Write a tree: name -> ('blob' | 'tree', oid)."""
        builder = self._repo.TreeBuilder()
        for name, (kind, oid) in entries.items():
            mode = pygit2.GIT_FILEMODE_TREE if kind == "tree" else pygit2.GIT_FILEMODE_BLOB
            builder.insert(name, pygit2.Oid(hex=oid), mode)
        return str(builder.write())

    def read_tree(self, oid: str) -> dict[str, tuple[str, str]]:
        tree = self._repo[oid]
        if isinstance(tree, pygit2.Commit):
            tree = tree.tree
        if not isinstance(tree, pygit2.Tree):
            raise GitsessError(f"{oid} is not a tree")
        return {str(e.name): (e.type_str, str(e.id)) for e in tree}

    def tree_file(self, commit_or_tree: str, path: str) -> bytes | None:
        """A blob's bytes at `path` in a commit's (or a tree's) tree, or None."""
        tree = self._repo[commit_or_tree].peel(pygit2.Tree)
        try:
            entry = tree[path]
        except KeyError:
            return None
        blob = self._repo[entry.id]
        return bytes(blob.data) if isinstance(blob, pygit2.Blob) else None

    def write_commit(
        self,
        tree: str,
        parents: list[str],
        message: str,
        *,
        when: float | None = None,
        identity: tuple[str, str] | None = None,
    ) -> str:
        name, email = identity or self.signature_identity()
        ts = int(when if when is not None else time.time())
        sig = pygit2.Signature(name, email, ts, 0)
        oid = self._repo.create_commit(
            None, sig, sig, message, pygit2.Oid(hex=tree), [pygit2.Oid(hex=p) for p in parents]
        )
        return str(oid)

    def commit(self, oid: str) -> CommitInfo:
        c = self._repo[oid]
        if not isinstance(c, pygit2.Commit):
            raise GitsessError(f"{oid} is not a commit")
        return _commit_info(c)

    def has_object(self, oid: str) -> bool:
        try:
            return pygit2.Oid(hex=oid) in self._repo.odb
        except ValueError:
            return False

    def resolve(self, rev: str) -> str | None:
        """A revision (name, short or full oid) to a commit oid, or None."""
        try:
            obj = self._repo.revparse_single(rev)
            return str(obj.peel(pygit2.Commit).id)
        except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
            return None

    def walk(self, tips: list[str], hide: list[str] | None = None) -> Iterator[CommitInfo]:
        """Commits reachable from tips, not from hide, newest first (by time)."""
        if not tips:
            return
        walker = self._repo.walk(pygit2.Oid(hex=tips[0]), pygit2.enums.SortMode.TIME)
        for tip in tips[1:]:
            walker.push(pygit2.Oid(hex=tip))
        for h in hide or []:
            with contextlib.suppress(pygit2.GitError, KeyError, ValueError):
                walker.hide(pygit2.Oid(hex=h))
        for c in walker:
            yield _commit_info(c)

    def diff_stats(self, old: str | None, new: str) -> tuple[int, int, int]:
        """(files changed, insertions, deletions) between two commits' trees."""
        new_tree = self._repo[new].peel(pygit2.Tree)
        if old is None:
            diff = new_tree.diff_to_tree(swap=True)
        else:
            diff = self._repo[old].peel(pygit2.Tree).diff_to_tree(new_tree)
        st = diff.stats
        return int(st.files_changed), int(st.insertions), int(st.deletions)

    def merge_base(self, a: str, b: str) -> str | None:
        base = self._repo.merge_base(pygit2.Oid(hex=a), pygit2.Oid(hex=b))
        return str(base) if base else None

    # -- refs ------------------------------------------------------------
    def ref(self, name: str) -> str | None:
        """The oid a direct ref points at, or None when it does not exist."""
        try:
            return str(self._repo.references[name].target)
        except (KeyError, pygit2.InvalidSpecError, ValueError):
            return None
        except pygit2.GitError:
            return None

    def refs(self, prefix: str) -> dict[str, str]:
        """Every direct ref under `prefix` (loose and packed) -> oid."""
        out: dict[str, str] = {}
        for name in self._repo.listall_references():
            if not name.startswith(prefix):
                continue
            target = self.ref(name)
            if target is not None:
                out[name] = target
        return out

    def _shared_refs(self) -> pygit2.Repository:
        """The repository to create shared refs in.

        libgit2 (1.9.7) opened on a linked worktree's git dir does not see
        the common dir's refs when it creates one; opened on the common dir
        it does. (Updates check the old value in both.)
        """
        if self.common_dir == self.git_dir:
            return self._repo
        if getattr(self, "_common_repo", None) is None:
            self._common_repo = pygit2.Repository(self.common_dir)
        return self._common_repo

    def _create_ref(self, name: str, new: str) -> None:
        """Create `name` at `new` only if it does not exist, atomically.

        libgit2's create(force=False) looks for the ref before it takes the
        lock, so two racing creators both succeed and one is lost; a
        transaction takes the lock first and looks under it, as
        `git update-ref <ref> <new> ""` does.
        """
        repo = self._shared_refs()
        with repo.transaction() as txn:
            txn.lock_ref(name)
            if repo.references.get(name) is not None:
                raise RefError("modified", f"ref {name} was created concurrently")
            txn.set_target(name, pygit2.Oid(hex=new), message="gitsess: create")

    def cas_ref(self, name: str, new: str | None, old: str | None) -> None:
        """Move `name` from `old` to `new` atomically (None = absent).

        Raises RefError with kind 'modified' (someone else moved it), 'locked'
        (a .lock file is in the way) or 'missing'.
        """
        _check_ref(name)
        repo = self._repo
        try:
            if old is None:
                if new is None:
                    return
                self._create_ref(name, new)
                return
            ref = repo.references.get(name)
            if ref is None:
                raise RefError("missing", f"ref {name} does not exist")
            if str(ref.target) != old:
                raise RefError("modified", f"ref {name} was modified concurrently")
            if new is None:
                ref.delete()
            else:
                ref.set_target(pygit2.Oid(hex=new))
        except pygit2.AlreadyExistsError as exc:
            raise RefError("modified", f"ref {name} was created concurrently") from exc
        except OSError as exc:  # libgit2 reports lock failures as OSError
            from gitsess.store.faults import storage_fault

            if storage_fault(exc):  # a full disk or read-only .git: no retry will help
                raise RefError("invalid", f"cannot update ref {name}: {exc}") from exc
            raise RefError("locked", f"ref {name} is locked: {exc}") from exc
        except pygit2.GitError as exc:
            text = str(exc)
            if "does not match" in text or "modified" in text:
                raise RefError("modified", f"ref {name} was modified concurrently") from exc
            if "lock" in text:
                raise RefError("locked", f"ref {name} is locked: {text}") from exc
            if "not found" in text or "does not exist" in text:
                raise RefError("missing", f"ref {name} does not exist") from exc
            raise RefError("invalid", f"cannot update ref {name}: {text}") from exc

    def update_ref(
        self,
        name: str,
        compute: Callable[[str | None], str | None],
        *,
        deadline: float,
    ) -> str | None:
        """Read-compute-CAS loop: `compute(old)` returns the new target.

        Retries on 'modified'/'locked' with jittered backoff until `deadline`
        (a time.monotonic() value); raises the last RefError after that.
        Returning the old value from `compute` is a no-op.
        """
        delay = 0.001
        while True:
            old = self.ref(name)
            new = compute(old)
            if new == old:
                return new
            try:
                self.cas_ref(name, new, old)
                return new
            except RefError as exc:
                if exc.kind not in ("modified", "locked", "missing"):
                    raise
                if exc.kind == "locked":
                    self.clear_stale_locks(name)
                if time.monotonic() + delay >= deadline:
                    raise
            import random

            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.05)

    def clear_stale_locks(self, name: str) -> list[str]:
        """Remove lock files of `name` (and packed-refs) left by killed writers.

        A lock is stale when its mtime is older than STALE_*_S. It is renamed
        away first, so that of two cleaners only one removes it, and a lock a
        live writer took after our stat is at worst made to fail (that writer
        retries, as libgit2's rename of its lock then fails) and never silently
        overwritten.
        """
        removed = []
        for path, limit in (
            (os.path.join(self.common_dir, name + ".lock"), STALE_REF_LOCK_S),
            (os.path.join(self.common_dir, "packed-refs.lock"), STALE_PACKED_LOCK_S),
        ):
            try:
                age = time.time() - os.stat(path).st_mtime
            except OSError:
                continue
            if age < limit:
                continue
            grave = f"{path}.stale-{os.getpid()}-{os.urandom(4).hex()}"
            try:
                os.rename(path, grave)
                os.unlink(grave)
                removed.append(path)
            except OSError:
                continue
        return removed

    def stale_locks(self) -> list[tuple[str, float]]:
        """Lock files under refs/sess and the notes/packed refs, with their ages."""
        found = []
        now = time.time()
        candidates = [os.path.join(self.common_dir, "packed-refs.lock")]
        for base in ("refs/sess", "refs/notes"):
            root = os.path.join(self.common_dir, base)
            for dirpath, _dirs, files in os.walk(root):
                candidates += [os.path.join(dirpath, f) for f in files if f.endswith(".lock")]
        for path in candidates:
            try:
                found.append((path, now - os.stat(path).st_mtime))
            except OSError:
                continue
        return found

    # -- notes -----------------------------------------------------------
    def note(self, annotated: str, ref: str = NOTES_REF) -> str | None:
        """The note text on a commit, or None."""
        tip = self.ref(ref)
        return None if tip is None else self.note_in(annotated, tip)

    def notes_map(self, notes_commit: str) -> dict[str, str]:
        """annotated oid -> note blob oid, for flat and fanned-out notes trees."""
        return dict(self._notes_entries([notes_commit]))

    def _notes_entries(self, notes_commits: Iterable[str]) -> Iterator[tuple[str, str]]:
        """(annotated oid, note blob oid) in notes commits, any fan-out.

        Trees already read are skipped by oid, so a local notes ref and the
        fetched copy of the remote's, which mostly agree, cost one read.
        """
        seen: set[str] = set()
        stack: list[tuple[str, pygit2.Tree]] = []
        for oid in notes_commits:
            try:
                stack.append(("", self._repo[oid].peel(pygit2.Tree)))
            except (KeyError, ValueError, pygit2.GitError):
                continue
        while stack:
            prefix, tree = stack.pop()
            if str(tree.id) in seen:
                continue
            seen.add(str(tree.id))
            for e in tree:
                name = prefix + (e.name or "")
                if e.type_str == "tree":
                    sub = self._repo[e.id]
                    if isinstance(sub, pygit2.Tree):
                        stack.append((name, sub))
                elif len(name) == 40:
                    yield name, str(e.id)

    def write_notes_commit(
        self, notes: Mapping[str, str], parents: list[str], message: str
    ) -> str:
        """A notes commit whose tree holds `notes` (annotated -> blob oid).

        Written with git's 2/38 fan-out once there are more than 256 notes,
        as `git notes` does for large trees; readers accept both forms.
        """
        if len(notes) <= 256:
            tree = self.write_tree({k: ("blob", v) for k, v in notes.items()})
        else:
            buckets: dict[str, dict[str, tuple[str, str]]] = {}
            for k, v in notes.items():
                buckets.setdefault(k[:2], {})[k[2:]] = ("blob", v)
            tree = self.write_tree(
                {d: ("tree", self.write_tree(entries)) for d, entries in buckets.items()}
            )
        return self.write_commit(tree, parents, message)

    def set_note(
        self,
        annotated: str,
        text: str | None,
        *,
        deadline: float,
        ref: str = NOTES_REF,
        merge: Callable[[str, str], str] | None = None,
    ) -> None:
        """Write (or with text=None remove) one note, by compare-and-swap.

        pygit2's create_note force-writes the ref, which loses a concurrent
        writer's note; this builds the notes commit itself and CASes the ref.
        `merge(old_text, new_text)` decides when a note is already there.
        """
        blob = self.write_blob(text.encode()) if text is not None else None

        def compute(old: str | None) -> str | None:
            current = self.notes_map(old) if old else {}
            if text is None:
                if annotated not in current:
                    return old
                current.pop(annotated)
            else:
                assert blob is not None
                new_blob = blob
                if merge is not None and annotated in current and current[annotated] != blob:
                    prior = self.read_blob(current[annotated]).decode("utf-8", "replace")
                    new_blob = self.write_blob(merge(prior, text).encode())
                if current.get(annotated) == new_blob:
                    return old
                current[annotated] = new_blob
            return self.write_notes_commit(
                current, [old] if old else [], "Notes added by 'git sess'\n"
            )

        self.update_ref(ref, compute, deadline=deadline)

    # -- bulk reads (resume, log) ------------------------------------------
    # Resume reads every handoff head on every run (no cache, issue 4), so
    # these skip CommitInfo and per-ref lookups: one pass over the ref
    # database, one object lookup per commit.
    def all_refs(self) -> dict[str, str]:
        """Every direct ref (loose and packed) -> oid, in one pass; symbolic refs skipped."""
        out: dict[str, str] = {}
        try:
            for ref in self._repo.references.iterator():
                target = ref.target
                if isinstance(target, pygit2.Oid):
                    out[ref.name] = str(target)
        except pygit2.GitError:  # a corrupt ref database reads as what was listed
            pass
        return out

    def commit_heads(self, oids: Iterable[str]) -> Iterator[tuple[str, str, int]]:
        """(oid, message, commit time) for each oid that is a commit here.

        Missing objects (a ref fetched without its history, a note on a commit
        not fetched) and other object types are skipped.
        """
        repo = self._repo
        for oid in oids:
            try:
                c = repo.get(oid)
            except (ValueError, pygit2.GitError):
                continue
            if isinstance(c, pygit2.Commit):
                yield oid, c.message, int(c.commit_time)

    def commit_authors(self, oids: Iterable[str]) -> dict[str, tuple[str, int]]:
        """oid -> (author email, author time) for each oid that is a commit here."""
        repo = self._repo
        out: dict[str, tuple[str, int]] = {}
        for oid in oids:
            try:
                c = repo.get(oid)
            except (ValueError, pygit2.GitError):
                continue
            if isinstance(c, pygit2.Commit):
                try:
                    out[oid] = (c.author.email, int(c.author.time))
                except (ValueError, UnicodeDecodeError):  # an author line git wrote oddly
                    out[oid] = ("", int(c.author.time))
        return out

    def recent_commits(self, tips: Iterable[str], limit: int) -> Iterator[tuple[str, str, int]]:
        """At most `limit` commits reachable from tips, newest commit time first.

        libgit2's time-sorted walk reads the whole history before yielding
        its first commit (0.5 s at 100,000 commits); this walks a heap and
        stops after `limit`, like `git log --date-order -n`.
        """
        import heapq  # off the agent hook's import path

        repo = self._repo
        heap: list[tuple[int, str, pygit2.Commit]] = []
        seen: set[str] = set()

        def push(oid: str) -> None:
            if oid in seen:
                return
            seen.add(oid)
            try:
                obj = repo.get(oid)
                c = obj.peel(pygit2.Commit) if isinstance(obj, pygit2.Tag) else obj
            except (ValueError, KeyError, pygit2.GitError):
                return
            if isinstance(c, pygit2.Commit):
                heapq.heappush(heap, (-int(c.commit_time), str(c.id), c))

        for tip in tips:
            push(tip)
        count = 0
        while heap and count < limit:
            neg_time, oid, c = heapq.heappop(heap)
            count += 1
            yield oid, c.message, -neg_time
            for parent in c.parent_ids:
                push(str(parent))

    def notes_annotated(self, notes_commits: Iterable[str]) -> set[str]:
        """Every annotated oid in these notes commits (flat or fanned out)."""
        return {name for name, _blob in self._notes_entries(notes_commits)}

    def note_in(self, annotated: str, notes_commit: str) -> str | None:
        """One note's text from a notes commit, by path (any fan-out), or None."""
        blob = self._note_blob(annotated, notes_commit)
        return None if blob is None else bytes(blob.data).decode("utf-8", "replace")

    def note_oid(self, annotated: str, ref: str = NOTES_REF) -> str | None:
        """The blob id of a commit's note (what `git notes list <commit>` prints), or None."""
        tip = self.ref(ref)
        blob = None if tip is None else self._note_blob(annotated, tip)
        return None if blob is None else str(blob.id)

    def _note_blob(self, annotated: str, notes_commit: str) -> pygit2.Blob | None:
        try:
            tree = self._repo[notes_commit].peel(pygit2.Tree)
        except (KeyError, ValueError, pygit2.GitError):
            return None
        rest = annotated
        while rest:
            if rest in tree:
                obj = self._repo[tree[rest].id]
                return obj if isinstance(obj, pygit2.Blob) else None
            head, rest = rest[:2], rest[2:]
            if head not in tree:
                return None
            sub = self._repo[tree[head].id]
            if not isinstance(sub, pygit2.Tree):
                return None
            tree = sub
        return None

    def contains(self, tip: str, oid: str) -> bool:
        """True when commit `oid` is `tip` or one of its ancestors."""
        if tip == oid:
            return True
        try:
            return bool(self._repo.descendant_of(pygit2.Oid(hex=tip), pygit2.Oid(hex=oid)))
        except (ValueError, KeyError, pygit2.GitError):
            return False

    # -- running git itself ------------------------------------------------
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
        if check and proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitsessError(
                f"git {' '.join(args[:2])} failed: {err[-1] if err else proc.returncode}"
            )
        return proc


def _common_dir(git_dir: str) -> str:
    """The shared git dir of a linked worktree (gitrepository-layout(5))."""
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as fh:
            rel = fh.read().strip()
    except OSError:
        return git_dir
    return os.path.normpath(os.path.join(git_dir, rel))


def _commit_info(c: pygit2.Commit) -> CommitInfo:
    return CommitInfo(
        oid=str(c.id),
        tree=str(c.tree_id),
        parents=tuple(str(p) for p in c.parent_ids),
        message=c.message,
        author_name=c.author.name,
        author_email=c.author.email,
        author_time=int(c.author.time),
        commit_time=int(c.commit_time),
    )
