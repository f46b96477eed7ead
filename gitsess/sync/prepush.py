"""The pre-push hook's work, started by githooks/pre-push as
`python -I -S`: no pygit2, no subprocess (their imports would cost every
push more than the rest of this). Every hard case goes to the full Python
path (`git sess githook pre-push-check` / `pre-push-send`). On a terminal
the shim passes the guard from the stamps itself and starts only the send
here, detached (main's "pid" form); it hands anything else to main whole.

1. The guard. Each commit of the push that names a Sess-Id and that the
   remote lacks must carry a verification stamp (gitsess/handoff/stamps.py)
   naming its note and the policy in force now; else the full Python path
   checks it and refuses the push on a failing record.
2. The session refs and notes then go to the same remote, never forced:
   live refs from here when that is a plain fast-forward push; records
   (handoff refs, notes, done and transcript refs) once the push has ended,
   only for commits the remote then has (gitsess/sync/publish.py): a
   rejected push publishes no record, a branch never pushed keeps its
   records here. On a terminal all of it runs in the background (a failure
   says so in one line); elsewhere live refs go in line and records right
   after git ends, holding the push's stderr open until then.
   sess.pushSessions = wait | background overrides that.

Import rule: the standard library, gitsess.refs and gitsess.store.plumbing.
"""

from __future__ import annotations

import os
import sys
import time

from gitsess import refs
from gitsess.store import plumbing as git

MANY = 256  # more lines: the full path's guard (linear; too many arguments for a rev-list)
DRY_RUN = ("--dr", "--dry", "--dry-", "--dry-r", "--dry-ru", "--dry-run")  # any unique prefix


