"""The import rules of ARCHITECTURE.md's module map, read from the code's own imports.

Every `import gitsess...` and `from gitsess... import ...` counts, at module
level or inside a function (the lazy imports the hook uses to stay fast), and
so does `importlib.import_module("gitsess...")` with a literal name. A module
may import its own package and any layer below its own; never a layer above,
and never a sibling on its own level.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import gitsess

ROOT = Path(gitsess.__file__).parent

# Layer of each top-level module or package, bottom first. Equal numbers are
# siblings: neither may import the other.
LAYERS = {
    "refs": 0, "ui": 0, "data": 0,
    "errors": 1,
    "store": 2,
    "telemetry": 3,
    "agents": 4, "transcripts": 4,
    "handoff": 5,
    "resume": 6, "sync": 6, "report": 6, "verify": 6,
    "setup": 7,
    "commands": 8,
    "cli": 9,
    "main": 10,
    "__init__": 0,
}
# Pairs the packages' own rules forbid beyond the layers: a handoff is about
# git and telemetry, never about one agent's payloads or settings.
FORBIDDEN = {("handoff", "agents")}
TOP_LEVEL_MODULES = 6
MAX_MODULE_LINES = 450
MAX_CLASS_LINES = 250


def _unit(module: str) -> str:
    """'gitsess.handoff.compose' -> 'handoff'; 'gitsess' -> '__init__'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _source_unit(path: Path, root: Path) -> str:
    return path.relative_to(root).with_suffix("").parts[0]


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported gitsess module) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("gitsess")]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.level:
                raise AssertionError(f"{path}:{node.lineno}: relative import; spell it gitsess.…")
            if node.module == "gitsess":
                found += [(node.lineno, f"gitsess.{a.name}") for a in node.names]
            elif node.module.startswith("gitsess."):
                found.append((node.lineno, node.module))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and node.args[0].value.startswith("gitsess")):
            found.append((node.lineno, node.args[0].value))
    return found


def violations(root: Path = ROOT) -> list[str]:
    out = []
    for path in sorted(root.rglob("*.py")):
        here = _source_unit(path, root)
        if here not in LAYERS:
            out.append(f"{path.relative_to(root)}: {here} has no layer in LAYERS")
            continue
        for line, module in imports(path):
            there = _unit(module)
            if there == "__version__" or module == "gitsess":
                continue
            if there not in LAYERS:
                out.append(f"{path.relative_to(root)}:{line}: imports {module}, which has no layer")
            elif (here, there) in FORBIDDEN:
                out.append(f"{path.relative_to(root)}:{line}: {here} may not import {module}")
            elif there != here and LAYERS[there] >= LAYERS[here]:
                out.append(f"{path.relative_to(root)}:{line}: {here} (layer {LAYERS[here]}) "
                           f"imports {module} (layer {LAYERS[there]})")
    return out


def test_imports_go_down_the_layers() -> None:
    assert violations() == []


def test_the_rule_catches_an_upward_import(tmp_path: Path) -> None:
    """The checker itself fails on a broken rule, lazy imports included."""
    pkg = tmp_path / "gitsess"
    (pkg / "store").mkdir(parents=True)
    (pkg / "handoff").mkdir()
    (pkg / "store" / "repo.py").write_text(
        "def f():\n    from gitsess.handoff import record\n    return record\n")
    (pkg / "handoff" / "record.py").write_text(
        "import importlib\nx = importlib.import_module('gitsess.resume.view')\n")
    (pkg / "handoff" / "hooks.py").write_text("from gitsess.agents import claude\n")
    (pkg / "resume").mkdir()
    (pkg / "resume" / "view.py").write_text("from gitsess import sync\n")
    found = violations(pkg)
    assert any("store/repo.py:2" in v and "gitsess.handoff" in v for v in found), found
    assert any("handoff/record.py:2" in v and "gitsess.resume.view" in v for v in found), found
    assert any("resume/view.py:1" in v and "gitsess.sync" in v for v in found), found  # sibling
    assert any("handoff/hooks.py:1" in v and "gitsess.agents" in v for v in found), found


def test_only_store_imports_pygit2() -> None:
    users = sorted(str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py")
                   if any(isinstance(n, (ast.Import, ast.ImportFrom)) and (
                       (isinstance(n, ast.ImportFrom) and (n.module or "").startswith("pygit2"))
                       or (isinstance(n, ast.Import) and any(a.name.startswith("pygit2")
                                                             for a in n.names)))
                          for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))))
    assert users and all(u.startswith("store/") for u in users), users


def test_only_cli_imports_click() -> None:
    users = sorted(str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py")
                   if "import click" in p.read_text(encoding="utf-8")
                   or "from click" in p.read_text(encoding="utf-8"))
    assert users == ["cli.py"], users


def test_no_git_command_line_outside_store() -> None:
    """run_git and subprocess belong to store/ (its named git operations)."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        if rel.startswith("store/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "run_git":
                found.append(f"{rel}:{node.lineno}: run_git")
            if isinstance(node, ast.Constant) and node.value == "git" and _in_argv(node, path):
                found.append(f"{rel}:{node.lineno}: a git argument list")
    assert found == []


def _in_argv(node: ast.Constant, path: Path) -> bool:
    """A "git" string that opens a list literal: ["git", ...]."""
    for parent in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(parent, ast.List) and parent.elts and isinstance(parent.elts[0], ast.Constant) \
                and parent.elts[0].value == "git" and parent.lineno == node.lineno:
            return True
    return False


@pytest.mark.parametrize("limit", [TOP_LEVEL_MODULES])
def test_few_top_level_modules(limit: int) -> None:
    top = sorted(p.name for p in ROOT.glob("*.py"))
    assert len(top) <= limit, top


def test_modules_and_classes_stay_small() -> None:
    big = []
    for path in sorted(ROOT.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT)
        if text.count("\n") > MAX_MODULE_LINES:
            big.append(f"{rel}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                n = node.end_lineno - node.lineno + 1
                if n > MAX_CLASS_LINES:
                    big.append(f"{rel}: class {node.name} {n} lines")
    assert big == []
