"""transcripts: an agent's own transcript, read only from this clone's own
files (ownfiles), counted against the hooks (agentlogs, one module per
agent's format over counting; reconcile), redacted (redact, redact_finders,
redact_rules, escapes) and archived with a handoff (archive, subagents).

Import rule: transcripts imports gitsess.telemetry, gitsess.store and the
bottom modules (refs, errors, ui), never gitsess.agents or anything above.
"""
