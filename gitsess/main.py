"""Console entry point `git-sess`.

`git sess hook` runs on every agent tool call and `git sess githook` inside
git's own hooks, so both are dispatched here before click (or anything else
not needed) is imported; every other command goes through gitsess.cli.
Started by the launcher (`write_launcher`), a tool call's hook runs without
site-packages at all (gitsess/telemetry/spill.py).
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

        code = run(agent=agent)
        if argv is None:  # the console script, not a caller in-process
            _exit_now(code)
        return code
    _site()
    if args[:1] == ["githook"] and len(args) >= 2 and not ({"-h", "--help"} & set(args)):
        return _githook(args[1], args[2:])
    from gitsess.cli import main as cli_main

    return cli_main(args)


def _site() -> None:
    """site-packages (click, pygit2, ...), which the launcher leaves out (-S)."""
    if sys.flags.no_site and "site" not in sys.modules:
        import site

        site.main()


# The launcher `install.sh` puts on PATH as `git-sess`: pip's console script
# runs the site-packages scan (every .pth, the editable finder) before any
# of gitsess, ~15 ms of a tool call's hook. This one starts Python isolated
# (-I: no PYTHON* variables, no user site, nothing of the cwd on sys.path)
# and without site (-S), with the one directory gitsess is in appended after
# the standard library; main() adds site-packages back for anything but a
# tool call's hook (`_site`, gitsess.agents.hook.full_python).
_LAUNCHER = """{shebang}
# gitsess launcher, written by install.sh (gitsess.main.write_launcher).
import sys
sys.path.append({root!r})
from gitsess.main import main
sys.exit(main())
"""


def _shebang(python: str) -> str:
    """`#!<python> -IS`; through sh where the kernel cannot take the path (a
    blank in it, or longer than older kernels read): sh runs the second line
    as `true` and then the exec; Python reads both as one string."""
    if len(python) < 100 and not any(c.isspace() for c in python):
        return f"#!{python} -IS"
    quoted = "'" + python.replace("'", "'\\''") + "'"
    return ("#!/bin/sh\n" + '"true" ' + "'" * 3 + "\\'\n"
            + f'exec {quoted} -IS "$0" "$@"\n' + "'" * 3)


def write_launcher(path: str) -> None:
    """Write the launcher (above) for this interpreter and this gitsess to `path`."""
    import os

    import gitsess

    root = os.path.dirname(os.path.dirname(os.path.abspath(gitsess.__file__)))
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(_LAUNCHER.format(shebang=_shebang(sys.executable), root=root))
    os.chmod(tmp, 0o755)
    os.replace(tmp, path)


def _githook(name: str, rest: list[str]) -> int:
    from gitsess import errors
    from gitsess.commands import githook
    from gitsess.store import Store

    return errors.handle(
        lambda: githook.run(store=Store.discover("."), name=name, args=rest),
        internal=f"gitsess {name} hook: internal error",
        hint="rerun with GITSESS_DEBUG=1 for a traceback; --no-verify skips the hook")


def _exit_now(code: int) -> None:
    """End the hook process without interpreter shutdown.

    The hook holds nothing that needs tearing down (its ref writes are done
    or spilled, its flock dies with it), and module teardown plus libgit2's
    shutdown cost ~7 ms of a ~65 ms process; see bench/hook_latency.py.
    """
    import contextlib
    import os

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
