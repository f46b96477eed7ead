"""The `git sess` command line. The only module that imports click.

Each callback unpacks its options, opens the repository once, calls
`gitsess.commands.<name>.run(...)` and returns its exit code. Errors become
`error: …` / `hint: …` lines and an ExitCode; never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from gitsess import __version__, errors
from gitsess.errors import ExitCode
from gitsess.store import Store

if TYPE_CHECKING:  # the page's module is imported only by the command that makes it
    from gitsess.ui import manpage as manpage_doc

F = TypeVar("F", bound=Callable[..., Any])


def _store() -> Store:
    return Store.discover(".")


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON (see schemas/).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="git-sess")
@click.option("--no-color", is_flag=True,
              help="No colour, even on a terminal (NO_COLOR=1 in the environment too).")
def cli(no_color: bool) -> None:
    """gitsess: the working memory of AI-assisted development, kept in git.

    Agent telemetry goes into refs/sess/, handoffs into commits checked by
    git's own hooks, and `git sess resume` reads it all back from git alone.
    """
    from gitsess.ui import colour as ui

    # Colour only on a terminal (ui checks each stream), through click.
    ui.configure(click.style, no_color=no_color)


@cli.command()
@click.option("--agent", default="claude", show_default=True,
              help="Which agent sends the payload: claude, gemini, cursor, codex, copilot,"
                   " qwen or droid.")
def hook(agent: str) -> int:
    """Record one agent hook event (JSON on stdin). Always exits 0.

    Wire it into the agent with `git sess install`. Tool inputs, tool outputs
    and prompt text are never stored.
    """
    from gitsess.commands import hook as cmd

    return cmd.run(agent=agent)


@cli.command()
@json_option
@click.option("--all", "include_done", is_flag=True, help="Include handed-off sessions.")
@click.option("--reconcile", is_flag=True,
              help="Also read each session's transcript: tokens, models, and where the hooks "
                   "and the transcript disagree.")
def status(as_json: bool, include_done: bool, reconcile: bool) -> int:
    """List live agent sessions and their counters, newest first."""
    from gitsess.commands import status as cmd

    return cmd.run(store=_store(), as_json=as_json, include_done=include_done,
                   reconcile=reconcile)


@cli.command(short_help="Replay a demo agent session in a throwaway repository.")
@click.option("--keep", is_flag=True, help="Keep the throwaway repository and print its path.")
@click.option("--dir", "directory", type=click.Path(file_okay=False), help="Build the demo here.")
def demo(keep: bool, directory: str | None) -> int:
    """Replay a realistic Claude Code session into a throwaway repository."""
    from gitsess.commands import demo as cmd

    return cmd.run(keep=keep, directory=directory)


@cli.command(hidden=True, context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def githook(name: str, args: tuple[str, ...]) -> int:
    """Run gitsess's side of git hook NAME (called by the shims in githooks/)."""
    from gitsess.commands import githook as cmd

    return cmd.run(store=_store(), name=name, args=list(args))


@cli.command(short_help="Install the git hooks and config (and agent hooks).")
@click.option("--agent", type=click.Choice(["claude", "gemini", "cursor", "codex", "copilot",
                                            "qwen", "droid"]),
              help="Also wire this agent's hooks (.claude/settings.json,"
                   " .gemini/settings.json, .cursor/hooks.json, .codex/hooks.json,"
                   " .github/hooks/gitsess.json, .qwen/settings.json, .factory/settings.json).")
@click.option("--local", is_flag=True,
              help="Claude Code's (or Droid's) settings go to settings.local.json (not committed).")
@click.option("--into-committed-hooks", "into_committed", is_flag=True,
              help="Add one line that runs gitsess's hooks to each committed hook script"
                   " (husky, a committed core.hooksPath); commit them for the team.")
def install(agent: str | None, local: bool, into_committed: bool) -> int:
    """Install gitsess's git hooks, git config and (--agent) agent settings.

    Existing hooks are chained, never overwritten; running it again changes
    nothing. Linked worktrees share the install.
    """
    from gitsess.commands import install as cmd

    return cmd.run(store=_store(), agent=agent, local=local, into_committed=into_committed)


