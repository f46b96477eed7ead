"""The repository's policy: `.gitsess.yaml`, validated by schemas/policy.json.

Where it is read from: the file at the root of the worktree when there is
one (so an edited policy applies before it is committed, as .gitignore
does); otherwise `.gitsess.yaml` in HEAD's tree (a bare repository, or a
worktree that deleted it without committing); otherwise the defaults.

The file::

    version: 1
    invariants:
      - name: no-notion-writes
        counter: mcp:notion_offplan   # see COUNTERS below
        op: "=="                       # one of == != < <= > >=
        value: 0
        severity: error                # error refuses the commit and the push; warn prints
    required_sections: [Learnings]     # beyond Summary and Resume Prompt
    transcripts: off                   # off | local | push
    workstreams:
      billing: {owner: RT}
    operators:                         # operator -> author email(s), gitsess.handoff.operators
      RT: rosa@example.com
    require_signed: false              # true: git must verify each handoff's signature
    subject: "chore(handoff): {title}"  # the handoff commit's subject (gitsess.handoff.subject)
    disclosure: assisted-by            # off | assisted-by | require, or {mode: require, severity: warn}

Defaults (no file, or a key left out): no invariants, no extra required
sections, transcripts off, no declared workstreams, disclosure off. An
invariant's severity, and disclosure's, defaults to error. YAML 1.1 reads a bare `off` as false; that is taken as
"off".

Counters an invariant may name, summed over the sessions a handoff covers:
`tool_calls`, `failures`, `subagents`, `prompts`, `events`, `compactions`,
`active_minutes`, `tool:<Name>` (calls of one tool, e.g. tool:Bash),
`mcp:<server>` (every call to one MCP server) and `mcp:<server>:<method>`.

A broken file raises ValidationError; each problem names the line (the YAML
mark) and, for schema errors, the field path. Beyond the schema: a key given
twice in one mapping is an error (YAML would keep the last silently),
invariant names are unique and values finite.
"""

from __future__ import annotations

import dataclasses
import math
import operator as _op
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from gitsess.data import schema
from gitsess.errors import ValidationError
from gitsess.handoff import subject as subject_line
from gitsess.handoff.record import section_key
from gitsess.store import Store, safeyaml
from gitsess.telemetry import counting

POLICY_FILE = ".gitsess.yaml"
POLICY_VERSION = 1

OPS: dict[str, Callable[[float, float], bool]] = {
    "==": _op.eq,
    "!=": _op.ne,
    "<": _op.lt,
    "<=": _op.le,
    ">": _op.gt,
    ">=": _op.ge,
}
COUNTERS = (
    "tool_calls",
    "failures",
    "subagents",
    "prompts",
    "events",
    "compactions",
    "active_minutes",
)


@dataclass(frozen=True)
class Policy:
    invariants: list[dict[str, Any]] = field(default_factory=list)
    required_sections: tuple[str, ...] = ()
    transcripts: str = "off"
    workstreams: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Operator id -> author emails (gitsess.handoff.operators); require_signed: git must
    # verify a handoff commit's signature for it to count as its operator's.
    operators: dict[str, tuple[str, ...]] = field(default_factory=dict)
    require_signed: bool = False
    source: str = "defaults"  # a path, "HEAD:.gitsess.yaml" or "defaults"
    # The policy file's blob id (`git hash-object --no-filters`), "none" for
    # the defaults: what a verification stamp (gitsess.handoff.stamps) was made under.
    digest: str = "none"
    subject: str = subject_line.DEFAULT
    # AI disclosure (gitsess.handoff.disclosure): "off", "assisted-by" or "require",
    # and the severity of what commit-msg and verify find against it.
    disclosure: str = "off"
    disclosure_severity: str = "error"

    def owner(self, workstream: str) -> str | None:
        """The declared owner of a workstream, or None."""
        entry = self.workstreams.get(workstream) or {}
        owner = entry.get("owner")
        return str(owner) if owner else None


DEFAULT = Policy()


def load_policy(store: Store) -> Policy:
    """The policy in force for this repository (see the module docstring)."""
    if store.workdir:
        path = os.path.join(store.workdir, POLICY_FILE)
        try:
            # Only a regular file is read: a FIFO or a link to /dev/zero
            # (a repository can commit one) would hang the hook reading it.
            if not stat.S_ISREG(os.stat(path).st_mode):
                raise ValidationError(f"cannot read {path}: not a regular file")
            with open(path, "rb") as fh:
                # One byte over the limit is enough for parse_policy to refuse it.
                raw = fh.read(safeyaml.POLICY_MAX_BYTES + 1)
            pol = parse_policy(raw.decode("utf-8"), source=path)
        except FileNotFoundError:
            pass
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError(f"cannot read {path}: {exc}") from exc
        else:
            return dataclasses.replace(pol, digest=store.hash_blob(raw))
    head = store.head().oid
    if head:
        data = store.tree_file(head, POLICY_FILE)
        if data is not None:
            pol = parse_policy(data.decode("utf-8", "replace"), source=f"HEAD:{POLICY_FILE}")
            return dataclasses.replace(pol, digest=store.hash_blob(data))
    return DEFAULT


