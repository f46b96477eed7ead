"""`git sess verify` in fresh clones, and examples/pre-receive run for real by a
bare remote (issue 14, deliverable 2): real commits, real hooks, real pushes."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import jsonschema
import pytest

from gitsess.data import schema
from tests.handoffhelpers import T0, events, narrative
from tests.helpers import Repo, git, make_repo
from tests.sesshelpers import NO_BASH_POLICY, bare, handoff_commit, remote_refs

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# The pre-receive example runs `git-sess` from PATH, as a server would.
PATH = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
# Pushes that bring a handoff's records with it (the pre-receive example's advice).
RECORDS = ("refs/notes/sess", "refs/sess/done/*", "refs/sess/h/*")


_BUILT: dict[str, Path] = {}


@pytest.fixture
def origin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bare remote holding one clean handoff (its note, its session's
    telemetry) made by `git sess handoff`, pushed with its records. Built once
    per module (a test copies it before pushing to it), inside the first
    test's hermetic environment (tests/conftest.py), which a module-scoped
    fixture would run before."""
    if "origin" not in _BUILT:
        _BUILT["origin"] = _build(tmp_path_factory.mktemp("origin"))
    return _BUILT["origin"]


def _build(tmp: Path) -> Path:
    remote = bare(tmp / "remote.git")
    a = make_repo(tmp / "a")
    a.git("remote", "add", "origin", str(remote))
    a.setup("install")
    (a.path / ".gitsess.yaml").write_text(
        "version: 1\ninvariants:\n  - name: few-bash\n    counter: tool:Bash\n"
        '    op: "<="\n    value: 5\n')
    a.git("add", ".gitsess.yaml")
    a.git("commit", "-q", "-m", "policy")
    events(a, "s1", tools=("Bash", "Read"), at=T0 + 1800)
    proc = a.sess("handoff", "--file", narrative(tmp))
    assert proc.returncode == 0, proc.stderr
    a.git("push", "-q", "origin", "main", *RECORDS)
    return remote


def _clone(src: Path, dest: Path) -> Repo:
    git("clone", "-q", str(src), str(dest), cwd=dest.parent)
    return Repo(dest)


def _copy(origin: Path, tmp: Path) -> Path:
    dest = tmp / "remote-copy.git"
    shutil.copytree(origin, dest, symlinks=True)
    return dest


def _handoff_sha(repo: Repo) -> str:
    return repo.git("log", "-1", "--format=%H", "--grep=^Sess-Id:").stdout.strip()


