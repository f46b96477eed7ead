"""gitsess.agents.settings and specs: merging gitsess's entries into each agent's settings
shape and taking them out again leaves any user's settings as they were."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitsess.agents.settings import Spec, equivalent, hooked, merged, stale, stripped
from gitsess.agents.specs import CLAUDE, COPILOT, CURSOR, DROID, GEMINI, SPECS, for_path, root_of

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
    assert for_path("/w/.github/hooks/gitsess.json") is COPILOT
    assert for_path("/w/.factory/settings.local.json") is DROID
    assert root_of("/w/x/.github/hooks/gitsess.json") == root_of("/w/x/.codex/hooks.json") == "/w/x"
    for path in ("/w/.gemini/settings.local.json", "/w/.cursor/settings.json",
                 "/w/hooks.json", "hooks.json", "/w/.claude/hooks.json",
                 "/w/.github/hooks/lint.json", "/w/hooks/gitsess.json", "/w/.codex/settings.json"):
        assert for_path(path) is None and root_of(path) is None


def test_an_older_entry_is_stale_and_updated_in_place() -> None:
    command = COMMAND.format("claude")
    old = merged(CLAUDE, {}, command)
    for groups in old["hooks"].values():  # as install wrote it before async
        for g in groups:
            for h in g["hooks"]:
                h.pop("async", None)
                h["statusMessage"] = "recording"  # a field the user added is kept
    assert stale(CLAUDE, old) == [e for e in CLAUDE.events if e != "SessionStart"]
    new = merged(CLAUDE, old, command)
    assert stale(CLAUDE, new) == [] and hooked(CLAUDE, new) == list(CLAUDE.events)
    pre = new["hooks"]["PreToolUse"][0]["hooks"][0]
    assert pre == {"type": "command", "command": command, "timeout": 10,
                   "statusMessage": "recording", "async": True}
    # An async entry where the agent must wait (SessionStart) loses it.
    old["hooks"]["SessionStart"][0]["hooks"][0]["async"] = True
    assert "SessionStart" in stale(CLAUDE, old)
    assert "async" not in merged(CLAUDE, old, command)["hooks"]["SessionStart"][0]["hooks"][0]
    assert stripped(CLAUDE, new) == {}


def test_copilot_entries_name_bash() -> None:
    data = merged(COPILOT, {"version": 1}, COMMAND.format("copilot"))
    assert data["hooks"]["sessionStart"] == [
        {"type": "command", "bash": COMMAND.format("copilot"), "timeoutSec": 15}]
    # A `command` entry naming gitsess is not Copilot's gitsess entry: only `bash` is read.
    other = {"version": 1, "hooks": {"agentStop": [{"type": "command",
                                                    "command": COMMAND.format("copilot")}]}}
    assert hooked(COPILOT, other) == [] and stripped(COPILOT, other) == other
    assert stripped(COPILOT, data) == {"version": 1}
