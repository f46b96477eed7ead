"""The agent's own `handoff` and `sess-resume` commands (issue 13).

`git sess install --agent X` writes them in X's project-command format, from
the texts in gitsess/data/commands/; `git sess uninstall` removes exactly the
files install wrote, and only while they hold what install wrote.

- A file of that name that is already there and is not gitsess's (the user's
  own `handoff.md`, say) is left as it is, with one line saying so; the
  install goes on. One identical to gitsess's (a teammate committed it) is up
  to date and stays the team's: uninstall does not remove it.
- What install wrote is listed in git config as `sess.agentCommand` =
  `<sha-256 of the bytes> <path>` (any worktree), and the directories it
  created as `sess.agentCommandDir`, so that uninstall, from any worktree,
  removes those files and then those directories when empty. A file changed
  since is the user's now: left, and said.

The resume command is `sess-resume`, not `resume`: Claude Code's built-in
/resume takes the name and a project command of that name is never run
(anthropics/claude-code#90403), and Qwen Code, Codex and Copilot CLI have a
built-in /resume too.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass

from gitsess.data import data_path
from gitsess.errors import BARE_HINT, UsageError
from gitsess.setup import worktrees
from gitsess.store import Store, worktree

CFG_FILE = "sess.agentCommand"
CFG_DIR = "sess.agentCommandDir"
NAMES = ("handoff", "sess-resume")
DESCRIPTIONS = {
    "handoff": "End this session with a gitsess handoff (context, narrative, commit)",
    "sess-resume": "Continue from the last gitsess handoff (git sess resume)",
}
MARK = "written by git sess install; git sess uninstall removes it"


@dataclass(frozen=True)
class Format:
    """Where an agent reads project commands, and in which shape."""

    dir: str  # below the worktree's top
    kind: str  # "md" (description front matter), "plain", "toml" or "skill" (<name>/SKILL.md)

    def path(self, name: str) -> str:
        if self.kind == "skill":
            return os.path.join(self.dir, name, "SKILL.md")
        return os.path.join(self.dir, f"{name}.{'toml' if self.kind == 'toml' else 'md'}")


# By the --agent value (gitsess/agents/specs.py), so that an agent whose
# settings spec is added later gets its commands too.
FORMATS: dict[str, Format] = {
    # code.claude.com/docs/en/slash-commands: Markdown in .claude/commands/,
    # the file name is the command, optional front matter `description`.
    "claude": Format(".claude/commands", "md"),
    # geminicli.com/docs/cli/custom-commands: <project>/.gemini/commands/*.toml,
    # `prompt` required, `description` optional; the arguments are appended
    # to a prompt that has no {{args}}.
    "gemini": Format(".gemini/commands", "toml"),
    # Cursor 1.6 custom commands: plain Markdown in .cursor/commands/ (no front
    # matter read; microsoft/apm#1046 "feat(cursor): add slash command support").
    "cursor": Format(".cursor/commands", "plain"),
    # qwenlm.github.io/qwen-code-docs/1.x/en/users/custom-commands/:
    # .qwen/commands/<name>.md with a `description` front matter.
    "qwen": Format(".qwen/commands", "md"),
    # docs.factory.ai/cli/configuration/custom-slash-commands: <repo>/.factory/commands,
    # *.md files, front matter `description`.
    "droid": Format(".factory/commands", "md"),
    # Codex's custom prompts are user-level only (~/.codex/prompts); its project
    # commands are skills: developers.openai.com/codex/skills, repo scope
    # .agents/skills/<name>/SKILL.md (name and description required), invoked
    # with $<name> or /skills.
    "codex": Format(".agents/skills", "skill"),
    # docs.github.com/en/copilot/how-tos/copilot-cli/customize-copilot/add-skills:
    # project skills in .github/skills, .claude/skills or .agents/skills,
    # invoked as /<name>. The same file as Codex's, so that the two agents
    # installed together do not list each command twice.
    "copilot": Format(".agents/skills", "skill"),
}


def template(name: str) -> str:
    with open(data_path("commands", f"{name}.md"), encoding="utf-8") as fh:
        return fh.read()


def render(fmt: Format, name: str) -> bytes:
    """The command file `name` in `fmt`'s shape."""
    body, desc = template(name).rstrip("\n") + "\n", DESCRIPTIONS[name]
    if fmt.kind == "toml":
        # A literal multi-line string: the text's backslashes and quotes stay as written.
        assert "'''" not in body
        return (f"# {MARK}\ndescription = {json.dumps(desc)}\nprompt = '''\n{body}'''\n").encode()
    if fmt.kind == "plain":
        return f"{body}\n<!-- {MARK} -->\n".encode()
    # A JSON string is a YAML scalar whatever it holds (a colon would end a plain one).
    front = f"name: {name}\n" if fmt.kind == "skill" else ""
    return (f"---\n{front}description: {json.dumps(desc)}\n---\n\n{body}\n<!-- {MARK} -->\n"
            ).encode()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _recorded(store: Store) -> dict[str, str]:
    """path -> digest of every command file install wrote (any worktree)."""
    out = {}
    for value in store.config_get_all(CFG_FILE):
        digest, _, path = value.partition(" ")
        out[path] = digest
    return out


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def install(store: Store, agent: str, label: str) -> list[str]:
    """Write `agent`'s handoff and sess-resume commands in this worktree; one
    line per file (or one saying the agent has no project command format)."""
    if not store.workdir:
        raise UsageError("agent commands need a working tree (this repository is bare)",
                         hint=BARE_HINT)
    fmt = FORMATS.get(agent)
    if fmt is None:
        return [f"{label} has no project command format gitsess knows: no handoff or "
                "sess-resume command written"]
    mine = _recorded(store)
    lines = []
    for name in NAMES:
        path = os.path.join(store.workdir, fmt.path(name))
        data, there = render(fmt, name), _read(path)
        if there == data:
            lines.append(f"up to date {path}" if path in mine else
                         f"up to date {path} (already there, so not gitsess's to remove)")
            continue
        if there is not None and mine.get(path) != _digest(there):
            lines.append(f"left {path} as it is: a file of that name is there and is not "
                         f"gitsess's (no /{name} command from gitsess)")
            continue
        try:
            _make_dirs(store, os.path.dirname(path))
            _write(path, data)
        except OSError as exc:  # a directory the user made read-only: say it, go on
            lines.append(f"left out {path}: {exc.strerror or exc}")
            continue
        for old in [v for v in store.config_get_all(CFG_FILE) if v.partition(" ")[2] == path]:
            worktree.unset_config_value(store, CFG_FILE, old)
        store.config_add(CFG_FILE, f"{_digest(data)} {path}")
        lines.append(f"{'updated' if there is not None else 'wrote'} {path}")
    return lines


