"""One module per subcommand; each exports `run(**options) -> int`."""
