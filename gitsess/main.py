"""Console entry point `git-sess`.

`git sess hook` runs on every agent tool call, so it is dispatched here
before click (or anything else not needed) is imported; every other command
goes through gitsess.cli.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["hook"] and not ({"-h", "--help"} & set(args)):
        agent = "claude"
        rest = args[1:]
        if len(rest) == 2 and rest[0] == "--agent":
            agent = rest[1]
        elif len(rest) == 1 and rest[0].startswith("--agent="):
            agent = rest[0].split("=", 1)[1]
        from gitsess.commands.hook import run

        return run(agent=agent)
    from gitsess.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
