"""Counting a Codex rollout (gitsess.transcripts.agentlogs).

Codex (JSONL rollouts, `~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`;
openai/codex codex-rs/protocol/src/protocol.rs RolloutLine/RolloutItem and
models.rs ResponseItem): each line is {timestamp, type, payload} with type
session_meta, response_item, event_msg, turn_context or compacted.
response_item payloads of type function_call / custom_tool_call /
local_shell_call carry `call_id` and `name`; turn_context carries `model`;
event_msg `token_count` carries `info.total_token_usage` (cumulative) {input_tokens,
cached_input_tokens, output_tokens, reasoning_output_tokens}; `user_message`
is a prompt; `turn_aborted` an interruption. Failures are not marked in a
rollout (a failed command's output is plain text): not counted.
"""

from __future__ import annotations

import os
from typing import Any

from gitsess.transcripts import counting

_CODEX_CALLS = ("function_call", "custom_tool_call", "local_shell_call")


_CODEX_CALLS = ("function_call", "custom_tool_call", "local_shell_call")


def read_codex(path: str) -> dict[str, Any]:
    """Counts from a Codex rollout file (no subagent files: Codex keeps none)."""
    tally = counting.Tally()
    fh = counting.open_file(None, path)
    if fh is None:
        tally.c["skipped"].append({"file": os.path.basename(path), "reason": "unreadable"})
        return tally.done()
    model: Any = None
    seen: dict[str, int] = {}
    with fh:
        for d in counting.lines(fh, tally):
            kind, p = d.get("type"), d.get("payload")
            if not isinstance(p, dict):
                continue
            if kind == "turn_context":
                model = p.get("model") or model
            elif kind == "compacted":
                tally.summaries += 1
            elif kind == "response_item" and p.get("type") in _CODEX_CALLS:
                name = p.get("name") or ("local_shell" if p.get("type") == "local_shell_call"
                                         else None)
                tally.call(counting.text(p.get("call_id"), 300) or counting.text(p.get("id"), 300), name, counting.MAIN)
            elif kind == "event_msg":
                sub = p.get("type")
                if sub == "user_message":
                    tally.c["prompts"] += 1
                elif sub == "turn_aborted":
                    tally.c["interruptions"] += 1
                elif sub == "token_count":
                    info = p.get("info")
                    total = info.get("total_token_usage") if isinstance(info, dict) else None
                    if isinstance(total, dict):
                        now = _codex_usage(total)
                        # Cumulative: the same event is sometimes written twice,
                        # so only a change adds a message, and only the delta.
                        if now != seen:
                            delta = {k: max(0, now[k] - seen.get(k, 0)) for k in now}
                            tally.message(None, model, delta, counting.MAIN)
                            seen = now
    return tally.done()


def _codex_usage(u: dict[str, Any]) -> dict[str, int]:
    # OpenAI's input_tokens include the cached ones; gitsess's input does not.
    cached = counting.int_(u.get("cached_input_tokens"))
    return {"input": max(0, counting.int_(u.get("input_tokens")) - cached),
            "output": counting.int_(u.get("output_tokens")), "cache_write": 0, "cache_read": cached}
