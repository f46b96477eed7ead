"""sync: exchange with remotes (fetch, merge notes, push), what a push may
publish, the pre-push send, and records that follow rewritten history.

Import rule: sync imports gitsess.handoff and everything below it; never
gitsess.resume, setup or commands.
"""
