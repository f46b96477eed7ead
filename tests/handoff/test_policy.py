from __future__ import annotations

import pytest

from gitsess.errors import ValidationError
from gitsess.handoff.policy import DEFAULT, describe, evaluate, load_policy, parse_policy
from gitsess.store import Store
from gitsess.telemetry import counting
from tests.helpers import Repo

ISSUE_EXAMPLE = """\
version: 1
invariants:
  - name: no-notion-writes
    counter: mcp:notion_offplan      # per-server aggregate; also tool:<Name>, tool_calls, failures, subagents ...
    op: "=="                          # one of == != < <= > >=
    value: 0
    severity: error                   # error refuses the commit and the push; warn prints
"""


def counters(**kw: object) -> dict[str, object]:
    c = counting.new_counters()
    c.update(kw)
    return c


def test_issue_shape_parses_verbatim() -> None:
    p = parse_policy(ISSUE_EXAMPLE)
    assert p.invariants == [
        {"name": "no-notion-writes", "counter": "mcp:notion_offplan", "op": "==", "value": 0,
         "severity": "error"}
    ]
    assert p.transcripts == "off" and p.required_sections == ()


def test_defaults_without_a_file(repo: Repo) -> None:
    p = load_policy(Store.discover(str(repo.path)))
    assert p == DEFAULT
    assert p.invariants == [] and p.transcripts == "off" and p.source == "defaults"


def test_worktree_file_wins_then_head(repo: Repo) -> None:
    (repo.path / ".gitsess.yaml").write_text("transcripts: local\n")
    repo.git("add", ".gitsess.yaml")
    repo.git("commit", "-q", "-m", "policy")
    (repo.path / ".gitsess.yaml").write_text("transcripts: push\n")
    store = Store.discover(str(repo.path))
    assert load_policy(store).transcripts == "push"
    (repo.path / ".gitsess.yaml").unlink()
    p = load_policy(store)
    assert p.transcripts == "local" and p.source == "HEAD:.gitsess.yaml"


def test_yaml_off_is_off_and_sections_are_canonical() -> None:
    p = parse_policy("transcripts: off\nrequired_sections: [learnings, 'open  questions']\n")
    assert p.transcripts == "off"
    assert p.required_sections == ("Learnings", "Open Questions")
    # Regression: a section named twice was reported missing twice.
    assert parse_policy("required_sections: [Learnings, learnings]\n").required_sections == (
        "Learnings",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("invariants:\n  - name: x\n    counter: tool_calls\n    op: '='\n    value: 1\n",
         "line 4: invariants[0].op"),
        ("invariants:\n  - name: x\n    counter: bogus\n    op: '=='\n    value: 1\n",
         "line 3: invariants[0].counter: 'bogus' is not a counter"),
        ("invariants:\n  - name: x\n    counter: tool_calls\n    op: '=='\n    value: zero\n",
         "line 5: invariants[0].value: 'zero' is not of type 'number'"),
        ("version: 1\ninvariant: []\n", "line 2: invariant: unknown key"),
        ("invariants:\n  - name: x\n    op: '=='\n    value: 1\n",
         "invariants[0]: 'counter' is a required property"),
        ("transcripts: maybe\n", "line 1: transcripts: 'maybe' is not one of"),
        # Regressions: each was accepted, the policy silently weaker than written.
        ("invariants:\n  - {name: x, counter: tool_calls, op: '==', value: 0}\n"
         "transcripts: off\ninvariants: []\n",
         "line 4: invariants: given twice in one mapping"),
        ("workstreams:\n  billing: {owner: RT, owner: PK}\n",
         "line 2: workstreams.billing.owner: given twice"),
        ("invariants:\n  - {name: x, counter: tool_calls, op: '==', value: 0}\n"
         "  - {name: x, counter: failures, op: '==', value: 0}\n",
         "line 3: invariants[1].name: 'x' is already the name of invariants[0]"),
        ("invariants:\n  - {name: x, counter: tool_calls, op: '<', value: .nan}\n",
         "line 2: invariants[0].value: nan is not a finite number"),
        ("invariants:\n  - {name: x, counter: tool_calls, op: '<', value: .inf}\n",
         "invariants[0].value: inf is not a finite number"),
    ],
)
def test_schema_errors_name_line_and_path(text: str, expected: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_policy(text)
    assert any(expected in p for p in info.value.problems), info.value.problems


def test_yaml_error_names_the_line() -> None:
    with pytest.raises(ValidationError) as info:
        parse_policy("version: 1\ninvariants:\n  - name: [x\n    counter: y\n")
    assert "not valid YAML" in info.value.message
    assert info.value.problems[0].startswith("line ")


def test_newer_version_is_flagged() -> None:
    with pytest.raises(ValidationError, match="version 2"):
        parse_policy("version: 2\n")


def test_broken_file_in_worktree_raises(repo: Repo) -> None:
    (repo.path / ".gitsess.yaml").write_text("invariants: [\n")
    with pytest.raises(ValidationError) as info:
        load_policy(Store.discover(str(repo.path)))
    assert ".gitsess.yaml" in info.value.message


def test_evaluate_every_counter_kind() -> None:
    p = parse_policy(
        "invariants:\n"
        "  - {name: a, counter: tool_calls, op: '<=', value: 3}\n"
        "  - {name: b, counter: 'tool:Bash', op: '==', value: 2}\n"
        "  - {name: c, counter: 'mcp:notion', op: '==', value: 0, severity: warn}\n"
        "  - {name: d, counter: 'mcp:notion:search', op: '>=', value: 1}\n"
        "  - {name: e, counter: subagents, op: '>', value: 0}\n"
        "  - {name: f, counter: active_minutes, op: '<', value: 1.5}\n"
        "  - {name: g, counter: 'mcp:absent', op: '==', value: 0}\n"
    )
    c = counters(
        tool_calls=4, tools={"Bash": 2}, subagent_starts=1, active_ms=120000,
        mcp={"notion": {"total": 3, "methods": {"search": 3}}},
    )
    got = {r["name"]: (r["actual"], r["verdict"]) for r in evaluate(p, c)}
    assert got == {
        "a": (4, "fail"), "b": (2, "pass"), "c": (3, "warn"), "d": (3, "pass"),
        "e": (1, "pass"), "f": (2.0, "fail"), "g": (0, "pass"),
    }
    line = describe(next(r for r in evaluate(p, c) if r["name"] == "a"))
    assert line == "invariant 'a' failed: tool_calls <= 3 expected, actual 4"
