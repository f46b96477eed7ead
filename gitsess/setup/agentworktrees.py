"""Agent settings in every worktree of a repository, for uninstall.

Git hooks live in the common git dir, so `git sess uninstall` in any worktree
takes them out for all; agent settings live in each worktree's files, so
uninstall visits every worktree install touched (sess.agentSettings) or git
lists, and does in each what it does in its own. A worktree that is gone
(deleted, moved, pruned) gets one line and loses what install saved for it;
a locked one that is out of reach (`git worktree lock`: a drive not mounted)
keeps it, for an uninstall run once it is back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from gitsess.agents import specs as agentspecs
from gitsess.errors import GitsessError, RefError
from gitsess.setup import agentsettings, worktrees
from gitsess.store import Store


@dataclass
class Place:
    """One worktree's agent settings files, each under every name install or git used."""

    root: str
    tree: worktrees.Worktree | None  # None: git no longer lists it
    files: dict[str, list[str]] = field(default_factory=dict)  # ".claude/settings.json" -> spellings

    @property
    def spellings(self) -> list[str]:
        return [p for names in self.files.values() for p in names]


def places(store: Store) -> list[Place]:
    """Every worktree git lists, then any other that install recorded."""
    trees = worktrees.listed(store)
    found: dict[str, Place] = {}

    def see(root: str, rel: str) -> None:
        place = found.get(os.path.realpath(root))
        if place is None:
            tree = next((t for t in trees if worktrees.same_dir(t.path, root)), None)
            place = found[os.path.realpath(root)] = Place(root, tree)
        names = place.files.setdefault(rel, [])
        path = os.path.join(root, rel)
        if path not in names:
            names.append(path)

    every = [os.path.join(s.dir, name) for s in agentspecs.SPECS.values() for name in s.files]
    for tree in trees:
        for rel in every:
            if not tree.bare:
                see(tree.path, rel)
    if store.workdir:  # the spelling this worktree's own install used
        for rel in every:
            see(store.workdir, rel)
    for path in agentsettings.recorded(store):
        root = agentspecs.root_of(path)
        if root is not None:  # (recorded lists agent settings files only)
            see(root, os.path.relpath(path, root))
    return list(found.values())


def uninstall(store: Store) -> tuple[list[str], list[GitsessError]]:
    """Take gitsess out of every worktree's agent settings: the lines to print,
    and the files left as they were (each error names one)."""
    lines: list[str] = []
    errors: list[GitsessError] = []
    keep: set[str] = set()  # saved copies still needed
    for place in places(store):
        tree = place.tree
        if tree is not None and tree.reachable:
            failed: set[str] = set()  # directories holding a file left as it was
            for rel, spellings in place.files.items():
                try:
                    lines += agentsettings.uninstall(store, spellings)
                except GitsessError as exc:  # the rest still comes out
                    errors.append(exc)
                    keep.update(agentsettings.saved_refs(store, spellings))
                    failed.add(os.path.dirname(rel))
            done = [p for rel, ps in place.files.items() if os.path.dirname(rel) not in failed
                    for p in ps]
            agentsettings.forget_dir(store, done, remove=True)
        elif not agentsettings.has_state(store, place.spellings):
            continue
        elif tree is not None and tree.locked:
            keep.update(agentsettings.saved_refs(store, place.spellings))
            lines.append(f"{place.root} is locked and out of reach: kept what gitsess saved of"
                         " its settings; run git sess uninstall again once it is back")
        else:
            why = ("is no longer a worktree of this repository" if os.path.isdir(place.root)
                   else "no longer exists")
            agentsettings.forget(store, place.spellings)
            agentsettings.forget_dir(store, place.spellings)
            lines.append(f"{place.root} {why}: dropped what gitsess saved of its settings")
    lines += _orphans(store, keep)
    return lines, errors


def _orphans(store: Store, keep: set[str]) -> list[str]:
    """Saved copies no worktree names any more (an install from before
    sess.agentSettings, in a worktree since deleted)."""
    dropped = 0
    for ref, oid in store.refs(agentsettings.ORIG_PREFIX).items():
        if ref not in keep:
            try:
                store.cas_ref(ref, None, oid)
                dropped += 1
            except RefError:
                pass
    if not dropped:
        return []
    return [f"dropped {dropped} saved settings file{'s' if dropped > 1 else ''} of worktrees"
            " git no longer lists"]