@cli.command(short_help="Remove exactly what install added.")
def uninstall() -> int:
    """Remove only what install added; chained hooks and settings come back byte for byte.

    Run in any worktree: the hooks are shared, and the agent settings install
    merged into every worktree (main and linked) come out too.
    """
    from gitsess.commands import uninstall as cmd

    return cmd.run(store=_store())


@cli.command()
@json_option
def whoami(as_json: bool) -> int:
    """Print the operator id, the email, and how the id was found."""
    from gitsess.commands import whoami as cmd

    return cmd.run(store=_store(), as_json=as_json)


@cli.command(short_help="Your last handoff, workstreams and peers' activity.")
@json_option
@click.option("--operator", metavar="OP", help="Resume as this operator instead of you.")
@click.option("--since", metavar="DURATION", help="Only handoffs and activity this recent (2h, 7d).")
@click.option("--all", "show_all", is_flag=True,
              help="Show every workstream and peer, the prompt and summary whole and long "
                   "names uncut (the text is otherwise bounded for a terminal; --json never is).")
def resume(as_json: bool, operator: str | None, since: str | None, show_all: bool) -> int:
    """Your last handoff, your and your peers' workstreams, who did what lately.

    The text fits a terminal: long lists and text are cut, and each cut says
    how much it left out; --all shows everything.
    """
    from gitsess.commands import resume as cmd

    return cmd.run(store=_store(), as_json=as_json, operator=operator, since=since,
                   show_all=show_all)


@cli.command(name="log")
@json_option
@click.option("--operator", metavar="OP", help="Only this operator's handoffs.")
@click.option("--workstream", metavar="W", help="Only this workstream's handoffs.")
@click.option("-n", "limit", type=click.IntRange(min=0), metavar="N", help="At most N handoffs.")
@click.option("--since", metavar="DURATION", help="Only handoffs this recent (2h, 7d).")
def log_(as_json: bool, operator: str | None, workstream: str | None, limit: int | None,
         since: str | None) -> int:
    """One line per handoff across branches and remotes, newest first."""
    from gitsess.commands import log as cmd

    return cmd.run(store=_store(), as_json=as_json, operator=operator, workstream=workstream,
                   limit=limit, since=since)


@cli.command(short_help="The team's view: handoffs, sessions, tools, failures, invariants.")
@json_option
@click.option("--html", "html_file", metavar="FILE",
              help="Write one self-contained HTML page (charts, no script, no network) to FILE.")
@click.option("--since", metavar="DURATION", help="Only what happened this recently (2h, 7d).")
@click.option("--range", "rng", metavar="A..B", help="Only handoffs on commits of B not in A.")
@click.option("--branch", metavar="NAME",
              help="Only handoffs reachable from NAME and sessions started on it.")
@click.option("--operator", metavar="OP", help="Only this operator's handoffs and sessions.")
@click.option("--workstream", metavar="W", help="Only this workstream's handoffs and sessions.")
def report(as_json: bool, html_file: str | None, since: str | None, rng: str | None,
           branch: str | None, operator: str | None, workstream: str | None) -> int:
    """What the team did, offline, from refs alone: handoffs and sessions per
    operator and workstream, tool and MCP calls, failures, subagents, tokens
    (once recorded), invariant verdicts, branches touched, and what is new
    since you last ran it (kept in local git config as sess.reportSeen; only
    the text view updates it).

    Exit status: 0 on success, 1 when the page cannot be written, 2 on bad
    options (an unknown revision, branch or operator, a bad duration).
    """
    from gitsess.commands import report as cmd

    return cmd.run(store=_store(), as_json=as_json, html_file=html_file, since=since, rng=rng,
                   branch=branch, operator=operator, workstream=workstream)


