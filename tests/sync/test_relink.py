"""Issue 9, deliverable 8 (second half): after `git filter-repo`, with the
feature branches deleted, `doctor` finds every record whose commit vanished
and `doctor --relink` maps all of them by their Sess-Id trailers."""

from __future__ import annotations

import json
import shutil
import sysconfig
from pathlib import Path

import pytest

from tests.handoffhelpers import install, narrative
from tests.helpers import Repo, payload


def _filter_repo() -> str:
    found = shutil.which("git-filter-repo") or shutil.which(
        "git-filter-repo", path=sysconfig.get_path("scripts"))
    if found is None:
        pytest.skip("git-filter-repo is not installed (pip install git-filter-repo)")
    return found


def _handoff(repo: Repo, tmp_path: Path, n: int) -> str:
    repo.commit(f"work {n}", {f"f{n}.txt": f"{n}\n"})
    hook = repo.hook(payload("PreToolUse", f"s{n}", tool_name="Bash", tool_input={},
                             cwd=str(repo.path)))
    assert hook.returncode == 0, hook.stderr
    proc = repo.sess("handoff", "--file", narrative(tmp_path, name=f"h{n}.md"), "--json")
    assert proc.returncode == 0, proc.stderr
    return str(json.loads(proc.stdout)["id"])


def test_filter_repo_then_doctor_finds_and_relink_maps_every_record(
        repo: Repo, tmp_path: Path) -> None:
    filter_repo = _filter_repo()
    repo.commit("a secret", {"secret.txt": "s3cr3t\n"})  # every later commit is rewritten
    install(repo)
    # Two handoffs merged into main; three on a branch squash-merged with a
    # message of its own (no trailers), both branches then deleted.
    repo.git("checkout", "-q", "-b", "feature")
    merged = [_handoff(repo, tmp_path, n) for n in (1, 2)]
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "--no-verify", "-m", "merge feature", "feature")
    repo.git("checkout", "-q", "-b", "topic")
    squashed = [_handoff(repo, tmp_path, n) for n in (3, 4, 5)]
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--squash", "topic")
    repo.git("commit", "-q", "--no-verify", "-m", "topic, squashed")
    repo.git("branch", "-q", "-D", "feature", "topic")
    # The real git filter-repo (an alias: its directory need not be on PATH).
    repo.git("-c", "alias.filter-repo=!" + filter_repo,
             "filter-repo", "--force", "--invert-paths", "--path", "secret.txt")
    assert "secret.txt" not in repo.git("log", "--all", "--name-only", "--format=").stdout
    ids = merged + squashed

    def unresolved() -> list[str]:
        out = []
        for hid in ids:
            shown = repo.sess("show", hid)
            assert shown.returncode == 0, shown.stderr
            if "from the commit message" in shown.stderr:
                out.append(hid)
        return out

    assert unresolved() == ids  # every record lost its commit
    before = json.loads(repo.sess("doctor", "--json").stdout)
    named = " ".join(f["message"] + " " + (f["fix"] or "") for f in before["findings"]
                     if f["check"] == "notes" and f["severity"] == "warning")
    assert not before["ok"]
    for hid in ids:
        assert hid in named, f"doctor does not name {hid}"
    relink = repo.sess("doctor", "--relink", "--json")
    done = json.loads(relink.stdout)
    assert sorted(r["record"] for r in done["relinked"] if r["from"]) == sorted(ids)
    assert done["ok"], done["findings"]
    assert unresolved() == []
    for hid in ids:
        ref = f"refs/sess/h/{hid.split('-')[0]}/{hid}"
        shown = json.loads(repo.sess("show", hid, "--json", check=True).stdout)
        assert shown["record"]["id"] == hid
        assert shown["record"]["commit"] is not None
        assert repo.refs(ref)[ref] == repo.git("rev-parse", ref).stdout.strip()
