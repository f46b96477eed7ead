"""What a handoff would cover, as `#` comment lines for the $EDITOR template
(issue 10): the sessions and their telemetry, the git stats of the window
and the files it changed, so that the person writes the narrative with the
facts in front of them, as `git commit` shows `git status` in its template.

The lines are the record's own computation (gitsess.handoff.compose, gitstats) on
the live sessions of this worktree; the record itself is computed again
at commit time. Every line starts with "# "; narrative.strip_comments drops
exactly these lines after editing.
"""

from __future__ import annotations

import time
from typing import Any

from gitsess.handoff import compose, gitstats, ids
from gitsess.handoff import sessions as agent_sessions
from gitsess.store import Store, history
from gitsess.ui.columns import cell, clip

FILES_SHOWN = 20
NAME_COLS = 70


def lines(store: Store, operator: str, email: str | None, *,
          now: float | None = None) -> list[str]:
    now = time.time() if now is None else now
    sessions = agent_sessions.own_live_sessions(store, operator)
    tel = compose.telemetry_section(agent_sessions.merged_counters(sessions))
    prev = ids.previous(store, operator)
    prev_at = (prev.commit, store.commit(prev.commit).commit_time) if prev else None
    starts = [int(s.meta.get("started_at_ms") or s.counters.get("first_event_ms") or 0)
              for s in sessions]
    starts = [t for t in starts if t]
    win = gitstats.window(previous=prev_at, session_start_s=min(starts) // 1000 if starts
                          else None, now=now)
    git = gitstats.collect(store, win, author_email=email)
    out = ["# What this handoff covers (recomputed when it is committed; these lines",
           "# are dropped):"]
    if sessions:
        names = ", ".join(cell(f"{s.session_id} ({s.meta.get('agent') or '?'})")
                          for s in sessions[:5])
        more = f" and {len(sessions) - 5} more" if len(sessions) > 5 else ""
        out.append(f"#   {len(sessions)} agent session(s): {clip(names, NAME_COLS)}{more}")
        out.append(f"#   {_telemetry(tel)}")
    else:
        out.append("#   no agent session of yours is live in this worktree")
    out.append(f"#   {git['commits']} commit(s) since {win.reason}, {git['files_changed']} "
               f"file(s) changed, +{git['insertions']} -{git['deletions']}")
    out += [f"#     {clip(cell(f), NAME_COLS)}" for f in _files(store, git, email)]
    return out


def _telemetry(tel: dict[str, Any]) -> str:
    tools = sorted((tel.get("tools") or {}).items(), key=lambda kv: (-kv[1], kv[0]))[:6]
    named = ", ".join(f"{cell(k)} {v}" for k, v in tools)
    return (f"{tel['tool_calls']} tool call(s)" + (f" ({clip(named, 50)})" if named else "")
            + f", {tel['prompts']} prompt(s), {tel['failures']} failure(s), "
            f"~{tel['active_min_estimate']} min active")


def _files(store: Store, git: dict[str, Any], email: str | None) -> list[str]:
    """The paths the window's commits changed (status and name), a few."""
    rng = git.get("range")
    if not rng:
        return []
    out = history.changed_paths(store, rng, author_email=email)
    if out is None:
        return []
    seen: dict[str, str] = {}
    for line in out.splitlines():
        status, _, path = line.partition("\t")
        if path and path not in seen:
            seen[path] = status[:1]
    shown = [f"{st} {p}" for p, st in sorted(seen.items())[:FILES_SHOWN]]
    if len(seen) > FILES_SHOWN:
        shown.append(f"… and {len(seen) - FILES_SHOWN} more")
    return shown