@cli.command(name="import", short_help="Import legacy session documents as handoffs.")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--operator", metavar="OP", help="Operator for documents that name none.")
@click.option("--dry-run", is_flag=True, help="Report what would be imported; write nothing.")
@json_option
def import_(directory: str, operator: str | None, dry_run: bool, as_json: bool) -> int:
    """Import legacy session documents (CONV-*.md, <OP>-YYMMDD-NN.md) as handoffs.

    DIR may be the repository, its docs/sessions folder or any folder. A
    second run imports nothing new. Exits 1 when some document is invalid.
    """
    from gitsess.commands import import_ as cmd

    return cmd.run(store=_store(), directory=directory, operator=operator, dry_run=dry_run,
                   as_json=as_json)


@cli.command(short_help="Exchange sessions and records with a remote.")
@click.argument("remote", required=False)
def sync(remote: str | None) -> int:
    """Fetch peers' sessions and records from REMOTE, merge the notes, push yours.

    Never forced: a rejected push is answered by fetch, merge and retry.
    REMOTE defaults to the branch's upstream remote, else origin.
    """
    from gitsess.commands import sync as cmd

    return cmd.run(store=_store(), remote=remote)


@cli.command(short_help="Push branches with their own records, all or nothing.")
@json_option
@click.argument("remote", required=False)
@click.argument("refspecs", nargs=-1, metavar="[REFSPEC]...")
def push(as_json: bool, remote: str | None, refspecs: tuple[str, ...]) -> int:
    """Push branches to REMOTE with their own records (handoff refs, notes,
    sessions) in one atomic push, for a server that checks records as they
    arrive (examples/pre-receive; a plain git push sends them after the branch).

    REFSPEC: <branch>[:<remote branch>], never forced; none: the current branch
    to its upstream. REMOTE: the upstream remote, else origin. Records of other
    branches stay here; the pre-push hooks run. Exit 4: refused, nothing pushed.
    """
    from gitsess.commands import push as cmd

    return cmd.run(store=_store(), remote=remote, specs=refspecs, as_json=as_json)


@cli.command(short_help="Check the install and the records; name each fix.")
@json_option
@click.option("--relink", is_flag=True,
              help="Re-attach records to squash-merged commits by their Sess-Id trailers.")
@click.option("--fix", is_flag=True,
              help="Renumber this clone's unpushed handoffs whose id a remote holds for "
                   "another handoff (commit, note and ref); move our handoff refs off "
                   "commits no branch reaches and drop their stale notes.")
def doctor(as_json: bool, relink: bool, fix: bool) -> int:
    """Check the install and the records: hooks that will run, config, stale
    locks, sessions never handed off, handoffs without notes; each finding
    names the command that fixes it. Exits 1 when something needs fixing."""
    from gitsess.commands import doctor as cmd

    return cmd.run(store=_store(), as_json=as_json, relink=relink, fix=fix)


@cli.command(short_help="End a session with a handoff commit.")
@click.option("--file", "-F", "file", metavar="FILE",
              help="The narrative: markdown with one '## <Section>' per section, optional YAML "
                   "front matter (title, workstream, phase, confidence). '-' reads stdin. "
                   "Without it, $EDITOR opens a template (or the kept draft).")
@click.option("--quick", is_flag=True,
              help="A minimal handoff: sections may be empty, no editor without --file.")
@click.option("--title", metavar="TEXT",
              help="The title: the subject's {title} (default subject: handoff(<workstream>): TEXT).")
@click.option("--workstream", metavar="NAME",
              help="Default: sess.workstream, else the current branch.")
@click.option("--phase", metavar="NAME", help="An optional phase, as the Sess-Phase trailer.")
@click.option("--session", "session_ids", multiple=True, metavar="ID",
              help="Cover this agent session (repeatable). Default: this operator's live "
                   "sessions in this worktree.")
@click.option("--changelog", is_flag=True,
              help="Also commit an entry (title, id, summary) at the top of CHANGELOG.md.")
@click.option("--confidence", type=click.Choice(["H", "M", "L"], case_sensitive=False),
              help="How sure you are the next session can pick up from here (default M).")
