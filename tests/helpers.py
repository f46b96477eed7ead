"""Shared builders for tests: real repositories, real git, real processes."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The console script next to the interpreter running the tests: the same
# install a user gets. Fall back to `python -m gitsess.main` when absent.
_BIN = Path(sys.executable).parent / "git-sess"
SESS = [str(_BIN)] if _BIN.exists() else [sys.executable, "-m", "gitsess.main"]


@dataclass
class Repo:
    path: Path

    def git(self, *args: str, check: bool = True, input: str | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return git(*args, cwd=self.path, check=check, input=input, env=env)

    def sess(self, *args: str, check: bool = False, input: str | bytes | None = None,
             env: dict[str, str] | None = None, timeout: float = 60,
             ) -> subprocess.CompletedProcess[str]:
        return sess(*args, cwd=self.path, check=check, input=input, env=env, timeout=timeout)

    def hook(self, payload: dict[str, Any] | str | bytes, *, timeout: float = 30,
             env: dict[str, str] | None = None, agent: str | None = None,
             ) -> subprocess.CompletedProcess[bytes]:
        """Run `git-sess hook` as Claude Code would (or `--agent AGENT`, as that
        agent's settings do): payload JSON on stdin."""
        data: bytes
        if isinstance(payload, dict):
            data = json.dumps(payload).encode()
        elif isinstance(payload, str):
            data = payload.encode()
        else:
            data = payload
        args = ["hook", "--agent", agent] if agent else ["hook"]
        return subprocess.run([*SESS, *args], cwd=self.path, input=data,
                              capture_output=True, timeout=timeout, env=_env(env))

    def record(self, payload: dict[str, Any] | str | bytes, *,
               env: dict[str, str] | None = None, agent: str | None = None,
               ) -> subprocess.CompletedProcess[bytes]:
        """Record one hook payload in-process, as set-up for a test that is not
        about the hook process: the same entry point, payload and repository
        as `hook`, without an interpreter start (~0.3 s each on a loaded
        machine). Tests about the process itself use `hook`."""
        return record_hook(self.path, payload, env=env, agent=agent)

    def setup(self, *args: str, env: dict[str, str] | None = None,
              ) -> subprocess.CompletedProcess[str]:
        """`git sess ARGS` in-process, checked: for set-up steps (an install
        before the handoff under test) that are not what the test is about.
        The command under test runs as a process, through `sess`."""
        return sess_in_process(*args, cwd=self.path, env=env)

    def refs(self, prefix: str = "") -> dict[str, str]:
        out = self.git("for-each-ref", "--format=%(refname) %(objectname)").stdout
        pairs = (line.split(" ", 1) for line in out.splitlines() if line)
        return {name: oid for name, oid in pairs if name.startswith(prefix)}

    def commit(self, message: str = "work", files: dict[str, str] | None = None) -> str:
        for name, text in (files or {}).items():
            p = self.path / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
            self.git("add", name)
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").stdout.strip()


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    env = dict(os.environ)
    if extra:
        env.update(extra)
    return env


@contextlib.contextmanager
def _environ(extra: dict[str, str] | None, cwd: Path) -> Iterator[None]:
    """os.environ plus `extra`, in `cwd`, restored after (contextlib.chdir is 3.11+)."""
    saved, here = dict(os.environ), os.getcwd()
    os.environ.update(extra or {})
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(here)
        os.environ.clear()
        os.environ.update(saved)


_RECORDING = threading.Lock()


def record_hook(cwd: Path, payload: dict[str, Any] | str | bytes, *,
                env: dict[str, str] | None = None, agent: str | None = None,
                ) -> subprocess.CompletedProcess[bytes]:
    """What `git-sess hook [--agent AGENT]` does with `payload` on stdin, run
    in this process with cwd and environment as the process would have them.
    The one place that knows the hook's in-process entry point."""
    from gitsess.commands import hook

    data = json.dumps(payload).encode() if isinstance(payload, dict) else (
        payload.encode() if isinstance(payload, str) else payload)
    out, err = io.StringIO(), io.StringIO()
    codes: list[int] = []

    def entry() -> None:
        codes.append(hook.run(agent=agent or "claude", stdin=io.BytesIO(data)))

    # A thread of its own: in the main thread run() arms its SIGALRM
    # watchdog, which ends the whole process (pytest with it) at its limit;
    # elsewhere signal.signal refuses and run() records without one.
    with _RECORDING, _environ(env, cwd), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        worker = threading.Thread(target=entry, name="gitsess-hook")
        worker.start()
        worker.join()
    args = ["git-sess", "hook", *(["--agent", agent] if agent else [])]
    # A hook that raised (run() catches every Exception) left no code: fail loudly.
    return subprocess.CompletedProcess(args, codes[0] if codes else 1,
                                       out.getvalue().encode(), err.getvalue().encode())


def sess_in_process(*args: str, cwd: Path, env: dict[str, str] | None = None,
                    ) -> subprocess.CompletedProcess[str]:
    """`git sess ARGS` through the console script's own entry point, in this
    process; fails the test unless it exits 0."""
    from gitsess.main import main

    out, err = io.StringIO(), io.StringIO()
    with _RECORDING, _environ(env, cwd), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        code = main(list(args))
    if code != 0:
        raise AssertionError(f"git sess {' '.join(args)} failed ({code}):\n"
                             f"{out.getvalue()}\n{err.getvalue()}")
    return subprocess.CompletedProcess(["git-sess", *args], code, out.getvalue(), err.getvalue())


def git(*args: str, cwd: Path, check: bool = True, input: str | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, check=check, capture_output=True,
                          text=True, input=input, env=_env(env))


def sess(*args: str, cwd: Path, check: bool = False, input: str | bytes | None = None,
         env: dict[str, str] | None = None, timeout: float = 60,
         ) -> subprocess.CompletedProcess[str]:
    if isinstance(input, bytes):
        input = input.decode()
    proc = subprocess.run([*SESS, *args], cwd=cwd, capture_output=True, text=True,
                          input=input, env=_env(env), timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"git sess {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


def make_repo(path: Path, *, commit: bool = True) -> Repo:
    path.mkdir(parents=True, exist_ok=True)
    git("init", "-q", "-b", "main", str(path), cwd=path.parent)
    repo = Repo(path)
    if commit:
        (path / "README.md").write_text("hello\n")
        repo.git("add", "README.md")
        repo.git("commit", "-q", "-m", "initial")
    return repo


def payload(event: str, session: str = "s1", **fields: Any) -> dict[str, Any]:
    """A Claude Code hook payload with the common fields filled in."""
    base: dict[str, Any] = {
        "session_id": session,
        "transcript_path": f"/tmp/{session}.jsonl",
        "cwd": "/work/project",
        "permission_mode": "default",
        "hook_event_name": event,
    }
    base.update(fields)
    return base


GEMINI_SESSION = "3f1c9e52-8d4b-4a7e-9c1d-5b2e8f6a7c90"
CURSOR_CONVERSATION = "668320d2-2fd8-4888-b33c-2a466fec86e7"


def gemini_payload(event: str, session: str = GEMINI_SESSION, **fields: Any) -> dict[str, Any]:
    """A Gemini CLI hook payload: the base input of hookEventHandler.createBaseInput
    (session_id, transcript_path, cwd, hook_event_name, timestamp), in its order,
    then the event's own fields."""
    base: dict[str, Any] = {
        "session_id": session,
        "transcript_path": "/home/rosa/.gemini/tmp/5d1f0c/chats/session-2026-11-26T09-00-3f1c9e52.json",
        "cwd": "/work/project",
        "hook_event_name": event,
        "timestamp": "2026-11-26T09:00:00.000Z",
    }
    base.update(fields)
    return base


def cursor_payload(event: str, conversation: str = CURSOR_CONVERSATION,
                   **fields: Any) -> dict[str, Any]:
    """A Cursor hook payload: the common input of cursor.com/docs/hooks
    ("Common schema"), in its order, then the event's own fields."""
    base: dict[str, Any] = {
        "conversation_id": conversation,
        "generation_id": "490b90b7-a2ce-4c2c-bb76-cb77b125df2f",
        "model": "claude-4.5-sonnet-thinking",
        "hook_event_name": event,
        "cursor_version": "2.1.42",
        "workspace_roots": ["/work/project"],
        "user_email": "rosa@example.com",
        "transcript_path": None,
    }
    base.update(fields)
    return base


def fsck(repo: Repo) -> subprocess.CompletedProcess[str]:
    return repo.git("fsck", "--strict", "--no-progress", check=False)


# -- fake secrets (redaction tests) -------------------------------------------
# Assembled at run time so that no test file holds a whole token for a secret
# scanner to trip on. AWS's are its documented example credentials.
AWS_ID = "AKIA" + "IOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
GH_CLASSIC = "ghp_" + "R8xQ2mT5vK9wL3nB7cF1" + "hJ4dS6gA0zY2uE8iO5pW"
GH_FINE = "github_pat_" + "11AB7QX2Y0" + "Zr3kT9mLq8" + "_" + "Wv5" * 27
STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"


def fake_pem(kind: str = "RSA PRIVATE KEY", lines: int = 6, seed: str = "k") -> tuple[str, list[str]]:
    """A private-key-shaped block and its body lines (random bytes, not a key)."""
    import base64
    import hashlib

    body = [
        base64.b64encode(hashlib.sha512(f"{seed}{i}".encode()).digest()[:48]).decode()
        for i in range(lines)
    ]
    return f"-----BEGIN {kind}-----\n" + "\n".join(body) + f"\n-----END {kind}-----\n", body


# -- handoffs as ARCHITECTURE.md stores them (resume, log) ----------------------
# Builds what the handoff command's post-commit writes: a real `git commit`
# with the handoff subject and Sess-* trailers, the record as a note in
# refs/notes/sess (real `git notes`), and refs/sess/h/<op>/<id>.


def handoff_front(*, id: str, operator: str, workstream: str, title: str,
                  phase: str | None, branch: str | None, resume_prompt: str,
                  at: str = "2026-11-26T09:00:00Z") -> dict[str, Any]:
    """A front matter valid against schemas/handoff.json. RT is the hermetic
    user (Rosa Tanaka, conftest): her records carry her email, so that her
    operator id is hers and not taken by someone else (gitsess.handoff.identity)."""
    email = "rosa@example.com" if operator == "RT" else f"{operator.lower()}@example.com"
    return {
        "v": 1, "id": id, "operator": operator, "email": email,
        "title": title, "workstream": workstream, "phase": phase, "branch": branch,
        "commit": None, "started_at": at, "ended_at": at,
        "git": {"commits": 1, "files_changed": 1, "insertions": 1, "deletions": 0,
                "first_commit_at": at, "last_commit_at": at, "range": None},
        "sessions": [{"id": "s1", "agent": "claude-code", "model": None}],
        "telemetry": {"events": 3, "tool_calls": 2, "tools": {"Bash": 2}, "mcp": {},
                      "subagents": 0, "prompts": 1, "failures": 0, "compactions": 0,
                      "active_min_estimate": 1.0, "interruptions_count": 0},
        "invariants": [], "confidence": "M", "resume_prompt": resume_prompt,
    }


def author_env(repo: Repo, operator: str) -> dict[str, str]:
    """The author of a handoff by `operator` (gitsess.handoff.operators checks it): the
    clone's own user when `operator` is the clone's (sess.operator, else RT,
    the hermetic user's initials); anyone else is <op>@example.com."""
    own = repo.git("config", "sess.operator", check=False).stdout.strip() or "RT"
    if operator == own:
        return {}
    return {"GIT_AUTHOR_EMAIL": f"{operator.lower()}@example.com"}


def make_handoff(repo: Repo, id: str, *, operator: str | None = None,
                 workstream: str = "parser", title: str = "Parser work",
                 phase: str | None = "build", summary: str = "Did the work.",
                 resume_prompt: str = "Continue the work.",
                 open_questions: str = "- none", when: str | None = None,
                 note: bool = True, ref: bool = True,
                 sessions: tuple[str, ...] = ("s1",)) -> str:
    """A handoff commit on the current branch, its note and its ref. Returns the commit.

    `when` (e.g. "2026-11-26T08:00:00+00:00") sets the commit's dates;
    note=False / ref=False leave out the note or the ref.
    """
    from gitsess.handoff import record

    operator = operator or id.rsplit("-", 2)[0]
    branch = repo.git("branch", "--show-current").stdout.strip() or None
    sections = {"Summary": summary, "What I Did": "- things", "Decisions Made": "- none",
                "For Future Me": "-", "Learnings": "-", "Open Questions": open_questions,
                "Resume Prompt": resume_prompt}
    front = handoff_front(id=id, operator=operator, workstream=workstream, title=title,
                          phase=phase, branch=branch, resume_prompt=resume_prompt)
    rec = record.Record(front, sections)
    problems = record.validate(rec)
    assert not problems, problems
    trailers = [f"Sess-Id: {id}", f"Sess-Operator: {operator}", f"Sess-Workstream: {workstream}"]
    if phase:
        trailers.append(f"Sess-Phase: {phase}")
    trailers += [f"Sess-Session: {s}" for s in sessions]
    message = (f"handoff({workstream}): {title}\n\n{record.render_body(sections)}\n"
               + "\n".join(trailers) + "\n")
    env = {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when} if when else {}
    # A peer's handoff is authored by the peer (gitsess.handoff.operators checks it).
    commit_env = {**env, **author_env(repo, operator)}
    repo.git("commit", "-q", "--allow-empty", "--cleanup=verbatim", "-F", "-",
             input=message, env=commit_env or None)
    oid = repo.git("rev-parse", "HEAD").stdout.strip()
    if note:
        repo.git("notes", "--ref=sess", "add", "-F", "-", oid, input=record.render(rec),
                 env=env or None)
    if ref:
        repo.git("update-ref", f"refs/sess/h/{operator}/{id}", oid)
    return oid


SESS_FETCH_REFSPECS = (
    "+refs/sess/live/*:refs/sess/remotes/{remote}/live/*",
    "+refs/sess/done/*:refs/sess/remotes/{remote}/done/*",
    "+refs/sess/h/*:refs/sess/remotes/{remote}/h/*",
    "+refs/notes/sess:refs/sess/remotes/{remote}/notes",
)


def fetch_sess(repo: Repo, remote: str = "origin", *, prune: bool = False) -> None:
    """Fetch branches and every refs/sess namespace the way sync's refspecs do."""
    specs = [s.format(remote=remote) for s in SESS_FETCH_REFSPECS]
    # A refspec without a glob must match: leave the notes out until they exist.
    if not repo.git("ls-remote", remote, "refs/notes/sess").stdout.strip():
        specs = [s for s in specs if not s.startswith("+refs/notes/")]
    args = ["fetch", "-q", *(["--prune"] if prune else []), remote,
            f"+refs/heads/*:refs/remotes/{remote}/*", *specs]
    repo.git(*args)


def push_sess(repo: Repo, remote: str = "origin", *branches: str) -> None:
    """Push branches, the handoff and telemetry refs and the notes."""
    repo.git("push", "-q", remote, *branches, "refs/sess/h/*:refs/sess/h/*",
             "refs/notes/sess:refs/notes/sess")


# -- damaged refs (read-side robustness) -----------------------------------------


def write_live_ref(repo: Repo, session: str, files: dict[str, bytes] | None = None, *,
                   blob: bool = False, prefix: str = "refs/sess/live/") -> str:
    """A telemetry ref built by hand, as a broken or hostile peer could push it:
    a commit whose tree holds `files`, or (blob=True) a bare blob. Returns the oid."""
    if blob:
        oid = repo.git("hash-object", "-w", "--stdin", input="not a commit\n").stdout.strip()
    else:
        lines = []
        for name, data in (files or {}).items():
            b = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=repo.path,
                               input=data, capture_output=True, check=True).stdout.decode().strip()
            lines.append(f"100644 blob {b}\t{name}\n")
        tree = repo.git("mktree", input="".join(lines)).stdout.strip()
        oid = repo.git("commit-tree", "-m", "event", tree).stdout.strip()
    repo.git("update-ref", prefix + session, oid)
    return oid


def many_handoffs(repo: Repo, n: int, *, resume_prompt: str, operator: str = "RT",
                  start: int = 1_790_000_000) -> None:
    """`n` handoffs, each in a workstream of its own, with notes and refs, in one
    `git fast-import` (make_handoff costs three git processes a handoff)."""
    from gitsess.handoff import record

    out: list[bytes] = []

    def data(text: str) -> None:
        b = text.encode()
        out.append(f"data {len(b)}\n".encode() + b + b"\n")

    parent = repo.git("rev-parse", "HEAD").stdout.strip()
    # Authored by the operator (gitsess.handoff.operators checks it), as make_handoff's are.
    email = author_env(repo, operator).get("GIT_AUTHOR_EMAIL", "rosa@example.com")
    notes: list[tuple[int, str]] = []
    for i in range(1, n + 1):
        hid, ws = f"{operator}-261126-{i:02d}", f"ws-{i:04d}-" + "x" * 40
        sections = {"Summary": f"Summary {i}.", "Open Questions": "- " + "why " * 80,
                    "Resume Prompt": resume_prompt}
        front = handoff_front(id=hid, operator=operator, workstream=ws, title=f"Step {i}",
                              phase=None, branch="main", resume_prompt=resume_prompt)
        out.append(f"commit refs/heads/main\nmark :{i}\n"
                   f"author R <{email}> {start + i} +0000\n"
                   f"committer R <r@x> {start + i} +0000\n".encode())
        data(f"handoff({ws}): Step {i}\n\n{record.render_body(sections)}\n"
             f"Sess-Id: {hid}\nSess-Operator: {operator}\nSess-Workstream: {ws}\n")
        out.append(f"from {parent}\n".encode() if i == 1 else f"from :{i - 1}\n".encode())
        out.append(f"reset refs/sess/h/{operator}/{hid}\nfrom :{i}\n".encode())
        notes.append((i, record.render(record.Record(front, sections))))
    out.append(f"commit refs/notes/sess\ncommitter R <r@x> {start + n + 1} +0000\n".encode())
    data("notes")
    for mark, text in notes:
        out.append(f"N inline :{mark}\n".encode())
        data(text)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo.path, input=b"".join(out),
                   check=True, capture_output=True)
    repo.git("reset", "-q", "--hard")


