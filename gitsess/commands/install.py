"""`git sess install`: put gitsess's hooks where git will run them."""

from __future__ import annotations

from gitsess import install
from gitsess.store import Store


def run(*, store: Store) -> int:
    for path in install.install_hooks(store):
        print(f"installed {path}")
    return 0