class Push:
    """One run of the hook: the push's lines and what the shim passed."""

    def __init__(self, argv: list[str], text: str) -> None:
        # argv: <stamp suffix> <check command> -- <send command> -- <remote> <url>
        self.stamp_suffix = argv[0]
        cut = argv.index("--", 1)
        end = argv.index("--", cut + 1)
        self.args = argv[end + 1:]
        self.remote = self.args[0] if self.args else ""
        self.url = self.args[1] if len(self.args) > 1 else ""
        self.check_cmd = [*argv[1:cut], *self.args]
        self.send_cmd = [*argv[cut + 1:end], *self.args]
        self.text = text
        lines = text.split("\n")  # git's newlines only: a ref name may hold U+2028
        if lines[-1] == "":
            lines.pop()
        self.check = len(lines) >= MANY
        # "<local ref> <local oid> <remote ref> <remote oid>": a remote ref is
        # the only field after a blank that can start with "refs/".
        self.own = f" {refs.SESS}" in text or f" {refs.NOTES} " in text
        self.revs: list[str] = []
        self.tips: list[str] = []
        self.heads: list[str] = []
        for line in [] if self.check else lines:
            fields = line.split(" ", 3)  # a ref name holds no blank
            if len(fields) < 4:
                continue
            _, lsha, rref, rsha = fields
            if lsha.strip("0"):  # not the all-zero id (of either hash)
                self.revs.append(lsha)
                self.tips.append(lsha)
                if rref.startswith(refs.HEADS):
                    self.heads.append(rref[len(refs.HEADS):])
            if rsha.strip("0"):
                self.revs.append(f"^{rsha}")
        self.git_pid = os.getppid()
        self.branches = f"{refs.GIT_REMOTES}{self.remote}/"
        self.fetch_specs: list[str] = []
        self.py = ""  # "" nothing more; "1" records from here; "python" the full path

    # -- 1. the guard -------------------------------------------------------------

    def guard(self) -> int:
        handoffs: list[str] = []
        if self.revs:
            found = git.handoff_candidates(self.revs, self.remote)
            if found is None:
                self.check = True
            else:
                handoffs = found
        if handoffs and not self.check:
            self.check = not self._all_stamped(handoffs)
        if self.check:
            return git.run_gitsess(self.check_cmd, self.text.encode("utf-8", "surrogateescape"))
        return 0

    def _all_stamped(self, handoffs: list[str]) -> bool:
        # Hooks run at the top of the worktree, unless git was told where the
        # repository is from elsewhere (--git-dir, --work-tree) or started in
        # its git dir: the worktree load_policy reads is then not here. GIT_DIR
        # says which: unset, a git dir a .git file here names (a linked
        # worktree, a submodule), "." (bare: no worktree); else the full path.
        work_tree, git_dir = os.environ.get("GIT_WORK_TREE", ""), os.environ.get("GIT_DIR", "")
        wt = True
        if work_tree:
            return False
        if git_dir == ".":
            cwd = os.getcwd()
            if cwd.endswith("/.git") or "/.git/" in cwd:
                return False
            wt = False
        elif git_dir and not os.path.isfile(".git"):
            return False
        # The policy as gitsess.handoff.policy.load_policy finds it: the
        # worktree's file, else HEAD's, else none. Then per commit its note
        # (flat or one fan-out level; anything else is the full path's) and
        # its stamp: all in one `git cat-file --batch-command`.
        query = []
        pol: str | None = None
        if wt and os.path.exists(".gitsess.yaml"):
            # Anything but a regular file (a FIFO, a link to /dev/zero) would
            # never be read to its end: the full path refuses it.
            if not os.path.isfile(".gitsess.yaml"):
                return False
            pol = git.file_blob_id(".gitsess.yaml")
            if pol is None:
                return False
        else:
            query.append("info HEAD:.gitsess.yaml\n")
        for c in handoffs:
            query.append(f"info {refs.NOTES}:{c}\ninfo {refs.NOTES}:{c[:2]}/{c[2:]}\n"
                         f"contents {refs.VERIFIED}:{c}\n")
        out = git.batch_command("".join(query))
        if out is None:
            return False
        replies = git.BatchReplies(out)
        if pol is None:
            oid, kind = replies.info()
            if kind == "blob":
                pol = oid
            elif kind == "missing":
                pol = "none"
            else:
                return False
        ok = True
        for _ in handoffs:
            note = ""
            for _fan in (1, 2):
                oid, kind = replies.info()
                if kind == "blob":
                    note = oid
            kind, body = replies.contents()
            stamp = body.split("\n", 1)[0].strip() if kind == "blob" else ""
            if not note or stamp != f"{note} {pol} {self.stamp_suffix}":
                ok = False
        return ok

    # -- 2. the session refs and notes --------------------------------------------

    def dry_run(self) -> bool:
        """Whether the pushing git was started with --dry-run (pre-push runs
        then too and must send nothing). Sets self.git_pid, which is our
        parent unless a hook manager chained us as its .legacy hook: then it is
        found a few parents up (/proc; elsewhere `ps` asks the parent)."""
        ppid = self.git_pid
        args: list[bytes] = []
        if os.path.exists(f"/proc/{ppid}/cmdline"):
            # Four levels, as calling_process defaults to: under lefthook the
            # chain is `sh -c <shim>` -> lefthook -> `.git/hooks/pre-push` ->
            # git. With three, the git was not found, its exit was not awaited,
            # the tracking refs were read before git had moved them, and the
            # records were not sent (nor a --dry-run seen as one).
            found = git.calling_process(lambda argv: b"push" in argv, pid=ppid, levels=4)
            if found:
                self.git_pid, args = found
        else:
            args = git.ps_argv(ppid)
            if b"push" not in args:
                args = []
        after = args[args.index(b"push") + 1:] if b"push" in args else []
        for raw in after:
            a = raw.decode("utf-8", "replace")
            if a == "--":
                break
            if a in DRY_RUN:
                return True
            if a.startswith("-") and not a.startswith("--") and len(a) > 1:
                for f in a[1:]:  # bundled short options: n is --dry-run; o takes the rest
                    if f == "o":
                        break
                    if f == "n":
                        return True
        return False

    def send(self) -> None:
        """The live refs, now; whether records or the full path follow (self.py)."""
        remote, t = self.remote, refs.tracking(self.remote)
        # One for-each-ref answers every ref question of this run (the shell
        # asked five times): session refs, notes trees, the remote's branches.
        table = git.ref_table(refs.SESS, refs.NOTES, self.branches)
        if table is None:
            self.py = "python"
            return
        oids, trees = table
        seen, mine = _split(oids, t)
        mine = {r: o for r, o in mine.items()
                if any(r.startswith(f"{refs.SESS}{ns}/") for ns in refs.PUSHED)}
        live = False
        hl: list[str] = []
        for r, oid in mine.items():
            if seen.get(r) != oid:
                if r.startswith(refs.LIVE):
                    live = True
                elif r.startswith(refs.HANDOFFS):
                    hl.append(oid)
                # done and transcript refs follow their handoffs: they decide nothing here
        for r in seen:
            if r.startswith(refs.LIVE) and r not in mine:
                d = refs.DONE + r[len(refs.LIVE):]
                if d in mine and seen.get(d) == mine[d]:
                    self.py = "python"  # handed off and there: its deletion is Python's
                    break
        # Records go only for commits the remote has, once the push has ended
        # (records()): they need it only when one of them is for a commit this
        # push sent or a remote branch has; a record of a branch never pushed waits.
        ours = trees.get(refs.NOTES)
        theirs = ours and (trees.get(refs.tracking_notes(remote)) or git.empty_tree_like(ours))
        if ours and ours != theirs:
            paths = git.changed_note_paths(theirs or "", ours)
            if paths is None:
                self.py = "python"
            else:
                hl += [p.replace("/", "") for p in paths]
        if hl and not self.py:
            known = git.commits_among(hl)
            out = None if known is None else git.not_reached(known, self.tips, remote)
            if known is None or out is None:
                self.py = "python"
            elif any(c not in out for c in known):
                self.py = "1"
        if not live:
            return
        # A named remote: its tracking refs follow this push only through the
        # fetch refspec install adds (the full path adds missing ones).
        if remote != self.url and f"+{refs.LIVE}*:{t}live/*" not in self.fetch_specs:
            self.py = "python"
            return
        specs = self._live_specs(seen, mine, oids)
        if specs and not git.push_quietly(remote, specs):
            self.py = "python"  # fetch, merge, retry, or a one-line report: the full path's

    def _live_specs(self, seen: dict[str, str], mine: dict[str, str],
                    oids: dict[str, str]) -> list[str]:
        """Live refs that differ, each only when the branch its session
        started on (session.json) is on the remote or in this push: a session
        on a branch never pushed names that branch and its paths."""
        differ = [r for r, oid in mine.items() if r.startswith(refs.LIVE) and seen.get(r) != oid]
        if not differ:
            return []
        on = set(self.heads) | {r[len(self.branches):] for r in oids if r.startswith(self.branches)}
        bodies = git.first_lines(f"{r}:session.json" for r in differ)
        specs = []
        for r in differ:
            name = f"{r}:session.json"
            if name not in bodies:
                continue  # not a blob
            body = bodies[name]
            if body is not None:  # no session.json: no branch
                at = body.find(b'"branch":"')
                end = body.find(b'"', at + 10) if at >= 0 else -1
                if end >= 0 and body[at + 10:end].decode("utf-8", "replace") not in on:
                    continue
            specs.append(f"{r}:{r}")
        return specs


