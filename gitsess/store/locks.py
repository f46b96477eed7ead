"""Lock files left by killed writers: finding them and clearing the stale ones.

Every legitimate writer (gitsess or git itself) holds a loose-ref lock for
milliseconds, so a lock older than STALE_REF_LOCK_S is taken to be left by a
killed writer; git waits up to 1 s for packed-refs.lock
(core.packedRefsTimeout), so that one gets a longer grace.
"""

from __future__ import annotations

import os
import time

from gitsess import refs
from gitsess.store.base import StoreBase

STALE_REF_LOCK_S = 1.0
STALE_PACKED_LOCK_S = 10.0


class LockFiles(StoreBase):
    def clear_stale_locks(self, name: str) -> list[str]:
        """Remove lock files of `name` (and packed-refs) left by killed writers.

        A lock is stale when its mtime is older than STALE_*_S. It is renamed
        away first, so that of two cleaners only one removes it, and a lock a
        live writer took after our stat is at worst made to fail (that writer
        retries, as libgit2's rename of its lock then fails) and never silently
        overwritten.
        """
        removed = []
        for path, limit in (
            (os.path.join(self.common_dir, name + ".lock"), STALE_REF_LOCK_S),
            (os.path.join(self.common_dir, "packed-refs.lock"), STALE_PACKED_LOCK_S),
        ):
            try:
                age = time.time() - os.stat(path).st_mtime
            except OSError:
                continue
            if age < limit:
                continue
            grave = f"{path}.stale-{os.getpid()}-{os.urandom(4).hex()}"
            try:
                os.rename(path, grave)
                os.unlink(grave)
                removed.append(path)
            except OSError:
                continue
        return removed

    def stale_locks(self) -> list[tuple[str, float]]:
        """Lock files under refs/sess and the notes/packed refs, with their ages."""
        found = []
        now = time.time()
        candidates = [os.path.join(self.common_dir, "packed-refs.lock")]
        for base in (refs.SESS, refs.NOTES_NS):
            root = os.path.join(self.common_dir, base.rstrip("/"))
            for dirpath, _dirs, files in os.walk(root):
                candidates += [os.path.join(dirpath, f) for f in files if f.endswith(".lock")]
        for path in candidates:
            try:
                found.append((path, now - os.stat(path).st_mtime))
            except OSError:
                continue
        return found
