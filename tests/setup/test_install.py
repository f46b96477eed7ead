"""git sess install / uninstall: hooks chained never clobbered, core.hooksPath,
worktrees, git config, Claude settings (issue 5, part 1)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import SESS, Repo, git
from tests.sesshelpers import bare, handoff_commit, handoff_id, remote_refs, snapshot

MARK = "marks"


def _marker_hook(repo: Repo, name: str, label: str) -> str:
    """A hook script that appends `label` (and its stdin's first line) to .git/marks."""
    marks = repo.path / ".git" / MARK
    return (
        "#!/bin/sh\n"
        f'line=$(head -n 1 2>/dev/null); echo "{label} $line" >> "{marks}"\n'
    )


def _marks(repo: Repo) -> list[str]:
    p = repo.path / ".git" / MARK
    return p.read_text().splitlines() if p.exists() else []


def _with_remote(repo: Repo, tmp_path: Path) -> Path:
    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    return remote


def _telemetry(repo: Repo, session: str = "s1") -> None:
    from tests.helpers import payload

    assert repo.hook(payload("SessionStart", session=session, source="startup")).returncode == 0
    assert repo.hook(payload("PreToolUse", session=session, tool_name="Bash")).returncode == 0


PRECOMMIT = shutil.which("pre-commit", path=os.path.dirname(sys.executable)) or shutil.which(
    "pre-commit"
)


def test_foreign_hooks_chained_and_restored_byte_for_byte(repo: Repo, tmp_path: Path) -> None:
    remote = _with_remote(repo, tmp_path)
    hooks = repo.path / ".git" / "hooks"
    (hooks / "commit-msg").write_text(_marker_hook(repo, "commit-msg", "old-commit-msg"))
    (hooks / "commit-msg").chmod(0o755)
    if PRECOMMIT is None:
        pytest.skip("pre-commit is not installed (pip install -e .[test] brings it)")
    (repo.path / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: local\n  hooks:\n"
        f"  - id: mark\n    name: mark\n    entry: sh -c 'echo pre-commit-$0 >> {repo.path}/.git/{MARK}'\n"
        "    args: [stage]\n    language: system\n    always_run: true\n    pass_filenames: false\n"
        "    stages: [pre-commit, pre-push]\n"
    )
    repo.git("add", ".pre-commit-config.yaml")
    repo.git("commit", "-q", "-m", "pre-commit config")
    subprocess.run([PRECOMMIT, "install", "-t", "pre-commit", "-t", "pre-push"],
                   cwd=repo.path, check=True, capture_output=True)
    before = snapshot(hooks)

    first = repo.sess("install", check=True)
    assert "chained existing hook commit-msg" in first.stdout
    assert "chained pre-commit hook pre-push" in first.stdout
    after_first = snapshot(hooks)
    second = repo.sess("install", check=True)
    assert not [ln for ln in second.stdout.splitlines() if ln.strip().startswith(("installed", "chained"))]
    assert snapshot(hooks) == after_first  # idempotent

    _telemetry(repo)
    repo.commit("feature", files={"a.txt": "a\n"})
    repo.git("push", "-q", "origin", "main")
    marks = _marks(repo)
    assert any(m.startswith("old-commit-msg") for m in marks)
    assert "pre-commit-stage" in " ".join(marks)  # pre-commit's pre-commit stage ran
    assert sum("pre-commit-stage" in m for m in marks) == 2  # ... and its pre-push stage
    got = remote_refs(remote)
    assert "refs/heads/main" in got and "refs/sess/live/s1" in got  # gitsess's pre-push ran

    out = repo.sess("uninstall", check=True)
    assert "restored" in out.stdout
    assert snapshot(hooks) == before


def test_husky_hooks_path_gets_the_shims_and_husky_still_runs(repo: Repo, tmp_path: Path) -> None:
    """husky 9 layout, written exactly as `husky` writes it: core.hooksPath=.husky/_,
    a stub per hook that sources _/h, which runs .husky/<hook>."""
    remote = _with_remote(repo, tmp_path)
    h = repo.path / ".husky" / "_"
    h.mkdir(parents=True)
    (h / ".gitignore").write_text("*\n")
    (h / "h").write_text(
        '#!/usr/bin/env sh\nn=$(basename "$0")\ns=$(dirname "$(dirname "$0")")/$n\n'
        '[ ! -f "$s" ] && exit 0\nsh -e "$s" "$@"\nc=$?\n'
        '[ $c != 0 ] && echo "husky - $n script failed (code $c)"\nexit $c\n'
    )
    for name in ("pre-commit", "commit-msg", "pre-push", "post-commit"):
        (h / name).write_text('#!/usr/bin/env sh\n. "$(dirname "$0")/h"')
        (h / name).chmod(0o755)
    (repo.path / ".husky" / "pre-push").write_text(f'echo husky-pre-push >> "{repo.path}/.git/{MARK}"\n')
    (repo.path / ".husky" / "commit-msg").write_text(f'echo husky-commit-msg >> "{repo.path}/.git/{MARK}"\n')
    repo.git("add", ".husky/pre-push", ".husky/commit-msg")
    repo.git("commit", "-q", "-m", "husky")
    repo.git("config", "core.hooksPath", ".husky/_")
    before = snapshot(h)

    out = repo.sess("install", check=True)
    assert str(h) in out.stdout and "husky" in out.stdout
    assert not (repo.path / ".git" / "hooks" / "pre-push").exists()
    _telemetry(repo)
    repo.commit("feature")
    repo.git("push", "-q", "origin", "main")
    assert _marks(repo) == ["husky-commit-msg", "husky-pre-push"]
    assert "refs/sess/live/s1" in remote_refs(remote)
    assert repo.git("status", "--porcelain").stdout == ""  # nothing to commit by accident

    repo.sess("uninstall", check=True)
    assert snapshot(h) == before


def test_committed_hooks_path_is_refused_with_the_reason(repo: Repo) -> None:
    d = repo.path / ".githooks"
    d.mkdir()
    (d / "pre-push").write_text("#!/bin/sh\nexit 0\n")
    repo.git("add", ".githooks")
    repo.git("commit", "-q", "-m", "hooks")
    repo.git("config", "core.hooksPath", ".githooks")
    before = snapshot(d)
    out = repo.sess("install")
    assert out.returncode == 1
    assert "committed to this repository" in out.stderr and "hint:" in out.stderr
    assert snapshot(d) == before
    assert not (repo.path / ".git" / "hooks" / "pre-push").exists()


def test_global_hooks_path_is_refused(repo: Repo, tmp_path: Path) -> None:
    shared = tmp_path / "global-hooks"
    shared.mkdir()
    git("config", "--global", "core.hooksPath", str(shared), cwd=repo.path)
    out = repo.sess("install")
    assert out.returncode == 1
    assert "global git config" in out.stderr and "core.hooksPath" in out.stderr
    assert list(shared.iterdir()) == []


@pytest.mark.parametrize("value", ["/dev/null", "a-file", ""])
def test_hooks_path_that_turns_hooks_off_is_refused(repo: Repo, value: str) -> None:
    """core.hooksPath=/dev/null (or any file, or empty) makes git run no hooks: install
    used to crash on makedirs (exit 70) or litter the worktree with shims that never ran."""
    (repo.path / "a-file").write_text("x\n")
    repo.git("config", "core.hooksPath", value)
    out = repo.sess("install")
    assert out.returncode == 1, out.stdout + out.stderr
    assert out.stderr.startswith("error: not installing hooks: core.hooksPath") and "hint:" in out.stderr
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr
    assert not (repo.path / "commit-msg").exists() and (repo.path / "a-file").read_text() == "x\n"
    doctor = repo.sess("doctor", "--json")
    data = json.loads(doctor.stdout)
    assert doctor.returncode == 1 and not data["ok"]
    assert [f["message"] for f in data["findings"] if f["check"] == "hooks"] == [
        out.stderr.splitlines()[0].removeprefix("error: not installing hooks: ")]
    assert "git config --local --unset core.hooksPath" in str(data["findings"])


def test_missing_local_hooks_path_is_created_and_removed(repo: Repo) -> None:
    repo.git("config", "core.hooksPath", ".git/my-hooks")
    repo.sess("install", check=True)
    assert (repo.path / ".git" / "my-hooks" / "pre-push").exists()
    repo.sess("uninstall", check=True)
    assert not (repo.path / ".git" / "my-hooks").exists()


def test_git_config_and_plain_fetch_brings_peers_refs(repo: Repo, tmp_path: Path) -> None:
    remote = _with_remote(repo, tmp_path)
    repo.git("config", "notes.rewriteRef", "refs/notes/commits")
    repo.sess("install", check=True)
    assert repo.git("config", "--get-all", "notes.rewriteRef").stdout.split() == [
        "refs/notes/commits", "refs/notes/sess*"]
    # Before any handoff there is no refs/notes/sess: an amend must not warn about it.
    amend = repo.git("commit", "--amend", "--allow-empty", "-q", "-m", "initial")
    assert "refs/notes/sess" not in amend.stderr, amend.stderr  # (the user's own ref may warn)
    # A peer's session refs, notes and local-only refs on the remote.
    repo.git("push", "-q", "origin", "main")
    repo.git("fetch", "-q")  # a remote without refs/notes/sess must not break a plain fetch
    base = repo.git("rev-parse", "HEAD").stdout.strip()
    for ref in ("refs/sess/live/p1", "refs/sess/done/p0", "refs/sess/h/PE/PE-261126-01",
                "refs/sess/local/secret", "refs/sess/pending/p1/x"):
        git("update-ref", ref, base, cwd=remote)
    git("notes", "--ref=sess", "add", "-m", "rec", base, cwd=remote, check=False)
    repo.git("fetch", "-q")
    refs = repo.refs("refs/sess/remotes/origin/")
    assert set(refs) == {
        "refs/sess/remotes/origin/live/p1", "refs/sess/remotes/origin/done/p0",
        "refs/sess/remotes/origin/h/PE/PE-261126-01", "refs/sess/remotes/origin/notes"}
    repo.sess("uninstall", check=True)
    assert repo.git("config", "--get-all", "notes.rewriteRef").stdout.split() == ["refs/notes/commits"]
    assert "sess" not in repo.git("config", "--get-all", "remote.origin.fetch").stdout


def test_linked_worktree_shares_the_install(repo: Repo, tmp_path: Path) -> None:
    remote = _with_remote(repo, tmp_path)
    repo.sess("install", check=True)
    wt = tmp_path / "wt"
    repo.git("worktree", "add", "-q", "-b", "side", str(wt))
    other = Repo(wt)
    out = other.sess("install", check=True)
    assert "up to date" in out.stdout
    assert not [ln for ln in out.stdout.splitlines() if ln.strip().startswith("installed")]
    _telemetry(other, "w1")
    assert "refs/sess/live/w1" in repo.refs("refs/sess/")  # shared refs
    other.commit("in worktree")
    other.git("push", "-q", "origin", "side")
    assert "refs/sess/live/w1" in remote_refs(remote)  # pre-push fired in the worktree
    # post-rewrite fires there too: an amended handoff's ref follows, in the shared refs.
    old = handoff_commit(other, handoff_id(1))
    other.git("commit", "-q", "--no-verify", "--amend", "--allow-empty", "-m", "handoff(core): redo\n\n"
              f"Sess-Id: {handoff_id(1)}\nSess-Operator: RT\nSess-Workstream: core\nSess-Session: s1\n")
    new = other.git("rev-parse", "HEAD").stdout.strip()
    assert new != old and repo.refs()[f"refs/sess/h/RT/{handoff_id(1)}"] == new


def _claude_settings() -> dict:
    return {
        "model": "opus",
        "permissions": {"allow": ["Bash(npm test:*)"], "deny": []},
        "hooks": {
            "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "./lint.sh"}]}],
            "Stop": [{"hooks": [{"type": "command", "command": "notify-send done", "timeout": 3}]}],
        },
        "env": {"FOO": "1"},
    }


@pytest.mark.parametrize("local", [False, True])
def test_claude_settings_round_trip(repo: Repo, local: bool) -> None:
    name = "settings.local.json" if local else "settings.json"
    path = repo.path / ".claude" / name
    path.parent.mkdir()
    original = json.dumps(_claude_settings(), indent=4) + "\n"
    path.write_text(original)
    args = ["install", "--agent", "claude"] + (["--local"] if local else [])
    repo.sess(*args, check=True)
    once = path.read_bytes()
    repo.sess(*args, check=True)
    assert path.read_bytes() == once  # a second install adds nothing
    data = json.loads(once)
    for event in ("SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse",
                  "PostToolUseFailure", "SubagentStart", "SubagentStop", "Stop",
                  "PreCompact", "SessionEnd"):
        ours = [h for g in data["hooks"][event] for h in g["hooks"] if "hook --agent claude" in h["command"]]
        assert len(ours) == 1 and isinstance(ours[0]["timeout"], int), event
        assert ours[0]["command"].split()[0].endswith(("git-sess", "python")), event
    # the user's group is kept as it was (gitsess's is added before it: Claude
    # Code runs the matching hooks in parallel, and the diff is added lines only)
    assert _claude_settings()["hooks"]["PreToolUse"][0] in data["hooks"]["PreToolUse"]
    assert {k: v for k, v in data.items() if k != "hooks"} == {
        k: v for k, v in _claude_settings().items() if k != "hooks"}
    repo.sess("uninstall", check=True)
    assert path.read_text() == original  # byte for byte when nothing else changed
    assert json.loads(path.read_text()) == _claude_settings()


def test_claude_settings_user_edit_after_install_is_kept(repo: Repo) -> None:
    path = repo.path / ".claude" / "settings.json"
    repo.sess("install", "--agent", "claude", check=True)
    data = json.loads(path.read_text())
    data["hooks"]["Stop"].append({"hooks": [{"type": "command", "command": "say bye"}]})
    data["theme"] = "dark"
    path.write_text(json.dumps(data))
    repo.sess("uninstall", check=True)
    assert json.loads(path.read_text()) == {
        "hooks": {"Stop": [{"hooks": [{"type": "command", "command": "say bye"}]}]}, "theme": "dark"}


def test_claude_settings_created_then_removed(repo: Repo) -> None:
    repo.sess("install", "--agent", "claude", check=True)
    assert (repo.path / ".claude" / "settings.json").exists()
    repo.sess("uninstall", check=True)
    assert not (repo.path / ".claude").exists()


def test_invalid_settings_json_is_not_touched(repo: Repo) -> None:
    path = repo.path / ".claude" / "settings.json"
    path.parent.mkdir()
    path.write_text("{ not json")
    out = repo.sess("install", "--agent", "claude")
    assert out.returncode == 1 and "not valid JSON" in out.stderr
    assert path.read_text() == "{ not json"


def test_symlinked_settings_are_written_through_and_keep_their_mode(repo: Repo, tmp_path: Path) -> None:
    """A settings.json linked from a dotfiles directory stays a link (install used to
    replace it with a regular file), and a 0600 file stays 0600."""
    dotfiles = tmp_path / "dotfiles" / "claude-settings.json"
    dotfiles.parent.mkdir()
    original = json.dumps(_claude_settings()) + "\n"
    dotfiles.write_text(original)
    dotfiles.chmod(0o600)
    link = repo.path / ".claude" / "settings.json"
    link.parent.mkdir()
    link.symlink_to(dotfiles)
    repo.sess("install", "--agent", "claude", check=True)
    assert link.is_symlink() and os.readlink(link) == str(dotfiles)
    assert "hook --agent claude" in dotfiles.read_text()
    assert dotfiles.stat().st_mode & 0o777 == 0o600
    assert not list(dotfiles.parent.glob("*gitsess-tmp*"))
    repo.sess("uninstall", check=True)
    assert link.is_symlink() and dotfiles.read_text() == original
    assert dotfiles.stat().st_mode & 0o777 == 0o600


def test_unusable_settings_refuse_install_before_anything_changes(repo: Repo, tmp_path: Path) -> None:
    """A settings file install cannot merge into used to fail only after the git
    hooks and config were already in: a half install behind an error."""
    path = repo.path / ".claude" / "settings.json"
    path.parent.mkdir()
    for text, mode, words in (("[1, 2]", 0o644, "does not hold a JSON object"),
                              ('{"hooks": []}', 0o644, '"hooks" is not an object'),
                              ('{"model": "opus"}', 0o444, "is read-only")):
        path.write_text(text)
        path.chmod(mode)
        out = repo.sess("install", "--agent", "claude")
        assert out.returncode == 1 and words in out.stderr, out.stderr
        assert out.stderr.startswith("error: ") and "Traceback" not in out.stderr
        assert path.read_text() == text and path.stat().st_mode & 0o777 == mode
        assert not (repo.path / ".git" / "hooks" / "commit-msg").exists()
        assert repo.git("config", "--get-regexp", "^(sess|notes)\\.", check=False).stdout == ""
    bare_repo = bare(tmp_path / "bare.git")
    out = subprocess.run([*SESS, "install", "--agent", "claude"], cwd=bare_repo,
                         capture_output=True, text=True)
    assert out.returncode == 2 and "bare" in out.stderr  # usage, as handoff's (issue 10)
    assert not (bare_repo / "hooks" / "commit-msg").exists()


def test_uninstall_with_a_broken_settings_file_takes_out_the_rest(repo: Repo) -> None:
    path = repo.path / ".claude" / "settings.json"
    repo.sess("install", "--agent", "claude", check=True)
    path.write_text(path.read_text() + "{ oops")
    out = repo.sess("uninstall")
    assert out.returncode == 1 and "not valid JSON" in out.stderr
    assert "by hand, then run git sess uninstall again" in out.stderr
    assert not (repo.path / ".git" / "hooks" / "commit-msg").exists()  # the rest came out
    assert path.read_text().endswith("{ oops")  # the user's file is not touched
    path.write_text(path.read_text().removesuffix("{ oops"))
    repo.sess("uninstall", check=True)
    assert not (repo.path / ".claude").exists()
    # A broken file gitsess never wrote to does not stop uninstall at all.
    repo.sess("install", "--agent", "claude", "--local", check=True)
    path.write_text("{ mine, broken")
    repo.sess("uninstall", check=True)
    assert path.read_text() == "{ mine, broken"
    assert not (repo.path / ".claude" / "settings.local.json").exists()


def test_shims_name_the_exact_install(repo: Repo) -> None:
    repo.sess("install", check=True)
    text = (repo.path / ".git" / "hooks" / "pre-push").read_text()
    exe = Path(sys.executable).parent / "git-sess"
    assert str(exe) in text or sys.executable in text
    assert "@GITSESS@" not in text


def test_chain_guard_against_being_run_as_legacy(repo: Repo, tmp_path: Path) -> None:
    """Another tool that moves gitsess's shim to pre-push.legacy must not make it loop."""
    _with_remote(repo, tmp_path)
    repo.sess("install", check=True)
    hooks = repo.path / ".git" / "hooks"
    os.replace(hooks / "pre-push", hooks / "pre-push.legacy")
    (hooks / "pre-push").write_text('#!/bin/sh\nexec "$(dirname "$0")/pre-push.legacy" "$@"\n')
    (hooks / "pre-push").chmod(0o755)
    proc = subprocess.run(["git", "push", "-q", "origin", "main"], cwd=repo.path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    repo.sess("uninstall", check=True)
    assert not (hooks / "pre-push.legacy").exists()


def _claude_dir(wt: Path) -> tuple[bool, dict[str, tuple[int, bytes]]]:
    return (wt / ".claude").is_dir(), snapshot(wt / ".claude")


def _three_worktrees(repo: Repo, tmp_path: Path) -> tuple[Path, Path]:
    """Claude settings in three worktrees: the main one's settings.json has the
    user's hooks, `one` has none (gitsess creates .claude/), `two` has its own
    settings.json and settings.local.json; installed in each (--local in `two`)."""
    one, two = tmp_path / "one", tmp_path / "two"
    repo.git("worktree", "add", "-q", "-b", "one", str(one))
    repo.git("worktree", "add", "-q", "-b", "two", str(two))
    (repo.path / ".claude").mkdir()
    (repo.path / ".claude" / "settings.json").write_text(json.dumps(_claude_settings(), indent=4))
    (two / ".claude").mkdir()
    (two / ".claude" / "settings.json").write_text('{"model": "sonnet"}\n')
    (two / ".claude" / "settings.local.json").write_text('{\n\t"env": {"A": "b"}\n}')
    return one, two


def _install_three(repo: Repo, one: Path, two: Path) -> None:
    repo.sess("install", "--agent", "claude", check=True)
    Repo(one).sess("install", "--agent", "claude", check=True)
    Repo(two).sess("install", "--agent", "claude", "--local", check=True)
    for path in (repo.path / ".claude" / "settings.json", one / ".claude" / "settings.json",
                 two / ".claude" / "settings.local.json"):
        assert "hook --agent claude" in path.read_text(), path


def _install_state(repo: Repo) -> tuple[dict[str, str], str]:
    config = repo.git("config", "--local", "--get-regexp", "^(sess|notes)\\.", check=False).stdout
    return repo.refs("refs/sess/local/install/"), config


@pytest.mark.parametrize("where", ["main", "one", "two"])
def test_uninstall_restores_agent_settings_in_every_worktree(repo: Repo, tmp_path: Path,
                                                             where: str) -> None:
    """Uninstall from any worktree takes gitsess out of every worktree's agent
    settings (it used to leave those of the other worktrees, pointing at a gitsess
    whose hooks were gone), byte for byte, and forgets what it saved."""
    one, two = _three_worktrees(repo, tmp_path)
    hooks = repo.path / ".git" / "hooks"
    before = {wt: _claude_dir(wt) for wt in (repo.path, one, two)}
    hooks_before = snapshot(hooks)
    _install_three(repo, one, two)
    again = {wt: _claude_dir(wt) for wt in (repo.path, one, two)}
    _install_three(repo, one, two)  # a second install changes nothing anywhere
    assert {wt: _claude_dir(wt) for wt in (repo.path, one, two)} == again
    out = Repo({"main": repo.path, "one": one, "two": two}[where]).sess("uninstall", check=True)
    assert {wt: _claude_dir(wt) for wt in (repo.path, one, two)} == before
    assert snapshot(hooks) == hooks_before
    assert _install_state(repo) == ({}, "")
    assert f"restored {repo.path / '.claude' / 'settings.json'}" in out.stdout
    assert f"removed {one / '.claude' / 'settings.json'}" in out.stdout
    assert f"restored {two / '.claude' / 'settings.local.json'}" in out.stdout
    assert Repo(one).sess("uninstall", check=True).stdout.startswith("nothing to uninstall")


def test_uninstall_keeps_edits_made_in_another_worktree(repo: Repo, tmp_path: Path) -> None:
    """A settings file edited since install, in a worktree uninstall does not run
    in, loses only gitsess's entries, as in the worktree uninstall runs in."""
    one, two = _three_worktrees(repo, tmp_path)
    _install_three(repo, one, two)
    path = two / ".claude" / "settings.local.json"
    data = json.loads(path.read_text())
    data["hooks"]["Stop"].append({"hooks": [{"type": "command", "command": "say bye"}]})
    data["theme"] = "dark"
    path.write_text(json.dumps(data))
    out = repo.sess("uninstall", check=True)
    assert f"removed gitsess hooks from {path}" in out.stdout
    assert json.loads(path.read_text()) == {
        "env": {"A": "b"}, "theme": "dark",
        "hooks": {"Stop": [{"hooks": [{"type": "command", "command": "say bye"}]}]}}
    assert _install_state(repo) == ({}, "")


@pytest.mark.parametrize("prune", [False, True])
def test_uninstall_after_a_linked_worktree_was_deleted(repo: Repo, tmp_path: Path,
                                                       prune: bool) -> None:
    """A worktree deleted since install (and maybe pruned) is named in one line and
    its saved settings are dropped; the rest comes out as usual."""
    one, two = _three_worktrees(repo, tmp_path)
    before = _claude_dir(repo.path)
    _install_three(repo, one, two)
    shutil.rmtree(one)
    shutil.rmtree(two)
    if prune:
        repo.git("worktree", "prune")
    out = repo.sess("uninstall")
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    gone = [ln for ln in out.stdout.splitlines() if "no longer exists" in ln]
    assert len(gone) == 2 and str(one) in gone[0] and str(two) in gone[1], out.stdout
    assert _claude_dir(repo.path) == before
    assert _install_state(repo) == ({}, "")
    assert not (repo.path / ".git" / "hooks" / "commit-msg").exists()


def test_uninstall_keeps_what_it_saved_for_a_locked_worktree_out_of_reach(repo: Repo,
                                                                          tmp_path: Path) -> None:
    """A locked worktree (`git worktree lock`: on a drive not mounted now) keeps its
    saved settings; uninstall says so and finishes the job once it is back."""
    one, two = _three_worktrees(repo, tmp_path)
    before = _claude_dir(two)
    _install_three(repo, one, two)
    repo.git("worktree", "lock", str(two))
    os.replace(two, tmp_path / "unmounted")
    out = repo.sess("uninstall", check=True)
    assert [ln for ln in out.stdout.splitlines() if str(two) in ln] == [
        f"agent: {two} is locked and out of reach: kept what gitsess saved of its settings;"
        " run git sess uninstall again once it is back"]
    assert len(_install_state(repo)[0]) == 1
    os.replace(tmp_path / "unmounted", two)
    out = repo.sess("uninstall", check=True)
    assert f"restored {two / '.claude' / 'settings.local.json'}" in out.stdout
    assert _claude_dir(two) == before
    assert _install_state(repo) == ({}, "")


def test_uninstall_cleans_worktrees_an_older_install_did_not_list(repo: Repo, tmp_path: Path) -> None:
    """Settings installed before gitsess listed them (no sess.agentSettings) are
    found through `git worktree list`, still restored byte for byte."""
    one, two = _three_worktrees(repo, tmp_path)
    before = {wt: _claude_dir(wt) for wt in (repo.path, two)}
    _install_three(repo, one, two)
    repo.git("config", "--unset-all", "sess.agentSettings", check=False)
    assert repo.git("config", "--get-all", "sess.agentSettings", check=False).stdout == ""
    repo.sess("uninstall", check=True)
    assert {wt: _claude_dir(wt) for wt in (repo.path, two)} == before
    assert not (one / ".claude").exists()
    assert _install_state(repo) == ({}, "")


def test_a_claude_path_that_is_a_file_is_refused_and_skipped(repo: Repo, tmp_path: Path) -> None:
    """`.claude` that is a file: install refuses (it crashed), uninstall from
    another worktree passes over it."""
    one = tmp_path / "one"
    repo.git("worktree", "add", "-q", "-b", "one", str(one))
    (repo.path / ".claude").write_text("not a directory\n")
    out = repo.sess("install", "--agent", "claude")
    assert out.returncode == 1 and "is not a directory" in out.stderr, out.stderr
    Repo(one).sess("install", "--agent", "claude", check=True)
    shutil.rmtree(one / ".claude")
    (one / ".claude").write_text("not a directory\n")
    repo.sess("uninstall", check=True)
    assert (one / ".claude").read_text() == "not a directory\n"
    assert _install_state(repo) == ({}, "")


def test_uninstall_drops_what_an_older_install_saved_for_a_deleted_worktree(
        repo: Repo, tmp_path: Path) -> None:
    """A saved copy that no listed or recorded worktree names (an older install,
    in a worktree since deleted and pruned) is dropped, and counted."""
    one, two = _three_worktrees(repo, tmp_path)
    _install_three(repo, one, two)
    repo.git("config", "--unset-all", "sess.agentSettings", check=False)
    shutil.rmtree(two)
    repo.git("worktree", "prune")
    out = repo.sess("uninstall", check=True)
    assert "agent: dropped 1 saved settings file of worktrees git no longer lists" in out.stdout
    assert not (one / ".claude").exists()
    assert _install_state(repo) == ({}, "")
