"""git-sess(1) from the click tree: every command and option of `-h`, and roff
that groff (or man) renders without a warning, whatever the help text holds."""

from __future__ import annotations

import inspect
import re
import shutil
import subprocess
from pathlib import Path

import click
import pytest

from gitsess import __version__
from gitsess.cli import _manpage_program, cli
from gitsess.errors import EXIT_STATUS, ExitCode
from gitsess.ui import manpage

ESCAPES = {"e": "\\", "-": "-", "&": "", "(aq": "'", "(ga": "`", "(dq": '"',
           "fB": "", "fI": "", "fR": "", "fP": ""}


def plain(roff: str) -> str:
    """A roff text line as it prints: escapes resolved, fonts dropped."""
    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        return chr(int(code[2:-1], 16)) if code.startswith("[u") else ESCAPES[code]
    return re.sub(r"\\(e|-|&|f[BIRP]|\(..|\[u[0-9A-F]+\])", one, roff)


def norm(text: str) -> str:
    return " ".join(text.replace("`", "").split())


def sections(page: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    current = ""
    for line in page.splitlines():
        if line.startswith(".SH "):
            current = line[4:].strip('"')
            out[current] = []
        elif current:
            out[current].append(line)
    return out


def blocks(lines: list[str]) -> tuple[str, list[tuple[str, str]]]:
    """Lines of one command (or OPTIONS): its paragraphs' text, its .TP items."""
    paragraphs: list[str] = []
    items: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        if lines[i] == ".TP":
            label, i = plain(lines[i + 1]), i + 2
            text = []
            while i < len(lines) and not lines[i].startswith("."):
                text.append(plain(lines[i]))
                i += 1
            items.append((label, " ".join(text)))
        else:
            if not lines[i].startswith("."):
                paragraphs.append(plain(lines[i]))
            i += 1
    return " ".join(paragraphs), items


def click_tree() -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    """(name, usage, help, option records) of every visible command, as -h prints them."""
    root = click.Context(cli, info_name="git sess", **cli.context_settings)
    tree = []
    for name in sorted(cli.commands):
        cmd = cli.commands[name]
        if cmd.hidden:
            continue
        ctx = click.Context(cmd, info_name=name, parent=root, **cmd.context_settings)
        help_option = cmd.get_help_option(ctx)
        records = [r for p in cmd.get_params(ctx)
                   if help_option is None or p.opts != help_option.opts
                   if (r := p.get_help_record(ctx)) is not None]
        tree.append((name, " ".join(cmd.collect_usage_pieces(ctx)),
                     inspect.cleandoc(cmd.help or ""), records))
    return tree


@pytest.fixture(scope="module")
def page() -> str:
    return manpage.render(_manpage_program())


def test_every_command_and_option_is_on_the_page(page: str) -> None:
    tree = click_tree()
    assert {name for name, *_ in tree} >= {"handoff", "resume", "status", "manpage"}
    commands = "\n".join(["", *sections(page)["COMMANDS"]]).split("\n.SS ")[1:]
    assert len(commands) == len(tree)
    for (name, usage, help_text, records), text in zip(tree, commands, strict=True):
        heading, *body = text.splitlines()
        assert plain(heading) == f'"git sess {name} {usage}"'
        prose, items = blocks(body)
        assert norm(prose) == norm(help_text), name
        assert [(label, norm(h)) for label, h in items] == [
            (names, norm(h)) for names, h in records], name
    synopsis = [plain(line) for line in sections(page)["SYNOPSIS"]]
    for name, usage, *_ in tree:
        assert f"git sess {name} {usage}" in synopsis


def test_the_program_s_own_options_and_help(page: str) -> None:
    sect = sections(page)
    _, items = blocks(sect["OPTIONS"])
    ctx = click.Context(cli, info_name="git sess", **cli.context_settings)
    assert items == [r for p in cli.get_params(ctx) if (r := p.get_help_record(ctx))]
    assert [label for label, _ in items] == ["--version", "--no-color", "-h, --help"]
    prose, _ = blocks(sect["DESCRIPTION"])
    assert norm(inspect.cleandoc(cli.help or "")) in norm(prose)
    assert plain(sect["NAME"][0]).startswith("git-sess - the working memory")
    assert f'"gitsess {__version__}"' in page.splitlines()[1]
    assert list(sect) == ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS",
                          "EXIT STATUS", "ENVIRONMENT", "FILES", "SEE ALSO"]
    assert "GITSESS_DEBUG" in "\n".join(sect["ENVIRONMENT"])
    see_also = plain(" ".join(sect["SEE ALSO"]))
    assert "git-notes (1)" in see_also and "githooks (5)" in see_also


