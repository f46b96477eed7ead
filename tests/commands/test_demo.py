"""git sess demo: a replayed Claude Code session, end to end through real git."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import Repo, fsck, sess


def test_demo_records_hands_off_and_resumes(tmp_path: Path) -> None:
    where = tmp_path / "demo"
    proc = sess("demo", "--dir", str(where), cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    # the strict policy refuses first, naming the invariant with both values
    assert "invariant 'no-linear-writes' failed: mcp:linear == 0 expected, actual 1" in out
    assert "handoff(export-api): Rate-limit the export endpoint" in out
    assert "Resume prompt:\nContinue the export-api work" in out
    # the team report counts the replayed session once it is handed off
    assert "1 handoff, 1 session (0 live), 13 tool calls, 3 MCP calls, 1 failure" in out
    repo = Repo(where / "shop-api")
    refs = repo.refs("refs/sess/")
    assert any(r.startswith("refs/sess/h/RT/RT-") for r in refs)
    assert [r for r in refs if r.startswith("refs/sess/done/")]
    assert not [r for r in refs if r.startswith("refs/sess/live/")]
    shown = json.loads(repo.sess("show", "HEAD", "--json", check=True).stdout)
    assert shown["record"]["telemetry"]["tool_calls"] == 13
    assert shown["record"]["telemetry"]["mcp"]["github"]["total"] == 2
    assert fsck(repo).returncode == 0
