"""setup: what gitsess installs and checks: git hook shims (shims, install),
the git config install adds (gitconfig), hook managers, agent settings in
every worktree, the doctor and its repairs, the man page's file and the demo.

Import rule: setup imports gitsess.sync, gitsess.resume, gitsess.handoff,
gitsess.agents and everything below them; never gitsess.commands or cli.
"""
