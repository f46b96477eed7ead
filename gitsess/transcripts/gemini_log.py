"""Counting a Gemini CLI chat file (gitsess.transcripts.agentlogs).

Gemini CLI (packages/core/src/services/chatRecordingService.ts and
chatRecordingTypes.ts; `~/.gemini/tmp/<project hash>/chats/session-*.json[l]`):
a JSONL file of message records {id, type: user|gemini|info|error|warning,
toolCalls: [{id, name, status}], tokens: {input, output, cached, thoughts,
tool, total}, model}, where a record may be written again under the same id
as it grows (the last one wins) and `{"$rewindTo": id}` drops the messages
from that id on; older versions wrote one JSON object with `messages`.
A tool call with status "error" is a failure, "cancelled" an interruption.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any

from gitsess.telemetry import event
from gitsess.transcripts import counting


def read_gemini(path: str) -> dict[str, Any]:
    """Counts from a Gemini CLI chat file (JSONL, or the older single JSON)."""
    tally = counting.Tally()
    fh = counting.open_file(None, path)
    if fh is None:
        tally.c["skipped"].append({"file": os.path.basename(path), "reason": "unreadable"})
        return tally.done()
    records: dict[str, dict[str, Any]] = {}  # by message id: a later record replaces
    with fh:
        if path.endswith(".json"):
            tally.c["files"] += 1
            data = fh.read(counting.MAX_LINE + 1)
            tally.c["bytes"] += len(data)
            with contextlib.suppress(ValueError, RecursionError):
                whole = json.loads(data) if len(data) <= counting.MAX_LINE else None
                msgs = whole.get("messages") if isinstance(whole, dict) else None
                for m in msgs if isinstance(msgs, list) else []:
                    if isinstance(m, dict) and isinstance(m.get("id"), str):
                        records[m["id"]] = _gemini_slim(m)
        else:
            for d in counting.lines(fh, tally):
                rewind = d.get("$rewindTo")
                if isinstance(rewind, str):
                    keys = list(records)
                    cut = keys.index(rewind) if rewind in records else 0
                    for k in keys[cut:]:
                        del records[k]
                elif isinstance(d.get("id"), str) and "type" in d:
                    records.pop(d["id"], None)  # re-inserted last: order of the latest write
                    if len(records) < counting.MAX_IDS:
                        records[d["id"]] = _gemini_slim(d)
    for mid, m in records.items():
        if m["type"] == "user":
            tally.c["prompts"] += 1
        for cid, name, status in m["calls"]:
            tally.call(cid, name, counting.MAIN)
            if status == "error":
                tally.failure(cid, counting.MAIN, event.clip(name) if name else None)
            elif status == "cancelled":
                tally.c["interruptions"] += 1
        if m["tokens"] is not None:
            tally.message(mid, m["model"], m["tokens"], counting.MAIN)
    return tally.done()


def _gemini_slim(m: dict[str, Any]) -> dict[str, Any]:
    """Only the counts of a message record: never its content."""
    calls = []
    for tc in m.get("toolCalls") or []:
        if isinstance(tc, dict):
            calls.append((counting.text(tc.get("id"), 300), counting.text(tc.get("name")),
                          tc.get("status") if isinstance(tc.get("status"), str) else None))
    t = m.get("tokens")
    tokens = None
    if isinstance(t, dict):
        cached = counting.int_(t.get("cached"))
        tokens = {"input": max(0, counting.int_(t.get("input")) - cached),
                  "output": counting.int_(t.get("output")) + counting.int_(t.get("thoughts")),
                  "cache_write": 0, "cache_read": cached}
    return {"type": m.get("type"), "calls": calls, "tokens": tokens, "model": m.get("model")}