def test_every_exit_code_is_documented(page: str) -> None:
    assert set(EXIT_STATUS) == set(ExitCode)
    _, items = blocks(sections(page)["EXIT STATUS"])
    assert [int(label) for label, _ in items] == [*map(int, ExitCode), 130]


def test_the_page_is_the_same_every_time(page: str) -> None:
    """No date in .TH: install.sh rewrites the page only when the help changed."""
    assert manpage.render(_manpage_program()) == page
    assert page.splitlines()[0] == manpage.SIGNATURE


def test_only_macros_start_a_line(page: str) -> None:
    known = {".TH", ".SH", ".SS", ".PP", ".TP", ".nf", ".fi", ".BR", '.\\"'}
    for line in page.splitlines():
        if line[:1] in (".", "'"):
            assert line.split()[0] in known, line


# Help text that roff would misread if it were not escaped.
TRICKY = manpage.Program(
    name="git sess", version="9.9", usage="[OPTIONS] COMMAND [ARGS]...",
    help="gitsess: tricky help.\n\n.hidden is a file; 'quoted' at a line start\n"
         "a back\\slash, \\fB not bold, `code`, naïve → arrows, \"quotes\"\n\n"
         "\b\n  kept  as\n    written",
    options=(manpage.Option("-x, --ex WHAT", ".starts with a dot"),),
    commands=(manpage.Command(name="odd", usage="[OPTIONS] A|B",
                              help="'One' \\ two.\n\n.three", options=()),),
)


def render_text(roff: str, tmp_path: Path) -> tuple[str, str]:
    """The page as man prints it, and the formatter's warnings."""
    src = tmp_path / "page.1"
    src.write_text(roff)
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "LC_ALL": "C.UTF-8", "MANWIDTH": "200",
           "MAN_KEEP_FORMATTING": ""}
    if shutil.which("groff"):
        proc = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-rLL=200n", str(src)],
                              capture_output=True, text=True, env=env)
        text = re.sub(r".\x08", "", proc.stdout)
        text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    elif shutil.which("man"):
        proc = subprocess.run(["man", "--warnings=w", "-l", str(src)], capture_output=True,
                              text=True, env={**env, "MANPAGER": "cat", "PAGER": "cat"})
        text = proc.stdout
    else:
        pytest.skip("neither groff nor man is installed: the roff is checked by its own "
                    "assertions only")
    assert proc.returncode == 0, proc.stderr
    return text, proc.stderr


def test_the_page_renders_without_warnings(page: str, tmp_path: Path) -> None:
    text, warnings = render_text(page, tmp_path)
    assert warnings == ""
    assert "NAME" in text and "git sess handoff [OPTIONS]" in text
    assert "-F, --file FILE" in text


def test_tricky_help_prints_as_written(tmp_path: Path) -> None:
    roff = manpage.render(TRICKY)
    for line in roff.splitlines():
        assert not line.startswith(("'", ".hidden", ".starts", ".three")), line
    text, warnings = render_text(roff, tmp_path)
    assert warnings == ""
    flat = " ".join(text.split())
    for phrase in (".hidden is a file; 'quoted' at a line start", "a back\\slash, \\fB not bold",
                   "code,", "naïve → arrows", '"quotes"', ".starts with a dot", "'One' \\ two.",
                   ".three", "-x, --ex WHAT", "git sess odd [OPTIONS] A|B"):
        assert phrase in flat, phrase
    assert "  kept  as\n" in text and "    written" in text  # \b: as written, not refilled
