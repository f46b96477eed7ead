"""`git sess import DIR` (issue 4, section 5), against real git through the console script."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gitsess.data import schema
from gitsess.handoff.record import parse, validate
from tests.helpers import Repo, fsck


def doc(front: str | None, body: str = "## Summary\n\nDid things.\n\n## Resume Prompt\n\nGo on.\n"
        ) -> str:
    return body if front is None else f"---\n{front}---\n\n{body}"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def legacy_set(folder: Path) -> dict[str, str]:
    """20 legacy documents; returns name -> expected status."""
    expected: dict[str, str] = {}
    for i in range(1, 9):  # RT-/JD- named: operator and id from the file name
        op = "RT" if i % 2 else "JD"
        name = f"{op}-2501{i:02d}-01.md"
        write(folder, name, doc(f"title: Session {i}\nworkstream: auth\nphase: build\n"))
        expected[name] = "imported"
    for i in range(1, 6):  # CONV with an operator in front matter
        name = f"CONV-2025-02-0{i}-topic.md"
        write(folder, name, doc(f"title: Conv {i}\noperator: AK\ndate: 2025-02-0{i % 2 + 1}\n"
                                "workstream: Payments Team\n"))
        expected[name] = "imported"
    for i in range(1, 5):  # CONV without any operator
        name = f"CONV-orphan-{i}.md"
        write(folder, name, doc(f"title: Orphan {i}\ndate: 2025-03-0{i}\n"))
        expected[name] = "skipped"
    write(folder, "CONV-broken-1.md", doc("title: Broken\ndate: [2025-01-01\noperator: AK\n"))
    write(folder, "CONV-broken-2.md", doc("title: 'unterminated\noperator: AK\ndate: 2025-01-01\n"))
    write(folder, "RT-250301-01.md", doc("title: Bad confidence\nconfidence: maybe\n"))
    expected.update({"CONV-broken-1.md": "invalid", "CONV-broken-2.md": "invalid",
                     "RT-250301-01.md": "invalid"})
    write(folder, "notes.md", "not a session document\n")
    assert len(expected) == 20
    return expected


def run_import(repo: Repo, *args: str) -> tuple[int, dict[str, Any]]:
    proc = repo.sess("import", *args, "--json")
    assert proc.stderr == "", proc.stderr
    report = json.loads(proc.stdout)
    jsonschema.validate(report, schema("import-report"))
    return proc.returncode, report


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {Path(d["path"]).name: d["status"] for d in report["documents"]}


def test_twenty_legacy_documents_then_a_second_run_is_a_no_op(repo: Repo) -> None:
    expected = legacy_set(repo.path / "docs" / "sessions")
    code, report = run_import(repo, str(repo.path))
    assert statuses(report) == expected
    assert code == 1  # broken YAML and an invalid record
    assert report["counts"] == {"imported": 13, "skipped": 4, "invalid": 3}
    by_name = {Path(d["path"]).name: d for d in report["documents"]}
    assert by_name["CONV-orphan-1.md"]["reason"].startswith("no operator")
    broken = by_name["CONV-broken-1.md"]
    assert broken["path"] == "docs/sessions/CONV-broken-1.md"
    assert "not valid YAML (line 4)" in broken["reason"]
    assert re.search(r"not valid YAML \(line \d+\)", by_name["CONV-broken-2.md"]["reason"])
    assert any(p.startswith("confidence:") for p in by_name["RT-250301-01.md"]["problems"])
    # CONV ids are allocated per operator and day: 02-01 x2 and 02-02 x3.
    conv_ids = sorted(d["id"] for n, d in by_name.items() if n.startswith("CONV-2025-02"))
    assert conv_ids == ["AK-250201-01", "AK-250201-02", "AK-250202-01", "AK-250202-02",
                        "AK-250202-03"]
    refs = repo.refs("refs/sess/h/")
    assert len(refs) == 13
    notes = repo.git("rev-parse", "refs/notes/sess").stdout

    code, again = run_import(repo, str(repo.path))
    assert code == 1 and again["counts"] == {"imported": 0, "skipped": 17, "invalid": 3}
    assert {d["reason"] for d in again["documents"] if d["status"] == "skipped"} == {
        "already imported", "no operator: none in front matter or file name; pass --operator"}
    assert [d["id"] for d in again["documents"]] == [d["id"] for d in report["documents"]]
    assert repo.refs("refs/sess/h/") == refs
    assert repo.git("rev-parse", "refs/notes/sess").stdout == notes
    assert fsck(repo).returncode == 0


def test_an_imported_record_is_stored_like_a_handoff(repo: Repo) -> None:
    folder = repo.path / "docs" / "sessions"
    original = doc("title: Auth kickoff\nworkstream: auth\nphase: design\n"
                   "started_at: 2025-01-14T09:00:00+01:00\nended_at: 2025-01-14T11:30:00Z\n"
                   "confidence: high\ntags: [auth]\n")
    write(folder, "RT-250114-01.md", original)
    code, report = run_import(repo, str(folder))
    assert code == 0
    (d,) = report["documents"]
    assert d["ref"] == "refs/sess/h/RT/RT-250114-01" and d["status"] == "imported"
    commit = repo.git("rev-parse", d["ref"]).stdout.strip()
    assert commit == d["commit"]
    # A commit of its own: no parents, on no branch, the original document in its tree.
    assert repo.git("rev-list", "--parents", "-n1", commit).stdout.split() == [commit]
    assert repo.git("branch", "--contains", commit).stdout == ""
    assert repo.git("show", f"{commit}:RT-250114-01.md").stdout == original
    message = repo.git("log", "-1", "--format=%B", commit).stdout
    assert message.startswith("handoff(auth): Auth kickoff\n")
    trailers = repo.git("log", "-1", "--format=%(trailers:only,unfold)", commit).stdout
    assert trailers.split("\n")[:4] == ["Sess-Id: RT-250114-01", "Sess-Operator: RT",
                                        "Sess-Workstream: auth", "Sess-Phase: design"]
    # %ct, not %cI: git 2.45+ writes UTC as "Z" there, older git as "+00:00".
    assert repo.git("log", "-1", "--format=%ct %cd", "--date=format:%z", commit
                    ).stdout.split() == ["1736854200", "+0000"]
    # The note is the record, valid against the same schema.
    rec = parse(repo.git("notes", "--ref=sess", "show", commit).stdout)
    assert validate(rec) == []
    assert rec.front["started_at"] == "2025-01-14T08:00:00Z"
    assert rec.front["confidence"] == "H" and rec.front["legacy"] == {"tags": ["auth"]}
    assert rec.front["imported"]["source"] == "docs/sessions/RT-250114-01.md"
    assert rec.front["git"]["commits"] == 0 and rec.front["sessions"] == []
    assert rec.front["telemetry"]["interruptions_count"] is None
    assert rec.sections["Resume Prompt"] == "Go on." and rec.front["resume_prompt"] == "Go on."
    # And the rest of gitsess reads it as a handoff.
    log = repo.sess("log", check=True).stdout
    assert "RT-250114-01" in log and "Auth kickoff" in log


def test_operator_backfill_and_a_folder_outside_the_repository(repo: Repo, tmp_path: Path) -> None:
    outside = tmp_path / "old-notes"
    write(outside, "CONV-one.md", doc("title: One\ndate: 2024-12-31\n"))
    write(outside / "2024", "CONV-two.md", doc("title: Two\ndate: 2024-12-31\n"))
    code, report = run_import(repo, str(outside), "--operator", "mk")
    assert code == 0
    assert [(d["path"], d["id"]) for d in report["documents"]] == [
        ("2024/CONV-two.md", "mk-241231-01"), ("CONV-one.md", "mk-241231-02")]
    rec = parse(repo.git("notes", "--ref=sess", "show", "refs/sess/h/mk/mk-241231-02").stdout)
    assert rec.front["operator"] == "mk" and rec.front["imported"]["source"] == "CONV-one.md"


def test_dry_run_writes_nothing(repo: Repo) -> None:
    folder = repo.path / "docs" / "sessions"
    write(folder, "RT-250114-01.md", doc("title: A\n"))
    write(folder, "CONV-a.md", doc("title: B\ndate: 2025-01-14\noperator: RT\n"))
    before = repo.refs()
    proc = repo.sess("import", "docs/sessions", "--dry-run")
    assert proc.returncode == 0
    assert "would import" in proc.stdout and "dry run: nothing written" in proc.stdout
    # The allocated id steps around the one a named document takes.
    assert "RT-250114-02" in proc.stdout
    assert repo.refs() == before
    code, report = run_import(repo, "docs/sessions")
    assert code == 0 and report["counts"]["imported"] == 2


def test_invalid_records_name_their_fields(repo: Repo) -> None:
    folder = repo.path / "docs" / "sessions"
    write(folder, "RT-250114-01.md", doc("title: T\nemail: 42\nconfidence: sure\n"))
    write(folder, "CONV-nodate.md", doc("title: T\noperator: RT\n"))
    write(folder, "CONV-baddate.md", doc("title: T\noperator: RT\ndate: yesterday\n"))
    proc = repo.sess("import", ".")
    assert proc.returncode == 1
    out = proc.stdout
    assert "invalid      docs/sessions/RT-250114-01.md: record is invalid" in out
    assert "- confidence: 'sure' is not one of" in out and "- email: 42 is not of type" in out
    assert "- started_at: no date in front matter" in out
    assert "- started_at: cannot read 'yesterday' as a date" in out
    assert repo.refs("refs/sess/h/") == {}


def test_an_id_taken_by_another_handoff_is_a_conflict_not_an_overwrite(repo: Repo) -> None:
    folder = repo.path / "docs" / "sessions"
    write(folder, "RT-250114-01.md", doc("title: First\n"))
    assert run_import(repo, ".")[0] == 0
    (folder / "RT-250114-01.md").rename(folder / "old.md")
    write(folder / "other", "CONV-x.md", doc("title: X\nid: RT-250114-01\noperator: RT\n"))
    write(folder, "CONV-y.md", doc("title: Y\nid: RT-250115-01\noperator: RT\n"))
    write(folder, "CONV-z.md", doc("title: Z\nid: RT-250115-01\noperator: RT\n"))
    ref = repo.git("rev-parse", "refs/sess/h/RT/RT-250114-01").stdout
    code, report = run_import(repo, ".")
    assert code == 1
    by_name = {Path(d["path"]).name: d for d in report["documents"]}
    assert by_name["CONV-x.md"]["problems"] == ["id: RT-250114-01 already names another handoff"]
    assert by_name["CONV-y.md"]["status"] == "invalid"  # y and z claim the same id
    assert by_name["CONV-z.md"]["problems"] == ["id: RT-250115-01 is used by 2 documents"]
    assert repo.git("rev-parse", "refs/sess/h/RT/RT-250114-01").stdout == ref


def test_usage_errors(repo: Repo) -> None:
    assert repo.sess("import", "nowhere").returncode == 2
    bad = repo.sess("import", ".", "--operator", "Rosa T.")
    assert bad.returncode == 2 and "invalid operator" in bad.stderr
    empty = repo.sess("import", ".")
    assert empty.returncode == 0 and "no legacy session documents" in empty.stdout


@pytest.mark.parametrize("where", ["repo", "sessions"])
def test_dir_may_be_the_repository_or_its_sessions_folder(repo: Repo, where: str) -> None:
    folder = repo.path / "docs" / "sessions"
    write(folder, "RT-250114-01.md", doc("title: A\n"))
    write(repo.path / "elsewhere", "RT-250114-02.md", doc("title: not under docs/sessions\n"))
    target = str(repo.path) if where == "repo" else str(folder)
    code, report = run_import(repo, target)
    assert code == 0
    assert [d["path"] for d in report["documents"]] == ["docs/sessions/RT-250114-01.md"]


def test_symlinks_binary_files_and_hostile_ids(repo: Repo, tmp_path: Path) -> None:
    folder = repo.path / "docs" / "sessions"
    write(folder, "RT-250114-01.md", doc("title: Real\n"))
    secret = write(tmp_path / "outside", "secret.txt", "date: 2025-01-14\noperator: RT\n")
    (folder / "CONV-link.md").symlink_to(secret)
    (folder / "CONV-dangling.md").symlink_to(tmp_path / "nowhere")
    (folder / "RT-250116-01.md").symlink_to(folder / "RT-250114-01.md")
    (folder / "sub").mkdir()
    (folder / "sub" / "loop").symlink_to(folder)  # a directory loop: not walked
    (folder / "CONV-bin.md").write_bytes(b"---\ndate: 2025-01-14\n---\n\x00\x01")
    (folder / "RT-250115-01.md").write_bytes(b"\x90\x91 latin junk")
    write(folder, "CONV-trav.md", doc("id: ../../x\noperator: ../../x\ndate: 2025-01-14\n"))
    write(folder, "CONV-trav2.md", doc("id: RT-250117-01\noperator: RT/../../heads/main\n"
                                       "date: 2025-01-14\n"))
    before = repo.refs()
    code, report = run_import(repo, str(repo.path))
    assert code == 1
    by_name = {d["path"]: d for d in report["documents"]}
    assert set(by_name) == {f"docs/sessions/{n}" for n in (
        "RT-250114-01.md", "CONV-link.md", "CONV-dangling.md", "RT-250116-01.md",
        "CONV-bin.md", "RT-250115-01.md", "CONV-trav.md", "CONV-trav2.md")}
    for name in ("CONV-link.md", "CONV-dangling.md", "RT-250116-01.md"):
        d = by_name[f"docs/sessions/{name}"]
        assert (d["status"], d["reason"]) == ("skipped", "a symbolic link: not followed")
    assert by_name["docs/sessions/CONV-bin.md"]["reason"] == (
        "not a UTF-8 text document (byte 0x00 at offset 25)")
    assert by_name["docs/sessions/RT-250115-01.md"]["reason"].startswith(
        "not a UTF-8 text document (byte 0x90 at offset 0)")
    assert by_name["docs/sessions/CONV-trav.md"]["status"] == "invalid"
    assert by_name["docs/sessions/CONV-trav2.md"]["status"] == "invalid"
    assert by_name["docs/sessions/RT-250114-01.md"]["status"] == "imported"
    # Only the one real document was written, and only under refs/sess/ and the notes.
    new = {r for r in repo.refs() if r not in before}
    assert new == {"refs/sess/h/RT/RT-250114-01", "refs/notes/sess"}
    assert "secret" not in repo.git("log", "-p", "--all", "--format=%B").stdout
    assert fsck(repo).returncode == 0
