"""`git sess manpage`: print git-sess(1), or write it to a file (install.sh does)."""

from __future__ import annotations

import sys

from gitsess.setup import manpage as installed
from gitsess.ui import manpage


def run(*, program: manpage.Program, output: str | None = None) -> int:
    page = manpage.render(program)
    if output is None or output == "-":
        sys.stdout.write(page)
    else:
        installed.write(output, page)
    return 0
