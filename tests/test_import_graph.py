"""The package's import graph has no cycle: data flows one way (described → sources → data → …).

Every ``import`` statement of every module under ``ccth_lib/`` is read with :mod:`ast` — at
module level *and* inside functions, so that an import moved into a function to dodge a cycle
still counts — and the graph of ccth_lib modules must be acyclic.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "ccth_lib"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py")) if "__pycache__" not in p.parts}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The ccth_lib modules that ``name`` imports, anywhere in its source."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                    out.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
                if base != PACKAGE and not base.startswith(PACKAGE + "."):
                    continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.add(sub if sub in known else base)
    out.discard(name)
    return {m for m in out if m in known}


def import_graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports_of(name, path, set(mods)) for name, path in mods.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_import_graph_is_read():
    graph = import_graph()
    assert {"ccth_lib.data", "ccth_lib.sources", "ccth_lib.described", "ccth_lib.vocab"} <= set(graph)
    assert "ccth_lib.described" in graph["ccth_lib.sources"]
    assert {"ccth_lib.described", "ccth_lib.sources", "ccth_lib.provenance", "ccth_lib.vocab"} <= graph["ccth_lib.data"]


def test_ccth_lib_has_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle)


@pytest.mark.parametrize(
    "module, forbidden",
    [
        ("ccth_lib.described", {"ccth_lib.sources", "ccth_lib.data", "ccth_lib.provenance", "ccth_lib.vocab"}),
        ("ccth_lib.sources", {"ccth_lib.data", "ccth_lib.provenance"}),
        ("ccth_lib.provenance", {"ccth_lib.data", "ccth_lib.sources", "ccth_lib.described"}),
        ("ccth_lib.vocab", {"ccth_lib.data", "ccth_lib.sources", "ccth_lib.provenance"}),
    ],
)
def test_the_data_layer_is_layered(module, forbidden):
    """described knows nothing of sources, data or provenance; sources nothing of data."""
    assert not (import_graph()[module] & forbidden)


def test_a_cycle_hidden_in_a_function_is_found(tmp_path):
    """The checker itself: an import inside a function counts as an edge."""
    src = {
        "a.py": "from . import b\n",
        "b.py": "def f():\n    from .a import g\n    return g\n",
    }
    pkg = tmp_path / PACKAGE
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name, text in src.items():
        (pkg / name).write_text(text)
    global ROOT
    saved, ROOT = ROOT, pkg
    try:
        graph = import_graph()
    finally:
        ROOT = saved
    assert graph["ccth_lib.b"] == {"ccth_lib.a"}
    assert find_cycle(graph) in (["ccth_lib.a", "ccth_lib.b", "ccth_lib.a"], ["ccth_lib.b", "ccth_lib.a", "ccth_lib.b"])
