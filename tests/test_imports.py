"""The project's modules import one another without a cycle, imports inside functions included.

A cycle hidden by imports inside functions (flows.cli → archive_cli → archive → plan → cli,
six modules before flows/files.py and flows/usage.py took the helpers they shared) makes a
module impossible to read or load on its own. Packages flow one way: extract → reconcile → flows.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGES = ("extract", "reconcile", "flows")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def graph() -> dict[str, set[str]]:
    """module → the project modules it imports, anywhere in its body."""
    known = modules()
    edges: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    target = f"{node.module}.{alias.name}"
                    if target in known:
                        edges[name].add(target)
                    elif node.module in known:
                        edges[name].add(node.module)
            elif isinstance(node, ast.Import):
                edges[name].update(alias.name for alias in node.names if alias.name in known)
        edges[name].discard(name)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle():
    edges = graph()
    assert len(edges) > 50
    assert cycles(edges) == []


def test_packages_import_one_way():
    """extract imports neither reconcile nor flows; reconcile does not import flows."""
    lower = {"extract": ("reconcile", "flows"), "reconcile": ("flows",)}
    wrong = [(name, target) for name, targets in graph().items() for target in targets
             if target.split(".")[0] in lower.get(name.split(".")[0], ())]
    assert wrong == []


def test_the_cycle_finder_finds_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_checks_import_no_renderer():
    """What an archive stores is made by extract/ and reconcile/'s checks; the renderers
    (flows.store.RENDERERS) are kept out of the store's key, so a template edit re-renders
    without reading a PDF. That holds only while no checking module imports a renderer: a
    renderer's change would then reach stored results under an unchanged key."""
    from flows.store import RENDERERS

    renderers = {f"reconcile.{name.removesuffix('.py')}" for name in RENDERERS}
    checking = [name for name in modules() if name.split(".")[0] in ("extract", "reconcile") and name not in renderers]
    edges = graph()
    wrong = [(name, target) for name in checking for target in edges[name] if target in renderers]
    assert len(checking) > 30 and wrong == []