@click.option("--draft", "use_draft", is_flag=True,
              help="Use the draft kept from a refused attempt as the narrative.")
@click.option("--discard-draft", is_flag=True,
              help="Set the kept draft aside (as SESS_HANDOFF~) and start over.")
@click.option("--repair", metavar="ID|COMMIT", is_flag=False, flag_value="HEAD", default=None,
              help="Redo post-commit (note, handoff ref, live -> done) for a handoff commit "
                   "(default HEAD); idempotent.")
@click.option("--dry-run", is_flag=True, help="Compose and check the record; print it; commit "
                                              "nothing.")
@click.option("--allow-empty", is_flag=True,
              help="Hand off even when no agent session and no commit of yours is covered.")
@click.option("--undo", metavar="ID", is_flag=False, flag_value="", default=None,
              help="Take back your last unpushed handoff (or ID): its commit when it is HEAD "
                   "(its changes stay staged), note and ref; its sessions go back to live.")
@click.option("--context", is_flag=True,
              help="Commit nothing; print what a narrative needs: the window, its commits and "
                   "files, the sessions' telemetry, the invariants' verdicts now, the last "
                   "handoff on the workstream (quoted) and the sections to write.")
@json_option
def handoff(file: str | None, quick: bool, title: str | None, workstream: str | None,
            phase: str | None, session_ids: tuple[str, ...], changelog: bool,
            confidence: str | None, use_draft: bool, discard_draft: bool, repair: str | None,
            dry_run: bool, allow_empty: bool, undo: str | None, context: bool,
            as_json: bool) -> int:
    """Write a handoff: a commit on this branch whose record the commit-msg
    hook checks (schema, policy invariants, sections) and the post-commit hook
    stores (note in refs/notes/sess, ref refs/sess/h/<op>/<id>, sessions'
    telemetry moved to refs/sess/done/).

    A refused handoff commits nothing; its draft stays in the git dir
    (SESS_HANDOFF) and is offered back by the next run. Exit status: 0 done,
    1 refused (each problem is named by its field path), 2 bad usage.
    """
    from gitsess.commands import handoff as cmd

    return cmd.run(store=_store(), file=file, quick=quick, title=title, workstream=workstream,
                   phase=phase, session_ids=session_ids, changelog=changelog,
                   confidence=confidence, use_draft=use_draft, discard_draft=discard_draft,
                   repair=repair, dry_run=dry_run, as_json=as_json, allow_empty=allow_empty,
                   undo=undo, context=context)


@cli.command(short_help="Check a range's handoffs again, as CI or a server would.")
@click.argument("rng", metavar="[RANGE]", required=False)
@click.option("--remote", help="The remote to compare with and fetch from (default: origin, "
              "else the only one).")
@click.option("--no-fetch", is_flag=True, help="Never fetch; check with the refs here.")
@click.option("--pre-receive", is_flag=True,
              help="Read a pre-receive hook's stdin and check what the push brings "
                   "(examples/pre-receive).")
@json_option
def verify(rng: str | None, remote: str | None, no_fetch: bool, pre_receive: bool,
           as_json: bool) -> int:
    """Check every handoff commit in RANGE again: its note against the commit
    and the telemetry that was pushed, the policy (.gitsess.yaml) at that
    commit and its invariants; and, where the policy asks, AI disclosure
    (Assisted-by) on every commit.

    RANGE is A..B or one commit (everything it reaches). Default: the
    commits the remote's default branch lacks, HEAD less <remote>/HEAD (else
    <remote>/main, else <remote>/master). Session refs and notes are fetched
    from the remote first when this clone has none (never forced).

    One line per finding, `<commit> <finding>`. Exit status: 0 when nothing
    is wrong (warnings aside), 1 when a finding is, 2 bad usage.
    --json: schemas/verify.json.
    """
    from gitsess.commands import verify as cmd

    return cmd.run(store=_store(), rng=rng, remote=remote, fetch=not no_fetch,
                   pre_receive=pre_receive, as_json=as_json)


