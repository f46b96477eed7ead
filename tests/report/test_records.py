"""gitsess.report.records: the line reader of records gives what the bounded
YAML parser gives, on whatever a record may hold, and reads the records
gitsess writes without the parser."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitsess.handoff import record
from gitsess.handoff.record import Record, render
from gitsess.report import records

KEYS = ("branch", "invariants", "telemetry")


def full(text: str, hid: str = "RT-261126-01") -> dict[str, Any]:
    front = record.parse(text, id=hid).front
    return {k: front[k] for k in KEYS if k in front}


def note(front: dict[str, Any]) -> str:
    base = {"v": 2, "id": "RT-261126-01", "operator": "RT", "title": "t", "workstream": "core"}
    return render(Record({**base, **front}, {"Summary": "did it"}))


def usage_and_verdicts(front: dict[str, Any]) -> tuple[Any, Any, Any]:
    return records.usage(front), records.invariants(front), front.get("branch")


TYPICAL = {
    "branch": "feature/x",
    "telemetry": {"events": 4, "tool_calls": 2, "tools": {"Bash": 1, "Read": 1}, "mcp": {},
                  "tokens": {"claude-opus-4-5": {"input": 10, "output": 5, "cache_write": 0,
                                                 "cache_read": 7}},
                  "models": {"claude-opus-4-5": 3}, "sources": {}},
    "invariants": [{"name": "no-bash", "counter": "tool:Bash", "op": "==", "expected": 0,
                    "actual": 1, "severity": "warn", "verdict": "warn"},
                   {"name": "few", "counter": "failures", "op": "<=", "expected": 2.5,
                    "actual": 0, "severity": "error", "verdict": "pass"}],
}


def test_a_record_gitsess_writes_is_read_without_the_parser(monkeypatch: pytest.MonkeyPatch,
                                                           ) -> None:
    text = note(TYPICAL)
    expected = full(text)

    def refuse(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("the fast path should have read this record")

    monkeypatch.setattr(records, "parse", refuse)
    got = records.front(text, "RT-261126-01")
    assert usage_and_verdicts(got) == usage_and_verdicts(expected)
    assert records.usage(got)["tokens"] == {"claude-opus-4-5": {"input": 10, "output": 5,
                                                                "cache_write": 0, "cache_read": 7}}
    assert [i["verdict"] for i in records.invariants(got)] == ["warn", "pass"]


def test_what_the_line_reader_does_not_know_goes_to_the_parser() -> None:
    # Several records in one note, flow style, anchors, a block scalar.
    two = record.join_records([note({"branch": "a"}), note({"branch": "b"}).replace(
        "RT-261126-01", "RT-261126-02")])
    assert records.front(two, "RT-261126-02")["branch"] == "b"
    flow = note({}).replace("workstream: core", "workstream: core\nbranch: {a: 1}")
    assert records.front(flow, "RT-261126-01") == full(flow)
    block = note({}).replace("workstream: core", "workstream: core\ninvariants: &x []")
    assert records.front(block, "RT-261126-01") == {}  # anchors: refused, as the parser does
    assert records.front("not a record", "RT-261126-01") == {}


# Names as people write them (read by the line reader), and anything at all
# (mostly quoted by YAML, so read by the parser).
names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.:/ -]{0,20}", fullmatch=True) | st.text(
    st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30)
counts = st.integers(min_value=-3, max_value=10**12)
tokens = st.dictionaries(names, st.dictionaries(
    st.sampled_from(["input", "output", "cache_write", "cache_read", "odd"]), counts | names,
    max_size=4), max_size=3)
invariant = st.fixed_dictionaries({
    "name": names, "counter": names, "op": st.sampled_from(["==", "<=", ">", "!="]),
    "expected": counts | st.floats(allow_nan=False, allow_infinity=False),
    "actual": counts, "severity": st.sampled_from(["error", "warn", "yes", None]),
    "verdict": st.sampled_from(["pass", "fail", "warn", "no", "null"]) | names})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(branch=st.none() | names | counts, toks=st.none() | tokens,
       models=st.none() | st.dictionaries(names, counts, max_size=3),
       invs=st.lists(invariant, max_size=3))
def test_line_reader_and_parser_agree(branch: Any, toks: Any, models: Any, invs: Any) -> None:
    tel: dict[str, Any] = {"events": 1, "tools": {"Bash": 1}}
    if toks is not None:
        tel["tokens"] = toks
    if models is not None:
        tel["models"] = models
    text = note({"branch": branch, "telemetry": tel, "invariants": invs})
    assert usage_and_verdicts(records.front(text, "RT-261126-01")) == \
        usage_and_verdicts(full(text))
