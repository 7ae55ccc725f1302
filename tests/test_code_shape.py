"""The shape of the library's code: units small enough to read, and no import cycles.

Every import counts, also those inside functions (loaded late) and under ``TYPE_CHECKING``
(types only): a cycle through either still ties two modules into one. Read with
:mod:`ast`, so nothing is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "texpack"
MAX_CLASS_LINES, MAX_FUNCTION_LINES = 150, 80


def modules() -> dict[str, ast.Module]:
    out = {}
    for p in sorted(PKG.rglob("*.py")):
        parts = p.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = ast.parse(p.read_text(encoding="utf-8"), str(p))
    return out


def imports(name: str, tree: ast.Module, known: set[str]) -> set[str]:
    """The texpack modules ``name`` imports anywhere in its text."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from texpack.cli import build" imports the module texpack.cli.build
            subs = {f"{node.module}.{a.name}" for a in node.names} & known
            found |= subs or {node.module}
    return {m for m in found if m in known and m != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    seen, stack, out = set(), [], []

    def visit(n: str) -> None:
        if n in stack:
            out.append(stack[stack.index(n):] + [n])
            return
        if n in seen:
            return
        seen.add(n)
        stack.append(n)
        for m in sorted(graph[n]):
            visit(m)
        stack.pop()

    for n in sorted(graph):
        visit(n)
    return out


def test_no_module_imports_itself_through_others():
    mods = modules()
    graph = {n: imports(n, t, set(mods)) for n, t in mods.items()}
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("kind,limit", [(ast.ClassDef, MAX_CLASS_LINES), ((ast.FunctionDef, ast.AsyncFunctionDef), MAX_FUNCTION_LINES)])
def test_no_class_or_function_is_too_long_to_read(kind, limit):
    long = [f"{name}:{n.lineno} {n.name} ({n.end_lineno - n.lineno + 1} lines)"
            for name, tree in modules().items() for n in ast.walk(tree)
            if isinstance(n, kind) and n.end_lineno - n.lineno + 1 > limit]
    assert long == []


def test_errors_are_read_by_their_fields_not_probed():
    # TexpackError always has ``reason`` and ``problems`` (texpack/errors.py): no getattr/hasattr on them.
    probes = [f"{p.relative_to(ROOT)}:{i}" for p in PKG.rglob("*.py") for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
              if 'getattr(e, "reason"' in line or 'hasattr(e, "problems")' in line]
    assert probes == []
