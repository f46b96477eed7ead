"""The pre-push guard (gitsess/commands/guard.py): refuse handoff commits that
fail their checks; send session refs and notes along, never forced."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import Repo, git, payload
from tests.sesshelpers import (
    FAILING,
    NO_BASH_POLICY,
    allow_bash,
    bare,
    forbid_bash,
    handoff_commit,
    handoff_id,
    no_python,
    remote_refs,
)

# `git sess handoff` (the handoff issue) makes the handoff commits where it exists;
# until then the tests make them by hand, per ARCHITECTURE.md.


def _setup(repo: Repo, tmp_path: Path) -> Path:
    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    repo.setup("install")
    repo.git("push", "-q", "-u", "origin", "main")
    return remote


def _session(repo: Repo, session: str = "s1") -> None:
    assert repo.hook(payload("PreToolUse", session=session, tool_name="Bash")).returncode == 0


def test_violated_invariant_refuses_the_push_and_leaves_the_remote_alone(
        repo: Repo, tmp_path: Path) -> None:
    remote = _setup(repo, tmp_path)
    _session(repo)
    before = remote_refs(remote)
    repo.commit("ordinary work")
    forbid_bash(repo)
    hid = handoff_id(1)
    handoff_commit(repo, hid, invariants=[FAILING])
    proc = repo.git("push", "origin", "main", check=False)
    assert proc.returncode != 0
    err = proc.stderr
    # The policy's invariant, recomputed from telemetry (the record's own verdict is not trusted).
    assert hid in err and "no-bash" in err
    assert "--no-verify" in err and "hint:" in err
    assert remote_refs(remote) == before  # nothing reached the remote, sess refs included


def test_missing_record_refuses_the_push(repo: Repo, tmp_path: Path) -> None:
    remote = _setup(repo, tmp_path)
    before = remote_refs(remote)
    handoff_commit(repo, handoff_id(1), note=False)
    proc = repo.git("push", "origin", "main", check=False)
    assert proc.returncode != 0 and handoff_id(1) in proc.stderr
    assert remote_refs(remote) == before
    # The deliberate bypass works, and is the user's call.
    repo.git("push", "-q", "--no-verify", "origin", "main")


def test_clean_push_carries_branch_session_refs_and_notes(repo: Repo, tmp_path: Path) -> None:
    remote = _setup(repo, tmp_path)
    _session(repo)
    for i in range(3):
        repo.commit(f"work {i}")
    hid = handoff_id(1)
    oid = handoff_commit(repo, hid)
    repo.git("push", "-q", "origin", "main")
    got = remote_refs(remote)
    assert got["refs/heads/main"] == oid
    assert got[f"refs/sess/h/RT/{hid}"] == oid
    assert got["refs/sess/live/s1"] == repo.refs()["refs/sess/live/s1"]
    note = git("notes", "--ref=sess", "show", oid, cwd=remote).stdout
    assert f"id: {hid}" in note
    # The push updated the tracking namespace, so the next push is decided in the shell.
    assert repo.refs()["refs/sess/remotes/origin/notes"] == got["refs/notes/sess"]


def test_new_branch_checks_only_commits_the_remote_lacks(repo: Repo, tmp_path: Path) -> None:
    remote = _setup(repo, tmp_path)
    forbid_bash(repo)
    bad = handoff_commit(repo, handoff_id(1), invariants=[FAILING])
    repo.git("push", "-q", "--no-verify", "origin", "main")  # deliberately, once
    repo.git("switch", "-q", "-c", "topic")
    allow_bash(repo)
    repo.git("push", "-q", "origin", "topic")  # the old handoff is already on origin/main
    assert remote_refs(remote)["refs/heads/topic"] != bad
    repo.git("switch", "-q", "-c", "topic2")
    forbid_bash(repo)
    handoff_commit(repo, handoff_id(2), invariants=[FAILING])
    proc = repo.git("push", "origin", "topic2", check=False)
    assert proc.returncode != 0 and handoff_id(2) in proc.stderr
    assert handoff_id(1) not in proc.stderr
    assert "refs/heads/topic2" not in remote_refs(remote)


def test_deleting_a_branch_checks_nothing(repo: Repo, tmp_path: Path) -> None:
    remote = _setup(repo, tmp_path)
    repo.git("switch", "-q", "-c", "old")
    forbid_bash(repo)
    handoff_commit(repo, handoff_id(1), invariants=[FAILING])
    repo.git("push", "-q", "--no-verify", "origin", "old")
    repo.git("push", "-q", "origin", ":old")
    assert "refs/heads/old" not in remote_refs(remote)


def test_diverged_remote_notes_are_merged_not_forced(repo: Repo, tmp_path: Path) -> None:
    remote = _setup(repo, tmp_path)
    peer = Repo(tmp_path / "peer")
    git("clone", "-q", str(remote), str(peer.path), cwd=tmp_path)
    peer.setup("install")
    theirs = handoff_commit(peer, handoff_id(1, "PE"), op="PE")
    peer.git("push", "-q", "origin", "main")
    repo.git("switch", "-q", "-c", "mine")
    mine = handoff_commit(repo, handoff_id(1))
    proc = repo.git("push", "origin", "mine", check=False)
    assert proc.returncode == 0, proc.stderr
    assert "not sent" not in proc.stderr
    for oid, hid in ((theirs, handoff_id(1, "PE")), (mine, handoff_id(1))):
        assert f"id: {hid}" in git("notes", "--ref=sess", "show", oid, cwd=remote).stdout
    log = git("reflog", "show", "--format=%gs", "refs/notes/sess", cwd=remote, check=False).stdout
    assert "forced" not in log


def test_session_refs_that_cannot_be_sent_do_not_fail_the_push(repo: Repo, tmp_path: Path) -> None:
    remote = _setup(repo, tmp_path)
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\nwhile read o n r; do case $r in refs/sess/*|refs/notes/*)"
                    " echo no session refs here >&2; exit 1;; esac; done\nexit 0\n")
    hook.chmod(0o755)
    _session(repo)
    oid = repo.commit("work")
    proc = repo.git("push", "origin", "main", check=False)
    assert proc.returncode == 0
    said = [ln for ln in proc.stderr.splitlines() if ln.startswith("gitsess:")]
    assert len(said) == 1 and "not sent to origin" in said[0]
    assert remote_refs(remote)["refs/heads/main"] == oid


def test_nothing_new_is_decided_in_the_shell(repo: Repo, tmp_path: Path) -> None:
    """With no handoff pushed and the session refs as the remote has them,
    Python never starts: a broken git-sess path would show otherwise."""
    remote = _setup(repo, tmp_path)
    _session(repo)
    repo.commit("one")
    repo.git("push", "-q", "origin", "main")  # sends s1 and updates its tracking ref
    # A peer's live session, fetched into the tracking namespace, is theirs: no reason to start.
    git("update-ref", "refs/sess/live/peer", "refs/heads/main", cwd=remote)
    repo.git("fetch", "-q", "origin")
    assert "refs/sess/remotes/origin/live/peer" in repo.refs()
    no_python(repo)
    repo.commit("two")
    proc = repo.git("push", "origin", "main", check=False)
    assert proc.returncode == 0 and "no-such-command" not in proc.stderr


def test_dry_run_checks_but_sends_nothing(repo: Repo, tmp_path: Path) -> None:
    remote = _setup(repo, tmp_path)
    _session(repo)
    before = remote_refs(remote)
    repo.commit("work")
    proc = repo.git("push", "--dry-run", "origin", "main", check=False)
    assert proc.returncode == 0, proc.stderr
    assert remote_refs(remote) == before
    forbid_bash(repo)
    handoff_commit(repo, handoff_id(1), invariants=[FAILING])
    proc = repo.git("push", "-n", "origin", "main", check=False)
    assert proc.returncode != 0 and handoff_id(1) in proc.stderr  # still says it would refuse
    assert remote_refs(remote) == before


def test_real_handoffs_push_clean_then_a_tightened_policy_refuses(repo: Repo, tmp_path: Path) -> None:
    remote = _setup(repo, tmp_path)
    _session(repo, "s1")
    proc = repo.sess("handoff", "--quick", "--title", "first", "--session", "s1")
    assert proc.returncode == 0, proc.stderr
    first = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.git("push", "-q", "origin", "main")
    got = remote_refs(remote)
    assert got["refs/heads/main"] == first
    (href,) = [r for r in got if r.startswith("refs/sess/h/RT/")]
    assert got[href] == first and "refs/sess/done/s1" in got
    assert "refs/sess/live/s1" not in got  # handed off (live -> done) before it ever left
    assert "id: " + href.rsplit("/", 1)[1] in git("notes", "--ref=sess", "show", first, cwd=remote).stdout

    _session(repo, "s2")
    proc = repo.sess("handoff", "--quick", "--title", "second", "--session", "s2")
    assert proc.returncode == 0, proc.stderr
    # The policy tightens before the push: the guard recomputes the invariants.
    (repo.path / ".gitsess.yaml").write_text(NO_BASH_POLICY)
    before = remote_refs(remote)
    proc = repo.git("push", "origin", "main", check=False)
    assert proc.returncode != 0 and "no-bash" in proc.stderr and "--no-verify" in proc.stderr
    assert remote_refs(remote) == before


def test_moved_session_refs_are_sent_from_the_shell(repo: Repo, tmp_path: Path) -> None:
    """No handoff in the push, session refs and notes moved: the shim sends
    branch, session refs and notes itself and Python never starts."""
    remote = _setup(repo, tmp_path)
    _session(repo)
    repo.git("push", "-q", "origin", "main")
    no_python(repo)
    _session(repo)  # agent activity: live/s1 moves on
    _session(repo, "s2")
    repo.git("notes", "--ref=sess", "add", "-m", "---\nid: RT-261126-09\n---\nold", "HEAD")
    oid = repo.commit("work")
    proc = repo.git("push", "origin", "main", check=False)
    assert proc.returncode == 0, proc.stderr
    assert "no-such-command" not in proc.stderr and "gitsess" not in proc.stderr
    got, mine = remote_refs(remote), repo.refs()
    assert got["refs/heads/main"] == oid
    for ref in ("refs/sess/live/s1", "refs/sess/live/s2"):
        assert got[ref] == mine[ref]
    # The remote's notes: its own notes commit, with our note of a commit it has.
    assert "id: RT-261126-09" in git("notes", "--ref=sess", "show", oid + "~1", cwd=remote).stdout
    # The tracking refs followed, as after Python's push: the next push sends nothing.
    assert mine["refs/sess/remotes/origin/live/s1"] == mine["refs/sess/live/s1"]
    assert mine["refs/sess/remotes/origin/notes"] == got["refs/notes/sess"]
    assert "refs/sess/remotes/origin/live/s2" in mine
    log = git("reflog", "show", "--format=%gs", "refs/notes/sess", cwd=remote, check=False).stdout
    assert "forced" not in log


def test_push_to_a_url_sends_session_refs_from_the_shell(repo: Repo, tmp_path: Path) -> None:
    remote = _setup(repo, tmp_path)
    no_python(repo)
    _session(repo)
    oid = repo.commit("work")
    proc = repo.git("push", str(remote), "main", check=False)
    assert proc.returncode == 0 and "no-such-command" not in proc.stderr, proc.stderr
    got = remote_refs(remote)
    assert got["refs/heads/main"] == oid
    assert got["refs/sess/live/s1"] == repo.refs()["refs/sess/live/s1"]


def test_remote_without_refspecs_goes_to_python_which_adds_them(
        repo: Repo, tmp_path: Path) -> None:
    _setup(repo, tmp_path)
    other = bare(tmp_path / "other.git")
    repo.git("remote", "add", "other", str(other))  # after install: no fetch refspecs yet
    _session(repo)
    proc = repo.git("push", "-q", "other", "main", check=False)
    assert proc.returncode == 0, proc.stderr
    assert remote_refs(other)["refs/sess/live/s1"] == repo.refs()["refs/sess/live/s1"]
    specs = repo.git("config", "--get-all", "remote.other.fetch").stdout
    assert "+refs/notes/sess*:refs/sess/remotes/other/notes*" in specs
    assert "refs/sess/remotes/other/live/s1" in repo.refs()


def test_rejected_notes_in_the_shell_fall_back_to_python(repo: Repo, tmp_path: Path) -> None:
    """A peer's notes on the remote make the shell's push fail; Python then
    fetches, merges both sides' records and pushes, and the user sees none of it."""
    remote = _setup(repo, tmp_path)
    base = repo.git("rev-parse", "HEAD").stdout.strip()
    peer = Repo(tmp_path / "peer")
    git("clone", "-q", str(remote), str(peer.path), cwd=tmp_path)
    peer.git("notes", "--ref=sess", "add", "-m", "---\nid: PE-261126-01\n---\nfrom peer", base)
    peer.git("push", "-q", "--no-verify", "origin", "refs/notes/sess")
    repo.git("notes", "--ref=sess", "add", "-m", "---\nid: RT-261126-01\n---\nfrom me", base)
    _session(repo)
    oid = repo.commit("work")
    proc = repo.git("push", "origin", "main", check=False)
    assert proc.returncode == 0, proc.stderr
    assert "[rejected]" not in proc.stderr and "gitsess:" not in proc.stderr, proc.stderr
    got = remote_refs(remote)
    assert got["refs/heads/main"] == oid
    assert got["refs/sess/live/s1"] == repo.refs()["refs/sess/live/s1"]
    note = git("notes", "--ref=sess", "show", base, cwd=remote).stdout
    assert note.count("id: PE-261126-01") == 1 and note.count("id: RT-261126-01") == 1
    # Python fetched the peer's notes and built on them: a fast-forward of the peer's.
    theirs = peer.git("rev-parse", "refs/notes/sess").stdout.strip()
    assert git("merge-base", "--is-ancestor", theirs, "refs/notes/sess", cwd=remote,
               check=False).returncode == 0
    log = git("reflog", "show", "--format=%gs", "refs/notes/sess", cwd=remote, check=False).stdout
    assert "forced" not in log


