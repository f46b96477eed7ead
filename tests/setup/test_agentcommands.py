"""`git sess install --agent X` writes X's handoff and sess-resume commands in
X's own project-command format; `git sess uninstall` takes out exactly them
(gitsess/setup/agentcommands.py), never a file the user wrote."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gitsess.agents.specs import SPECS
from gitsess.setup import agentcommands
from tests.helpers import Repo
from tests.sesshelpers import snapshot

AGENTS = ("claude", "gemini", "cursor", "codex", "copilot", "qwen", "droid")


def tree(repo: Repo) -> dict[str, tuple[int, bytes]]:
    """The worktree and the repository's config, byte for byte (the git dir's
    objects and refs aside: install leaves its saved copies under refs/sess/local/)."""
    out = {k: v for k, v in snapshot(repo.path).items() if not k.startswith(".git/")
           and k != ".git"}
    out[".git/config"] = (0, (repo.path / ".git" / "config").read_bytes())
    return out


def command_files(repo: Repo, agent: str) -> list[Path]:
    fmt = agentcommands.FORMATS[agent]
    return [repo.path / fmt.path(name) for name in agentcommands.NAMES]


def test_every_agent_has_an_entry() -> None:
    """The table is keyed by every --agent name, so an agent whose settings
    spec is added (issue 13: codex, copilot, qwen, droid) gets its commands."""
    assert set(agentcommands.FORMATS) == set(AGENTS)
    assert set(SPECS) <= set(agentcommands.FORMATS)


@pytest.mark.parametrize("agent", sorted(SPECS))
def test_install_then_uninstall_is_byte_for_byte(repo: Repo, agent: str) -> None:
    (repo.path / ".gitignore").write_text("build/\n")
    before = tree(repo)
    out = repo.setup("install", "--agent", agent).stdout
    files = command_files(repo, agent)
    for path in files:
        assert f"agent: wrote {path}" in out
        _check_format(agent, path)
    repo.setup("install", "--agent", agent)  # a second install changes nothing
    assert all(path.is_file() for path in files)
    out = repo.setup("uninstall").stdout
    for path in files:
        assert f"agent: removed {path}" in out
    assert tree(repo) == before


def test_every_agent_has_a_command_format_and_a_spec() -> None:
    """The command table and the settings registry name the same agents, so
    `install --agent X` never leaves one without its handoff and resume."""
    assert sorted(agentcommands.FORMATS) == sorted(SPECS) == sorted(AGENTS)


def _check_format(agent: str, path: Path) -> None:
    """Each file as its agent reads it (citations in agentcommands.FORMATS)."""
    text = path.read_text()
    name = path.stem if path.name != "SKILL.md" else path.parent.name
    kind = agentcommands.FORMATS[agent].kind
    if kind == "toml":
        tomllib = pytest.importorskip("tomllib")  # Python 3.11+
        doc = tomllib.loads(text)
        assert set(doc) == {"description", "prompt"}
        body = doc["prompt"]
    elif kind == "plain":
        body = text
        assert not text.startswith("---")
    else:
        front_text, body = text[4:].split("\n---\n", 1)
        front = yaml.safe_load(front_text)
        assert front["description"] == agentcommands.DESCRIPTIONS[name]
        if kind == "skill":
            assert front["name"] == name  # Agent Skills: the name is the directory's
    if name == "handoff":
        assert "`git sess handoff --context`" in body and "git sess handoff -F -" in body
        assert "without asking for approval" in body and "never `--no-verify`" in body
    else:
        assert "`git sess resume`" in body


def test_a_users_own_handoff_md_survives_install_and_uninstall(repo: Repo) -> None:
    own = repo.path / ".claude" / "commands" / "handoff.md"
    own.parent.mkdir(parents=True)
    own.write_text("My own handoff routine.\n")
    before = tree(repo)
    proc = repo.sess("install", "--agent", "claude")  # as a person runs it
    assert proc.returncode == 0, proc.stderr
    assert (f"agent: left {own} as it is: a file of that name is there and is not gitsess's"
            in proc.stdout)
    assert own.read_text() == "My own handoff routine.\n"
    ours = own.parent / "sess-resume.md"
    assert ours.is_file()
    proc = repo.sess("uninstall")
    assert proc.returncode == 0, proc.stderr
    assert str(own) not in proc.stdout and f"agent: removed {ours}" in proc.stdout
    assert tree(repo) == before


def test_a_command_file_changed_since_install_is_left(repo: Repo) -> None:
    repo.setup("install", "--agent", "gemini")
    path = repo.path / ".gemini" / "commands" / "handoff.toml"
    path.write_text(path.read_text() + "# my tweak\n")
    out = repo.setup("uninstall").stdout
    assert f"agent: left {path}: changed since install, so it is yours now" in out
    assert path.read_text().endswith("# my tweak\n")
    assert not (repo.path / ".gemini" / "commands" / "sess-resume.toml").exists()
    assert "sess.agentcommand" not in repo.git("config", "-l").stdout.lower()


def test_a_committed_copy_is_the_teams(repo: Repo) -> None:
    """A teammate committed the command files: install finds them up to date
    and uninstall leaves them (they are the team's)."""
    repo.setup("install", "--agent", "cursor")
    repo.git("add", ".cursor")
    repo.git("commit", "-q", "-m", "cursor hooks and commands")
    repo.setup("uninstall")
    assert not (repo.path / ".cursor").exists()
    repo.git("checkout", "--", ".cursor")
    before = tree(repo)
    out = repo.setup("install", "--agent", "cursor").stdout
    assert "(already there, so not gitsess's to remove)" in out
    repo.setup("uninstall")
    assert tree(repo) == before
