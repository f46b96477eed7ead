"""The command line as a new user meets it: every subcommand's help, every
--json document against its schema, usage errors in git's voice. Real git,
one populated repository per test."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest

from gitsess import errors
from gitsess.cli import cli
from gitsess.data import schema
from tests.helpers import SESS, Repo, make_handoff, make_repo, payload
from tests.sesshelpers import bare

SUBCOMMANDS = sorted(name for name, cmd in cli.commands.items() if not cmd.hidden)

LEGACY = ("---\noperator: RT\ntitle: Old notes\ndate: 2025-01-14\n---\n\n"
          "## Summary\nDid it.\n\n## Resume Prompt\nGo on.\n")

# Each command run with --json, and the schema its output must satisfy.
JSON_COMMANDS: list[tuple[str, tuple[str, ...]]] = [
    ("status", ("status",)),
    ("status", ("status", "--all")),
    ("whoami", ("whoami",)),
    ("resume", ("resume",)),
    ("resume", ("resume", "--since", "7d")),
    ("resume", ("resume", "--operator", "AB")),
    ("log", ("log",)),
    ("log", ("log", "-n", "1", "--operator", "RT")),
    ("import-report", ("import", "legacy", "--dry-run")),
    ("import-report", ("import", "legacy")),
    ("doctor", ("doctor",)),
    ("show", ("show", "RT-261126-01")),
    ("handoff-result", ("handoff", "--dry-run", "--quick", "--title", "T", "-F", "-")),
    ("report", ("report",)),
    ("report", ("report", "--since", "7d", "--operator", "AB")),
    ("verify", ("verify", "HEAD")),
    ("push", ("push", "origin")),
]


@pytest.fixture
def populated(tmp_path: Path) -> Repo:
    """Two operators' handoffs, a live and a handed-off session, legacy documents."""
    repo = make_repo(tmp_path / "repo")
    repo.git("config", "sess.operator", "RT")
    for event, extra in (("SessionStart", {"source": "startup"}),
                         ("PreToolUse", {"tool_name": "Bash"}),
                         ("PreToolUse", {"tool_name": "mcp__db__query"})):
        assert repo.hook(payload(event, "live-1", **extra)).returncode == 0
    make_handoff(repo, "AB-261125-01", workstream="ui", title="Peer work",
                 when="2026-11-25T08:00:00+00:00")
    make_handoff(repo, "RT-261126-01", open_questions="- Which cache?")
    repo.git("update-ref", "refs/sess/done/s1", repo.git("rev-parse", "HEAD").stdout.strip())
    (repo.path / "legacy").mkdir()
    (repo.path / "legacy" / "RT-250114-01.md").write_text(LEGACY)
    return repo


@pytest.mark.parametrize(("name", "args"), JSON_COMMANDS,
                         ids=[" ".join(a) for _n, a in JSON_COMMANDS])
def test_every_json_output_validates(populated: Repo, name: str, args: tuple[str, ...]) -> None:
    if name == "push":  # a remote to push to
        populated.git("remote", "add", "origin", str(bare(populated.path.parent / "origin.git")))
    proc = populated.sess(*args, "--json", input="")
    assert proc.returncode in (0, 1), proc.stderr  # doctor exits 1 on a finding
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)
    jsonschema.Draft202012Validator(
        schema(name), format_checker=jsonschema.FormatChecker()).validate(doc)


def test_every_command_with_json_is_covered() -> None:
    with_json = {name for name, cmd in cli.commands.items()
                 if any(p.name == "as_json" for p in cmd.params)}
    assert with_json == {args[0] for _n, args in JSON_COMMANDS}


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_subcommand_has_help(repo: Repo, name: str) -> None:
    for flag in ("-h", "--help"):
        proc = repo.sess(name, flag)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(f"Usage: git sess {name} ")
        summary = proc.stdout.split("\n\n")[1].strip()
        assert len(summary) > 20


def test_the_command_list_is_not_cut_short(repo: Repo) -> None:
    out = repo.sess("-h", check=True).stdout
    listing = out.split("Commands:\n", 1)[1]
    assert "..." not in listing
    assert sorted(line.split()[0] for line in listing.splitlines() if line.strip()) == SUBCOMMANDS


@pytest.mark.parametrize("args", [
    ("nosuch",), ("log", "--bogus"), ("show",), ("log", "-n", "-1"), ("log", "-n", "x"),
    ("import", "README.md"), ("handoff", "--confidence", "X"),
])
def test_usage_errors_speak_in_git_s_voice(repo: Repo, args: tuple[str, ...]) -> None:
    proc = repo.sess(*args)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("error: ") and not lines[0].endswith(".")
    assert lines[1:] == [f"hint: see 'git sess{' ' + args[0] if args[0] != 'nosuch' else ''} -h'"]
    assert proc.stdout == ""


# -- the one error handler (gitsess.errors.handle), behind cli.main and the git hooks' entry


def _raise(exc: BaseException) -> int:
    raise exc


def test_handle_reports_a_gitsess_error_with_its_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert errors.handle(lambda: _raise(errors.NotARepoError("no repo", hint="cd"))) == 3
    assert capsys.readouterr().err == "error: no repo\nhint: cd\n"


def test_handle_makes_a_bug_one_line_and_70(capsys: pytest.CaptureFixture[str]) -> None:
    assert errors.handle(lambda: _raise(ValueError("boom"))) == 70
    err = capsys.readouterr().err
    assert err.splitlines() == ["error: internal error: ValueError: boom",
                                "hint: rerun with GITSESS_DEBUG=1 for a traceback, and report it"]
    assert errors.handle(lambda: _raise(ValueError("x")), internal="gitsess pre-push hook: "
                         "internal error", hint="--no-verify skips the hook") == 70
    assert capsys.readouterr().err.splitlines() == [
        "error: gitsess pre-push hook: internal error: ValueError: x",
        "hint: --no-verify skips the hook"]


def test_handle_shows_the_traceback_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITSESS_DEBUG", "1")
    with pytest.raises(ValueError, match="boom"):
        errors.handle(lambda: _raise(ValueError("boom")))


def test_handle_interrupt_and_closed_pipe() -> None:
    assert errors.handle(lambda: _raise(KeyboardInterrupt())) == 130
    assert errors.handle(lambda: _raise(BrokenPipeError())) == 0
    assert errors.handle(lambda: 4) == 4


def test_outside_a_repository_the_cli_says_so_and_exits_3(tmp_path: Path) -> None:
    proc = subprocess.run([*SESS, "whoami"], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "GIT_CEILING_DIRECTORIES": str(tmp_path.parent)})
    assert proc.returncode == 3
    assert proc.stderr.startswith("error: not a git repository")
