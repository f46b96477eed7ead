"""gitsess.transcripts.subagents: a session's subagent transcripts, found beside its own and nowhere else."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitsess.transcripts import subagents
from gitsess.transcripts.subagents import Found, find_subagents

SID = "0b7e7c1e-5f4a-4c1b-9d2e-3a6f8b9c0d1e"
OTHER = "9f8e7d6c-5b4a-4321-8fed-cba987654321"


def line(session: str = SID, **more: object) -> str:
    return json.dumps({"parentUuid": None, "isSidechain": True, "sessionId": session,
                       "type": "user", **more}) + "\n"


@pytest.fixture
def main(tmp_path: Path) -> Path:
    """A project folder holding the session's own transcript."""
    path = tmp_path / "projects" / "-w-app" / f"{SID}.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"type": "user", "sessionId": SID}) + "\n")
    return path


def agents_dir(main: Path) -> Path:
    folder = main.parent / SID / "subagents"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextlib.contextmanager
def opened(folder: Path) -> Iterator[int]:
    """A directory opened as find_subagents opens one."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        yield fd
    finally:
        os.close(fd)


def names(found: Found) -> list[tuple[str, str]]:
    return [(a.name, a.layout) for a in found.agents]


def test_the_current_layout_session_folder_subagents(main: Path) -> None:
    folder = agents_dir(main)
    (folder / "agent-a2.jsonl").write_text(line(n=2))
    (folder / "agent-a1.jsonl").write_text(line(n=1))
    (folder / "agent-a1.meta.json").write_text('{"agentType": "general-purpose"}')
    (folder / "agent-acompact-5e1f.jsonl").write_text(line(n=3))  # compaction repeats the session
    (folder / "notes.jsonl").write_text(line(n=4))
    found = find_subagents(str(main))
    assert names(found) == [("agent-a1.jsonl", "subagents"), ("agent-a2.jsonl", "subagents")]
    assert found.data == [line(n=1).encode(), line(n=2).encode()]
    assert found.skipped == [] and found.omitted == 0


def test_the_older_layout_project_folder_by_session_id(main: Path) -> None:
    project = main.parent
    (project / "agent-b1.jsonl").write_text(line() + line(n=2))
    (project / "agent-b2.jsonl").write_text(line(OTHER))  # another session's
    (project / "agent-b3.jsonl").write_text("{not json\n" + line())  # whose? not ours to say
    (project / "agent-b4.jsonl").write_text(line(n=1) + "x" * subagents.PROBE_BYTES)
    (project / f"{OTHER}.jsonl").write_text(line(OTHER))
    found = find_subagents(str(main))
    assert names(found) == [("agent-b1.jsonl", "project"), ("agent-b4.jsonl", "project")]
    assert found.data[0] == (line() + line(n=2)).encode()
    assert len(found.data[1]) > subagents.PROBE_BYTES  # read whole, not just the probe


def test_links_never_lead_outside(main: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path / "outside"
    (outside / "subagents").mkdir(parents=True)
    (outside / "secret.jsonl").write_text(line(text="outside-1"))
    (outside / "subagents" / "agent-o1.jsonl").write_text(line(text="outside-2"))
    # The session's own folder a link: not followed at all.
    (main.parent / SID).symlink_to(outside, target_is_directory=True)
    assert find_subagents(str(main)).agents == []
    assert "not followed" in capsys.readouterr().err
    (main.parent / SID).unlink()
    # subagents/ a link: not followed either.
    (main.parent / SID).mkdir()
    (main.parent / SID / "subagents").symlink_to(outside / "subagents", target_is_directory=True)
    assert find_subagents(str(main)).agents == []
    (main.parent / SID / "subagents").unlink()
    # A file a link, in either layout, to outside or not: named, never read.
    folder = agents_dir(main)
    (folder / "agent-l1.jsonl").symlink_to(outside / "secret.jsonl")
    (folder / "agent-l2.jsonl").symlink_to(folder / "agent-ok.jsonl")
    (folder / "agent-ok.jsonl").write_text(line(text="inside"))
    (main.parent / "agent-l3.jsonl").symlink_to(outside / "secret.jsonl")
    found = find_subagents(str(main))
    assert names(found) == [("agent-ok.jsonl", "subagents")]
    assert found.skipped == [{"file": "agent-l1.jsonl", "reason": "symbolic link"},
                             {"file": "agent-l2.jsonl", "reason": "symbolic link"}]
    assert b"outside" not in b"".join(found.data)


def test_what_is_no_regular_file_is_named_and_left(main: Path) -> None:
    folder = agents_dir(main)
    (folder / "agent-d1.jsonl").mkdir()
    os.mkfifo(folder / "agent-f1.jsonl")  # must not hang us
    (folder / "agent-ok.jsonl").write_text(line())
    found = find_subagents(str(main))
    assert names(found) == [("agent-ok.jsonl", "subagents")]
    assert found.skipped == [{"file": "agent-d1.jsonl", "reason": "not a regular file"},
                             {"file": "agent-f1.jsonl", "reason": "not a regular file"}]
    gone = Found()
    with opened(folder) as fd:
        gone.take(fd, "agent-vanished.jsonl", "subagents")
    assert gone.skipped == [{"file": "agent-vanished.jsonl", "reason": "unreadable"}]


def test_count_and_size_are_bounded(main: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = agents_dir(main)
    for i in range(5):
        (folder / f"agent-c{i}.jsonl").write_text(line(n=i) + "x" * (100 * i))
    sizes = [len(line(n=i)) + 100 * i for i in range(5)]  # 119, 219, 319, ...
    monkeypatch.setattr(subagents, "SUBAGENT_MAX_BYTES", sizes[2] + 30)
    monkeypatch.setattr(subagents, "SUBAGENTS_MAX_BYTES", sizes[0] + sizes[1] + 60)
    found = Found(budget=subagents.SUBAGENTS_MAX_BYTES)
    with opened(folder) as fd:
        for i in range(5):
            found.take(fd, f"agent-c{i}.jsonl", "subagents")
    assert names(found) == [("agent-c0.jsonl", "subagents"), ("agent-c1.jsonl", "subagents")]
    assert found.skipped == [{"file": "agent-c2.jsonl", "reason": "over the session's limit"},
                             {"file": "agent-c3.jsonl", "reason": "too large"},
                             {"file": "agent-c4.jsonl", "reason": "too large"}]
    monkeypatch.setattr(subagents, "MAX_SUBAGENTS", 2)
    monkeypatch.setattr(subagents, "SUBAGENT_MAX_BYTES", 1 << 20)
    found = find_subagents(str(main))
    assert names(found) == [("agent-c0.jsonl", "subagents"), ("agent-c1.jsonl", "subagents")]
    assert found.omitted == 3


def test_only_a_session_named_transcript_has_neighbours(main: Path, tmp_path: Path) -> None:
    agents_dir(main)
    (main.parent / SID / "subagents" / "agent-a1.jsonl").write_text(line())
    assert find_subagents(str(main.parent / "elsewhere" / f"{SID}.jsonl")).agents == []
    odd = tmp_path / "..jsonl"
    odd.write_text(line())
    assert find_subagents(str(odd)).agents == []
    assert find_subagents(str(tmp_path / "x.txt")).agents == []
