"""Teams: unique handoff ids and operator ids across clones (issue 10, deliverable 4).

Two people, or one person's two clones, share a bare remote. Each person
is their own git identity (config and commit env); the handoffs are real
`git sess handoff` commits with real hooks, pushed with real `git push`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.handoffhelpers import T0, events, front, install, note
from tests.helpers import Repo, git
from tests.sesshelpers import bare

RITA = ("Rita Torres", "rita@example.com")
RAJ = ("Raj Thomas", "raj@example.com")


def person(who: tuple[str, str]) -> dict[str, str]:
    """The environment of one person's commands. Commit dates are now, as in
    real life: an id's date and its commit's date agree (the hermetic fixture
    pins them to a day in the past)."""
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    name, email = who
    return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email, "GIT_AUTHOR_DATE": now, "GIT_COMMITTER_DATE": now}


def clone(remote: Path, path: Path, who: tuple[str, str]) -> Repo:
    git("clone", "-q", str(remote), str(path), cwd=remote.parent)
    repo = Repo(path)
    repo.git("config", "user.name", who[0])
    repo.git("config", "user.email", who[1])
    install(repo)
    return repo


def seeded(tmp_path: Path) -> Path:
    remote = bare(tmp_path / "remote.git")
    seed = tmp_path / "seed"
    git("init", "-q", "-b", "main", str(seed), cwd=tmp_path)
    (seed / "README.md").write_text("hello\n")
    git("add", "README.md", cwd=seed)
    git("commit", "-q", "-m", "initial", cwd=seed)
    git("push", "-q", str(remote), "main", cwd=seed)
    return remote


def hand_off(repo: Repo, who: tuple[str, str], title: str, session: str) -> dict[str, object]:
    events(repo, session, at=T0)
    proc = repo.sess("handoff", "--quick", "--title", title, "--json", env=person(who))
    assert proc.returncode == 0, proc.stderr
    doc: dict[str, object] = json.loads(proc.stdout)
    doc["stderr"] = proc.stderr
    return doc


def test_two_people_with_the_same_initials_get_distinct_ids_and_are_warned(
        tmp_path: Path) -> None:
    remote = seeded(tmp_path)
    rita = clone(remote, tmp_path / "rita", RITA)
    raj = clone(remote, tmp_path / "raj", RAJ)
    mine = hand_off(rita, RITA, "rita's step", "s-rita")
    assert str(mine["id"]).startswith("RT-") and "warning" not in str(mine["stderr"])
    rita.git("push", "-q", "origin", "main", env=person(RITA))
    assert rita.sess("sync", env=person(RITA)).returncode == 0
    assert raj.sess("sync", env=person(RAJ)).returncode == 0
    raj.git("pull", "-q", "--rebase", "origin", "main", env=person(RAJ))
    his = hand_off(raj, RAJ, "raj's step", "s-raj")
    assert str(his["id"]).startswith("RTh-")
    assert "warning: operator id RT is already used by rita@example.com" in str(his["stderr"])
    assert "hint: choose your operator id once for this repository: git config sess.operator" \
        in str(his["stderr"])
    who = raj.sess("whoami", check=True)
    assert who.stdout.startswith("RTh\n")
    assert "source: derived from user.name, RT being taken" in who.stdout
    # Raj's own last handoff is his, not Rita's.
    doc = json.loads(raj.sess("resume", "--json", check=True, env=person(RAJ)).stdout)
    assert doc["operator"] == "RTh" and doc["last_handoff"]["id"] == his["id"]


def test_whoami_warns_when_an_id_set_by_hand_is_someone_elses(tmp_path: Path) -> None:
    remote = seeded(tmp_path)
    rita = clone(remote, tmp_path / "rita", RITA)
    hand_off(rita, RITA, "rita's step", "s-rita")
    rita.git("push", "-q", "origin", "main", env=person(RITA))
    raj = clone(remote, tmp_path / "raj", RAJ)
    raj.git("fetch", "-q", "origin")  # install's refspecs bring the records
    raj.git("config", "sess.operator", "RT")
    who = raj.sess("whoami")
    assert who.returncode == 0 and who.stdout.startswith("RT\n")
    assert "warning: operator id RT is also used by rita@example.com" in who.stderr
    assert "git config sess.operator" in who.stderr


def test_a_fresh_clone_numbers_after_the_ids_in_its_history(tmp_path: Path) -> None:
    """Same operator, a clone that fetched branches only (no handoff refs):
    the Sess-Id trailers of the day in its history still count."""
    remote = seeded(tmp_path)
    laptop = clone(remote, tmp_path / "laptop", RITA)
    first = hand_off(laptop, RITA, "on the laptop", "s-laptop")
    laptop.git("push", "-q", "origin", "main", env=person(RITA))
    desk = tmp_path / "desk"
    git("clone", "-q", str(remote), str(desk), cwd=tmp_path)  # branches only
    desktop = Repo(desk)
    desktop.git("config", "user.name", RITA[0])
    desktop.git("config", "user.email", RITA[1])
    assert not desktop.refs("refs/sess/")
    second = hand_off(desktop, RITA, "on the desktop", "s-desk")
    assert first["id"] != second["id"]
    assert str(second["id"]).endswith("-02") and str(first["id"]).endswith("-01")
    assert front(note(desktop) or "")["id"] == second["id"]


def test_two_offline_clones_of_one_operator_keep_both_handoffs(tmp_path: Path) -> None:
    """The acceptance test: one person's laptop and desktop hand off offline
    on the same day (both make -01); both sync and push; both records
    survive, under distinct ids, in both clones."""
    remote = seeded(tmp_path)
    laptop = clone(remote, tmp_path / "laptop", RITA)
    desktop = clone(remote, tmp_path / "desktop", RITA)
    laptop.commit("laptop work", {"laptop.txt": "l\n"})
    desktop.commit("desktop work", {"desktop.txt": "d\n"})
    a = hand_off(laptop, RITA, "from the laptop", "s-laptop")
    b = hand_off(desktop, RITA, "from the desktop", "s-desktop")
    assert a["id"] == b["id"]  # offline: neither could know
    laptop.git("push", "-q", "origin", "main", env=person(RITA))
    assert laptop.sess("sync", env=person(RITA)).returncode == 0
    out = desktop.sess("sync", env=person(RITA))
    assert out.returncode == 0, out.stdout + out.stderr
    renamed = [ln for ln in out.stdout.splitlines() if ln.startswith("renumbered")]
    assert len(renamed) == 1 and f"renumbered handoff {a['id']} to " in renamed[0]
    new_id = renamed[0].split(" to ", 1)[1].split(":", 1)[0]
    assert new_id != a["id"] and new_id.endswith("-02")
    # The renumbered handoff is whole: commit trailer, record, ref.
    oid = desktop.refs(f"refs/sess/h/RT/{new_id}")[f"refs/sess/h/RT/{new_id}"]
    assert desktop.git("rev-parse", "HEAD").stdout.strip() == oid
    assert f"Sess-Id: {new_id}" in desktop.git("log", "-1", "--format=%B").stdout
    rec = front(note(desktop) or "")
    assert (rec["id"], rec["commit"], rec["title"]) == (new_id, oid, "from the desktop")
    assert not desktop.refs(f"refs/sess/h/RT/{a['id']}")
    assert (desktop.path / "desktop.txt").exists()
    desktop.git("pull", "-q", "--rebase", "origin", "main", env=person(RITA))
    desktop.git("push", "-q", "origin", "main", env=person(RITA))
    assert desktop.sess("sync", env=person(RITA)).returncode == 0
    assert laptop.sess("sync", env=person(RITA)).returncode == 0
    for repo in (laptop, desktop):
        log = json.loads(repo.sess("log", "--json", check=True).stdout)["handoffs"]
        assert sorted((h["id"], h["title"]) for h in log) == sorted(
            [(a["id"], "from the laptop"), (new_id, "from the desktop")])
        assert repo.sess("show", new_id, check=True).stdout.count(f"id: {new_id}") == 1
        assert "title: from the laptop" in repo.sess("show", str(a["id"]), check=True).stdout


def _offline_pair(tmp_path: Path) -> tuple[Repo, Repo, dict[str, object], dict[str, object]]:
    remote = seeded(tmp_path)
    laptop = clone(remote, tmp_path / "laptop", RITA)
    desktop = clone(remote, tmp_path / "desktop", RITA)
    a = hand_off(laptop, RITA, "from the laptop", "s-laptop")
    b = hand_off(desktop, RITA, "from the desktop", "s-desktop")
    laptop.git("push", "-q", "origin", "main", env=person(RITA))
    assert laptop.sess("sync", env=person(RITA)).returncode == 0
    return laptop, desktop, a, b


def test_doctor_reports_a_collision_and_fix_renumbers_it(tmp_path: Path) -> None:
    _laptop, desktop, a, _b = _offline_pair(tmp_path)
    desktop.git("fetch", "-q", "origin")  # install's refspecs: the laptop's handoff ref
    doc = json.loads(desktop.sess("doctor", "--json").stdout)
    ids = [f for f in doc["findings"] if f["check"] == "ids"]
    assert len(ids) == 1 and f"handoff {a['id']} here" in ids[0]["message"]
    assert ids[0]["fix"].startswith("git sess doctor --fix")
    # A plain fetch brought the laptop's record: nothing says it is missing.
    assert not [f for f in doc["findings"] if "has no record" in f["message"]]
    proc = desktop.sess("doctor", "--fix")
    assert f"renumbered handoff {a['id']} to " in proc.stdout, proc.stdout + proc.stderr
    doc = json.loads(desktop.sess("doctor", "--json").stdout)
    assert not [f for f in doc["findings"] if f["check"] == "ids"]
    new = [r.rsplit("/", 1)[-1] for r in desktop.refs("refs/sess/h/RT/")]
    assert len(new) == 1 and new[0] != a["id"]
    assert front(note(desktop) or "")["id"] == new[0]


def test_a_sync_that_cannot_push_says_so_on_stderr(tmp_path: Path) -> None:
    """A collision whose commit is already published cannot be renumbered:
    sync says why, and fails as an error on stderr, with no success line."""
    _laptop, desktop, a, _b = _offline_pair(tmp_path)
    desktop.git("push", "-q", "origin", "main:desk", env=person(RITA))
    out = desktop.sess("sync", env=person(RITA))
    assert out.returncode == 4
    assert "synced" not in out.stdout
    assert f"warning: handoff {a['id']} collides with origin's {a['id']} and was not " \
           "renumbered" in out.stderr
    assert "error: sync with origin incomplete: 1 ref not pushed" in out.stderr
    assert f"not pushed: refs/sess/h/RT/{a['id']}" in out.stderr


def test_doctor_reads_records_a_plain_fetch_brought(tmp_path: Path) -> None:
    remote = seeded(tmp_path)
    rita = clone(remote, tmp_path / "rita", RITA)
    hand_off(rita, RITA, "rita's step", "s-rita")
    rita.git("push", "-q", "origin", "main", env=person(RITA))
    raj = clone(remote, tmp_path / "raj", RAJ)
    raj.git("fetch", "-q", "origin")  # no git sess sync: the notes stay fetched only
    raj.git("merge", "-q", "--ff-only", "origin/main")
    assert raj.refs("refs/sess/remotes/origin/notes") and not raj.refs("refs/notes/sess")
    doc = json.loads(raj.sess("doctor", "--json").stdout)
    assert not [f for f in doc["findings"] if f["check"] == "notes"], doc["findings"]


def test_a_pull_rebase_renumbers_the_rebased_handoff_before_it_is_pushed(
        tmp_path: Path) -> None:
    """The usual order: the desktop's push is refused (the laptop pushed main
    first), `git pull --rebase` brings the laptop's handoff ref and rebases
    the desktop's handoff onto it; post-rewrite renumbers it, so the push
    that follows publishes two handoffs under two ids."""
    remote = seeded(tmp_path)
    laptop = clone(remote, tmp_path / "laptop", RITA)
    desktop = clone(remote, tmp_path / "desktop", RITA)
    a = hand_off(laptop, RITA, "from the laptop", "s-laptop")
    b = hand_off(desktop, RITA, "from the desktop", "s-desktop")
    assert a["id"] == b["id"]
    laptop.git("push", "-q", "origin", "main", env=person(RITA))
    refused = desktop.git("push", "-q", "origin", "main", env=person(RITA), check=False)
    assert refused.returncode != 0
    pull = desktop.git("pull", "--rebase", env=person(RITA))  # install's refspecs too
    assert f"renumbered handoff {a['id']} to " in pull.stderr
    desktop.git("push", "-q", "origin", "main", env=person(RITA))
    assert desktop.sess("sync", env=person(RITA)).returncode == 0
    assert laptop.sess("sync", env=person(RITA)).returncode == 0
    assert desktop.git("status", "--porcelain").stdout == ""
    for repo in (laptop, desktop):
        log = json.loads(repo.sess("log", "--json", check=True).stdout)["handoffs"]
        assert len({h["id"] for h in log}) == 2
        assert sorted(h["title"] for h in log) == ["from the desktop", "from the laptop"]


def test_sync_renumbers_before_it_sends_the_handoffs_above(tmp_path: Path) -> None:
    """Two handoffs on the desktop, the first of which collides: sync
    renumbers before anything is sent, so no ref that leaves is rewritten
    after. (Sync publishes a handoff only once its branch is on the remote:
    the desktop's go with its push.)"""
    _laptop, desktop, a, _b = _offline_pair(tmp_path)
    second = hand_off(desktop, RITA, "second on the desktop", "s-desktop-2")
    out = desktop.sess("sync", env=person(RITA))
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"renumbered handoff {a['id']} to " in out.stdout
    desktop.git("pull", "-q", "--rebase", "origin", "main", env=person(RITA))
    desktop.git("push", "-q", "origin", "main", env=person(RITA))
    again = desktop.sess("sync", env=person(RITA))
    assert again.returncode == 0 and "not pushed" not in again.stderr, again.stderr
    mine = desktop.refs("refs/sess/h/RT/")
    theirs = desktop.refs("refs/sess/remotes/origin/h/RT/")
    assert {r.rsplit("/", 1)[-1]: o for r, o in mine.items()} == {
        r.rsplit("/", 1)[-1]: o for r, o in theirs.items() if o in mine.values()}
    assert second["id"] in {r.rsplit("/", 1)[-1] for r in mine}
