"""What `git sess doctor` checks: each finding says what is wrong and the
command that fixes it (schemas/doctor.json)."""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from gitsess import refs
from gitsess.setup import hookmanagers, install, shims
from gitsess.store import STALE_PACKED_LOCK_S, STALE_REF_LOCK_S, Store, hookfiles
from gitsess.sync import exchange as sync
from gitsess.sync import orphans, publish, rewrite, vanished
from gitsess.telemetry import readers

IDLE_WARN_S = 24 * 3600
PUSH_MODES = ("wait", "background")  # sess.pushSessions (githooks/pre-push); unset: by terminal


@dataclass
class Finding:
    check: str  # hooks | config | refspecs | locks | sessions | notes | agent | ids
    severity: str  # error | warning | info
    message: str
    fix: str | None = None


@dataclass
class HookState:
    name: str
    path: str
    state: str  # ok | missing | foreign | stale | not-executable | chained-by-other
    runs: bool  # git will run gitsess's side of this hook
    chained: str | None = None  # the foreign hook gitsess runs first
    via: str | None = None  # the manager's line or config that runs gitsess's private shim
    on_demand: bool = False  # parked at `path`, linked into place when it has work (hookfiles)
    armed: bool = False  # on demand and in place now


@dataclass
class Diagnosis:
    hooks_dir: str
    hooks_source: str
    hooks: list[HookState] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.severity in ("error", "warning") for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "v": 1,
            "ok": self.ok,
            "hooks_dir": self.hooks_dir,
            "hooks_source": self.hooks_source,
            "hooks": [asdict(h) for h in self.hooks],
            "findings": [asdict(f) for f in self.findings],
        }


def diagnose(store: Store) -> Diagnosis:
    from gitsess.setup import agentdoctor  # it imports Finding from here

    loc = install.hooks_location(store)
    d = Diagnosis(loc.path, loc.source)
    if loc.problem and not (loc.committed and len(_routed(store, loc)) == len(shims.HOOKS)):
        d.findings.append(Finding("hooks", "error", loc.problem, loc.hint))
    _hooks(store, loc, d)
    _config(store, d)
    _locks(store, d)
    _sessions(store, d)
    _notes(store, d)
    _vanished(store, d)
    _orphans(store, d)
    _ids(store, d)
    agentdoctor.check(store, d)
    if loc.problem and not (loc.committed and len(_routed(store, loc)) == len(shims.HOOKS)):
        # install refuses here: never name it bare as the fix of anything
        for f in d.findings:
            if f.fix is None or not f.fix.startswith("git sess install") or "--into" in f.fix:
                continue
            if loc.committed:
                f.fix = f.fix.replace("git sess install", "git sess install --into-committed-hooks", 1)
            else:
                f.fix = "fix the hooks error above, then " + f.fix
    return d


def _fix_install(store: Store, loc: install.HooksLocation) -> str:
    """The install command that works here: never one that would refuse."""
    if loc.committed:
        return "git sess install --into-committed-hooks  (then commit the hook scripts)"
    return "git sess install"


def _routed(store: Store, loc: install.HooksLocation) -> dict[str, str]:
    """Hooks a manager runs gitsess's private shim for: hook -> how (the
    committed script's line, or lefthook's local config)."""
    out: dict[str, str] = {}
    if loc.committed or not loc.problem:
        scripts = hookmanagers.committed_scripts(store, loc.path, loc.committed, loc.manager)
        if scripts is not None and scripts.active:
            for name in shims.HOOKS:
                if hookmanagers.has_line(os.path.join(scripts.path, name)):
                    out[name] = f"line in {os.path.join(scripts.path, name)}"
    local = store.config_get(hookmanagers.CFG_LEFTHOOK)
    if local and os.path.isfile(local):
        with open(local, encoding="utf-8", errors="replace") as fh:
            text = fh.read(1 << 16)
        for name in shims.HOOKS:
            if f"\n{name}:\n" in text and name not in out:
                out[name] = f"lefthook, {os.path.basename(local)}"
    return out


def _ids(store: Store, d: Diagnosis) -> None:
    """Handoff ids a remote holds for another handoff (two offline clones)."""
    from gitsess.sync import renumber

    for c in renumber.collisions(store):
        why = renumber.why_not(store, c)
        d.findings.append(Finding(
            "ids", "warning", f"handoff {c.id} here ({c.mine[:12]}) and {c.remote}'s {c.id}"
            f" ({c.theirs[:12]}) are two handoffs with one id: its ref cannot be pushed",
            "git sess doctor --fix  (gives this clone's handoff the next free id)" if why is None
            else f"not renumbered automatically: {why}"))


