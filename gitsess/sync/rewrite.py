"""Records that follow rewritten history.

After `git commit --amend` and `git rebase`, git copies the notes itself
(notes.rewriteRef, set by install); post-rewrite then moves each handoff ref
from the old commit to its rewrite (CAS) and copies any note git did not.
After a squash merge the commits are new and unrelated, but the trailers
survive in the message (indented, in git merge --squash's message): `relink`
finds each record by its Sess-Id and re-attaches it to the squash commit.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from gitsess import refs
from gitsess.errors import ValidationError
from gitsess.handoff import identify, record
from gitsess.store import CommitInfo, Store
from gitsess.store import remote as git_remote
from gitsess.sync import exchange as sync
from gitsess.sync import publish

SCAN_LIMIT = 10000


def parse_rewrites(text: str) -> dict[str, str]:
    """post-rewrite's stdin (`<old> <new> [<extra>]` lines) as old -> new."""
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            out[parts[0]] = parts[1]
    return out


def on_remote_branch(store: Store, commits: list[str]) -> set[str]:
    """Of `commits`, those a remote-tracking branch (refs/remotes/) reaches:
    commits someone else could have."""
    return publish.reached(store, commits, sorted(set(store.refs(refs.GIT_REMOTES).values())))


def published(store: Store, name: str, oid: str) -> bool:
    """Whether handoff ref `name` already reached a remote at `oid` (as last
    fetched or pushed) and a remote branch has `oid`.

    A published handoff ref stays where it is after a rewrite: moving it
    would make it a non-fast-forward that every later push is refused (and
    gitsess never forces). The record still follows, as the note on the
    rewritten commit, and the ref keeps the original commit reachable. A ref
    that reached a remote on a commit no remote branch has (sent before its
    push was rejected) is ours alone: it follows, and the next push moves
    the remote's copy with a lease on its old value (publish.plan).
    """
    suffix = name[len(refs.HANDOFFS):]
    there = any(r.endswith("/h/" + suffix) and v == oid
                for r, v in store.refs(refs.REMOTES).items())
    return there and bool(on_remote_branch(store, [oid]))


def follow(store: Store, mapping: dict[str, str], *, deadline: float,
           drop_old: bool = True) -> list[str]:
    """Move unpublished handoff refs, and notes, from rewritten commits to
    their rewrites; with `drop_old`, remove the old commits' notes unless a
    remote branch has them."""
    moved = []
    for name, oid in store.refs(refs.HANDOFFS).items():
        if oid in mapping and not published(store, name, oid):
            store.update_ref(name, lambda old: mapping.get(old, old) if old else old,
                             deadline=deadline)
            moved.append(name)
    sources: dict[str, list[str]] = {}
    for old, new in mapping.items():
        sources.setdefault(new, []).append(old)
    for new, olds in sources.items():
        texts = [t for t in (store.note(o) for o in olds) if t is not None]
        if not texts:
            continue
        # A squash or fixup in `git rebase -i` rewrites several commits into one:
        # git concatenates their notes with a blank line (notes.rewriteMode), and
        # the records would read as one. Each is kept as a record of its own.
        want = _refreshed(store, new, texts[0]) if len(texts) == 1 else record.join_records(
            list(dict.fromkeys(part for t in texts for part in record.split_records(t))))
        store.set_note(new, want, deadline=deadline, merge=functools.partial(_settle, texts=texts))
    # git's notes.rewriteRef copies a note and keeps the old one: a record on
    # a commit no branch will have, which a later push would not send but
    # every reader would list. Removed unless someone else could have it.
    olds = [o for o in mapping if drop_old and o not in mapping.values()
            and store.note(o) is not None]
    keep = on_remote_branch(store, olds) if olds else set()
    for old in olds:
        if old not in keep and old not in store.refs(refs.HANDOFFS).values():
            store.set_note(old, None, deadline=deadline)
    return moved


def _settle(prior: str, want: str, *, texts: list[str]) -> str:
    """The note for a rewritten commit that already has `prior`: `want` when
    prior is only git's copy of the old notes (concatenated or overwritten),
    else both, once each (the commit had a note of its own)."""
    residue = prior
    for t in texts:
        residue = residue.replace(t.strip("\n"), "", 1)
    if not residue.strip():
        return want
    return sync.merge_note_texts(prior, want)


