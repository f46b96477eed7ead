"""report: the team's view over a window of time (issue 14): what was handed
off and by whom, the sessions behind it, tools and MCP servers, failures,
invariant verdicts, tokens, branches; as terminal text, JSON and one
self-contained HTML page.

gather reads (one pass over the refs and notes), records reads the few fields
of each record the report needs, text/page render.

Import rule: report imports gitsess.handoff, gitsess.telemetry and everything
below them; never resume, sync, verify, setup or commands.
"""
