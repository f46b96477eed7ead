"""git sess sync and gitsess/sync/exchange.py: peers' refs into the tracking
namespace, notes merged by union, pushes never forced."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from gitsess.handoff import record
from gitsess.sync import exchange as sync
from tests.helpers import Repo, git, payload
from tests.sesshelpers import bare, git_daemon, handoff_commit, handoff_id, remote_refs


def _clone(url: str, path: Path, op: str) -> Repo:
    git("clone", "-q", url, str(path), cwd=path.parent)
    r = Repo(path)
    r.git("config", "sess.operator", op)
    r.setup("install")
    return r


def _ids_in_notes(cwd: Path, ref: str = "refs/notes/sess") -> set[str]:
    listed = git("notes", f"--ref={ref}", "list", cwd=cwd, check=False).stdout.split()
    ids: set[str] = set()
    for annotated in listed[1::2]:
        text = git("notes", f"--ref={ref}", "show", annotated, cwd=cwd).stdout
        ids |= {ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith("id:")}
    return ids


def _only_fast_forwards(remote: Path) -> list[str]:
    """Reflog lines of the remote whose update was not a fast-forward."""
    bad = []
    logs = remote / "logs"
    for root, _dirs, files in os.walk(logs):
        for name in files:
            for line in (Path(root) / name).read_text().splitlines():
                old, new = line.split()[:2]
                if set(old) == {"0"} or set(new) == {"0"}:
                    continue
                ok = git("merge-base", "--is-ancestor", old, new, cwd=remote, check=False)
                if ok.returncode != 0:
                    bad.append(f"{name}: {line}")
    return bad


def test_sync_over_git_daemon_brings_peers_records(tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    seed = tmp_path / "seed"
    git("init", "-q", "-b", "main", str(seed), cwd=tmp_path)
    git("commit", "-q", "--allow-empty", "-m", "initial", cwd=seed)
    git("clone", "-q", "--bare", str(seed), str(served / "project.git"), cwd=tmp_path)
    git("config", "core.logAllRefUpdates", "always", cwd=served / "project.git")
    with git_daemon(served) as base:
        url = f"{base}/project.git"
        a = _clone(url, tmp_path / "a", "AA")
        b = _clone(url, tmp_path / "b", "BB")
        a.record(payload("PreToolUse", session="sa", tool_name="Bash"))
        oid = handoff_commit(a, handoff_id(1, "AA"), op="AA")
        a.git("push", "-q", "origin", "main")  # pre-push sends refs and notes over git://
        served_refs = remote_refs(served / "project.git")
        assert served_refs["refs/sess/h/AA/AA-261126-01"] == oid
        assert "refs/notes/sess" in served_refs and "refs/sess/live/sa" in served_refs

        out = b.sess("sync", check=True)
        assert "synced origin" in out.stdout
        assert b.refs()["refs/sess/remotes/origin/h/AA/AA-261126-01"] == oid
        assert "refs/sess/remotes/origin/live/sa" in b.refs()
        assert f"id: {handoff_id(1, 'AA')}" in b.git("notes", "--ref=sess", "show", oid).stdout

        b.git("pull", "-q", "--rebase")
        handoff_commit(b, handoff_id(1, "BB"), op="BB")
        b.git("push", "-q", "origin", "main")  # its records go with the commit
        b.sess("sync", check=True)
        a.git("fetch", "-q")  # a plain fetch brings peers' refs (install's refspecs)
        assert "refs/sess/remotes/origin/h/BB/BB-261126-01" in a.refs()
        a.sess("sync", check=True)
        assert _ids_in_notes(a.path) == {"AA-261126-01", "BB-261126-01"}
    assert not _only_fast_forwards(served / "project.git")


def test_two_records_on_one_commit_are_both_kept(repo: Repo, tmp_path: Path) -> None:
    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "main")
    a = _clone(str(remote), tmp_path / "a", "AA")
    b = _clone(str(remote), tmp_path / "b", "BB")
    base = a.git("rev-parse", "HEAD").stdout.strip()
    a.git("notes", "--ref=sess", "add", "-m", "---\nid: AA-261126-01\n---\nfrom a", base)
    b.git("notes", "--ref=sess", "add", "-m", "---\nid: BB-261126-01\n---\nfrom b", base)
    a.sess("sync", check=True)
    b.sess("sync", check=True)
    a.sess("sync", check=True)
    for cwd in (remote, a.path, b.path):
        text = git("notes", "--ref=sess", "show", base, cwd=cwd).stdout
        assert text.count("id: AA-261126-01") == 1 and text.count("id: BB-261126-01") == 1
    # The same notes everywhere (each clone's ref also holds its own merges).
    trees = {git("rev-parse", "refs/notes/sess^{tree}", cwd=cwd).stdout for cwd in
             (remote, a.path, b.path)}
    assert len(trees) == 1


def test_merge_note_texts_is_a_union_in_a_fixed_order() -> None:
    x, y = "---\nid: X\n---\nx\n", "---\nid: Y\n---\ny\n"
    both = sync.merge_note_texts(x, y)
    assert both == sync.merge_note_texts(y, x)
    assert sync.merge_note_texts(both, y) == both
    assert record.split_records(both) == sorted([x, y])


def test_handed_off_live_ref_is_deleted_remotely_with_a_lease(repo: Repo, tmp_path: Path) -> None:
    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    repo.setup("install")
    for s in ("s1", "s2"):
        repo.record(payload("PreToolUse", session=s, tool_name="Bash"))
    repo.git("push", "-q", "origin", "main")
    assert {"refs/sess/live/s1", "refs/sess/live/s2"} <= set(remote_refs(remote))
    # A peer's event landed on the remote's live/s2 after we last saw it.
    other = tmp_path / "other"
    git("clone", "-q", str(remote), str(other), cwd=tmp_path)
    git("fetch", "-q", "origin", "refs/sess/live/s2:refs/sess/live/s2", cwd=other)
    tip = git("commit-tree", "-p", "refs/sess/live/s2", "-m", "later event",
              "refs/sess/live/s2^{tree}", cwd=other).stdout.strip()
    git("push", "-q", "--no-verify", "origin", f"{tip}:refs/sess/live/s2", cwd=other)
    for s in ("s1", "s2"):  # the handoff takes both sessions in
        repo.git("update-ref", f"refs/sess/done/{s}", f"refs/sess/live/{s}")
        repo.git("update-ref", "-d", f"refs/sess/live/{s}")
    # Done refs go with the handoff that names their sessions, once its commit is there.
    repo.git("commit", "-q", "--no-verify", "--allow-empty", "-F", "-",
             input=f"handoff(core): both\n\nSess-Id: {handoff_id(1)}\nSess-Operator: RT\n"
                   "Sess-Session: s1\nSess-Session: s2\n")
    repo.git("update-ref", f"refs/sess/h/RT/{handoff_id(1)}", "HEAD")
    repo.git("push", "-q", "--no-verify", "origin", "main")
    out = repo.sess("sync")
    got = remote_refs(remote)
    assert "refs/sess/live/s1" not in got and "refs/sess/done/s1" in got
    assert got["refs/sess/live/s2"] == tip  # not ours to delete: it moved on
    assert out.returncode == 0, out.stderr
    assert not _only_fast_forwards(remote)


def test_push_after_a_handoff_deletes_the_remote_live_ref(repo: Repo, tmp_path: Path) -> None:
    """The shim leaves a leased deletion to Python: a plain `git push` does it."""
    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    repo.setup("install")
    repo.record(payload("PreToolUse", session="s1", tool_name="Bash"))
    repo.git("push", "-q", "origin", "main")
    assert "refs/sess/live/s1" in remote_refs(remote)
    repo.git("update-ref", "refs/sess/done/s1", "refs/sess/live/s1")
    repo.git("update-ref", "-d", "refs/sess/live/s1")
    handoff_commit(repo, handoff_id(1))  # its done ref goes with it
    proc = repo.git("push", "-q", "origin", "main", check=False)
    assert proc.returncode == 0, proc.stderr
    got = remote_refs(remote)
    assert "refs/sess/live/s1" not in got and "refs/sess/done/s1" in got
    assert not _only_fast_forwards(remote)


def test_local_only_refs_never_leave(repo: Repo, tmp_path: Path) -> None:
    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    repo.setup("install")
    head = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.git("push", "-q", "--no-verify", "origin", "main")  # transcripts go with their handoff
    repo.git("update-ref", "refs/sess/h/RT/RT-261126-01", head)
    for ref in ("refs/sess/local/transcripts/x", "refs/sess/pending/s1/1", "refs/sess/live/s1",
                "refs/sess/transcripts/RT-261126-01/s1"):
        repo.git("update-ref", ref, head)
    repo.sess("sync", check=True)
    got = remote_refs(remote)
    assert "refs/sess/live/s1" in got
    # transcripts: push puts them under refs/sess/transcripts/, which travels
    assert "refs/sess/transcripts/RT-261126-01/s1" in got
    assert not [r for r in got if r.startswith(("refs/sess/local/", "refs/sess/pending/",
                                                "refs/sess/remotes/"))]


def _handoff(r: Repo, i: int, op: str) -> None:
    """One handoff, the way a user makes it."""
    proc = r.sess("handoff", "--allow-empty", "--quick", "--title", f"{op} step {i}",
                  "--workstream", f"ws-{op}")
    assert proc.returncode == 0, proc.stderr


def _branch_with_handoff(repo: Repo, hid: str, branch: str = "feature") -> str:
    repo.git("switch", "-q", "-c", branch)
    repo.commit(f"private work on {branch}", {f"{branch}.txt": "not pushed\n"})
    oid = handoff_commit(repo, hid)
    repo.git("switch", "-q", "main")
    return oid


def _remote_objects(remote: Path) -> dict[str, bytes]:
    """Every object in the remote (oid -> content), from its own object store."""
    listed = git("cat-file", "--batch-all-objects", "--batch-check", cwd=remote).stdout.split("\n")
    oids = [ln.split()[0] for ln in listed if ln.strip()]
    return {o: subprocess.run(["git", "cat-file", "-p", o], cwd=remote, capture_output=True,
                              check=True).stdout for o in oids}


def test_pushing_main_publishes_nothing_of_a_private_branchs_handoff(
        repo: Repo, tmp_path: Path) -> None:
    """Issue 9, point 5: a handoff on a never-pushed branch, then `git push
    origin main`: the remote gets main's commits and live refs, and not one
    object naming the private branch, its title, its session or its note."""
    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    repo.setup("install")
    repo.git("push", "-q", "-u", "origin", "main")
    repo.git("switch", "-q", "-c", "private-feature")
    repo.commit("secret work", {"secret.txt": "not pushed\n"})
    repo.record(payload("PreToolUse", session="sp", tool_name="Bash"))
    out = repo.sess("handoff", "--quick", "--title", "Zanzibar codename", "--workstream", "hush")
    assert out.returncode == 0, out.stderr
    oid = repo.git("rev-parse", "HEAD").stdout.strip()
    hid = next(iter(repo.refs("refs/sess/h/"))).rsplit("/", 1)[-1]
    repo.hook(payload("PreToolUse", session="sq", tool_name="Bash"))  # live on the branch
    repo.git("switch", "-q", "main")
    repo.hook(payload("PreToolUse", session="sm", tool_name="Bash"))  # live on main
    repo.commit("more work on main")
    proc = repo.git("push", "-q", "origin", "main", check=False)
    assert proc.returncode == 0, proc.stderr
    got = remote_refs(remote)
    assert got["refs/heads/main"] == repo.git("rev-parse", "main").stdout.strip()
    leaked = [r for r in got if r.startswith(("refs/sess/h/", "refs/sess/done/", "refs/notes/",
                                               "refs/sess/transcripts/"))]
    assert leaked == [] and "refs/sess/live/sq" not in got
    assert got["refs/sess/live/sm"] == repo.refs()["refs/sess/live/sm"]
    objects = _remote_objects(remote)
    assert oid not in objects
    for data in objects.values():
        # ...nor a machine path: session.json keeps cwd and worktree relative.
        for word in (b"Zanzibar", b"private-feature", hid.encode(), b"hush", str(tmp_path).encode()):
            assert word not in data, (word, data[:200])
    repo.git("push", "-q", "origin", "private-feature")  # its branch: its records go along
    got = remote_refs(remote)
    assert got[f"refs/sess/h/RT/{hid}"] == oid and "refs/sess/done/sp" in got
    assert "refs/sess/live/sq" in got
    assert hid in git("notes", "--ref=sess", "show", oid, cwd=remote).stdout


def test_a_rejected_push_publishes_no_handoff_ref_and_the_rebased_one_follows(
        tmp_path: Path) -> None:
    """Issue 9, point 8 / deliverable 7: B's push is rejected (A pushed first):
    B's handoff ref and note must not reach the remote; after pull --rebase
    and push, the remote's ref and note are on the rebased commit, which the
    remote's main reaches, and nothing was forced."""
    remote = bare(tmp_path / "remote.git")
    seed = tmp_path / "seed"
    git("init", "-q", "-b", "main", str(seed), cwd=tmp_path)
    git("commit", "-q", "--allow-empty", "-m", "initial", cwd=seed)
    git("push", "-q", str(remote), "main", cwd=seed)
    a, b = (_clone(str(remote), tmp_path / op.lower(), op) for op in ("AA", "BB"))
    for r, op in ((a, "AA"), (b, "BB")):
        r.record(payload("PreToolUse", session=f"s-{op}", tool_name="Bash"))
        _handoff(r, 1, op)
    a.git("push", "-q", "origin", "main")
    before = b.git("rev-parse", "HEAD").stdout.strip()
    proc = b.git("push", "-q", "origin", "main", check=False)
    assert proc.returncode != 0  # fetch first
    got = remote_refs(remote)
    assert not [r for r in got if r.startswith("refs/sess/h/BB/")]
    assert before not in set(_remote_objects(remote))
    b.git("pull", "-q", "--rebase")
    b.git("push", "-q", "origin", "main")
    after = b.git("rev-parse", "HEAD").stdout.strip()
    got = remote_refs(remote)
    [bref] = [r for r in got if r.startswith("refs/sess/h/BB/")]
    assert got[bref] == after
    _assert_remote_records_on_branches(remote)
    assert not _only_fast_forwards(remote)