def _refreshed(store: Store, new: str, text: str) -> str:
    """The record(s) that followed a rewrite onto `new`, brought up to date:
    `commit` names the rewrite, and an amend that edited the message's
    narrative (title, sections) edits the record's too. The message holds
    the whole narrative (every non-empty section; handoff.message), and
    commit-msg has just checked it."""
    from gitsess.handoff import message as handoff
    from gitsess.handoff.subject import template_of

    fm = handoff.from_message(store.commit(new).message, template=template_of(store))
    hid = fm.front.get("id")
    out = []
    for part in record.split_records(text):
        try:
            rec = record.parse(part)
        except ValidationError:
            out.append(part)
            continue
        if hid is None or rec.id != hid:
            out.append(part)
            continue
        rec.front["commit"] = new
        if fm.front.get("title"):
            rec.front["title"] = fm.front["title"]
        names = dict.fromkeys([*record.SECTIONS, *fm.sections])
        rec.sections = {name: fm.sections.get(name, "") for name in names}
        prompt = rec.sections.get("Resume Prompt", "").strip()
        if prompt:
            rec.front["resume_prompt"] = prompt
        out.append(record.render(rec))
    return record.join_records(out) if out else text


def record_ids(note: str | None) -> set[str]:
    if not note:
        return set()
    return set(re.findall(r"^id:[ \t]*['\"]?([^'\"\s]+)['\"]?[ \t]*$", note, re.M))


@dataclass
class Unlinked:
    commit: CommitInfo
    missing: list[str]  # Sess-Ids in the message with no record in its note


def unlinked(store: Store, *, limit: int = SCAN_LIMIT) -> list[Unlinked]:
    """Commits on local branches whose Sess-Id trailers have no record in their note."""
    tips = sorted(set(store.refs(refs.HEADS).values()))
    out = []
    for n, commit in enumerate(store.walk(tips)):
        if n >= limit:
            break
        ids = identify.sess_ids_anywhere(commit.message)
        if not ids:
            continue
        have = record_ids(store.note(commit.oid))
        missing = [i for i in dict.fromkeys(ids) if i not in have]
        if missing:
            out.append(Unlinked(commit, missing))
    return out


def find_record(store: Store, hid: str) -> tuple[str, str] | None:
    """(record text, commit it annotates) for a Sess-Id, from its handoff ref
    (ours or a remote's) or, failing that, from any note naming it."""
    for name, oid in {**store.refs(refs.HANDOFFS), **store.refs(refs.REMOTES)}.items():
        if name.rsplit("/", 1)[-1] != hid or "/h/" not in name:
            continue
        text = _record_in(store.note(oid), hid)
        if text:
            return text, oid
    tip = store.ref(refs.NOTES)
    if tip:
        for annotated, blob in store.notes_map(tip).items():
            text = _record_in(store.read_blob(blob).decode("utf-8", "replace"), hid)
            if text:
                return text, annotated
    return None


def _record_in(note: str | None, hid: str) -> str | None:
    for part in record.split_records(note or ""):
        if hid in record_ids(part):
            return part
    return None


@dataclass
class Relinked:
    record_id: str
    commit: str
    origin: str | None  # the commit the record was found on; None when not found
    moved_ref: str | None = None


def _move(frm: str, to: str) -> Callable[[str | None], str | None]:
    """A CAS step that moves a ref from `frm` to `to` and leaves any other value."""
    return lambda old: to if old == frm else old


def on_branch(store: Store, oid: str) -> bool:
    """Whether a local branch contains commit `oid`."""
    return bool(git_remote.refs_containing(store, oid, refs.HEADS, limit=1))


def copied_from(store: Store, commit: str, found: tuple[str, str] | None) -> str | None:
    """The handoff commit `commit` copies (a cherry-pick): the one holding the
    record, when that one is still on a branch. A squash merge's originals are
    on no branch once the topic is deleted; a copy's original still is, and its
    handoff ref must not be taken from it (the pre-push guard refuses copies)."""
    if found is None or found[1] == commit or not on_branch(store, found[1]):
        return None
    return found[1]


def relink(store: Store, *, deadline: float) -> list[Relinked]:
    """Re-attach records to commits that carry their Sess-Id but not their note
    (copies of handoff commits still on a branch are left to doctor's finding)."""
    out = []
    for item in unlinked(store):
        for hid in item.missing:
            found = find_record(store, hid)
            if found is None:
                out.append(Relinked(hid, item.commit.oid, None))
                continue
            if copied_from(store, item.commit.oid, found):
                continue
            text, origin = found
            store.set_note(item.commit.oid, text, deadline=deadline, merge=sync.merge_note_texts)
            moved = None
            for name, oid in store.refs(refs.HANDOFFS).items():
                if (name.rsplit("/", 1)[-1] == hid and oid != item.commit.oid
                        and not published(store, name, oid)):
                    store.update_ref(name, _move(oid, item.commit.oid), deadline=deadline)
                    moved = name
            out.append(Relinked(hid, item.commit.oid, origin, moved))
    return out
