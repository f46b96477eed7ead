"""A configurable handoff subject (`.gitsess.yaml` `subject:`, issue 10 deliverable 3),
tried against a real commitlint commit-msg hook chained before gitsess's."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitsess.handoff import subject
from tests.handoffhelpers import T0, events, front, install, note, policy
from tests.helpers import Repo

CONVENTIONAL = 'subject: "chore(handoff): {title}"\n'


@pytest.fixture(scope="session")
def commitlint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A commitlint with config-conventional, from npm (.ci/run installs it and
    says where in COMMITLINT_PREFIX, so that CI never skips this)."""
    prefix = os.environ.get("COMMITLINT_PREFIX")
    if not prefix:
        if shutil.which("npm") is None:
            pytest.skip("npm is not installed (.ci/run installs node, npm and commitlint)")
        prefix = str(tmp_path_factory.mktemp("commitlint"))
        proc = subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund",
                               "--prefix", prefix, "@commitlint/cli",
                               "@commitlint/config-conventional"],
                              capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            pytest.skip(f"npm install commitlint failed: {proc.stderr.strip()[-200:]}")
    root = Path(prefix)
    # The config sits beside node_modules, so that `extends` resolves there.
    (root / "commitlint.config.js").write_text(
        "module.exports = {extends: ['@commitlint/config-conventional']};\n")
    yield root


def with_commitlint(repo: Repo, root: Path) -> None:
    """commitlint as the repository's commit-msg hook, then `git sess install`
    (which chains it before gitsess's, as commit-msg.legacy)."""
    hook = repo.path / ".git" / "hooks" / "commit-msg"
    hook.write_text("#!/bin/sh\n"
                    f"exec '{root}/node_modules/.bin/commitlint' "
                    f"--config '{root}/commitlint.config.js' --edit \"$1\"\n")
    hook.chmod(0o755)
    install(repo)
    assert (repo.path / ".git" / "hooks" / "commit-msg.legacy").exists()


def test_commitlint_refuses_the_default_subject_and_takes_a_configured_one(
        repo: Repo, commitlint: Path) -> None:
    with_commitlint(repo, commitlint)
    events(repo, "s1", at=T0)
    proc = repo.sess("handoff", "--quick", "--title", "wire the export")
    assert proc.returncode == 1
    assert "type must be one of" in proc.stderr + proc.stdout
    assert not repo.refs("refs/sess/h/")
    policy(repo, CONVENTIONAL)  # read from the worktree, as .gitignore is
    proc = repo.sess("handoff", "--quick", "--title", "wire the export", "--json")
    assert proc.returncode == 0, proc.stderr
    done = json.loads(proc.stdout)
    assert done["subject"] == "chore(handoff): wire the export"
    assert repo.git("log", "-1", "--format=%s").stdout.strip() == done["subject"]
    rec = front(note(repo) or "")
    assert rec["title"] == "wire the export" and rec["id"] == done["id"]
    # Every reader still knows it as a handoff, by its Sess-Id, with its title.
    log = json.loads(repo.sess("log", "--json", check=True).stdout)["handoffs"]
    assert [(h["id"], h["title"]) for h in log] == [(done["id"], "wire the export")]
    shown = repo.sess("show", done["id"], check=True).stdout
    assert "title: wire the export" in shown
    # An amend keeps the record's title free of the subject's prefix.
    amend = repo.git("commit", "-q", "--amend", "--allow-empty", "--no-edit", check=False)
    assert amend.returncode == 0, amend.stderr + amend.stdout
    assert front(note(repo) or "")["title"] == "wire the export"


def test_placeholders_and_a_hand_written_message(repo: Repo) -> None:
    install(repo)
    policy(repo, 'subject: "{workstream}: {title} [{id}] {phase}"\n', commit=True)
    events(repo, "s1", at=T0)
    proc = repo.sess("handoff", "--quick", "--title", "step one", "--workstream", "core",
                     "--phase", "build", "--json")
    assert proc.returncode == 0, proc.stderr
    hid = json.loads(proc.stdout)["id"]
    assert repo.git("log", "-1", "--format=%s").stdout.strip() == f"core: step one [{hid}] build"
    assert front(note(repo) or "")["title"] == "step one"


def test_a_bad_template_is_named_by_line(repo: Repo) -> None:
    install(repo)
    policy(repo, "version: 1\nsubject: \"chore: {tittle}\"\n")
    proc = repo.sess("handoff", "--quick", "--title", "x", "--allow-empty")
    assert proc.returncode == 1
    assert "line 2: subject: unknown placeholder {tittle}" in proc.stderr
    assert "line 2: subject: must contain {title}" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_parse_reads_back_what_render_wrote() -> None:
    t = "chore(handoff): {title} [{id}]"
    made = subject.render(t, {"title": "fix: the [odd] one", "id": "RT-261126-01"})
    assert subject.parse(made, t) == {"title": "fix: the [odd] one", "id": "RT-261126-01"}
    # A handoff committed before the template changed still reads.
    assert subject.title_of("handoff(core): old one", t) == "old one"
    assert subject.parse("x" * 5000, "{title}") is None  # a peer's subject stays bounded


def test_a_hand_written_handoff_is_known_by_its_trailer_however_spelt(repo: Repo) -> None:
    """`sess-id : X` is the Sess-Id trailer to git (blanks before the colon, any
    case): the post-commit shim must start gitsess for it, as commit-msg does."""
    install(repo)
    events(repo, "s1", at=T0)
    message = ("whatever the subject says\n\n## Summary\n\nDone by hand.\n\n"
               "## Resume Prompt\n\nGo on.\n\n"
               "sess-id : RT-261126-07\nSess-Operator: RT\nSess-Workstream: core\n"
               "Sess-Session: s1\n")
    repo.git("commit", "-q", "--allow-empty", "-F", "-", input=message)
    rec = front(note(repo) or "")
    assert rec["id"] == "RT-261126-07" and rec["title"] == "whatever the subject says"
    assert repo.refs("refs/sess/h/RT/RT-261126-07")


def test_a_template_the_policy_did_not_check_renders_the_default() -> None:
    """render() is reached with templates read from commits too: one that
    reaches into an object's attributes is never formatted."""
    from gitsess.handoff import subject

    front = {"title": "Fix it", "workstream": "core", "id": "RT-261205-01", "phase": None}
    assert subject.render("chore(handoff): {title}", front) == "chore(handoff): Fix it"
    assert subject.render("{title.__class__} {title}", front) == "handoff(core): Fix it"