def _hooks(store: Store, loc: install.HooksLocation, d: Diagnosis) -> None:
    routed = _routed(store, loc)
    recorded = store.config_get(install.CFG_HOOKS_DIR)
    if (recorded and os.path.normpath(recorded) != os.path.normpath(loc.path)
            and len(routed) < len(shims.HOOKS)):
        d.findings.append(Finding(
            "hooks", "error",
            f"gitsess's hooks were installed in {recorded} but git runs hooks from {loc.path}",
            _fix_install(store, loc)))
    private = hookmanagers.private_dir(store)
    for name in shims.HOOKS:
        if name in routed:
            shim = os.path.join(private, name)
            if shims.executable(shim):
                d.hooks.append(HookState(name, shim, "ok", True, via=routed[name]))
            else:
                d.hooks.append(HookState(name, shim, "missing", False, via=routed[name]))
                d.findings.append(Finding("hooks", "error", f"{routed[name]} runs gitsess's"
                                          f" {name} from {shim}, which is not installed",
                                          "git sess install"))
            continue
        path = os.path.join(loc.path, name)
        legacy = path + shims.LEGACY
        kind = shims.kind_of(path)
        chained = None
        parked = hookfiles.parked(loc.path, name)
        armed = hookfiles.armed(loc.path, name)
        on_demand = (name in hookfiles.ON_DEMAND and shims.kind_of(parked) == "ours"
                     and (kind == "absent" or armed))
        if on_demand:
            path, kind = parked, "ours"  # run on demand: the parked shim is the one to check
        if shims.kind_of(legacy) in ("foreign", "wrapper", "husky", "pre-commit"):
            chained = legacy
            if not shims.executable(legacy):
                d.findings.append(Finding(
                    "hooks", "warning", f"chained hook {legacy} is not executable: git's"
                    " own behaviour would skip it, and so does gitsess's shim",
                    f"chmod +x {legacy}"))
        if kind == "ours":
            if not shims.executable(path):
                st = HookState(name, path, "not-executable", False, chained)
                d.findings.append(Finding("hooks", "error",
                                          f"{path} is not executable: git will not run it",
                                          f"chmod +x {path}"))
            elif not shims.shim_is_current(path, name) and not shims.executable(
                    prog := shims.shim_program(path) or ""):
                st = HookState(name, path, "stale", False, chained)
                d.findings.append(Finding("hooks", "error", f"{path} runs {prog or 'a program'},"
                                          " which is gone (an older gitsess install): the commits"
                                          " and pushes it should check will fail",
                                          "git sess install"))
            elif not shims.shim_is_current(path, name):
                st = HookState(name, path, "stale", True, chained)
                d.findings.append(Finding("hooks", "warning",
                                          f"{path} was installed by another gitsess install",
                                          "git sess install"))
            else:
                st = HookState(name, path, "ok", True, chained)
        elif kind == "absent":
            st = HookState(name, path, "missing", False, chained)
            if not loc.problem:  # else the location's finding says why and what to do
                d.findings.append(Finding("hooks", "error", f"no {name} hook in {loc.path}: git"
                                          f" will not run gitsess's {name}",
                                          _fix_install(store, loc)))
        elif shims.kind_of(legacy) == "ours":
            st = HookState(name, path, "chained-by-other", kind == "pre-commit", path)
            if kind != "pre-commit":
                d.findings.append(Finding(
                    "hooks", "warning", f"{path} is another tool's and gitsess's shim was moved"
                    f" to {legacy}; it runs only if that tool runs its .legacy hook",
                    "git sess uninstall && git sess install"))
        else:
            st = HookState(name, path, "foreign", False, chained)
            why = " (husky rewrites its hooks when it runs)" if loc.manager == "husky" else ""
            d.findings.append(Finding("hooks", "error", f"{path} is not gitsess's{why}: gitsess's"
                                      f" {name} will not run", _fix_install(store, loc)))
        st.on_demand, st.armed = on_demand, on_demand and armed
        d.hooks.append(st)


