"""Named git operations for remotes and history rewrites.

Each function runs one git command whose arguments it owns, so that no
module outside store/ builds a git command line (tests/test_layers.py).
They speak gitsess's words: a failure comes back as a value (None, False,
an empty list, git's last line) where the caller has an answer for it, and
as a GitsessError where it has none. `env` adds to the environment git
runs with (the pre-push marker, no terminal prompt).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from gitsess import refs
from gitsess.store import plumbing
from gitsess.store.repo import Store


def last_line(data: bytes) -> str:
    """git's last non-blank line of stderr: what its failure says."""
    lines = [ln for ln in data.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1].strip() if lines else "unknown error"


def names(store: Store) -> list[str]:
    """The configured remotes (`git remote`)."""
    out = store.run_git(["remote"], check=False).stdout.decode("utf-8", "replace")
    return [r for r in out.split() if r]


@dataclass
class Outcome:
    """How one fetch or push ended: git's exit code, stdout, stderr."""

    code: int
    out: str
    err: bytes

    @property
    def ok(self) -> bool:
        return self.code == 0

    @property
    def why(self) -> str:
        return last_line(self.err)


def _outcome(proc: subprocess.CompletedProcess[bytes]) -> Outcome:
    return Outcome(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr)


def fetch(store: Store, remote: str, specs: list[str], *, prune: bool,
          env: Mapping[str, str] | None = None) -> Outcome:
    """`git fetch` of `specs` from `remote`, quietly. --no-auto-gc: a fetch
    that triggers gc would pack refs under a writer racing it; refs stay loose."""
    args = ["fetch", "--quiet", "--no-write-fetch-head", "--no-auto-gc"]
    if prune:
        args.append("--prune")
    return _outcome(store.run_git([*args, "--", remote, *specs], check=False, env=env))


def push_porcelain(store: Store, remote: str, specs: list[str], *, options: Iterable[str] = (),
                   env: Mapping[str, str] | None = None) -> Outcome:
    """`git push --porcelain --no-verify` of `specs` (never forced: leases
    come in `options`); `out` holds git's porcelain lines."""
    return _outcome(store.run_git(
        ["push", "--porcelain", "--no-verify", *options, "--", remote, *specs],
        check=False, env=env))


def push_atomic(store: Store, remote: str, specs: list[str], *, options: Iterable[str] = (),
                env: Mapping[str, str] | None = None) -> Outcome:
    """`git push --porcelain --atomic` of `specs`: all or nothing, and the
    pre-push hooks run (gitsess's guard, and whatever it chains)."""
    return _outcome(store.run_git(
        ["push", "--porcelain", "--atomic", *options, "--", remote, *specs],
        check=False, env=env))


def remote_heads_and_tags(store: Store, remote: str,
                          env: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """The remote's branches and tags (full name -> oid) as `git ls-remote`
    asks the remote itself; None when it could not."""
    proc = store.run_git(["ls-remote", "--refs", "--", remote, refs.HEADS + "*", refs.TAGS + "*"],
                         check=False, env=env)
    if proc.returncode != 0:
        return None
    out = {}
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        oid, _, name = line.partition("\t")
        if len(oid) == 40 and name:
            out[name] = oid
    return out


def not_reached(store: Store, commits: list[str], bases: list[str]) -> set[str] | None:
    """Of `commits`, and what they reach, what no commit of `bases` reaches
    (one walk for all); None when git failed. `^<oid>` lines, not --not:
    git before 2.42 takes no --not on stdin."""
    proc = store.run_git(["rev-list", "--ignore-missing", "--stdin"],
                         input="\n".join([*commits, *(f"^{b}" for b in bases), ""]).encode(),
                         check=False)
    if proc.returncode != 0:
        return None
    return set(proc.stdout.decode("ascii", "replace").split())


def reached_by_any_ref(store: Store, tips: list[str]) -> set[str]:
    """Every commit a branch, remote-tracking branch, tag or one of `tips` reaches."""
    proc = store.run_git(["rev-list", "--branches", "--remotes", "--tags", "--stdin"],
                         input="".join(f"{t}\n" for t in tips).encode(), check=False)
    return set(proc.stdout.decode("ascii", "replace").split())


def refs_containing(store: Store, oid: str, *prefixes: str, limit: int | None = None
                    ) -> dict[str, str]:
    """Refs under `prefixes` whose history holds `oid`: name -> tip."""
    args = ["for-each-ref", "--format=%(refname) %(objectname)", "--contains", oid]
    if limit is not None:
        args.insert(1, f"--count={limit}")
    proc = store.run_git([*args, *prefixes], check=False)
    out = {}
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        name, _, tip = line.partition(" ")
        out[name] = tip
    return out


# -- history rewrites (renumbering a handoff id) -----------------------------


def ancestry_path(store: Store, base: str, tip: str) -> list[str]:
    """Commits of `tip` that descend from `base`, oldest first (parents first)."""
    proc = store.run_git(["rev-list", "--topo-order", "--reverse", "--ancestry-path",
                          f"{base}..{tip}"], check=False)
    return proc.stdout.decode().split()


def raw_commit(store: Store, oid: str) -> bytes:
    """A commit object's bytes, exactly as stored (headers, signature, message)."""
    return store.run_git(["cat-file", "commit", oid]).stdout


def write_raw_commit(store: Store, raw: bytes) -> str:
    """Store a commit object's bytes as they are; its id."""
    proc = store.run_git(["hash-object", "-t", "commit", "-w", "--stdin"], input=raw)
    return proc.stdout.decode().strip()


def move_branch(store: Store, name: str, new: str, old: str, *, reason: str) -> None:
    """`git update-ref -m <reason> <name> <new> <old>`: git's own compare-and-swap,
    through which HEAD follows a checked-out branch."""
    store.run_git(["update-ref", "-m", reason, name, new, old])


def calling_argv(match: Callable[[list[bytes]], bool], *, pid: int | None = None,
                 levels: int = 4) -> list[bytes] | None:
    """The argv of the process that runs this hook (the `git push` or `git
    commit` git tells its hooks nothing about), read from /proc: the first
    of our parent and a few above it (a hook manager may sit in between)
    whose argv `match` takes. None where /proc does not say: not Linux, a
    process gone, or none matched."""
    found = plumbing.calling_process(match, pid=pid, levels=levels)
    return found[1] if found else None
