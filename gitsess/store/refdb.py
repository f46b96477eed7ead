"""Refs: single lookups, listings by prefix, and compare-and-swap writes.

Every ref write is a compare-and-swap against the value read; `update_ref`
retries with the one backoff (backoff.py) inside a deadline and clears stale
lock files left by killed writers (locks.py).

Listings (`refs(prefix)`) come from `git for-each-ref <prefix>`, which reads
only that part of the ref database, loose or packed (and reftable, which
libgit2 cannot read): pygit2 offers no prefix or glob iterator (libgit2's
git_reference_iterator_glob_new is not bound), and its full iterator reads
every loose ref file of the repository, 70-150 ms at 10,000 loose refs, for
each listing. A listing is kept for the rest of the command (a handoff asks
for refs/sess/remotes/ in four places) except under the namespaces that
agents' hooks and concurrent handoffs write while a command runs; see
`_listed_fresh`.
"""

from __future__ import annotations

from collections.abc import Callable

import pygit2

from gitsess import refs as names
from gitsess.errors import RefError
from gitsess.store.backoff import Backoff
from gitsess.store.gitcmd import GitCommands
from gitsess.store.locks import LockFiles

# Listed afresh on every call: the agent hook writes live/ and pending/ at
# any moment and telemetry's readers rely on two reads showing a move
# (telemetry's two-read rule); done/, claims and reservations are written by
# concurrent handoffs, whose id and claim checks must see each other.
_FRESH = (names.LIVE, names.PENDING, names.DONE, names.CLAIMS, names.RESERVE)


# How long git waits for reftable's lock on one ref write (reftable.lockTimeout,
# git 2.45+'s Documentation/config/reftable.txt; its default is 100 ms).
LOCK_WAIT_MS = 1000

# Listings kept across the store's own writes (see RefStore._wrote).
_KEPT = (names.REMOTES, names.GIT_REMOTES)


def valid_sess_ref(name: str) -> bool:
    """True for a well-formed ref that gitsess may write."""
    return names.is_sess(name) and bool(pygit2.reference_is_valid_name(name))


def _check_ref(name: str) -> None:
    if not valid_sess_ref(name):
        raise RefError("invalid", f"refusing to write ref '{name}' outside {names.SESS}")


def _listed_fresh(prefix: str) -> bool:
    return any(f.startswith(prefix) or prefix.startswith(f) for f in _FRESH)


def _unit(prefix: str) -> str:
    """What to list for `prefix`: its namespace (refs/sess/remotes/ for
    refs/sess/remotes/origin/live/, refs/remotes/ for refs/remotes/origin/),
    so that a command's several asks of one namespace cost one listing."""
    depth = 3 if prefix.startswith(names.SESS) else 2
    parts = prefix.split("/")
    if len(parts) <= depth + 1:
        return prefix
    unit = "/".join(parts[:depth]) + "/"
    return prefix if _listed_fresh(unit) else unit


class GitRefs(GitCommands):
    """Refs where libgit2 cannot read them (a reftable repository, StoreBase.reftable)."""

    def _git_ref(self, name: str) -> str | None:
        """`ref` where libgit2 cannot read the refs (reftable): git's answer."""
        proc = self.run_git(["rev-parse", "--verify", "--quiet", "--end-of-options", name],
                            check=False)
        oid = proc.stdout.decode("ascii", "replace").strip()
        return oid if proc.returncode == 0 and oid else None

    def _git_cas(self, name: str, new: str | None, old: str | None) -> None:
        """`_cas` through `git update-ref`, which checks the old value under
        the ref database's own lock in any backend (reftable's included)."""
        if old is None and new is None:
            return
        zero = "0" * len(new or old or "")
        # All refs share reftable's one lock (tables.list.lock), which git
        # waits for 100 ms by default (reftable.lockTimeout); a racing
        # writer waits longer here, and the retry loop above does the rest.
        wait = ["-c", f"reftable.lockTimeout={LOCK_WAIT_MS}"]
        args = ([*wait, "update-ref", "-m", "gitsess", "-d", name, old or zero] if new is None
                else [*wait, "update-ref", "-m", "gitsess", name, new, old or zero])
        proc = self.run_git(args, check=False)
        if proc.returncode == 0:
            return
        text = proc.stderr.decode("utf-8", "replace").strip()
        if "already exists" in text or "but expected" in text:
            raise RefError("modified", f"ref {name} was modified concurrently")
        if "unable to resolve" in text:
            raise RefError("missing", f"ref {name} does not exist")
        if "cannot lock references" in text or ".lock" in text:
            raise RefError("locked", f"ref {name} is locked: {text}")
        raise RefError("invalid", f"cannot update ref {name}: {text}")