def _config(store: Store, d: Diagnosis) -> None:
    if not {refs.NOTES, refs.NOTES + "*"} & set(store.config_get_all("notes.rewriteRef")):
        d.findings.append(Finding("config", "warning", "notes.rewriteRef does not include"
                                  " refs/notes/sess: records will not follow amend and rebase",
                                  "git sess install"))
    for cmd in ("amend", "rebase"):
        if (store.config_get(f"notes.rewrite.{cmd}") or "true").lower() in ("false", "no", "off", "0"):
            d.findings.append(Finding("config", "info", f"notes.rewrite.{cmd} is false: git will"
                                      " not copy records on " + cmd + "; gitsess's post-rewrite"
                                      " copies the notes of handoff commits itself", None))
    mode = store.config_get("sess.pushSessions")
    if mode is not None and mode not in PUSH_MODES:
        d.findings.append(Finding("config", "warning", f"sess.pushSessions is {mode!r}, which"
                                  " gitsess does not know: the pre-push shim sends session refs"
                                  " in the background on a terminal and in line elsewhere",
                                  "git config sess.pushSessions wait  (or background, or"
                                  " git config --unset sess.pushSessions)"))
    for remote in sync.remotes(store):
        have = store.config_get_all(f"remote.{remote}.fetch")
        missing = [s for s in refs.fetch_refspecs(remote) if s not in have]
        if missing:
            d.findings.append(Finding("refspecs", "warning", f"remote {remote} lacks the fetch"
                                      f" refspecs for peers' sessions: {', '.join(missing)}",
                                      "git sess install"))
        unsent = _unsent(store, remote)
        if unsent:
            d.findings.append(Finding("refspecs", "info", f"{unsent} session ref(s) or the notes are"
                                      f" not on {remote} as far as this clone knows (not pushed"
                                      " since, a background send under way, or one that failed)",
                                      f"git sess sync {remote}"))


def _unsent(store: Store, remote: str) -> int:
    """How many of our refs a push would send to `remote` as far as this
    clone knows (publish.py: what its tracking branches make public; our
    notes count once when some of them would go); 0 for a remote never
    pushed to or fetched from (no tracking copies). Asks nothing of the
    remote and writes nothing."""
    seen = store.refs(refs.tracking(remote))
    if not seen:
        return 0
    remote_branches = f"{refs.GIT_REMOTES}{remote}/"
    branches = store.refs(remote_branches)
    heads = {refs.HEADS + n[len(remote_branches):]: o for n, o in branches.items()}
    bases = publish.tips(store, heads)
    n = len(publish.live_refs(store, refs.tracking(remote), heads))
    n += len(publish.plan(store, refs.tracking(remote), bases, notes=False).refs)
    tip = store.ref(refs.NOTES)
    if tip is not None:
        theirs = store.notes_map(seen[refs.tracking_notes(remote)]) \
            if refs.tracking_notes(remote) in seen else {}
        differ = [a for a, b in store.notes_map(tip).items() if theirs.get(a) != b]
        n += 1 if publish.reached(store, differ, bases) else 0
    return n


def _locks(store: Store, d: Diagnosis) -> None:
    for path, age in store.stale_locks():
        limit = STALE_PACKED_LOCK_S if path.endswith("packed-refs.lock") else STALE_REF_LOCK_S
        if age >= max(limit, 5.0):
            d.findings.append(Finding("locks", "warning", f"stale lock {path} ({age:.0f} s old):"
                                      " a killed writer left it; gitsess clears it on its next"
                                      " write to that ref", f"rm {path}  (when no git is running)"))


def _sessions(store: Store, d: Diagnosis) -> None:
    now_ms = time.time() * 1000
    listed = set()
    for s in readers.live_sessions(store):
        listed.add(s.ref.rsplit("/", 1)[-1])
        last = s.counters.get("last_event_ms") or 0
        idle = (now_ms - last) / 1000
        sev = "warning" if idle > IDLE_WARN_S else "info"
        d.findings.append(Finding(
            "sessions", sev,
            f"session {s.session_id} ({s.meta.get('agent')}, {s.counters.get('tool_calls', 0)}"
            f" tool calls) was never handed off; last event {int(idle // 60)} min ago",
            "git sess handoff"))
    for session in readers.orphan_spills(store):
        if session in listed:  # counted above (a tool call's first events spill: issue 15)
            continue
        d.findings.append(Finding("sessions", "info", f"session {session} has only spilled"
                                  " events (its ref was never written)", "git sess handoff"))


