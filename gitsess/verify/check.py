"""`git sess verify`: every handoff commit of a range checked again, in any clone.

Each handoff commit (a Sess- trailer, gitsess.handoff.identify) is checked
against the policy in its own tree (`.gitsess.yaml` at that commit, parsed
bounded; the defaults when it has none) with the pre-push guard's check
(gitsess.handoff.examine: note, schema, sections, operator, invariants
recomputed from the telemetry the record pins) and what binds the note to
the commit (gitsess.verify.binding). Every commit, handoff or not, is also
checked for AI disclosure when its policy asks (gitsess.handoff.disclosure).

The range defaults to what the remote's default branch lacks: HEAD less
`<remote>/HEAD` (else its main, else its master). A clone that has no notes
or no session refs fetches them from the remote first (never forced; into
refs/sess/remotes/<remote>/), and a clone with no refs/notes/sess of its own
takes the fetched notes as its own (what `git sess sync` would do).

In a pre-receive hook (`--pre-receive`, examples/pre-receive) the range is
the commits each pushed branch or tag brings that no branch or tag of the
repository already has, plus the handoff commits a pushed refs/notes/sess
gives a new or changed note; session refs and notes pushed in the same push
are read as if already updated (Store.receive).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from gitsess import refs
from gitsess.errors import GitsessError, UsageError, ValidationError
from gitsess.handoff import disclosure, examine, identify, policy, record
from gitsess.handoff import index as handoff_index
from gitsess.handoff import operators as whose
from gitsess.store import CommitInfo, Store, receive
from gitsess.store import remote as git_remote
from gitsess.verify import binding

ZERO = "0" * 40
NOTES_S = 5.0


@dataclass
class Finding:
    commit: str
    text: str
    handoff: str | None = None
    severity: str = "error"

    def line(self) -> str:
        return f"{self.commit[:12]} {self.text}"


@dataclass
class Result:
    range: str
    commits: int = 0
    handoffs: int = 0
    findings: list[Finding] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


def pick_remote(store: Store, remote: str | None) -> str | None:
    have = git_remote.names(store)
    if remote is not None:
        if remote not in have:
            raise UsageError(f"no remote '{remote}'", hint=f"remotes here: {', '.join(have)}"
                             if have else "git remote add <name> <url>")
        return remote
    return "origin" if "origin" in have else (have[0] if have else None)


def commits_of(store: Store, spec: str | None, remote: str | None) -> tuple[str, list[CommitInfo]]:
    """(the range as said, its commits newest first)."""
    if spec is None:
        if remote is None:
            raise UsageError("no RANGE given and no remote to compare with",
                             hint="give a range: git sess verify origin/main..HEAD")
        base = receive.default_base(store, remote)
        if base is None:
            raise UsageError(f"no default branch of '{remote}' here ({remote}/HEAD, "
                             f"{remote}/main, {remote}/master)",
                             hint=f"git remote set-head {remote} --auto, or give a RANGE")
        head = store.head().oid
        return f"{remote}/HEAD..HEAD", list(store.walk([head], [base])) if head else []
    left, dots, right = spec.partition("..")
    if dots and right.startswith("."):
        raise UsageError(f"'{spec}': A...B is not supported", hint="give A..B")
    tips = [_rev(store, right or "HEAD")] if dots else [_rev(store, spec)]
    hide = [_rev(store, left or "HEAD")] if dots else []
    return spec, list(store.walk(tips, hide))


def _rev(store: Store, rev: str) -> str:
    oid = store.resolve(rev)
    if oid is None:
        raise UsageError(f"unknown revision '{rev}'", hint="give A..B, or one commit")
    return oid


def pushed_commits(store: Store, lines: list[tuple[str, str, str]]) -> list[CommitInfo]:
    """The commits a push brings to its branches and tags that none has yet."""
    tips = [new for old, new, name in lines if new != ZERO and not refs.is_sess(name)
            and (name.startswith(refs.HEADS) or name.startswith(refs.TAGS))]
    tips = [c for t in tips if (c := store.resolve(t)) is not None]
    if not tips:
        return []
    have = [*store.refs(refs.HEADS).values(), *store.refs(refs.TAGS).values()]
    hide = [o for o in have if store.resolve(o)]
    return list(store.walk(tips, hide))


def prepare(store: Store, remote: str | None, *, fetch: bool) -> list[str]:
    """Fetch what verification reads when it is missing; the notices to print."""
    out: list[str] = []
    sessions = any(store.refs(p) for p in (refs.LIVE, refs.DONE, refs.REMOTES))
    notes = store.ref(refs.NOTES) is not None or (
        remote is not None and store.ref(refs.tracking_notes(remote)) is not None)
    if fetch and remote is not None and not (sessions and notes):
        done = receive.fetch_records(store, remote)
        store.forget_refs()
        if not done.ok:
            out.append(f"could not fetch gitsess's refs from {remote}: {done.why}")
    if remote is not None and store.ref(refs.NOTES) is None:
        theirs = store.ref(refs.tracking_notes(remote))
        if theirs is not None:
            store.update_ref(refs.NOTES, lambda old: old or theirs,
                             deadline=time.monotonic() + NOTES_S)
    return out


def policy_at(store: Store, oid: str) -> tuple[policy.Policy, str | None]:
    """The policy in `oid`'s tree (the defaults without one), and a finding when
    that file does not parse (its checks then run with the defaults)."""
    data = store.tree_file(oid, policy.POLICY_FILE)
    if data is None:
        return policy.DEFAULT, None
    try:
        pol = policy.parse_policy(data.decode("utf-8", "replace"),
                                  source=f"{oid[:12]}:{policy.POLICY_FILE}")
    except ValidationError as exc:
        return policy.DEFAULT, f"{policy.POLICY_FILE}: {exc.message}"
    return dataclasses.replace(pol, digest=store.hash_blob(data)), None


class Verification:
    """One run over a list of commits: policies, sessions and peers read once."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._policies: dict[str, tuple[policy.Policy, str | None]] = {}
        self._index: disclosure.SessionIndex | None = None
        # One verifier per policy (its operators map and require_signed), all
        # sharing one read of the handoff claims.
        self._verifiers: dict[tuple[object, ...], whose.Verifier] = {}
        self._claims: list[whose.Claim] | None = None

    def _policy(self, info: CommitInfo) -> tuple[policy.Policy, str | None]:
        # The policy is a function of the tree (most commits of a range share one file).
        if info.tree not in self._policies:
            self._policies[info.tree] = policy_at(self.store, info.oid)
        return self._policies[info.tree]

    def run(self, label: str, commits: list[CommitInfo]) -> Result:
        result = Result(label, commits=len(commits))
        for info in reversed(commits):  # oldest first, as history reads
            pol, broken = self._policy(info)
            hid = identify.handoff_id(info.message)
            if broken:
                result.findings.append(Finding(info.oid, broken, hid))
            if identify.claims_handoff(info.message):
                result.handoffs += 1
                result.findings += [Finding(info.oid, t, hid) for t in self.handoff(info, pol)]
            if pol.disclosure != "off":
                result.findings += [Finding(info.oid, t, hid, pol.disclosure_severity)
                                    for t in self.disclosed(info, pol)]
        return result

    def handoff(self, info: CommitInfo, pol: policy.Policy) -> list[str]:
        short = info.oid[:12]
        try:
            found = examine.examine(self.store, info.oid, pol, self._verifier(pol)).problems
        except GitsessError as exc:
            return [f"cannot check this handoff: {exc.message}"]
        except (KeyError, ValueError) as exc:  # an object this clone lacks (shallow?)
            return [f"cannot check this handoff: {exc}"]
        out = [p[len(short) + 2:] if p.startswith(f"{short}: ") else p for p in found]
        note_oid = self.store.note_oid(info.oid)
        if note_oid is None:
            return out
        try:
            rec = record.parse(self.store.read_blob(note_oid).decode("utf-8", "replace"),
                               id=identify.handoff_id(info.message))
        except ValidationError:
            return out  # examine named it
        out += binding.problems(self.store, info.oid, info.message, rec, pol)
        return list(dict.fromkeys(out))

    def _verifier(self, pol: policy.Policy) -> whose.Verifier:
        """Whose handoff is whose under `pol`, the policy of the commit being
        checked (a later commit's policy may name other operators or require
        signatures), never the first handoff's policy."""
        key = (tuple(sorted(pol.operators.items())), pol.require_signed)  # what it reads of pol
        if key not in self._verifiers:
            self._verifiers[key] = whose.Verifier.for_store(self.store, policy=pol,
                                                            claims=self._read_claims)
        return self._verifiers[key]

    def _read_claims(self) -> list[whose.Claim]:
        if self._claims is None:
            self._claims = [whose.claim(h) for h in handoff_index.build(self.store).handoffs]
        return self._claims

    def disclosed(self, info: CommitInfo, pol: policy.Policy) -> list[str]:
        if self._index is None:
            self._index = disclosure.SessionIndex.read(self.store)
        at_ms = info.commit_time * 1000
        live = self._index.any_live_at(at_ms, _operator_of(pol, info.author_email))
        return disclosure.problems(info.message, at_ms, pol, index=self._index, live=live)


