"""git sess sync and gitsess/sync.py: peers' refs into the tracking
namespace, notes merged by union, pushes never forced."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gitsess import record, sync
from tests.helpers import Repo, fsck, git, payload
from tests.sesshelpers import bare, git_daemon, handoff_commit, handoff_id, remote_refs


def _clone(url: str, path: Path, op: str) -> Repo:
    git("clone", "-q", url, str(path), cwd=path.parent)
    r = Repo(path)
    r.git("config", "sess.operator", op)
    r.sess("install", check=True)
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
        a.hook(payload("PreToolUse", session="sa", tool_name="Bash"))
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

        handoff_commit(b, handoff_id(1, "BB"), op="BB")
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
    assert a.refs()["refs/notes/sess"] == b.refs()["refs/notes/sess"] == remote_refs(remote)[
        "refs/notes/sess"]


def test_merge_note_texts_is_a_union_in_a_fixed_order() -> None:
    x, y = "---\nid: X\n---\nx\n", "---\nid: Y\n---\ny\n"
    both = sync.merge_note_texts(x, y)
    assert both == sync.merge_note_texts(y, x)
    assert sync.merge_note_texts(both, y) == both
    assert record.split_records(both) == sorted([x, y])


def test_handed_off_live_ref_is_deleted_remotely_with_a_lease(repo: Repo, tmp_path: Path) -> None:
    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    repo.sess("install", check=True)
    for s in ("s1", "s2"):
        repo.hook(payload("PreToolUse", session=s, tool_name="Bash"))
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
    repo.sess("install", check=True)
    repo.hook(payload("PreToolUse", session="s1", tool_name="Bash"))
    repo.git("push", "-q", "origin", "main")
    assert "refs/sess/live/s1" in remote_refs(remote)
    repo.git("update-ref", "refs/sess/done/s1", "refs/sess/live/s1")
    repo.git("update-ref", "-d", "refs/sess/live/s1")
    repo.commit("work")
    proc = repo.git("push", "-q", "origin", "main", check=False)
    assert proc.returncode == 0, proc.stderr
    got = remote_refs(remote)
    assert "refs/sess/live/s1" not in got and "refs/sess/done/s1" in got
    assert not _only_fast_forwards(remote)


def test_local_only_refs_never_leave(repo: Repo, tmp_path: Path) -> None:
    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    repo.sess("install", check=True)
    head = repo.git("rev-parse", "HEAD").stdout.strip()
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


def test_concurrent_sync_two_clones_twenty_handoffs_each(tmp_path: Path) -> None:
    remote = bare(tmp_path / "remote.git")
    seed = tmp_path / "seed"
    git("init", "-q", "-b", "main", str(seed), cwd=tmp_path)
    git("commit", "-q", "--allow-empty", "-m", "initial", cwd=seed)
    git("push", "-q", str(remote), "main", cwd=seed)
    clones = [_clone(str(remote), tmp_path / op.lower(), op) for op in ("AA", "BB")]
    n = 20

    def work(r: Repo, op: str) -> list[str]:
        failures = []
        for i in range(1, n + 1):
            _handoff(r, i, op)
            out = r.sess("sync")
            if os.environ.get("SHOW_SYNC_OUTPUT"):
                print(op, out.stdout.strip())
            if out.returncode != 0:
                failures.append(out.stdout + out.stderr)
        return failures

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(work, clones, ["AA", "BB"]))
    assert results == [[], []]
    for r in clones:  # one more round so each sees the other's last push
        r.sess("sync", check=True)
    want = {ref.rsplit("/", 1)[-1] for r in clones for ref in r.refs("refs/sess/h/")}
    assert len(want) == 2 * n
    assert _ids_in_notes(remote) == want
    got = remote_refs(remote)
    assert {r.rsplit("/", 1)[-1] for r in got if r.startswith("refs/sess/h/")} == want
    for r in clones:
        assert _ids_in_notes(r.path) == want
        theirs = {x.rsplit("/", 1)[-1] for x in r.refs("refs/sess/remotes/origin/h/")}
        assert theirs == want
        assert fsck(r).returncode == 0
    assert not _only_fast_forwards(remote)
    assert git("fsck", "--strict", "--no-progress", cwd=remote, check=False).returncode == 0


def _branch_with_handoff(repo: Repo, hid: str, branch: str = "feature") -> str:
    repo.git("switch", "-q", "-c", branch)
    repo.commit(f"private work on {branch}", {f"{branch}.txt": "not pushed\n"})
    oid = handoff_commit(repo, hid)
    repo.git("switch", "-q", "main")
    return oid


def test_a_push_sends_the_handoffs_of_what_it_pushes_not_of_other_branches(
        repo: Repo, tmp_path: Path) -> None:
    """A handoff ref drags its commit's history along: pushing main must not
    publish (nor skip the guard of) a branch that was never pushed."""
    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    repo.sess("install", check=True)
    repo.git("push", "-q", "-u", "origin", "main")
    oid = _branch_with_handoff(repo, handoff_id(1))
    repo.commit("more work on main")
    repo.git("push", "-q", "origin", "main")
    got = remote_refs(remote)
    assert "refs/notes/sess" in got  # the records travel; the history does not
    assert not any(r.startswith("refs/sess/h/") for r in got)
    assert git("cat-file", "-e", oid, cwd=remote, check=False).returncode != 0
    repo.git("push", "-q", "origin", "feature")  # its branch: the handoff goes along
    assert remote_refs(remote)[f"refs/sess/h/RT/{handoff_id(1)}"] == oid


def test_sync_shares_unpushed_handoffs_once_they_pass_the_guard(repo: Repo,
                                                                tmp_path: Path) -> None:
    """git sess sync is asked to share every handoff, so it also sends those
    whose branch the remote lacks, but only past the checks git push makes."""
    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    repo.sess("install", check=True)
    repo.git("push", "-q", "-u", "origin", "main")
    good = _branch_with_handoff(repo, handoff_id(1), "good")
    repo.git("switch", "-q", "-c", "bad")
    bad = handoff_commit(repo, handoff_id(2), note=False)  # no record: the guard refuses it
    repo.git("switch", "-q", "main")
    out = repo.sess("sync", "origin")
    assert out.returncode == 1, out.stdout + out.stderr
    assert out.stderr.startswith("error: sync with origin incomplete") and "synced" not in out.stdout
    assert f"not pushed: handoff {handoff_id(2)} fails the checks git push would make" in out.stderr
    assert "no record note" in out.stderr
    got = remote_refs(remote)
    assert got[f"refs/sess/h/RT/{handoff_id(1)}"] == good
    assert f"refs/sess/h/RT/{handoff_id(2)}" not in got
    assert git("cat-file", "-e", bad, cwd=remote, check=False).returncode != 0


def test_a_remote_named_like_an_option_gets_its_session_refs(repo: Repo, tmp_path: Path) -> None:
    """`git push -- -n main`: the person's push names the remote after `--`;
    gitsess's own push and fetch of the session refs must too."""
    remote = bare(tmp_path / "-n")
    repo.git("remote", "add", "--", "-n", str(remote))
    repo.sess("install", check=True)
    assert repo.hook(payload("PreToolUse", session="s1", tool_name="Bash")).returncode == 0
    proc = repo.git("push", "-q", "--", "-n", "main", check=False)
    assert proc.returncode == 0 and "gitsess" not in proc.stderr, proc.stderr
    assert remote_refs(remote)["refs/sess/live/s1"] == repo.refs()["refs/sess/live/s1"]
    out = repo.sess("sync", "--", "-n")
    assert out.returncode == 0, out.stdout + out.stderr
