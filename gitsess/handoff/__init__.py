"""handoff: the record and everything that makes, checks and reads one: schema,
policy, ids, trailers, git stats, narrative, compose, commit, persist, the
guard's check and stamps, the index, changelog and legacy import.

Import rule: handoff imports gitsess.transcripts, gitsess.telemetry,
gitsess.store and the bottom modules (refs, errors, ui, data); never
gitsess.agents, resume, sync, setup or commands.
"""