def _operator_of(pol: policy.Policy, email: str) -> Callable[[object], bool]:
    """Whether a session is the commit author's: only the policy's `operators`
    map says whose email is whose; without it no session is (see the README)."""
    mine = {op for op, emails in pol.operators.items()
            if email.lower() in (e.lower() for e in emails)}

    def of(s: object) -> bool:
        meta = getattr(s, "meta", {})
        return bool(mine) and str(meta.get("operator")) in mine

    return of


def parse_updates(text: str) -> list[tuple[str, str, str]]:
    """pre-receive's stdin: `<old> <new> <ref>` per line (githooks(5))."""
    out = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and len(parts[0]) == len(parts[1]) == 40:
            out.append((parts[0], parts[1], parts[2]))
    return out


def verify(store: Store, spec: str | None, *, remote: str | None = None,
           fetch: bool = True) -> Result:
    chosen = pick_remote(store, remote)
    notices = prepare(store, chosen, fetch=fetch)
    label, commits = commits_of(store, spec, chosen)
    result = Verification(store).run(label, commits)
    result.notices = notices
    return result


def renoted_commits(store: Store, lines: list[tuple[str, str, str]],
                    known: set[str]) -> list[CommitInfo]:
    """The handoff commits a push of refs/notes/sess gives a new or changed note
    (a note edited after its commit was checked), beyond `known`."""
    out = []
    for old, new, name in lines:
        if name != refs.NOTES or new == ZERO:
            continue
        before = store.notes_map(old) if old != ZERO else {}
        for annotated, blob in store.notes_map(new).items():
            if before.get(annotated) == blob or annotated in known:
                continue
            oid = store.resolve(annotated)
            if oid is not None and identify.claims_handoff(store.commit(oid).message):
                known.add(oid)
                out.append(store.commit(oid))
    return out


def verify_push(store: Store, text: str) -> Result:
    """The pre-receive verification of a push (its stdin, `text`)."""
    receive.see_quarantine(store)
    lines = parse_updates(text)
    store.receive({name: (None if new == ZERO else new) for _old, new, name in lines})
    commits = pushed_commits(store, lines)
    commits += renoted_commits(store, lines, {c.oid for c in commits})
    names = " ".join(name for _o, _n, name in lines)
    return Verification(store).run(f"push of {names or 'nothing'}", commits)