def _assert_remote_records_on_branches(remote: Path) -> None:
    """Every handoff ref and every note of the remote is on a commit its branches reach."""
    on = set(git("rev-list", "--branches", cwd=remote).stdout.split())
    for name, oid in remote_refs(remote).items():
        if name.startswith("refs/sess/h/"):
            assert oid in on, name
    listed = git("notes", "--ref=sess", "list", cwd=remote, check=False).stdout.split()
    assert set(listed[1::2]) <= on


def test_sync_keeps_the_records_of_unpushed_branches(repo: Repo, tmp_path: Path) -> None:
    """git sess sync publishes what git push would: records of a branch never
    pushed (their ref, note, done refs) stay here until it is."""
    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    repo.setup("install")
    repo.git("push", "-q", "-u", "origin", "main")
    good = _branch_with_handoff(repo, handoff_id(1), "good")
    out = repo.sess("sync", "origin")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 handoff kept here until its branch is pushed" in out.stdout
    got = remote_refs(remote)
    assert not [r for r in got if r.startswith(("refs/sess/h/", "refs/sess/done/", "refs/notes/"))]
    assert git("cat-file", "-e", good, cwd=remote, check=False).returncode != 0
    repo.git("push", "-q", "origin", "good")
    repo.sess("sync", "origin", check=True)
    got = remote_refs(remote)
    assert got[f"refs/sess/h/RT/{handoff_id(1)}"] == good
    assert handoff_id(1) in git("notes", "--ref=sess", "show", good, cwd=remote).stdout


def test_a_remote_named_like_an_option_gets_its_session_refs(repo: Repo, tmp_path: Path) -> None:
    """`git push -- -n main`: the person's push names the remote after `--`;
    gitsess's own push and fetch of the session refs must too."""
    remote = bare(tmp_path / "-n")
    repo.git("remote", "add", "--", "-n", str(remote))
    repo.setup("install")
    assert repo.hook(payload("PreToolUse", session="s1", tool_name="Bash")).returncode == 0
    proc = repo.git("push", "-q", "--", "-n", "main", check=False)
    assert proc.returncode == 0 and "gitsess" not in proc.stderr, proc.stderr
    assert remote_refs(remote)["refs/sess/live/s1"] == repo.refs()["refs/sess/live/s1"]
    out = repo.sess("sync", "--", "-n")
    assert out.returncode == 0, out.stdout + out.stderr
