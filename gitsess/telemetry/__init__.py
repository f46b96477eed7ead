"""telemetry: agent events counted into refs/sess/.

    event.py     the Event (agent-independent), its stored line, safe names
    counting.py  counter arithmetic: what one event adds; merging; sanitizing
    layout.py    a session ref's tree and its spill refs, as both sides read them
    writer.py    the writer: flock, CAS, spill, fold, the own-session marker
    readers.py   sessions as status, the handoff and resume read them
    status.py    what `git sess status` prints of a session
    paths.py     machine paths stored relative to the repository

Import rule: telemetry imports gitsess.store, gitsess.refs, gitsess.errors,
gitsess.ui and itself. Who runs the agent (gitsess.handoff.identity) is
passed in by the caller as a callable, never imported.
"""
