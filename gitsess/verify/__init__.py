"""verify: `git sess verify`, the handoffs of a range checked again in any
clone (CI, a pre-receive hook) against the policy at each commit and the
telemetry that was pushed; and AI disclosure checked against that telemetry.

Import rule: verify imports gitsess.handoff and everything below it; never
gitsess.resume, sync, report, setup or commands.
"""
