"""Builders for the handoff, show and record tests: agent events at fixed
times, narratives, and readers for what a handoff leaves in git."""

from __future__ import annotations

import calendar
import json
import time
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from gitsess.data import schema
from tests.helpers import Repo, payload

# Events happen an hour before the pinned commit date (conftest: 09:00 UTC),
# so that the commits of a test fall inside the handoff's window.
T0 = calendar.timegm(time.strptime("2026-11-26T08:00:00", "%Y-%m-%dT%H:%M:%S"))


def install(repo: Repo) -> None:
    """Set-up (test_install.py is about install): in-process; the hooks it
    writes still run as real processes on every real `git commit`."""
    repo.setup("install")


def events(repo: Repo, session: str = "s1", *, tools: tuple[str, ...] = ("Bash", "Read"),
           at: float = T0, model: str = "claude-opus-4-5") -> None:
    """A small session: start, a prompt, each tool called once (and finished)."""
    seq: list[dict[str, Any]] = [
        payload("SessionStart", session, source="startup", model=model),
        payload("UserPromptSubmit", session, prompt="secret prompt text"),
    ]
    for tool in tools:
        seq.append(payload("PreToolUse", session, tool_name=tool, tool_input={"x": 1}))
        seq.append(payload("PostToolUse", session, tool_name=tool, duration_ms=5))
    for i, p in enumerate(seq):
        # Set-up, not the subject: in-process (tests/commands/test_hook*.py run the process).
        proc = repo.record(p, env={"GITSESS_EVENT_TIME": str(at + i)})
        assert proc.returncode == 0, proc.stderr


NARRATIVE = """\
---
title: Wire the billing export
workstream: billing
phase: build
confidence: H
---
## Summary
Exported invoices as CSV.

## What I Did
- added export.py

## Decisions Made
CSV over XLSX.

## For Future Me
Watch the encoding.

## Learnings
Nothing new.

## Open Questions
None.

## Resume Prompt
Add the PDF export next.
"""


def narrative(tmp: Path, text: str = NARRATIVE, name: str = "handoff.md") -> str:
    path = tmp / name
    path.write_text(text)
    return str(path)


def head(repo: Repo) -> str:
    return repo.git("rev-parse", "HEAD").stdout.strip()


def note(repo: Repo, rev: str = "HEAD") -> str | None:
    proc = repo.git("notes", "--ref=sess", "show", rev, check=False)
    return proc.stdout if proc.returncode == 0 else None


def front(text: str) -> dict[str, Any]:
    assert text.startswith("---\n")
    loaded: dict[str, Any] = yaml.safe_load(text.split("\n---\n", 1)[0][4:])
    return loaded


def assert_valid(front_matter: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(schema("handoff")).validate(front_matter)


def trailers(repo: Repo, rev: str = "HEAD") -> list[tuple[str, str]]:
    """The trailers as git itself reads them."""
    msg = repo.git("log", "-1", "--format=%B", rev).stdout
    out = repo.git("interpret-trailers", "--parse", input=msg).stdout
    return [tuple(line.split(": ", 1)) for line in out.splitlines()]  # type: ignore[misc]


def draft(repo: Repo) -> Path:
    return repo.path / ".git" / "SESS_HANDOFF"


def policy(repo: Repo, text: str, *, commit: bool = False) -> None:
    (repo.path / ".gitsess.yaml").write_text(text)
    if commit:
        repo.git("add", ".gitsess.yaml")
        repo.git("commit", "-q", "-m", "policy")


def result_json(stdout: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(stdout)
    jsonschema.Draft202012Validator(schema("handoff-result")).validate(doc)
    return doc


NO_NOTION = """\
version: 1
invariants:
  - name: no-notion-writes
    counter: mcp:notion_offplan
    op: "=="
    value: 0
    severity: error
"""


def commit_at(repo: Repo, message: str, files: dict[str, str], when: str) -> str:
    """A commit with its own date (the conftest pins every other one to 09:00)."""
    for name, text in files.items():
        (repo.path / name).write_text(text)
        repo.git("add", name)
    env = {"GIT_COMMITTER_DATE": when, "GIT_AUTHOR_DATE": when}
    repo.git("commit", "-q", "-m", message, env=env)
    return repo.git("rev-parse", "HEAD").stdout.strip()
