"""History rewrites (gitsess/sync/rewrite.py, the post-rewrite hook, doctor --relink):
every record stays reachable from its rewritten commit."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from gitsess.data import schema
from tests.helpers import Repo, fsck, git, payload
from tests.sesshelpers import bare, handoff_commit, handoff_id


def _note(repo: Repo, oid: str) -> str:
    return repo.git("notes", "--ref=sess", "show", oid, check=False).stdout


def _h(repo: Repo, hid: str, op: str = "RT") -> str:
    return repo.refs()[f"refs/sess/h/{op}/{hid}"]


def test_amend_moves_the_handoff_ref_and_the_note(repo: Repo) -> None:
    repo.setup("install")
    hid = handoff_id(1)
    old = handoff_commit(repo, hid)
    (repo.path / "more.txt").write_text("more\n")
    repo.git("add", "more.txt")
    repo.git("commit", "-q", "--amend", "--no-edit")  # commit-msg and post-commit run too
    new = repo.git("rev-parse", "HEAD").stdout.strip()
    assert new != old
    assert _h(repo, hid) == new
    assert f"id: {hid}" in _note(repo, new)
    assert fsck(repo).returncode == 0


def test_amend_that_edits_the_narrative_updates_the_record(repo: Repo, tmp_path: Path) -> None:
    """git copies the old note onto an amended handoff; the record must then say
    what the amended message says, and name the amended commit."""
    from gitsess.handoff import record

    repo.setup("install")
    repo.record(payload("PreToolUse", "am1", tool_name="Bash"))
    narrative = tmp_path / "n.md"
    narrative.write_text("---\ntitle: First\nworkstream: ws\n---\n## Summary\nold summary\n"
                         "## Resume Prompt\nold prompt\n")
    repo.sess("handoff", "-F", str(narrative), check=True)
    old = repo.git("rev-parse", "HEAD").stdout.strip()
    msg = repo.git("log", "-1", "--format=%B").stdout
    msg = msg.replace("old summary", "new summary").replace("old prompt", "new prompt")
    msg = msg.replace("handoff(ws): First", "handoff(ws): Second")
    repo.git("commit", "-q", "--amend", "--allow-empty", "-F", "-", input=msg)
    new = repo.git("rev-parse", "HEAD").stdout.strip()
    assert new != old
    note = _note(repo, new)
    assert len(record.split_records(note)) == 1
    rec = record.parse(note)
    assert rec.front["commit"] == new and rec.front["title"] == "Second"
    assert rec.sections["Summary"] == "new summary"
    assert rec.front["resume_prompt"] == "new prompt"
    assert rec.front["telemetry"]["tool_calls"] == 1  # what the sessions did stays
    assert record.validate(rec) == []
    shown = json.loads(repo.sess("show", rec.id, "--json", check=True).stdout)
    assert shown["sections"]["Summary"] == "new summary"


def test_amend_copies_the_note_even_when_git_is_told_not_to(repo: Repo) -> None:
    repo.setup("install")
    repo.git("config", "notes.rewrite.amend", "false")
    hid = handoff_id(1)
    handoff_commit(repo, hid)
    repo.git("commit", "-q", "--no-verify", "--amend", "--no-edit", "--allow-empty")
    new = repo.git("rev-parse", "HEAD").stdout.strip()
    assert _h(repo, hid) == new and f"id: {hid}" in _note(repo, new)


def test_rebase_of_three_handoffs_onto_a_new_base(repo: Repo) -> None:
    repo.setup("install")
    repo.git("switch", "-q", "-c", "topic")
    ids = [handoff_id(i) for i in (1, 2, 3)]
    olds = [handoff_commit(repo, hid, ws="topic") for hid in ids]
    repo.git("switch", "-q", "main")
    repo.commit("upstream moved", files={"up.txt": "x\n"})
    repo.git("switch", "-q", "topic")
    repo.git("rebase", "-q", "main")
    rebased = repo.git("rev-list", "--reverse", "main..topic").stdout.split()
    assert len(rebased) == 3 and not set(rebased) & set(olds)
    for hid, oid in zip(ids, rebased, strict=True):
        assert _h(repo, hid) == oid
        assert f"id: {hid}" in _note(repo, oid)
    assert fsck(repo).returncode == 0


def test_squash_merge_is_relinked_by_sess_id(repo: Repo) -> None:
    repo.setup("install")
    repo.git("switch", "-q", "-c", "topic")
    ids = [handoff_id(i) for i in (1, 2, 3)]
    for hid in ids:
        handoff_commit(repo, hid, ws="topic")
    repo.git("switch", "-q", "main")
    repo.git("merge", "-q", "--squash", "topic")
    repo.git("commit", "-q", "--no-edit")  # git's squash message keeps the trailers, indented
    repo.git("branch", "-q", "-D", "topic")
    squash = repo.git("rev-parse", "HEAD").stdout.strip()
    assert "Sess-Id: " + ids[0] in repo.git("log", "-1", "--format=%B").stdout

    before = json.loads(repo.sess("doctor", "--json").stdout)
    notes = [f for f in before["findings"] if f["check"] == "notes"]
    assert notes and notes[0]["fix"] == "git sess doctor --relink"

    out = repo.sess("doctor", "--relink", "--json")
    data = json.loads(out.stdout)
    assert sorted(r["record"] for r in data["relinked"]) == ids
    # The originals (topic deleted) still hold the records too: --fix drops
    # those notes, their records being on the squash commit now.
    left = [f for f in data["findings"] if f["check"] == "notes"]
    assert [f["fix"] for f in left] == ["git sess doctor --fix"]
    fixed = json.loads(repo.sess("doctor", "--fix", "--json").stdout)
    assert len(fixed["fixed"]["dropped"]) == 3
    assert not [f for f in fixed["findings"] if f["check"] == "notes"]
    note = _note(repo, squash)
    for hid in ids:
        assert f"id: {hid}" in note  # three records kept on one commit
        assert _h(repo, hid) == squash
    again = json.loads(repo.sess("doctor", "--relink", "--json").stdout)
    assert again["relinked"] == []
    assert fsck(repo).returncode == 0


def test_hosting_site_squash_with_plain_trailers_is_relinked(repo: Repo) -> None:
    """A squash made elsewhere (GitHub lists the squashed messages unindented), then pulled."""
    repo.setup("install")
    repo.git("switch", "-q", "-c", "topic")
    ids = [handoff_id(i) for i in (1, 2)]
    for hid in ids:
        handoff_commit(repo, hid, ws="topic")
    tree = repo.git("rev-parse", "topic^{tree}").stdout.strip()
    message = "Topic (#12)\n\n" + "".join(f"* handoff(topic): step\n\nSess-Id: {h}\n\n" for h in ids)
    squash = repo.git("commit-tree", tree, "-p", "main", "-F", "-", input=message).stdout.strip()
    repo.git("switch", "-q", "main")
    repo.git("merge", "-q", "--ff-only", squash)
    repo.git("branch", "-q", "-D", "topic")
    data = json.loads(repo.sess("doctor", "--relink", "--json").stdout)
    assert sorted(r["record"] for r in data["relinked"]) == ids
    for hid in ids:
        assert f"id: {hid}" in _note(repo, squash) and _h(repo, hid) == squash


def test_a_published_handoff_ref_stays_and_the_record_follows(repo: Repo, tmp_path: Path) -> None:
    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    repo.setup("install")
    hid = handoff_id(1)
    old = handoff_commit(repo, hid)
    repo.git("push", "-q", "origin", "main")
    repo.git("commit", "-q", "--amend", "--no-edit", "--allow-empty")
    new = repo.git("rev-parse", "HEAD").stdout.strip()
    assert _h(repo, hid) == old  # on the remote already: moving it could never be pushed
    assert f"id: {hid}" in _note(repo, new)
    proc = repo.git("push", "-f", "origin", "main", check=False)  # the user's own rewrite
    assert proc.returncode == 0 and "not sent" not in proc.stderr, proc.stderr
    assert f"id: {hid}" in git("notes", "--ref=sess", "show", new, cwd=remote).stdout


@pytest.mark.parametrize("mode", [None, "overwrite", "ignore"])
def test_rebase_squashing_two_handoffs_keeps_both_records(repo: Repo, mode: str | None) -> None:
    """`git rebase -i` squash: git concatenated the two notes into one text that read
    as the first record only (or, with notes.rewriteMode=overwrite, kept the last)."""
    from gitsess.handoff import record

    repo.setup("install")
    if mode:
        repo.git("config", "notes.rewriteMode", mode)
    ids = [handoff_id(1), handoff_id(2)]
    for hid in ids:
        handoff_commit(repo, hid)
    env = {"GIT_SEQUENCE_EDITOR": "sed -i '2s/^pick/squash/'", "GIT_EDITOR": "true"}
    repo.git("rebase", "-q", "-i", "HEAD~2", env=env)
    new = repo.git("rev-parse", "HEAD").stdout.strip()
    note = _note(repo, new)
    assert len(record.split_records(note)) == 2
    for hid in ids:
        assert _h(repo, hid) == new
        assert record.parse(note, id=hid).front["id"] == hid
        shown = repo.sess("show", hid, check=True).stdout  # the record asked for, alone
        assert f"id: {hid}" in shown and record.RECORD_SEPARATOR.strip() not in shown
        assert json.loads(repo.sess("show", hid, "--json", check=True).stdout)["id"] == hid
    out = repo.sess("doctor", "--json")
    data = json.loads(out.stdout)
    jsonschema.Draft202012Validator(schema("doctor")).validate(data)
    assert not [f for f in data["findings"] if f["check"] == "notes"]
    assert fsck(repo).returncode == 0


def test_cherry_picked_handoff_is_a_copy_relink_leaves_the_original_its_ref(repo: Repo) -> None:
    """A cherry-pick is not a rewrite: doctor used to offer --relink, which moved the
    original's handoff ref onto the copy and gave the copy the record."""
    repo.setup("install")
    repo.git("switch", "-q", "-c", "topic")
    hid = handoff_id(1)
    original = handoff_commit(repo, hid, ws="topic")
    repo.git("switch", "-q", "main")
    repo.commit("main moved", files={"m.txt": "m\n"})
    repo.git("cherry-pick", "topic")
    copy = repo.git("rev-parse", "HEAD").stdout.strip()
    assert copy != original and _h(repo, hid) == original and _note(repo, copy) == ""

    out = repo.sess("doctor", "--relink", "--json")
    data = json.loads(out.stdout)
    jsonschema.Draft202012Validator(schema("doctor")).validate(data)
    assert out.returncode == 1 and data["relinked"] == []
    [finding] = [f for f in data["findings"] if f["check"] == "notes"]
    assert "a copy (cherry-pick)" in finding["message"] and original[:12] in finding["message"]
    assert "--relink" not in finding["fix"].split(";")[0]
    assert _h(repo, hid) == original and _note(repo, copy) == ""

    # Once the original's branch is gone (squash-merged), relink attaches the record.
    repo.git("branch", "-q", "-D", "topic")
    data = json.loads(repo.sess("doctor", "--relink", "--json").stdout)
    assert [r["record"] for r in data["relinked"]] == [hid]
    assert _h(repo, hid) == copy and f"id: {hid}" in _note(repo, copy)


def test_amended_three_times_leaves_one_record_on_the_last_commit(repo: Repo) -> None:
    """Issue 9, point 8: notes.rewriteRef copies a note and keeps the old one;
    an unpublished pre-rewrite commit's note is removed, so one handoff
    amended three times is one record, on the commit its ref names."""
    repo.setup("install")
    hid = handoff_id(1)
    handoff_commit(repo, hid)
    for i in range(3):
        (repo.path / "core.txt").write_text(f"amended {i}\n")
        repo.git("commit", "-q", "--amend", "--no-edit", "-a")
    head = repo.git("rev-parse", "HEAD").stdout.strip()
    listed = repo.git("notes", "--ref=sess", "list").stdout.split()
    assert listed[1::2] == [head]
    assert _h(repo, hid) == head