def test_dry_run_is_seen_in_the_shell_and_sends_nothing(repo: Repo, tmp_path: Path) -> None:
    remote = _setup(repo, tmp_path)
    no_python(repo)
    _session(repo)
    repo.commit("work")
    before = remote_refs(remote)
    for flag in ("--dry-run", "-n", "-qn"):
        proc = repo.git("push", flag, "origin", "main", check=False)
        assert proc.returncode == 0 and "no-such-command" not in proc.stderr, proc.stderr
        assert remote_refs(remote) == before
    assert "refs/sess/remotes/origin/live/s1" not in repo.refs()


def test_pushed_tags_of_a_blob_and_a_tree_are_no_internal_error(
        repo: Repo, tmp_path: Path) -> None:
    """`git push --tags` with a tag on a blob (git.git has one) next to a
    handoff that Python checks: rev-list passes over what is no commit, and
    so must the guard, instead of failing the push."""
    remote = _setup(repo, tmp_path)
    _session(repo)
    hid = handoff_id(1)
    oid = handoff_commit(repo, hid)  # its note came after post-commit: no stamp, Python checks
    blob = repo.git("hash-object", "-w", "--stdin", input="a public key\n").stdout.strip()
    repo.git("tag", "-a", "-m", "a key", "key", blob)
    tree = repo.git("rev-parse", "HEAD^{tree}").stdout.strip()
    proc = repo.git("push", "origin", "main", "key", f"{tree}:refs/tags/tree", check=False)
    assert proc.returncode == 0, proc.stderr
    assert "internal error" not in proc.stderr
    got = remote_refs(remote)
    assert got["refs/heads/main"] == oid and got["refs/tags/tree"] == tree
    # And a failing handoff beside a blob is still refused, by its record.
    forbid_bash(repo)
    handoff_commit(repo, handoff_id(2), invariants=[FAILING])
    proc = repo.git("push", "origin", "main", f"{blob}:refs/tags/blob", check=False)
    assert proc.returncode != 0 and handoff_id(2) in proc.stderr and "no-bash" in proc.stderr
    assert "internal error" not in proc.stderr


