"""gitsess.agents.settings and specs: merging gitsess's entries into each agent's settings
shape and taking them out again leaves any user's settings as they were."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitsess.agents.settings import Spec, equivalent, hooked, merged, stripped
from gitsess.agents.specs import CLAUDE, CURSOR, GEMINI, SPECS, for_path

COMMAND = "/venv/bin/git-sess hook --agent {}"
names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
scalars = st.none() | st.booleans() | st.integers() | names
user_entry = st.fixed_dictionaries({"command": names}, optional={
    "type": st.just("command"), "timeout": st.integers(0, 100), "matcher": names})


def _events(spec: Spec) -> st.SearchStrategy[str]:
    return st.sampled_from([*spec.events, "SomethingElse", "afterFileEdit"])


def _settings(spec: Spec) -> st.SearchStrategy[dict[str, Any]]:
    items = (st.lists(user_entry, max_size=3) if not spec.grouped else
             st.lists(st.fixed_dictionaries({"hooks": st.lists(user_entry, max_size=2)},
                                             optional={"matcher": names}), max_size=3))
    hooks = st.dictionaries(_events(spec), items, max_size=4)
    other = st.dictionaries(names.filter(lambda k: k != "hooks"), scalars, max_size=3)
    return st.builds(lambda o, h, with_hooks: {**o, **({"hooks": h} if with_hooks else {})},
                     other, hooks, st.booleans())


@pytest.mark.parametrize("spec", list(SPECS.values()), ids=list(SPECS))
def test_strip_undoes_merge_and_merge_is_idempotent(spec: Spec) -> None:
    @settings(max_examples=150, deadline=None)
    @given(_settings(spec))
    def check(user: dict[str, Any]) -> None:
        command = COMMAND.format(spec.name)
        once = merged(spec, user, command)
        assert merged(spec, once, command) == once
        assert hooked(spec, once) == list(spec.events)
        assert hooked(spec, user) == []
        # Empty event lists and an empty `hooks`, which the merge fills, may go:
        # uninstall then restores the saved bytes (tests/test_agentsettings.py).
        assert equivalent(stripped(spec, once), user)
        assert {k: v for k, v in once.items() if k != "hooks"} == \
            {k: v for k, v in user.items() if k != "hooks"}

    check()


def test_entries_are_recognised_per_agent() -> None:
    gemini = merged(GEMINI, {}, COMMAND.format("gemini"))
    assert hooked(CLAUDE, gemini) == [] and hooked(GEMINI, gemini) == list(GEMINI.events)
    cursor = merged(CURSOR, {"version": 1}, "'/a b/git-sess' hook --agent=cursor")
    assert hooked(CURSOR, cursor) == list(CURSOR.events)
    assert stripped(CURSOR, cursor) == {"version": 1}
    for command in ("git-sess hook --agent cursor --extra", "echo git-sess hook --agent cursors",
                    "my-git-sess-wrapper"):
        flat = {"hooks": {"stop": [{"command": command}]}}
        assert hooked(CURSOR, flat) == [] and stripped(CURSOR, flat) == flat


def test_for_path() -> None:
    assert for_path("/w/.claude/settings.local.json") is CLAUDE
    assert for_path("/w/.gemini/settings.json") is GEMINI
    assert for_path("/w/.cursor/hooks.json") is CURSOR
    for path in ("/w/.gemini/settings.local.json", "/w/.cursor/settings.json",
                 "/w/hooks.json", "hooks.json", "/w/.claude/hooks.json"):
        assert for_path(path) is None
