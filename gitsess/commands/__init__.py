"""commands: one short module per subcommand; each exports `run(**options) -> int`.

A command parses nothing (gitsess.cli does, with click), calls the domain
packages and returns an exit code.

Import rule: commands imports the domain packages (setup, sync, resume,
handoff, transcripts, agents, telemetry), store and the bottom modules; never
gitsess.cli or gitsess.main.
"""