def parse_policy(text: str, *, source: str = POLICY_FILE) -> Policy:
    """A Policy from the text of a policy file; ValidationError names the line."""
    try:
        # Bounded (issue 9): a committed billion-laughs file hung every hook.
        node, data = safeyaml.compose_and_load(text, max_bytes=safeyaml.POLICY_MAX_BYTES)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "?"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if isinstance(exc, safeyaml.LimitError):
            where = "" if mark is None else f" (line {mark.line + 1}, column {mark.column + 1})"
            raise ValidationError(
                f"{source} refused: {problem}{where}",
                hint=f"gitsess reads {POLICY_FILE} without YAML anchors or aliases, at "
                     f"most {safeyaml.POLICY_MAX_BYTES // 1024} KiB and {safeyaml.MAX_DEPTH} "
                     "levels deep",
            ) from exc
        raise ValidationError(
            f"{source} is not valid YAML",
            [f"{where}: {problem}"],
            hint=f"fix {POLICY_FILE} (https://yaml.org/spec/1.2/) and retry",
        ) from exc
    if data is None:
        return Policy(source=source)
    if not isinstance(data, dict):
        raise ValidationError(
            f"{source} is not a policy",
            [f"line 1: expected a mapping (version:, invariants:, ...), got {type(data).__name__}"],
            hint="see schemas/policy.json",
        )
    if data.get("transcripts") is False:  # YAML 1.1: bare `off` is false
        data["transcripts"] = "off"
    if data.get("disclosure") is False:
        data["disclosure"] = "off"
    version = data.get("version", POLICY_VERSION)
    if isinstance(version, int) and not isinstance(version, bool) and version > POLICY_VERSION:
        raise ValidationError(
            f"{source} has policy version {version}; this gitsess understands {POLICY_VERSION}",
            hint="upgrade gitsess",
        )
    problems = _duplicate_keys(node) + _schema_problems(data, node) + _invariant_problems(data, node)
    if isinstance(data.get("subject"), str):
        line = _line_of(node, ["subject"])
        problems += [f"line {line}: {p}" for p in subject_line.problems(data["subject"])]
    if problems:
        raise ValidationError(
            f"{source} does not match the policy schema",
            problems,
            hint="fix the fields named above (schemas/policy.json) and retry",
        )
    invariants = []
    for inv in data.get("invariants") or []:
        invariants.append(
            {
                "name": str(inv["name"]),
                "counter": str(inv["counter"]),
                "op": str(inv["op"]),
                "value": inv["value"],
                "severity": str(inv.get("severity", "error")),
            }
        )
    return Policy(
        invariants=invariants,
        required_sections=tuple(dict.fromkeys(
            section_key(s) for s in data.get("required_sections") or [])),
        transcripts=str(data.get("transcripts", "off")),
        workstreams={str(k): dict(v or {}) for k, v in (data.get("workstreams") or {}).items()},
        operators={str(k): (v,) if isinstance(v, str) else tuple(v)
                   for k, v in (data.get("operators") or {}).items()},
        require_signed=bool(data.get("require_signed", False)),
        source=source,
        subject=str(data.get("subject") or subject_line.DEFAULT),
        **_disclosure(data.get("disclosure")),
    )


def _disclosure(value: Any) -> dict[str, str]:
    """Policy's disclosure fields from the (schema-checked) key: a mode or a mapping."""
    if isinstance(value, dict):
        mode = value.get("mode")
        return {"disclosure": "off" if mode is False else str(mode or "off"),
                "disclosure_severity": str(value.get("severity") or "error")}
    return {"disclosure": str(value or "off"), "disclosure_severity": "error"}


def _schema_problems(data: dict[str, Any], node: yaml.Node | None) -> list[str]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema("policy"))
    out = []
    for err in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.path]):
        path = list(err.absolute_path)
        line = _line_of(node, path)
        where = f"line {line}: " if line else ""
        dotted = _dotted(path) or "(top level)"
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            known = list(err.schema.get("properties", {}))
            for key in err.instance:
                if key not in known:
                    kline = _line_of(node, [*path, key])
                    out.append(
                        f"line {kline}: {_dotted([*path, key])}: unknown key"
                        f" (known: {', '.join(known)})"
                    )
        elif err.validator == "pattern" and path and path[-1] == "counter":
            out.append(
                f"{where}{dotted}: {err.instance!r} is not a counter (one of"
                f" {', '.join(COUNTERS)}, tool:<Name>, mcp:<server>, mcp:<server>:<method>)"
            )
        else:
            out.append(f"{where}{dotted}: {err.message}")
    return out