@cli.command(short_help="Print one handoff record, by id or commit.")
@click.argument("what", metavar="ID|COMMIT")
@json_option
def show(what: str, as_json: bool) -> int:
    """Print one handoff record (YAML front matter + sections), by id or commit.

    The record is the note on the handoff commit; without one it is read from
    the commit message (and says so on stderr). --json: schemas/show.json.
    """
    from gitsess.commands import show as cmd

    return cmd.run(store=_store(), what=what, as_json=as_json)


@cli.command(short_help="Print the git-sess(1) man page (roff), or write it.")
@click.option("--output", "-o", metavar="PATH",
              help="Write the page to PATH (replaced only when its text changed) "
                   "instead of stdout.")
def manpage(output: str | None) -> int:
    """Print the git-sess(1) man page in roff, made from this help, or write it to PATH.

    install.sh writes it beside the bin directory it links git-sess into
    (~/.local/share/man/man1/git-sess.1), where man finds it from PATH, so
    that `git sess --help`, for which git runs `man git-sess`, shows it.
    """
    from gitsess.commands import manpage as cmd

    return cmd.run(program=_manpage_program(), output=output)


def _manpage_program() -> manpage_doc.Program:
    """The command tree as `-h` prints it: usage, help, option records."""
    from gitsess.ui import manpage as manpage_doc

    root = click.Context(cli, info_name="git sess", **cli.context_settings)

    def options(ctx: click.Context, *, with_help: bool) -> tuple[manpage_doc.Option, ...]:
        records = []
        for param in ctx.command.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:  # an argument, or a hidden option
                continue
            if not with_help and set(param.opts) <= set(ctx.help_option_names):
                continue  # -h, --help: the page says once that every command has it
            records.append(manpage_doc.Option(*record))
        return tuple(records)

    commands = []
    for name in cli.list_commands(root):
        command = cli.get_command(root, name)
        if command is None or command.hidden:
            continue
        ctx = click.Context(command, info_name=name, parent=root, **command.context_settings)
        commands.append(manpage_doc.Command(
            name=name, usage=" ".join(command.collect_usage_pieces(ctx)),
            help=command.help or "", options=options(ctx, with_help=False)))
    return manpage_doc.Program(
        name="git sess", version=__version__, usage=" ".join(cli.collect_usage_pieces(root)),
        help=cli.help or "", options=options(root, with_help=True), commands=tuple(commands),
        exit_status=tuple((int(code), text) for code, text in errors.EXIT_STATUS.items()))


def main(argv: list[str] | None = None) -> int:
    return errors.handle(lambda: _main(argv))


def _main(argv: list[str] | None) -> int:
    """click's own exceptions in git's voice; errors.handle does the rest."""
    try:
        rv = cli.main(args=argv, prog_name="git sess", standalone_mode=False)
    except click.exceptions.Abort:
        print("error: aborted", file=sys.stderr)
        return int(ExitCode.FAILURE)
    except click.exceptions.NoArgsIsHelpError as exc:  # bare `git sess`: the command list
        print(exc.ctx.get_help() if exc.ctx else exc.format_message(), file=sys.stderr)
        return int(ExitCode.USAGE)
    except click.UsageError as exc:  # in git's voice, as every other error
        command = exc.ctx.command_path if exc.ctx else "git sess"
        print(f"error: {_sentence(exc.format_message())}", file=sys.stderr)
        print(f"hint: see '{command} -h'", file=sys.stderr)
        return int(ExitCode.USAGE)
    except click.ClickException as exc:
        print(f"error: {_sentence(exc.format_message())}", file=sys.stderr)
        return int(ExitCode.USAGE)
    return int(rv) if isinstance(rv, int) else 0


def _sentence(message: str) -> str:
    """click's "No such option '--x'." as git says it: lower case, no full stop, one line."""
    text = " ".join(message.split()).rstrip(".")
    return text[:1].lower() + text[1:]