def records(remote: str, url: str, fetch_specs: list[str]) -> bool:
    """Records of published commits, once the push has ended: their
    handoff refs, the done and transcript refs of their sessions and ids,
    and a notes commit on the remote's notes tip (a fast-forward) adding
    our notes of them; refs/notes/sess itself never leaves. Published:
    reached by a remote branch as git's push just updated its tracking
    refs (a rejected push updated none). False hands anything more to
    publish.py: a push to a URL, a missing refspec, a remote note to
    merge, a handoff ref the remote has elsewhere, any failure."""
    if remote == url:
        return False
    t = refs.tracking(remote)
    if any(spec not in fetch_specs for spec in refs.fetch_refspecs(remote)
           if not spec.startswith(f"+{refs.LIVE}")):
        return False
    # Read again: send() may have moved the remote's tracking refs since.
    table = git.ref_table(refs.SESS, refs.NOTES)
    if table is None:
        return False
    oids, trees = table
    seen, mine = _split(oids, t)
    if any(r.startswith(refs.HANDOFFS) and r in seen and seen[r] != oid
           for r, oid in mine.items()):
        return False  # a handoff ref the remote has elsewhere
    hs = [(oid, r) for r, oid in mine.items() if r.startswith(refs.HANDOFFS) and r not in seen]
    # A session handed off here that is live on the remote: its deletion,
    # with a lease, is the full path's.
    if any(r.replace("/live/", "/done/", 1) in mine for r in seen
           if r.startswith(refs.LIVE) and r not in mine):
        return False
    tn = oids.get(refs.tracking_notes(remote))
    ln = trees.get(refs.NOTES)
    tt = (trees.get(refs.tracking_notes(remote)) if tn else ln and git.empty_tree_like(ln)) or ""
    if (tn or ln) and not tt:
        return False
    nd: list[tuple[str, str, str]] = []
    if ln and ln != tt:
        diff = git.tree_diff(tt, ln)
        if diff is None:
            return False
        nd = diff
    wanted = sorted({oid for oid, _ in hs}
                    | {p.replace("/", "") for st, _, p in nd if st != "D"})
    if not wanted:
        return True
    commits = git.commits_among(wanted, ignore_missing=False)
    out = None if commits is None else git.not_reached(commits, [], remote,
                                                       ignore_missing=False)
    if commits is None or out is None:
        return False
    ok = {c for c in commits if c not in out}
    if not ok:
        return True
    # The handoff refs to send, and (by the trailers of their commits)
    # their sessions; a remote note on a commit to send means a merge.
    specs = [f"{r}:{r}" for oid, r in hs if oid in ok]
    hl = [oid for oid, _ in hs if oid in ok]
    added = []
    for st, blob, path in nd:
        if path.replace("/", "") in ok:
            if st == "M":
                return False
            if st == "A":
                added.append((blob, path))
    if hl:
        more = _followers(hl, specs, seen, mine)
        if more is None:
            return False
        specs += more
    if added:
        scratch = f"{os.environ.get('TMPDIR') or '/tmp'}/gitsess-notes.{os.getpid()}"
        nc = git.notes_commit(tt, tn, added, scratch)
        if nc is None:
            return False
        specs.append(f"{nc}:{refs.NOTES}")
    return git.push_quietly(remote, specs)