class RefStore(LockFiles, GitRefs):
    def receive(self, updates: dict[str, str | None]) -> None:
        """Read these ref updates (name -> new oid, None: deleted) as if made:
        a pre-receive hook sees what a push brings before git makes it
        (gitsess.verify, examples/pre-receive). Only gitsess's refs."""
        self._incoming.update({n: o for n, o in updates.items() if names.is_sess(n)})

    def _with_incoming(self, prefix: str, found: dict[str, str]) -> dict[str, str]:
        if not self._incoming:
            return found
        out = dict(found)
        for name, oid in self._incoming.items():
            if name.startswith(prefix):
                if oid is None:
                    out.pop(name, None)
                else:
                    out[name] = oid
        return out

    def ref(self, name: str) -> str | None:
        """The oid a direct ref points at, or None when it does not exist."""
        if name in self._incoming:
            return self._incoming[name]
        if self.reftable:
            return self._git_ref(name)
        try:
            return str(self._repo.references[name].target)
        except (KeyError, pygit2.InvalidSpecError, ValueError):
            return None
        except pygit2.GitError:
            return None

    def refs(self, prefix: str) -> dict[str, str]:
        """Every direct ref under `prefix` (loose and packed) -> oid.

        A plain string prefix: "refs/sess/h/" never matches refs/sess/hx/.
        Symbolic refs and refs git cannot read are left out.
        """
        if _listed_fresh(prefix):
            return self._with_incoming(prefix, self.for_each_ref(prefix))
        for listed, found in self._listings.items():
            if prefix.startswith(listed):
                return self._with_incoming(
                    prefix, {n: o for n, o in found.items() if n.startswith(prefix)})
        unit = _unit(prefix)
        found = self.for_each_ref(unit)
        self._listings[unit] = found
        return self._with_incoming(prefix, {n: o for n, o in found.items() if n.startswith(prefix)})

    def for_each_ref(self, prefix: str) -> dict[str, str]:
        """`git for-each-ref` on one prefix, uncached: ref -> oid."""
        # for-each-ref matches a literal pattern only up to a "/"; a prefix
        # that ends mid-name is given as a glob (ref names cannot hold glob
        # characters) and the exact prefix is checked here.
        pattern = prefix if prefix.endswith("/") else prefix + "*"
        # A ref database git cannot read is an error, never an empty listing:
        # an id allocator that saw no refs would hand out a taken id.
        proc = self.run_git(
            ["for-each-ref", "--format=%(objectname)%00%(symref)%00%(refname)", pattern]
        )
        out: dict[str, str] = {}
        for line in proc.stdout.decode("utf-8", "surrogateescape").splitlines():
            fields = line.split("\0", 2)
            if len(fields) == 3 and not fields[1] and fields[2].startswith(prefix):
                out[fields[2]] = fields[0]
        return out

    def all_refs(self) -> dict[str, str]:
        """Every direct ref (loose and packed) -> oid, in one pass; symbolic refs skipped.

        Resume and log read every handoff head of every remote on each run;
        one libgit2 pass serves them all.
        """
        if self.reftable:
            return self._with_incoming("refs/", self.for_each_ref("refs/"))
        out: dict[str, str] = {}
        try:
            for ref in self._repo.references.iterator():
                target = ref.target
                if isinstance(target, pygit2.Oid):
                    out[ref.name] = str(target)
        except pygit2.GitError:  # a corrupt ref database reads as what was listed
            pass
        # A pre-receive hook reads the pushed handoff refs as made (receive),
        # a new operator's first handoff among them.
        return self._with_incoming("refs/", out)

    def _shared_refs(self) -> pygit2.Repository:
        """The repository to create shared refs in.

        libgit2 (1.9.7) opened on a linked worktree's git dir does not see
        the common dir's refs when it creates one; opened on the common dir
        it does. (Updates check the old value in both.)
        """
        if self.common_dir == self.git_dir:
            return self._repo
        if self._common_repo is None:
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
        try:
            self._cas(name, new, old)
        except RefError as exc:
            # A refusal shows that another writer moved things: list afresh.
            self.forget_refs()
            if exc.kind == "locked":
                self.reopen()
            raise
        self._wrote(name, new)

    def _wrote(self, name: str, new: str | None) -> None:
        """Keep the listings true after our own write.

        Fetched copies (refs/sess/remotes/, refs/remotes/) are written by
        fetches: this store's own run through git (and it then lists afresh),
        another process's may as well have come a moment later. Their
        listings are updated in place and kept, so a handoff lists 10,000 of
        them once, not again after its id reservation. The
        others are dropped: our write marks a step after which checks such
        as "did a concurrent handoff take this id meanwhile" must see other
        writers' refs.
        """
        for listed in list(self._listings):
            if not listed.startswith(_KEPT):
                del self._listings[listed]
            elif name.startswith(listed):
                if new is None:
                    self._listings[listed].pop(name, None)
                else:
                    self._listings[listed][name] = new

    def _cas(self, name: str, new: str | None, old: str | None) -> None:
        if self.reftable:
            self._git_cas(name, new, old)
            return
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

        Retries on 'modified'/'locked'/'missing' with the one backoff until
        `deadline` (a time.monotonic() value); raises the last RefError after
        that. Returning the old value from `compute` is a no-op. Each try
        reads the ref itself (`ref`, never a listing), so it sees the writer
        it lost to.
        """
        backoff = Backoff(first=0.001, cap=0.05, deadline=deadline)
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
                if not backoff.wait():
                    raise