def test_an_abbreviated_dry_run_sends_nothing(repo: Repo, tmp_path: Path) -> None:
    """git takes any unambiguous prefix of a long option: `git push --dry` is
    a dry run, and sending the session refs (the handoff commits with them)
    would be the one thing it did."""
    remote = _setup(repo, tmp_path)
    _session(repo)
    repo.commit("work")
    before = remote_refs(remote)
    for flag in ("--dr", "--dry", "--dry-r"):
        proc = repo.git("push", flag, "origin", "main", check=False)
        assert proc.returncode == 0, proc.stderr
        assert remote_refs(remote) == before, flag


# pre-commit's hook-impl, installed after gitsess: it moved our shim to
# pre-push.legacy and runs it from Python with the same stdin.
HOOK_MANAGER = """#!{python}
import os, subprocess, sys
data = sys.stdin.buffer.read()
legacy = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pre-push.legacy")
sys.exit(subprocess.run([legacy, *sys.argv[1:]], input=data).returncode)
"""


def test_a_dry_run_is_seen_through_a_hook_manager(repo: Repo, tmp_path: Path) -> None:
    """Chained as another manager's .legacy hook, the shim's parent is the
    manager, not git: the pushing git's command line is further up."""
    import sys

    remote = _setup(repo, tmp_path)
    hooks = repo.path / ".git" / "hooks"
    (hooks / "pre-push").rename(hooks / "pre-push.legacy")
    (hooks / "pre-push").write_text(HOOK_MANAGER.replace("{python}", sys.executable))
    (hooks / "pre-push").chmod(0o755)
    _session(repo)
    oid = repo.commit("work")
    before = remote_refs(remote)
    for flag in ("-n", "--dry-run"):
        proc = repo.git("push", flag, "origin", "main", check=False)
        assert proc.returncode == 0, proc.stderr
        assert remote_refs(remote) == before, flag
    proc = repo.git("push", "origin", "main", check=False)  # and a real push still sends
    assert proc.returncode == 0, proc.stderr
    got = remote_refs(remote)
    assert got["refs/heads/main"] == oid
    assert got["refs/sess/live/s1"] == repo.refs()["refs/sess/live/s1"]


