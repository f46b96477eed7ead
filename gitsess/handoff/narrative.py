"""The narrative of a handoff: what a person or an agent writes.

A markdown file with one `## <Section>` heading per section and, optionally,
YAML front matter for the editable keys (title, workstream, phase,
confidence, handoff_write_min, resume_prompt, quick, sessions). It comes from
`--file FILE`, `--file -` (stdin), the draft kept from a refused attempt
(`--draft`), or `$EDITOR` on a template, or on the kept draft when there is
one (the draft offered back). `--quick` without a file needs none.
"""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import IO, Any

from gitsess.errors import GitsessError, UsageError, ValidationError
from gitsess.handoff import compose, draft
from gitsess.handoff.record import (
    SECTIONS,
    Record,
    dump_yaml,
    parse_sections,
    render,
    split_front_matter,
)
from gitsess.store import Store, git_env, history

EDIT_FILE = "SESS_HANDOFF.md"
_TEMPLATE_COMMENT = re.compile(r"<!--\s*gitsess:.*?-->\n?", re.S)




@dataclass
class Narrative:
    """What a person (or an agent) wrote: editable front matter + sections."""

    front: dict[str, Any] = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)


def parse_narrative(text: str, *, source: str = "narrative") -> Narrative:
    """A narrative file: optional YAML front matter, then `## <Section>` blocks.

    Computed keys in the front matter (a draft offered back carries them)
    are ignored; template guidance comments (`<!-- gitsess: ... -->`) dropped.
    """
    text = _TEMPLATE_COMMENT.sub("", text.replace("\r\n", "\n"))
    try:
        front, body, _ = split_front_matter(text)
    except ValidationError as exc:
        raise ValidationError(f"{source}: {exc.message}", exc.problems,
                              hint="fix the front matter between the --- lines and retry") from exc
    kept = {k: front[k] for k in compose.EDITABLE if k in front}
    for key in ("title", "phase", "workstream"):  # `phase: 2` means "2", a date its text
        if isinstance(kept.get(key), (int, float, datetime.date)) and not isinstance(
                kept.get(key), bool):
            kept[key] = str(kept[key])
    if "id" in front:
        kept["_draft_id"] = front["id"]
    return Narrative(kept, parse_sections(body))


def template(*, title: str | None, workstream: str, phase: str | None,
             summary_hint: str) -> str:
    """The $EDITOR template: front matter to fill, one heading per section."""
    guidance = {
        "Summary": "what happened, in two or three sentences",
        "What I Did": "the changes, as a list",
        "Decisions Made": "choices and why; what you ruled out",
        "For Future Me": "traps, context, where things are",
        "Learnings": "what surprised you",
        "Open Questions": "what is undecided or unknown",
        "Resume Prompt": "the first message for the next session: where to start, what to run",
    }
    front = dump_yaml({"title": title or "", "workstream": workstream, "phase": phase,
                       "confidence": compose.DEFAULT_CONFIDENCE})
    parts = [f"---\n{front}---\n",
             f"<!-- gitsess: {summary_hint}. Lines like this one are dropped;"
             " an empty file aborts. confidence: H, M or L. -->\n"]
    for name in SECTIONS:
        parts.append(f"## {name}\n<!-- gitsess: {guidance[name]} -->\n\n")
    return "\n".join(parts)




def read(store: Store, *, file: str | None, quick: bool, use_draft: bool,
               kept: Record | None, stdin: IO[str], title: str | None,
               ) -> tuple[Narrative, float | None]:
    if file is not None and use_draft:
        raise UsageError("--file and --draft are exclusive")
    if use_draft:
        if kept is None:
            raise UsageError("there is no draft to use", hint="run git sess handoff without --draft")
        return parse_narrative(render(kept), source=draft.DRAFT_FILE), None
    if file == "-":
        return parse_narrative(stdin.read(), source="stdin"), None
    if file is not None:
        try:
            with open(file, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {file}: {getattr(exc, 'strerror', None) or exc}",
                             ) from exc
        return parse_narrative(text, source=file), None
    if quick:
        return Narrative(), None
    return edit(store, kept, title)


def editable(kept: Record) -> str:
    """A kept draft as the person wrote it: the editable keys (sessions by id)
    and the id it was drafted under, not the computed record around them."""
    shown = {k: kept.front[k] for k in compose.EDITABLE
             if k in kept.front and k not in ("resume_prompt", "handoff_write_min")}
    if isinstance(shown.get("sessions"), list):
        shown["sessions"] = [s.get("id") if isinstance(s, dict) else s
                             for s in shown["sessions"]]
    if "id" in kept.front:
        shown = {"id": kept.front["id"], **shown}
    return render(Record(shown, kept.sections))


def strip_comments(text: str, comments: list[str]) -> str:
    """`text` without the comment lines gitsess wrote into it: only those
    lines, wherever the editor moved them, so that a `# Heading` the person
    wrote stays."""
    ours = set(comments)
    return "\n".join(ln for ln in text.split("\n") if ln.rstrip() not in ours)


def edit(store: Store, kept: Record | None, title: str | None,
          ) -> tuple[Narrative, float | None]:
    """$EDITOR on the kept draft (offered back) or on the template, with what
    the handoff covers shown as `#` comment lines (gitsess.handoff.preview)."""
    from gitsess.handoff import preview
    from gitsess.handoff.identity import operator

    path = os.path.join(store.git_dir, EDIT_FILE)
    me = operator(store)
    comments = preview.lines(store, me.id, me.email)
    if kept is not None:
        comments = ["# A draft kept from an earlier attempt; computed fields are recomputed.",
                    "# git sess handoff --discard-draft starts over.", *comments]
        text = editable(kept)
        print(f"note: editing the draft kept in {draft.draft_path(store)}", file=sys.stderr)
    else:
        text = template(title=title, workstream=compose.default_workstream(store),
                                phase=None, summary_hint="write the handoff below")
    head, sep, rest = text.partition("\n---\n")  # after the front matter
    text = f"{head}{sep}" + "\n".join(comments) + "\n\n" + rest if sep else text
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    editor = history.editor(store) or "vi"
    started = time.monotonic()
    # As git runs its editor (run-command.c prepare_shell_cmd): through sh.
    rc = subprocess.run(["sh", "-c", f'{editor} "$@"', editor, path], env=git_env(),
                        check=False).returncode
    minutes = round((time.monotonic() - started) / 60, 1)
    if rc != 0:
        raise GitsessError(f"the editor ({editor}) exited with status {rc}; nothing was committed",
                           hint=f"your text is kept in {path}; retry with "
                                f"git sess handoff --file {path}")
    with open(path, encoding="utf-8") as fh:
        edited = strip_comments(fh.read(), comments)
    narrative = parse_narrative(edited, source=path)
    if not any(v.strip() for v in narrative.sections.values()):
        raise GitsessError("the narrative is empty; handoff aborted",
                           hint=f"what you wrote is in {path}")
    return narrative, minutes
