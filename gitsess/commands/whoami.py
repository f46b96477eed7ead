"""`git sess whoami`: the operator id, the email, and how the id was found."""

from __future__ import annotations

import json
import sys

from gitsess.errors import warn
from gitsess.handoff.identity import HINT, operator, shared_with
from gitsess.store import Store
from gitsess.ui.colour import prefixed

SCHEMA_VERSION = 1


def run(*, store: Store, as_json: bool = False) -> int:
    op = operator(store)
    if op.ignored is not None:  # say why the configured id is not the one in use
        warn(f"sess.operator '{op.ignored}' is not a valid operator id; using {op.id}")
        print("hint: an operator is 1-32 letters, digits, '_' or '-': "
              "git config sess.operator RT", file=sys.stderr)
    shared = shared_with(store, op)
    if shared:
        warn(shared)
        print(prefixed(f"hint: {HINT}", sys.stderr), file=sys.stderr)
    if as_json:
        doc = {"v": SCHEMA_VERSION, "operator": op.id, "email": op.email, "source": op.source}
        json.dump(doc, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    print(op.id)
    print(f"  email:  {op.email or '(no user.email)'}")
    print(f"  source: {op.source}")
    return 0
