"""handoff: the record and everything that makes, checks and reads one: schema,
policy, ids, trailers, identify (is this commit a handoff, and its id), git
stats, narrative, sessions, compose, message, draft, commit, hooks
(commit-msg, post-commit), persist, retire, examine, the guard's check and
stamps, the index, lookup, changelog, undo and legacy import.

Import rule: handoff imports gitsess.transcripts, gitsess.telemetry,
gitsess.store and the bottom modules (refs, errors, ui, data); never
gitsess.agents, resume, sync, setup or commands.
"""
