"""transcripts: an agent's own transcript, read only from this clone's own
files (ownfiles), counted against the hooks (agentlogs, reconcile), redacted
and archived with a handoff.

Import rule: transcripts imports gitsess.telemetry, gitsess.store and the
bottom modules (refs, errors, ui), never gitsess.agents or anything above.
"""
