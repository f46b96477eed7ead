"""setup: what gitsess installs and checks: git hook shims, git config, agent
settings in every worktree, hook managers, the doctor and the demo.

Import rule: setup imports gitsess.sync, gitsess.resume, gitsess.handoff,
gitsess.agents and everything below them; never gitsess.commands or cli.
"""