def test_a_push_that_carries_the_notes_itself_is_not_failed_by_the_send(
        repo: Repo, tmp_path: Path) -> None:
    """`git push origin main refs/notes/sess`, or --mirror: sent first from
    the hook, the notes were no longer what git's own update of them
    expected ('failed to update ref'), which failed the push, and with
    --atomic all of it."""
    remote = _setup(repo, tmp_path)
    _session(repo)
    oid = handoff_commit(repo, handoff_id(1))
    proc = repo.git("push", "--atomic", "origin", "main", "refs/notes/sess", check=False)
    assert proc.returncode == 0, proc.stderr
    got = remote_refs(remote)
    assert got["refs/heads/main"] == oid
    assert got["refs/notes/sess"] == repo.refs()["refs/notes/sess"]
    mirror = bare(tmp_path / "mirror.git")
    repo.git("remote", "add", "mirror", str(mirror))
    proc = repo.git("push", "--mirror", "mirror", check=False)
    assert proc.returncode == 0, proc.stderr
    assert remote_refs(mirror)["refs/sess/h/RT/" + handoff_id(1)] == oid


def test_sess_id_trailers_as_git_reads_them_are_all_checked(repo: Repo, tmp_path: Path) -> None:
    """git's trailer rules (and gitsess's, commit-msg's) take `Sess-Id : X`
    (space before the colon) and a value folded onto the next line: such a
    handoff must not slip past the guard that the shim's grep and Python's
    regex were looking for `Sess-Id: X` with."""
    from tests.sesshelpers import record_text

    remote = _setup(repo, tmp_path)
    _session(repo)
    forbid_bash(repo)
    spellings = {handoff_id(1): "Sess-Id : {hid}", handoff_id(2): "Sess-Id:\n  {hid}"}
    for hid, line in spellings.items():
        msg = (f"handoff(core): {hid}\n\n## Summary\n\n{hid}\n\n{line.format(hid=hid)}\n"
               "Sess-Operator: RT\nSess-Workstream: core\nSess-Session: s1\n")
        repo.git("commit", "-q", "--allow-empty", "--no-verify", "-F", "-", input=msg)
        oid = repo.git("rev-parse", "HEAD").stdout.strip()
        repo.git("notes", "--ref=sess", "add", "-f", "-F", "-", oid,
                 input=record_text(hid, commit=oid))
    before = remote_refs(remote)
    proc = repo.git("push", "origin", "main", check=False)
    assert proc.returncode != 0, proc.stderr
    for hid in spellings:
        assert f"{hid}: invariant 'no-bash' failed" in proc.stderr, proc.stderr
    assert remote_refs(remote) == before


