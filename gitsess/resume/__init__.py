"""resume: where the work stands, as a document, as terminal text and as an
agent's SessionStart context.

Import rule: resume imports gitsess.handoff and everything below it; never
gitsess.sync, setup or commands.
"""