def _followers(hl: list[str], specs: list[str], seen: dict[str, str],
               mine: dict[str, str]) -> list[str] | None:
    """Done refs of the sessions of handoff commits `hl`, transcript refs
    of the handoff ids in `specs`, that the remote lacks."""
    sessions = git.session_trailers(hl)
    if sessions is None:
        return None
    done = {refs.DONE + s for s in sessions if s}
    ids = {spec.split(":", 1)[0].rsplit("/", 1)[-1] for spec in specs}
    out = []
    for r, oid in mine.items():
        ours = r in done or (r.startswith(refs.TRANSCRIPTS)
                             and r[len(refs.TRANSCRIPTS):].split("/", 1)[0] in ids)
        if ours and seen.get(r) != oid:
            out.append(f"{r}:{r}")
    return out


def _split(got: dict[str, str], t: str) -> tuple[dict[str, str], dict[str, str]]:
    """({ref as ours: oid} of the remote's tracking copies under `t`, {ref: oid} of ours)."""
    seen = {refs.SESS + r[len(t):]: oid for r, oid in got.items() if r.startswith(t)}
    mine = {r: oid for r, oid in got.items() if not r.startswith(t)}
    return seen, mine


def await_git(pid: int) -> None:
    """Wait (up to a minute) for the pushing git to exit (a parent reading our
    stderr to its end reaps only after us): its commits are then sent or refused."""
    for n in range(3150):
        if git.process_ended(pid):
            return
        time.sleep(0.005 if n < 200 else 0.02)  # git ends within ms of its last ref update


def main(argv: list[str]) -> int:
    """argv: "-" (the whole hook) or git's pid (the send only), then Push's."""
    # Bytes as git wrote them, whatever the locale says (a ref name need not be
    # UTF-8); the shim's here-document ends them with one more newline.
    text = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
    push = Push(argv[1:], text[:-1] if text.endswith("\n") else text)
    if argv[0] != "-":  # guard passed, no --dry-run, detached: githooks/pre-push
        push.git_pid = int(argv[0])
        push.fetch_specs = git.config_list().get(f"remote.{push.remote}.fetch", [])
        return _after_git(push, True)
    code = push.guard()
    if code:
        return code
    # A push that carries session refs or notes itself (--mirror, or
    # refs/notes/sess named) sends them: moved first from here, they would
    # no longer be what git's own update of them expects, and fail the push.
    if push.own or push.dry_run():
        return 0
    config = git.config_list()  # one git config for the three values asked
    mode = (config.get("sess.pushsessions") or [""])[-1]
    push.fetch_specs = config.get(f"remote.{push.remote}.fetch", [])
    bg = mode == "background" or (mode != "wait" and os.isatty(2))
    if not bg:
        push.send()  # in line: the live refs now; records, if any, once the push has ended
        if not push.py:
            return 0
    # Detached: stdin and stdout closed, stderr kept for the one line a
    # failure prints (and, in line, so that whoever reads the push's stderr
    # to its end waits for the records too), deaf to the terminal's hangup.
    sys.stdout.flush()
    sys.stderr.flush()
    if os.fork():
        return 0
    import signal

    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    return _after_git(push, bg)


def _after_git(push: Push, bg: bool) -> int:
    """Once git has ended: the live refs (if bg), the records, or the full
    path. A detached process: it ends here, silently whatever happens."""
    try:
        await_git(push.git_pid)
        if bg:
            push.send()
        if push.py == "1" and not records(push.remote, push.url, push.fetch_specs):
            push.py = "python"
        if push.py == "python":
            git.run_gitsess(push.send_cmd)
    finally:
        os._exit(0)


def run(argv: list[str]) -> None:
    """main, then an exit without the interpreter's teardown (git waits for it)."""
    code = main(argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
