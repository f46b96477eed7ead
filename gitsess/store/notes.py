"""Notes: reading them at any fan-out, and writing one by compare-and-swap.

pygit2's create_note force-writes the notes ref, which loses a concurrent
writer's note; gitsess builds the notes commit itself and CASes the ref.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

import pygit2

from gitsess import refs
from gitsess.store.objects import ObjectStore
from gitsess.store.refdb import RefStore

NOTES_REF = refs.NOTES


class NoteStore(RefStore, ObjectStore):
    def note(self, annotated: str, ref: str = NOTES_REF) -> str | None:
        """The note text on a commit, or None."""
        tip = self.ref(ref)
        return None if tip is None else self.note_in(annotated, tip)

    def notes_map(self, notes_commit: str) -> dict[str, str]:
        """annotated oid -> note blob oid, for flat and fanned-out notes trees."""
        return dict(self._notes_entries([notes_commit]))

    def _notes_entries(self, notes_commits: Iterable[str]) -> Iterator[tuple[str, str]]:
        """(annotated oid, note blob oid) in notes commits, any fan-out.

        Trees already read are skipped by oid, so a local notes ref and the
        fetched copy of the remote's, which mostly agree, cost one read.
        """
        seen: set[str] = set()
        stack: list[tuple[str, pygit2.Tree]] = []
        for oid in notes_commits:
            try:
                stack.append(("", self._repo[oid].peel(pygit2.Tree)))
            except (KeyError, ValueError, pygit2.GitError):
                continue
        while stack:
            prefix, tree = stack.pop()
            if str(tree.id) in seen:
                continue
            seen.add(str(tree.id))
            for e in tree:
                name = prefix + (e.name or "")
                if e.type_str == "tree":
                    sub = self._repo[e.id]
                    if isinstance(sub, pygit2.Tree):
                        stack.append((name, sub))
                elif len(name) == 40:
                    yield name, str(e.id)

    def write_notes_commit(
        self, notes: Mapping[str, str], parents: list[str], message: str
    ) -> str:
        """A notes commit whose tree holds `notes` (annotated -> blob oid).

        Written with git's 2/38 fan-out once there are more than 256 notes,
        as `git notes` does for large trees; readers accept both forms.
        """
        if len(notes) <= 256:
            tree = self.write_tree({k: ("blob", v) for k, v in notes.items()})
        else:
            buckets: dict[str, dict[str, tuple[str, str]]] = {}
            for k, v in notes.items():
                buckets.setdefault(k[:2], {})[k[2:]] = ("blob", v)
            tree = self.write_tree(
                {d: ("tree", self.write_tree(entries)) for d, entries in buckets.items()}
            )
        return self.write_commit(tree, parents, message)

    def set_note(
        self,
        annotated: str,
        text: str | None,
        *,
        deadline: float,
        ref: str = NOTES_REF,
        merge: Callable[[str, str], str] | None = None,
    ) -> None:
        """Write (or with text=None remove) one note, by compare-and-swap.

        pygit2's create_note force-writes the ref, which loses a concurrent
        writer's note; this builds the notes commit itself and CASes the ref.
        `merge(old_text, new_text)` decides when a note is already there.
        """
        blob = self.write_blob(text.encode()) if text is not None else None

        def compute(old: str | None) -> str | None:
            current = self.notes_map(old) if old else {}
            if text is None:
                if annotated not in current:
                    return old
                current.pop(annotated)
            else:
                assert blob is not None
                new_blob = blob
                if merge is not None and annotated in current and current[annotated] != blob:
                    prior = self.read_blob(current[annotated]).decode("utf-8", "replace")
                    new_blob = self.write_blob(merge(prior, text).encode())
                if current.get(annotated) == new_blob:
                    return old
                current[annotated] = new_blob
            return self.write_notes_commit(
                current, [old] if old else [], "Notes added by 'git sess'\n"
            )

        self.update_ref(ref, compute, deadline=deadline)

    def notes_annotated(self, notes_commits: Iterable[str]) -> set[str]:
        """Every annotated oid in these notes commits (flat or fanned out)."""
        return {name for name, _blob in self._notes_entries(notes_commits)}

    def note_in(self, annotated: str, notes_commit: str) -> str | None:
        """One note's text from a notes commit, by path (any fan-out), or None."""
        blob = self._note_blob(annotated, notes_commit)
        return None if blob is None else bytes(blob.data).decode("utf-8", "replace")

    def note_oid(self, annotated: str, ref: str = NOTES_REF) -> str | None:
        """The blob id of a commit's note (what `git notes list <commit>` prints), or None."""
        tip = self.ref(ref)
        blob = None if tip is None else self._note_blob(annotated, tip)
        return None if blob is None else str(blob.id)

    def _note_blob(self, annotated: str, notes_commit: str) -> pygit2.Blob | None:
        try:
            tree = self._repo[notes_commit].peel(pygit2.Tree)
        except (KeyError, ValueError, pygit2.GitError):
            return None
        rest = annotated
        while rest:
            if rest in tree:
                obj = self._repo[tree[rest].id]
                return obj if isinstance(obj, pygit2.Blob) else None
            head, rest = rest[:2], rest[2:]
            if head not in tree:
                return None
            sub = self._repo[tree[head].id]
            if not isinstance(sub, pygit2.Tree):
                return None
            tree = sub
        return None