def test_a_push_of_many_refs_is_checked_whatever_the_shell_exported(
        repo: Repo, tmp_path: Path) -> None:
    """`git push --all` of 1500 new branches from a shell that exports
    variables named like the shim's: assigned there, they stay exported and
    carry every line of the push to each command the shim runs ('Argument
    list too long'). The push is checked all the same (refused for its one
    failing handoff), then goes through."""
    remote = _setup(repo, tmp_path)
    _session(repo)
    base = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.git("update-ref", "--stdin",
             input="".join(f"create refs/heads/b{i:04d} {base}\n" for i in range(1500)))
    forbid_bash(repo)
    handoff_commit(repo, handoff_id(1), invariants=[FAILING])
    env = {name: "x" for name in ("lines", "revs", "handoffs", "check", "q", "pol", "out",
                                  "stamp", "args", "state", "fast", "bg")}
    before = remote_refs(remote)
    proc = repo.git("push", "--all", "origin", check=False, env=env)
    assert proc.returncode != 0 and "Argument list" not in proc.stderr, proc.stderr
    assert f"{handoff_id(1)}: invariant 'no-bash' failed" in proc.stderr, proc.stderr
    assert remote_refs(remote) == before
    allow_bash(repo)
    proc = repo.git("push", "--all", "origin", check=False, env=env)
    assert proc.returncode == 0, proc.stderr
    got = remote_refs(remote)
    assert got["refs/heads/b1499"] == base
    assert got["refs/heads/main"] == repo.git("rev-parse", "HEAD").stdout.strip()
    assert got["refs/sess/live/s1"] == repo.refs()["refs/sess/live/s1"]


def test_a_replace_ref_does_not_hide_a_handoff_that_the_push_sends(
        repo: Repo, tmp_path: Path) -> None:
    """`git replace --graft` (stitching or cutting history) changes what
    `git rev-list` walks, not what `git push` sends: a handoff grafted out
    of the walk still leaves, and is still checked."""
    remote = _setup(repo, tmp_path)
    _session(repo)
    forbid_bash(repo)
    bad = handoff_commit(repo, handoff_id(1), invariants=[FAILING])
    repo.commit("on top")
    repo.git("replace", "--graft", "HEAD", f"{bad}~1")
    before = remote_refs(remote)
    proc = repo.git("push", "origin", "main", check=False)
    assert proc.returncode != 0 and handoff_id(1) in proc.stderr, proc.stderr
    assert remote_refs(remote) == before