def _notes(store: Store, d: Diagnosis) -> None:
    # Records fetched by a plain `git fetch` (install's refspecs) are records
    # this clone has: sync merges them; they are not missing (issue 10).
    fetched = [oid for name, oid in store.refs(refs.REMOTES).items()
               if name.endswith("/notes")]
    for item in rewrite.unlinked(store):
        item.missing = [h for h in item.missing if not any(
            h in rewrite.record_ids(store.note_in(item.commit.oid, n)) for n in fetched)]
        if not item.missing:
            continue
        found = {h: rewrite.find_record(store, h) for h in item.missing}
        subject = item.commit.message.split("\n", 1)[0]
        copies = {h: o for h in item.missing
                  if (o := rewrite.copied_from(store, item.commit.oid, found[h])) is not None}
        for hid, origin in copies.items():
            d.findings.append(Finding(
                "notes", "warning", f"commit {item.commit.oid[:12]} ({subject!r}) repeats {hid},"
                f" the id of handoff commit {origin[:12]}, which is still on a branch: a copy"
                " (cherry-pick); the pre-push guard refuses it",
                f"drop the copy (git rebase -i), or amend it with a new Sess-Id; if the branch"
                f" holding {origin[:12]} was squash-merged, delete it, then git sess doctor --relink"))
        missing = [h for h in item.missing if h not in copies]
        if not missing:
            continue
        findable = [h for h in missing if found[h] is not None]
        ids = ", ".join(missing)
        if findable:
            d.findings.append(Finding("notes", "warning", f"commit {item.commit.oid[:12]}"
                                      f" ({subject!r}) names {ids} but has no record (a squash"
                                      " merge or a rewrite without notes.rewriteRef)",
                                      "git sess doctor --relink"))
        else:
            d.findings.append(Finding("notes", "warning", f"handoff commit {item.commit.oid[:12]}"
                                      f" ({subject!r}) has no record for {ids}, and none was found"
                                      " here", "git sess sync  (a peer may have it), else"
                                      f" git sess handoff --repair {item.commit.oid[:12]}"))


def _vanished(store: Store, d: Diagnosis) -> None:
    """Records on commits a history rewrite took away (gitsess.sync.vanished)."""
    for v in vanished.find(store):
        where = f"commit {v.commit[:12]}, which no branch, tag or handoff ref reaches"
        if v.ref is not None and v.carrier is not None:
            d.findings.append(Finding(
                "notes", "warning", f"record {v.record_id} is on {where} (history rewritten?);"
                f" {v.ref} points at {v.carrier[:12]}, which carries its Sess-Id without it",
                "git sess doctor --relink"))
        elif v.carrier is None:
            d.findings.append(Finding(
                "notes", "info", f"record {v.record_id} is on {where}, and no commit here"
                " carries its Sess-Id: its handoff was rewritten away", None))
        # else: a branch commit carries it; rewrite's finding above names it


def _orphans(store: Store, d: Diagnosis) -> None:
    """Handoff refs and notes on commits no branch reaches (orphans.py)."""
    found = orphans.find(store)
    mine = store.refs(refs.HANDOFFS)
    carried = orphans.by_sess_id(store) if found.refs else {}
    kept: set[str] = set()  # commits a handoff ref alone keeps, with their notes
    for ref, oid in found.refs.items():
        if ref.rsplit("/", 1)[-1] not in carried:
            kept.add(oid)
            # Nothing to move it to: a branch deleted unmerged, or squashed
            # with a message that dropped the trailers. The ref keeps the
            # commit, so the record stays readable.
            d.findings.append(Finding(
                "notes", "info", f"handoff ref {ref} names commit {oid[:12]}, which no branch"
                " reaches and no branch commit names by its Sess-Id: the ref keeps its record",
                None))
            continue
        ours = ref.startswith(refs.HANDOFFS)
        local = refs.HANDOFFS + ref.split("/h/", 1)[-1]
        moved = not ours and local in mine and mine[local] != oid and local not in found.refs
        fix = ("git sess doctor --fix" if ours else "git sess sync  (ours, moved here already)"
               if moved else "its operator's git sess doctor --fix, then a push")
        d.findings.append(Finding(
            "notes", "warning", f"handoff ref {ref} names commit {oid[:12]}, which no branch"
            " reaches (history rewritten after the record was made)", fix))
    stale = [a for a in found.notes if a not in kept]
    if stale:
        n = len(stale)
        d.findings.append(Finding(
            "notes", "warning", f"{n} note{'s' if n != 1 else ''} in refs/notes/sess annotate"
            f" commits no branch reaches (e.g. {stale[0][:12]}): records of rewritten"
            " commits", "git sess doctor --fix"))