# run-tests builds a git with the reftable backend here when the machine's is
# older than 2.45 (tests/tools/build-git).
BUILT_GIT = Path(__file__).resolve().parents[1] / ".venv" / "git" / "bin"
_REFTABLE: dict[str, str | None] = {}


def _reftable_dir() -> str | None:
    """PATH's git when it can make a reftable repository, else the built one; None: neither."""
    if "dir" not in _REFTABLE:
        import tempfile

        found = None
        for bindir in ("", str(BUILT_GIT)):
            exe = os.path.join(bindir, "git") if bindir else "git"
            with tempfile.TemporaryDirectory() as tmp:
                try:
                    proc = subprocess.run([exe, "init", "-q", "--ref-format=reftable", tmp],
                                          capture_output=True, check=False)
                except OSError:
                    continue
            if proc.returncode == 0:
                found = bindir
                break
        _REFTABLE["dir"] = found
    return _REFTABLE["dir"]


def use_reftable_git(monkeypatch: Any) -> None:
    """Run this test's git (and the hooks' and gitsess's) with a git that has the
    reftable ref backend, first on PATH; skip, saying why, when there is none."""
    import pytest

    found = _reftable_dir()
    if found is None:
        version = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout
        why = (f"{version.strip()} has no --ref-format=reftable (git 2.45 or later), and no git"
               " was built into .venv/git (./run-tests does: tests/tools/build-git)")
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(why)  # under CI a skipped acceptance test would pass unseen
        pytest.skip(why)
    if found:
        monkeypatch.setenv("PATH", f"{found}{os.pathsep}{os.environ.get('PATH', '')}")
