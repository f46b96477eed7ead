"""`git sess show <ID|commit> [--json]`."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from gitsess.data import schema
from tests.handoffhelpers import front, head, install, narrative, note, trailers
from tests.helpers import Repo


def _handoff(repo: Repo, tmp_path: Path) -> str:
    install(repo)
    assert repo.sess("handoff", "--allow-empty", "--file", narrative(tmp_path)).returncode == 0
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


def test_show_flags_a_note_that_is_not_a_record(repo: Repo, tmp_path: Path) -> None:
    # Regression: a broken or foreign note was printed as the record with exit 0, and
    # --json gave {"id": 5, "record": {...}} against schemas/show.json.
    hid = _handoff(repo, tmp_path)
    for bad, why in [("---\nid: 5\nv: [1]\n---\n## Summary\nx\n", "record version [1]"),
                     ("---\nv: 1\nid: [\n---\n", "not valid YAML"),
                     ("just text\n", "no front matter"),
                     ("---\nv: 1\nid: RT-261126-77\n---\n", "record of RT-261126-77")]:
        repo.git("notes", "--ref=sess", "add", "-f", "-F", "-", "HEAD", input=bad)
        proc = repo.sess("show", hid, "--json")
        assert proc.returncode == 0 and why in proc.stderr, proc.stderr
        doc = json.loads(proc.stdout)
        jsonschema.Draft202012Validator(schema("show")).validate(doc)
        assert doc["source"] == "message" and doc["id"] == hid
    repo.git("notes", "--ref=sess", "add", "-f", "-m", "hello", "HEAD~1")
    plain = repo.sess("show", "HEAD~1")
    assert plain.returncode == 1 and "is not a handoff record" in plain.stderr


def test_show_names_an_ambiguous_prefix_and_whole_ids(repo: Repo, tmp_path: Path) -> None:
    # Regression: an ambiguous short id was "neither a handoff id nor a commit".
    hid = _handoff(repo, tmp_path)
    stream = "".join(f"commit refs/heads/many\nmark :{i}\ncommitter A <a@b> 0 +0000\n"
                     f"data {len(str(i))}\n{i}\n" for i in range(1, 3001))
    repo.git("fast-import", "--quiet", input=stream)
    seen: dict[str, str] = {}
    oids = repo.git("rev-list", "many").stdout.split()
    prefix = next(o[:4] for o in oids if o[:4] in seen or seen.setdefault(o[:4], o) != o)
    proc = repo.sess("show", prefix)
    assert proc.returncode == 2 and f"'{prefix}' is ambiguous" in proc.stderr
    assert "candidates:" in proc.stderr
    # An id is found by its whole trailer line, never as the prefix of a longer one.
    oid = head(repo)
    repo.git("update-ref", "-d", f"refs/sess/h/RT/{hid}")
    repo.git("commit", "-q", "--no-verify", "--allow-empty", "-m", f"x\n\nSess-Id: {hid}1")
    doc = json.loads(repo.sess("show", hid, "--json", check=True).stdout)
    assert doc["commit"] == oid