def test_clean_history_verifies_in_a_fresh_clone(origin: Path, tmp_path: Path) -> None:
    fresh = _clone(origin, tmp_path / "fresh")
    assert not fresh.refs("refs/sess/") and not fresh.refs("refs/notes/")
    proc = fresh.sess("verify", "HEAD", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    jsonschema.validate(doc, schema("verify"))
    assert doc["ok"] and doc["handoffs"] == 1 and doc["findings"] == []
    # It fetched what it reads, into the tracking namespace, and nothing else.
    assert fresh.refs("refs/sess/remotes/origin/done/")
    assert not [r for r in fresh.refs() if not r.startswith(("refs/sess/", "refs/notes/sess",
                                                              "refs/heads/", "refs/remotes/"))]
    # The default range is what origin's default branch lacks: nothing here.
    proc = fresh.sess("verify")
    assert proc.returncode == 0 and "0 commit(s)" in proc.stderr


def test_edited_note_pushed_is_named_by_its_commit(origin: Path, tmp_path: Path) -> None:
    remote = _copy(origin, tmp_path)
    editor = _clone(remote, tmp_path / "editor")
    editor.git("fetch", "-q", "origin", "refs/notes/sess:refs/notes/sess")
    sha = _handoff_sha(editor)
    text = editor.git("notes", "--ref=sess", "show", sha).stdout
    assert "  tool_calls: 2\n" in text
    editor.git("notes", "--ref=sess", "add", "-f", "-F", "-", sha,
               input=text.replace("  tool_calls: 2\n", "  tool_calls: 0\n", 1))
    editor.git("push", "-q", "origin", "refs/notes/sess")

    fresh = _clone(remote, tmp_path / "fresh")
    proc = fresh.sess("verify", "HEAD")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines and all(ln.startswith(sha[:12] + " ") for ln in lines)
    assert any("telemetry.tool_calls is 0" in ln and "counted 2" in ln for ln in lines)


def _violating_handoff(remote: Path, tmp_path: Path, name: str) -> tuple[Repo, str]:
    """A clone that commits a no-Bash policy, then a handoff whose session ran
    Bash, made without the hooks (as --no-verify does)."""
    repo = _clone(remote, tmp_path / name)
    repo.git("fetch", "-q", "origin", "refs/notes/sess:refs/notes/sess")
    (repo.path / ".gitsess.yaml").write_text(NO_BASH_POLICY)
    repo.git("add", ".gitsess.yaml")
    repo.git("commit", "-q", "--no-verify", "-m", "policy: no Bash")
    return repo, handoff_commit(repo, "QA-261126-09", op="QA")


def test_violating_handoff_pushed_with_no_verify_names_the_invariant(
        origin: Path, tmp_path: Path) -> None:
    remote = _copy(origin, tmp_path)
    repo, sha = _violating_handoff(remote, tmp_path, "violator")
    repo.git("push", "-q", "--no-verify", "origin", "main", "refs/notes/sess",
             "refs/sess/live/s-QA")

    fresh = _clone(remote, tmp_path / "fresh")
    proc = fresh.sess("verify", "HEAD")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    named = [ln for ln in proc.stdout.splitlines() if ln.startswith(sha[:12] + " ")]
    assert any("invariant 'no-bash' failed" in ln for ln in named), proc.stdout
    # The clean handoff before it is not named.
    clean = _handoff_sha(_clone(origin, tmp_path / "clean"))
    assert clean[:12] not in proc.stdout


def test_missing_record_is_a_finding(origin: Path, tmp_path: Path) -> None:
    remote = _copy(origin, tmp_path)
    repo = _clone(remote, tmp_path / "noter")
    sha = handoff_commit(repo, "QA-261126-08", op="QA", note=False)
    repo.git("push", "-q", "--no-verify", "origin", "main", "refs/sess/live/s-QA")
    proc = _clone(remote, tmp_path / "fresh").sess("verify", "HEAD")
    assert proc.returncode == 1
    assert any(ln.startswith(sha[:12]) and "no record note" in ln
               for ln in proc.stdout.splitlines()), proc.stdout


def test_bad_range_is_a_usage_error(origin: Path, tmp_path: Path) -> None:
    fresh = _clone(origin, tmp_path / "fresh")
    proc = fresh.sess("verify", "nosuch..HEAD")
    assert proc.returncode == 2 and "unknown revision 'nosuch'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_pre_receive_example_refuses_a_violating_push_and_takes_a_clean_one(
        origin: Path, tmp_path: Path) -> None:
    remote = _copy(origin, tmp_path)
    hook = remote / "hooks" / "pre-receive"
    shutil.copy(EXAMPLES / "pre-receive", hook)
    hook.chmod(0o755)
    env = {"PATH": PATH}

    repo, sha = _violating_handoff(remote, tmp_path, "violator")
    before = remote_refs(remote)
    proc = repo.git("push", "--no-verify", "origin", "main", "refs/notes/sess",
                    "refs/sess/live/s-QA", check=False, env=env)
    assert proc.returncode != 0
    assert "pre-receive hook declined" in proc.stderr
    assert f"{sha[:12]} " in proc.stderr and "invariant 'no-bash' failed" in proc.stderr
    assert remote_refs(remote) == before

    clean = _clone(remote, tmp_path / "clean")
    clean.setup("install")
    assert clean.sess("sync").returncode == 0  # the remote's notes merged: the push fast-forwards
    events(clean, "s2", tools=("Read",), at=T0 + 1800)
    assert clean.sess("handoff", "--file", narrative(tmp_path)).returncode == 0
    proc = clean.git("push", "origin", "main", *RECORDS, check=False, env=env)
    assert proc.returncode == 0, proc.stderr
    assert remote_refs(remote)["refs/heads/main"] == clean.git("rev-parse", "HEAD").stdout.strip()

    # A note edited afterwards, pushed on its own, is checked too.
    sha = clean.git("rev-parse", "HEAD").stdout.strip()
    text = clean.git("notes", "--ref=sess", "show", sha).stdout
    assert "  tool_calls: 1\n" in text
    clean.git("notes", "--ref=sess", "add", "-f", "-F", "-", sha,
              input=text.replace("  tool_calls: 1\n", "  tool_calls: 7\n", 1))
    before = remote_refs(remote)
    proc = clean.git("push", "origin", "refs/notes/sess", check=False, env=env)
    assert proc.returncode != 0 and f"{sha[:12]} note: telemetry.tool_calls is 7" in proc.stderr
    assert remote_refs(remote) == before


def test_each_handoff_is_checked_under_its_own_commits_policy(repo: Repo) -> None:
    """Whose handoff is whose comes from the policy at that commit: a later
    policy that names another email for QA makes QA's later handoff a
    finding, and leaves the earlier one, made under no operators map, alone."""
    root = repo.git("rev-list", "--max-parents=0", "HEAD").stdout.strip()
    first = handoff_commit(repo, "QA-261126-01", op="QA")
    (repo.path / ".gitsess.yaml").write_text(
        "version: 1\noperators:\n  QA: [someone-else@example.com]\n")
    repo.git("add", ".gitsess.yaml")
    repo.git("commit", "-q", "--no-verify", "-m", "policy: QA is someone else")
    second = handoff_commit(repo, "QA-261126-02", op="QA")
    proc = repo.sess("verify", f"{root}..HEAD")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert [x for x in lines if x.startswith(second[:12])], lines
    assert not [x for x in lines if x.startswith(first[:12])], lines
