"""Blobs, trees and the commits gitsess writes itself."""

from __future__ import annotations

import time
from collections.abc import Mapping

import pygit2

from gitsess.errors import GitsessError
from gitsess.store.config import ConfigStore


class ObjectStore(ConfigStore):
    def write_blob(self, data: bytes) -> str:
        return str(self._repo.create_blob(data))

    @staticmethod
    def hash_blob(data: bytes) -> str:
        """The id `data` has as a blob (`git hash-object --no-filters`), written nowhere."""
        return str(pygit2.hash(data))

    def read_blob(self, oid: str) -> bytes:
        obj = self._repo[oid]
        if not isinstance(obj, pygit2.Blob):
            raise GitsessError(f"{oid} is not a blob")
        return bytes(obj.data)

    def write_tree(self, entries: Mapping[str, tuple[str, str]]) -> str:
        """Write a tree: name -> ('blob' | 'tree', oid)."""
        builder = self._repo.TreeBuilder()
        for name, (kind, oid) in entries.items():
            mode = pygit2.GIT_FILEMODE_TREE if kind == "tree" else pygit2.GIT_FILEMODE_BLOB
            builder.insert(name, pygit2.Oid(hex=oid), mode)
        return str(builder.write())

    def read_tree(self, oid: str) -> dict[str, tuple[str, str]]:
        tree = self._repo[oid]
        if isinstance(tree, pygit2.Commit):
            tree = tree.tree
        if not isinstance(tree, pygit2.Tree):
            raise GitsessError(f"{oid} is not a tree")
        return {str(e.name): (e.type_str, str(e.id)) for e in tree}

    def tree_file(self, commit_or_tree: str, path: str) -> bytes | None:
        """A blob's bytes at `path` in a commit's (or a tree's) tree, or None."""
        tree = self._repo[commit_or_tree].peel(pygit2.Tree)
        try:
            entry = tree[path]
        except KeyError:
            return None
        blob = self._repo[entry.id]
        return bytes(blob.data) if isinstance(blob, pygit2.Blob) else None

    def write_commit(
        self,
        tree: str,
        parents: list[str],
        message: str,
        *,
        when: float | None = None,
        identity: tuple[str, str] | None = None,
    ) -> str:
        name, email = identity or self.signature_identity()
        ts = int(when if when is not None else time.time())
        sig = pygit2.Signature(name, email, ts, 0)
        oid = self._repo.create_commit(
            None, sig, sig, message, pygit2.Oid(hex=tree), [pygit2.Oid(hex=p) for p in parents]
        )
        return str(oid)

    def has_object(self, oid: str) -> bool:
        try:
            return pygit2.Oid(hex=oid) in self._repo.odb
        except ValueError:
            return False
