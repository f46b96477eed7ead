"""Named git operations on history, for handoffs: the git command lines that
gitsess.handoff and its commands run, each under a name that says what it asks.

Functions of the Store rather than methods, so that this module grows beside
Store without touching it. Each keeps the exact arguments its caller used to
build; a git that fails answers "nothing found" unless the caller must know
(`commit_handoff` returns git's exit and output).

Import rule: store imports only gitsess.errors, gitsess.refs and itself.
"""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

from gitsess import refs

if TYPE_CHECKING:
    from gitsess.store.repo import Store

# A handoff is any commit with a Sess-Id trailer, spelt as git reads
# trailers: any case, blanks before the colon (gitsess.handoff.trailers).
_SESS_ID_GREP = "^Sess-Id[[:blank:]]*:"


def _text(proc: subprocess.CompletedProcess[bytes]) -> str | None:
    return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else None


def work_log(store: Store, head: str, *, since_s: int, hide: list[str],
             separator: str) -> str | None:
    """`git log --numstat` of the commits from `head` since `since_s` that are
    not handoffs, merges left out, none of `hide`: each commit as
    `<separator><oid> <commit time> <parents>\\n<author email>` and its numstat
    lines. None when git fails."""
    args = [
        "log", "--no-merges", "--no-renames", "--no-color", "--numstat",
        f"--since=@{since_s}", "--invert-grep", "--regexp-ignore-case",
        f"--grep={_SESS_ID_GREP}",
        f"--format={separator}%H %ct %P%n%ae",
        head,
    ]
    args += [f"^{h}" for h in hide]
    return _text(store.run_git(args, check=False))


def changed_paths(store: Store, rng: str, *, author_email: str | None) -> str | None:
    """`git log --name-status` of a range (one author's commits when given),
    merges left out: `<status>\\t<path>` lines. None when git fails."""
    args = ["log", "--no-merges", "--no-renames", "--name-status", "--format=", rng]
    if author_email:
        args.insert(1, f"--author=<{author_email}>")
    return _text(store.run_git(args, check=False))


def messages_naming_id_prefix(store: Store, prefix: str, *, since_s: int) -> str | None:
    """The messages (each ended by NUL) of the commits on every branch,
    remote-tracking branch and tag since `since_s` with a Sess-Id trailer
    line that starts with `prefix`; None when git fails.

    `prefix` must be literal in a regexp ([A-Za-z0-9_-] and digits: a handoff
    id's operator and date)."""
    return _text(store.run_git(
        ["log", "--branches", "--remotes", "--tags", f"--since=@{since_s}",
         "--regexp-ignore-case", f"--grep=^Sess-Id[[:blank:]]*:[[:blank:]]*{prefix}",
         "--format=%B%x00"], check=False))


def commit_naming_id(store: Store, hid: str) -> str | None:
    """The newest commit of any ref whose Sess-Id trailer line is exactly `hid`
    (RT-261126-01 must not find RT-261126-011)."""
    proc = store.run_git(["log", "--all", "-n1", "--format=%H", "-E", "-i",
                          f"--grep=^Sess-Id:[[:space:]]*{hid}[[:space:]]*$"],
                         check=False)
    return proc.stdout.decode().strip() or None


def disambiguate(store: Store, prefix: str) -> list[str]:
    """The object ids that start with `prefix` (git rev-parse --disambiguate)."""
    proc = store.run_git(["rev-parse", f"--disambiguate={prefix}"], check=False)
    return proc.stdout.decode().split()


def remote_branches_containing(store: Store, commit: str) -> list[str]:
    """The remote-tracking branches whose history has `commit`."""
    proc = store.run_git(["for-each-ref", "--format=%(refname)", "--contains", commit,
                          refs.GIT_REMOTES], check=False)
    return proc.stdout.decode("utf-8", "replace").split()


def reset_soft(store: Store, commit: str) -> None:
    """`git reset --soft`: the branch back to `commit`, index and files untouched."""
    store.run_git(["reset", "--soft", commit])


def unborn_branch(store: Store, branch: str, old: str) -> None:
    """Delete `branch` (it must be at `old`): HEAD goes back to unborn."""
    store.run_git(["update-ref", "-d", refs.branch(branch), old])


def commit_handoff(store: Store, message_file: str, paths: list[str],
                   env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    """The real `git commit` of a handoff (its hooks run): empty, or `paths` alone.

    --only (with --allow-empty and no path: an empty commit) leaves whatever
    the user has staged out of the handoff; --cleanup=whitespace keeps the
    `## Section` headings whatever commit.cleanup says.
    """
    return store.run_git(["commit", "--only", "--allow-empty", "--cleanup=whitespace",
                          "--no-edit", "-F", message_file, "--", *paths], check=False, env=env)


def editor(store: Store) -> str:
    """The editor git would run (`git var GIT_EDITOR`), "" when none."""
    return store.run_git(["var", "GIT_EDITOR"], check=False).stdout.decode().strip()


def author_ident(store: Store) -> str | None:
    """`git var GIT_AUTHOR_IDENT` (name <email> date), None when git has none."""
    proc = store.run_git(["var", "GIT_AUTHOR_IDENT"], check=False)
    return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else None


def committer_time(store: Store) -> int | None:
    """The time git gives the commit being made (`git var GIT_COMMITTER_IDENT`:
    GIT_COMMITTER_DATE when set, else now), in seconds; None when git has none."""
    proc = store.run_git(["var", "GIT_COMMITTER_IDENT"], check=False)
    words = proc.stdout.decode("utf-8", "replace").split()
    return int(words[-2]) if proc.returncode == 0 and len(words) >= 2 and \
        words[-2].isdigit() else None


def signatures(store: Store, commits: list[str]) -> str:
    """`%H %G? %GS` of each commit, fields ended by 0x1f and commits by 0x1e
    (a signer name is text)."""
    proc = store.run_git(
        ["-c", "log.showSignature=false", "log", "--no-walk=unsorted", "--stdin",
         "--format=%H%x1f%G?%x1f%GS%x1e"],
        input="\n".join(commits).encode() + b"\n", check=False)
    return proc.stdout.decode("utf-8", "replace")


def has_changes(store: Store, path: str) -> bool:
    """Whether `path` has changes of its own: staged, unstaged or untracked."""
    proc = store.run_git(["status", "--porcelain", "--untracked-files=all", "--", path],
                         check=False)
    return proc.returncode == 0 and bool(proc.stdout.strip())


def is_tracked(store: Store, path: str) -> bool:
    return store.run_git(["ls-files", "--error-unmatch", "--", path],
                         check=False).returncode == 0


def add_intent(store: Store, path: str) -> None:
    """`git add --intent-to-add`: an untracked file that `git commit --only` may take."""
    store.run_git(["add", "--intent-to-add", "--", path])


def untrack(store: Store, path: str) -> None:
    """Drop `path` from the index (the file stays); no error when it is not there."""
    store.run_git(["rm", "--cached", "-q", "--", path], check=False)
