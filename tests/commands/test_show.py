"""`git sess show <ID|commit> [--json]`."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from gitsess.resources import schema
from tests.handoffhelpers import front, head, install, narrative, note, trailers
from tests.helpers import Repo


def _handoff(repo: Repo, tmp_path: Path) -> str:
    install(repo)
    assert repo.sess("handoff", "--file", narrative(tmp_path)).returncode == 0
    return dict(trailers(repo))["Sess-Id"]


def test_show_by_id_and_by_commit(repo: Repo, tmp_path: Path) -> None:
    hid = _handoff(repo, tmp_path)
    by_id = repo.sess("show", hid, check=True).stdout
    assert by_id == note(repo)
    assert repo.sess("show", "HEAD", check=True).stdout == by_id
    assert repo.sess("show", head(repo)[:10], check=True).stdout == by_id


def test_show_json_matches_its_schema(repo: Repo, tmp_path: Path) -> None:
    hid = _handoff(repo, tmp_path)
    doc = json.loads(repo.sess("show", hid, "--json", check=True).stdout)
    jsonschema.Draft202012Validator(schema("show")).validate(doc)
    jsonschema.Draft202012Validator(schema("handoff")).validate(doc["record"])
    assert doc["id"] == hid and doc["source"] == "note" and doc["commit"] == head(repo)
    assert doc["sections"]["Resume Prompt"] == "Add the PDF export next."


def test_show_without_a_note_reads_the_message(repo: Repo, tmp_path: Path) -> None:
    hid = _handoff(repo, tmp_path)
    repo.git("notes", "--ref=sess", "remove", "HEAD")
    proc = repo.sess("show", hid)
    assert proc.returncode == 0 and "no record note" in proc.stderr
    assert front(proc.stdout)["id"] == hid
    doc = json.loads(repo.sess("show", "HEAD", "--json", check=True).stdout)
    assert doc["source"] == "message" and doc["sections"]["Summary"] == "Exported invoices as CSV."
    # Without its ref too, the id is found by its trailer.
    repo.git("update-ref", "-d", f"refs/sess/h/RT/{hid}")
    assert repo.sess("show", hid).returncode == 0


def test_show_errors(repo: Repo) -> None:
    missing = repo.sess("show", "RT-261126-09")
    assert missing.returncode == 2 and "no handoff RT-261126-09" in missing.stderr
    plain = repo.sess("show", "HEAD")
    assert plain.returncode == 2 and "not a handoff" in plain.stderr
    bogus = repo.sess("show", "nonsense")
    assert bogus.returncode == 2 and "neither a handoff id" in bogus.stderr
    assert "--json" in repo.sess("show", "--help", check=True).stdout
