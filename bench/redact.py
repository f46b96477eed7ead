"""Benchmark: transcript redaction, its speed and what it removes that is no secret.

    python bench/redact.py [--mb 4] [--runs 3]

Builds a Claude Code transcript of about MB megabytes from realistic lines
that hold no secret at all: assistant messages with their `msg_` and `req_`
ids and thinking blocks with their signatures, tool calls with `toolu_`
ids, React code written and read back (`key={todo.id}`), git output, and
the tool results a developer of agent tooling sees every day: API replies
and transcript lines read back from disk, so the same ids and signatures
one and two JSON strings down. Every redaction in it is a false positive;
they are printed by type with the id classes that survived, and the median
CPU time of RUNS runs of gitsess.transcripts.redact.redact_jsonl, per MB and as a ratio
to the floor: parsing every line and visiting every string and key, which
any redaction of JSONL has to do. Figures are printed, never asserted
(STYLE.md 15).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gitsess.transcripts.redact import Result, redact_jsonl

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def chars(seed: str, n: int, alphabet: str = ALNUM) -> str:
    out: list[str] = []
    i = 0
    while len(out) < n:
        out.extend(alphabet[b % len(alphabet)] for b in hashlib.sha256(f"{seed}/{i}".encode()).digest())
        i += 1
    return "".join(out[:n])


def ids(i: int) -> dict[str, str]:
    """The ids of one turn, shaped as the Anthropic API and Claude Code write them."""
    return {
        "toolu": "toolu_01" + chars(f"t{i}", 22),
        "msg": "msg_01" + chars(f"m{i}", 22),
        "req": "req_011C" + chars(f"r{i}", 20),
        "agent_msg": "agent_msg_01" + chars(f"a{i}", 22),
        "signature": base64.b64encode(b"\x12" + hashlib.sha512(f"s{i}".encode()).digest() * 5).decode(),
    }


REACT = """import {{ useState }} from "react";

