"""git sess doctor reports handoff refs and notes on commits no branch
reaches (issue 9, deliverable 7), and --fix repairs what is ours; the next
push moves the remote's copy of the handoff ref with a lease on its old value."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from gitsess.data import schema
from tests.helpers import Repo
from tests.sesshelpers import bare, handoff_commit, handoff_id, remote_refs


def _orphan_state(repo: Repo, remote: Path) -> tuple[str, str, str]:
    """What gitsess before issue 9 left: the handoff ref and its note sent
    with the pre-rebase commit, which the amend then left on no branch
    (post-rewrite did not run: hooks off). Returns (ref, old, new)."""
    repo.git("remote", "add", "origin", str(remote))
    repo.setup("install")
    repo.git("push", "-q", "-u", "origin", "main")
    hid = handoff_id(1)
    old = handoff_commit(repo, hid)
    ref = f"refs/sess/h/RT/{hid}"
    repo.git("push", "-q", "--no-verify", "origin", f"{ref}:{ref}")  # the old send, before main
    repo.git("fetch", "-q", "origin")
    (repo.path / "core.txt").write_text("rebased\n")
    repo.git("-c", "core.hooksPath=/dev/null", "commit", "-q", "--amend", "--no-edit", "-a")
    new = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.git("push", "-q", "--no-verify", "origin", "main")
    return ref, old, new


def test_doctor_reports_and_fix_moves_an_orphaned_handoff_ref_and_drops_its_old_note(
        repo: Repo, tmp_path: Path) -> None:
    remote = bare(tmp_path / "remote.git")
    ref, old, new = _orphan_state(repo, remote)
    assert repo.refs()[ref] == old
    out = repo.sess("doctor", "--json")
    data = json.loads(out.stdout)
    jsonschema.Draft202012Validator(schema("doctor")).validate(data)
    assert out.returncode == 1 and not data["ok"]
    messages = [f["message"] for f in data["findings"] if f["check"] == "notes"]
    assert any(ref in m and "no branch" in m for m in messages), messages
    assert any("annotate commits no branch reaches" in m for m in messages), messages

    out = repo.sess("doctor", "--fix", "--json")
    data = json.loads(out.stdout)
    jsonschema.Draft202012Validator(schema("doctor")).validate(data)
    assert data["fixed"]["moved"] == {ref: new}
    assert data["fixed"]["dropped"] == [old] and data["fixed"]["kept"] == []
    left = [f for f in data["findings"] if "no branch" in f["message"]]
    assert [f["fix"] for f in left] == ["git sess sync  (ours, moved here already)"]
    assert repo.refs()[ref] == new
    listed = repo.git("notes", "--ref=sess", "list").stdout.split()
    assert listed[1::2] == [new]

    # The remote's copy is ours alone, on a commit no remote branch has:
    # sync moves it with a lease, and the remote then holds one record.
    repo.sess("sync", check=True)
    got = remote_refs(remote)
    assert got[ref] == new
    shown = repo.git("--git-dir", str(remote), "notes", "--ref=sess", "list").stdout.split()
    assert old not in shown[1::2]
    data = json.loads(repo.sess("doctor", "--json").stdout)
    assert not [f for f in data["findings"] if "no branch" in f["message"]]
