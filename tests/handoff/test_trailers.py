"""gitsess.handoff.trailers against git's own reading (`git interpret-trailers --parse`)."""

from __future__ import annotations

import pytest

from gitsess.handoff.trailers import parse_trailers, strip_trailers
from tests.helpers import Repo

MESSAGES = [
    "subject only\n",
    "Sess-Id: RT-261126-01\n",  # a subject is never a trailer
    "subject\n\nbody\n\nSess-Id: RT-261126-01\nSess-Session: a\nSess-Session: b\n",
    "subject\n\nSess-Id: RT-261126-01\nnot a trailer\n",
    "subject\n\nbody\nSess-Id: RT-261126-01\n",  # one paragraph with prose: none
    "subject\n\nSess-Id: x\n  folded\n  more\nSess-Operator: RT\n",
    "subject\n\nprose line\nSigned-off-by: A <a@b>\nSess-Id: RT-1\n",  # 25% + git-generated
    "subject\n\nSess-Id: RT-1\n\n\n",
    "subject\n\nsess-id: lower\nSESS-OPERATOR: up\n",
    "subject\n\n## Summary\n\ntext\n\nSess-Id: RT-1\n# a comment\nSess-Workstream: w\n",
    "subject\n\nSess-Id: RT-1\n# ------------------------ >8 ------------------------\n"
    "Sess-Operator: after-scissors\n",
    "subject\n\n---\n\nSess-Id: RT-1\n",
    "subject\n\nKey With Space: v\nSess-Id: RT-1\n",
    "subject\n\nSess-Id : spaced\n",
    "subject\n\n\tindented first: x\nSess-Id: RT-1\n",
]


def _git_reading(repo: Repo, message: str) -> list[tuple[str, str]]:
    out = repo.git("interpret-trailers", "--parse", "--no-divider", input=message).stdout
    return [tuple(line.split(": ", 1)) if ": " in line else (line.rstrip(":"), "")  # type: ignore[misc]
            for line in out.splitlines()]


@pytest.mark.parametrize("message", MESSAGES)
def test_agrees_with_git(repo: Repo, message: str) -> None:
    ours = [(k.lower(), v) for k, vs in parse_trailers(message).items() for v in vs]
    theirs = [(k.lower(), v) for k, v in _git_reading(repo, message)]
    assert sorted(ours) == sorted(theirs)


def test_canonical_keys_and_order() -> None:
    t = parse_trailers("s\n\nsess-session: a\nSess-Id: X\nSESS-SESSION: b\n")
    assert t == {"Sess-Session": ["a", "b"], "Sess-Id": ["X"]}


def test_strip_trailers_keeps_the_body() -> None:
    msg = "subject\n\n## Summary\n\nx\n\nSess-Id: RT-1\n"
    assert strip_trailers(msg) == "subject\n\n## Summary\n\nx\n"
    assert strip_trailers("just a subject\n") == "just a subject\n"