export function TodoList({{ todos }}: {{ todos: Todo[] }}) {{
  const [done, setDone] = useState<Set<string>>(new Set());
  return (
    <ul className="todos">
      {{todos.map((todo) => (
        <li key={{todo.id}} onClick={{() => setDone(new Set(done).add(todo.id))}}>
          <TodoItem key={{`item-${{todo.id}}`}} todo={{todo}} done={{done.has(todo.id)}} />
        </li>
      ))}}
    </ul>
  );
}}
// build {n}
"""


def turn(i: int) -> list[dict[str, object]]:
    k = ids(i)
    code = REACT.format(n=i)
    numbered = "\n".join(f"{n:>6}\u2192{line}" for n, line in enumerate(code.splitlines(), 1))
    api_reply = {"id": k["msg"], "type": "message", "role": "assistant", "model": "claude-opus-4-5",
                 "content": [{"type": "thinking", "thinking": "Check the list first.",
                              "signature": k["signature"]},
                             {"type": "tool_use", "id": k["toolu"], "name": "Read",
                              "input": {"file_path": "src/TodoList.tsx"}}],
                 "usage": {"input_tokens": 1200, "output_tokens": 80}}
    read_back = {"type": "assistant", "requestId": k["req"], "message": api_reply,
                 "agentMessageId": k["agent_msg"], "uuid": f"8a7f4c2e-1b3d-4e5f-9a8b-{i:012d}"}
    log = "\n".join(f"{hashlib.sha1(f'c{i}{j}'.encode()).hexdigest()} fix todo list {j}" for j in range(8))
    return [
        {"type": "user", "message": {"role": "user", "content": f"make the todo list sortable ({i})"}},
        {"type": "assistant", "requestId": k["req"], "message": {
            **api_reply, "content": [{"type": "thinking", "thinking": "The list needs keys.",
                                      "signature": k["signature"]}]}},
        {"type": "assistant", "requestId": k["req"], "message": {
            "id": k["msg"], "model": "claude-opus-4-5", "content": [
                {"type": "tool_use", "id": k["toolu"], "name": "Edit", "input": {
                    "file_path": "src/TodoList.tsx", "old_string": "<li>", "new_string": code}}]}},
        {"type": "user", "message": {"role": "user", "content": [
            {"tool_use_id": k["toolu"], "type": "tool_result", "content": numbered}]},
         "toolUseResult": {"type": "text", "file": {"filePath": "src/TodoList.tsx", "content": code}}},
        {"type": "user", "message": {"role": "user", "content": [
            {"tool_use_id": k["toolu"], "type": "tool_result",
             "content": f"$ curl -s api/v1/messages\n{json.dumps(api_reply, indent=2)}\n$ git log --oneline\n{log}"}]}},
        # A transcript line read back (`tail -1 session.jsonl`), quoted again by
        # an MCP server's reply: the ids two JSON strings down.
        {"type": "user", "message": {"role": "user", "content": [
            {"tool_use_id": k["toolu"], "type": "tool_result", "content": json.dumps(
                {"type": "text", "text": json.dumps(read_back)})}]}},
    ]


def transcript(mb: float, quoted: bool = True) -> tuple[bytes, int]:
    """About `mb` megabytes of turns, and how many turns; without `quoted`,
    none of the tool results that quote ids and signatures in JSON."""
    out: list[bytes] = []
    size = i = 0
    while size < mb * 1_000_000:
        for line in turn(i)[: None if quoted else 4]:
            data = json.dumps(line, ensure_ascii=False).encode() + b"\n"
            out.append(data)
            size += len(data)
        i += 1
    return b"".join(out), i


def survivors(data: bytes, redacted: bytes, n: int) -> dict[str, str]:
    """Per id class: how many of its values in the input are still in the output."""
    out = {}
    for name in ("toolu", "msg", "req", "agent_msg", "signature"):
        values = [v for i in range(n) if (v := ids(i)[name].encode()) in data]
        kept = sum(1 for v in values if v in redacted)
        out[name] = f"{kept}/{len(values)}"
    react = data.count(b"key={todo.id}")
    out["key={todo.id}"] = f"{redacted.count(b'key={todo.id}')}/{react}"
    return out


def visit(obj: object) -> int:
    if isinstance(obj, str):
        return 1
    if isinstance(obj, list):
        return sum(visit(v) for v in obj)
    if isinstance(obj, dict):
        return sum(1 + visit(v) for v in obj.values())
    return 0


def floor(data: bytes) -> int:
    return sum(visit(json.loads(line)) for line in data.decode().splitlines())


def cpu(fn: Callable[[bytes], object], data: bytes, runs: int) -> tuple[float, object]:
    """Median CPU seconds of `runs` calls of fn(data), and the last call's result."""
    times, result = [], None
    for _ in range(runs):
        started = time.process_time()
        result = fn(data)
        times.append(time.process_time() - started)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=4.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    redact_jsonl(b'{"warm": "up"}\n')  # load detect-secrets' plugins outside the timing
    for label, quoted in (("ids quoted in tool results", True), ("no JSON in tool results", False)):
        data, turns = transcript(args.mb, quoted)
        mb = len(data) / 1_000_000
        base, _ = cpu(floor, data, args.runs)
        took, result = cpu(redact_jsonl, data, args.runs)
        assert isinstance(result, Result)
        lines = data.count(b"\n")
        print(f"{label}: {mb:.2f} MB, {lines} lines, no secret in it")
        print(f"  redaction: {took:.2f} CPU-s, {took / mb:.2f} CPU-s per MB,"
              f" {took / base:.1f}x the floor ({base:.2f} CPU-s)")
        print(f"  redactions (all false positives): {result.total} {result.counts}")
        kept = survivors(data, result.data, turns)
        print("  kept unredacted: " + ", ".join(f"{k} {v}" for k, v in kept.items()))


if __name__ == "__main__":
    main()