def _duplicate_keys(node: yaml.Node | None, path: tuple[Any, ...] = ()) -> list[str]:
    """A key given twice in one mapping: YAML loaders keep the last silently, so a
    second `invariants:` would drop the first list (PyYAML does not refuse it)."""
    out: list[str] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            key = str(getattr(k, "value", ""))
            if key in seen:
                out.append(f"line {k.start_mark.line + 1}: {_dotted([*path, key])}: given "
                           "twice in one mapping; keep one")
            seen.add(key)
            out += _duplicate_keys(v, (*path, key))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out += _duplicate_keys(item, (*path, i))
    return out


def _invariant_problems(data: dict[str, Any], node: yaml.Node | None) -> list[str]:
    """What the schema cannot say: names are unique (a failure is reported by its
    name), and a value is a finite number (NaN never holds; JSON has no infinity)."""
    out = []
    invariants = data.get("invariants")
    seen: dict[str, int] = {}
    for i, inv in enumerate(invariants if isinstance(invariants, list) else []):
        if not isinstance(inv, dict):
            continue
        name, value = inv.get("name"), inv.get("value")
        if isinstance(name, str) and name in seen:
            out.append(f"line {_line_of(node, ['invariants', i, 'name'])}: "
                       f"invariants[{i}].name: '{name}' is already the name of "
                       f"invariants[{seen[name]}]; names must be unique")
        elif isinstance(name, str):
            seen[name] = i
        if isinstance(value, float) and not math.isfinite(value):
            out.append(f"line {_line_of(node, ['invariants', i, 'value'])}: "
                       f"invariants[{i}].value: {value} is not a finite number")
    return out


def _dotted(path: list[Any]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _line_of(node: yaml.Node | None, path: list[Any]) -> int | None:
    """The 1-based line of the YAML node at `path` (or its nearest parent)."""
    if node is None:
        return None
    for key in path:
        child = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if getattr(k, "value", None) == str(key):
                    child = v
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(key, int)
            and 0 <= key < len(node.value)
        ):
            child = node.value[key]
        if child is None:
            break
        node = child
    return int(node.start_mark.line) + 1


def counter_value(counters: dict[str, Any], name: str) -> float:
    """The value of one policy counter in a telemetry counters dict."""
    c = counters
    if name == "subagents":
        return counting.subagents(c)
    if name == "active_minutes":
        return round(int(c.get("active_ms", 0)) / 60000, 1)
    if name in COUNTERS:
        return int(c.get(name, 0))
    if name.startswith("tool:"):
        return int((c.get("tools") or {}).get(name[5:], 0))
    if name.startswith("mcp:"):
        server, sep, method = name[4:].partition(":")
        entry = (c.get("mcp") or {}).get(server) or {}
        if not sep:
            return int(entry.get("total", 0))
        return int((entry.get("methods") or {}).get(method, 0))
    raise ValidationError(f"unknown counter '{name}'", hint=f"one of {', '.join(COUNTERS)}, "
                          "tool:<Name>, mcp:<server>, mcp:<server>:<method>")


def evaluate(policy: Policy, counters: dict[str, Any]) -> list[dict[str, Any]]:
    """Each invariant against `counters`: {name, counter, op, expected, actual,
    severity, verdict}; verdict is pass, fail (severity error) or warn."""
    out = []
    for inv in policy.invariants:
        actual = counter_value(counters, inv["counter"])
        ok = OPS[inv["op"]](actual, inv["value"])
        severity = inv.get("severity", "error")
        out.append(
            {
                "name": inv["name"],
                "counter": inv["counter"],
                "op": inv["op"],
                "expected": inv["value"],
                "actual": actual,
                "severity": severity,
                "verdict": "pass" if ok else ("fail" if severity == "error" else "warn"),
            }
        )
    return out


def describe(result: dict[str, Any]) -> str:
    """One line for a failed or warned invariant, naming expected and actual."""
    return (
        f"invariant '{result['name']}' {'failed' if result['verdict'] == 'fail' else 'warns'}: "
        f"{result['counter']} {result['op']} {_num(result['expected'])} expected, "
        f"actual {_num(result['actual'])}"
    )


def _num(x: Any) -> str:
    return str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)