def outdated(store: Store, agent: str) -> list[str]:
    """`agent`'s command files (relative to the worktree) that install would
    write now: missing, or gitsess's own from an older install. A file of
    that name the user wrote is theirs, and not listed."""
    fmt = FORMATS.get(agent)
    if fmt is None or not store.workdir:
        return []
    mine, out = _recorded(store), []
    for name in NAMES:
        path = os.path.join(store.workdir, fmt.path(name))
        there = _read(path)
        if there is None or (there != render(fmt, name) and mine.get(path) == _digest(there)):
            out.append(fmt.path(name))
    return out


def _make_dirs(store: Store, d: str) -> None:
    """Create `d` and its missing parents, each listed for uninstall."""
    missing = []
    while not os.path.isdir(d):
        missing.append(d)
        d = os.path.dirname(d)
    for path in reversed(missing):
        os.mkdir(path)
        store.config_add(CFG_DIR, path)


def _write(path: str, data: bytes) -> None:
    tmp = f"{path}.gitsess-tmp-{os.getpid()}"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def uninstall(store: Store) -> list[str]:
    """Remove the command files install wrote, if unchanged, then the
    directories it created, if empty; forget both."""
    lines = []
    # A locked worktree out of reach (a drive not mounted) keeps its records,
    # for an uninstall run once it is back (gitsess/setup/agentworktrees.py).
    away = [t.path for t in worktrees.listed(store) if t.locked and not t.reachable]
    for path, digest in _recorded(store).items():
        if any(path.startswith(a.rstrip(os.sep) + os.sep) for a in away):
            continue
        there = _read(path)
        if there is not None and _digest(there) == digest:
            try:
                os.unlink(path)
                lines.append(f"removed {path}")
            except OSError as exc:
                lines.append(f"left {path}: {exc.strerror or exc}")
        elif there is not None:
            lines.append(f"left {path}: changed since install, so it is yours now")
        worktree.unset_config_value(store, CFG_FILE, f"{digest} {path}")
    # Deepest first: .claude/commands before .claude.
    for d in sorted(store.config_get_all(CFG_DIR), key=len, reverse=True):
        if any(d.startswith(a.rstrip(os.sep) + os.sep) for a in away):
            continue
        with contextlib.suppress(OSError):
            os.rmdir(d)
        worktree.unset_config_value(store, CFG_DIR, d)
    return lines
