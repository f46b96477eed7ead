"""telemetry: agent events counted into refs/sess/ (the event model, counter
arithmetic, the writer and the readers).

Import rule: telemetry imports gitsess.store, gitsess.refs, gitsess.errors,
gitsess.ui and itself.
"""
