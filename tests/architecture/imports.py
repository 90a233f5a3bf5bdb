"""The import contract of lib/, read from the source (no module is imported).

Every module of lib/ belongs to one subsystem package; a package may import only the
packages below it in LAYERS. Imports of the project's own modules stand at the top of a
module, never inside a function, so a module's first lines say what it depends on.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIB = ROOT / "lib"

# Lowest first. A package may import itself and any package of a lower rank; packages of
# the same rank are independent of each other.
LAYERS: dict[str, int] = {
    "domain": 0,
    "office": 1, "store": 1,
    "access": 2,
    "figures": 3,
    "uploads": 4, "review": 4, "samples": 4,
    "present": 5, "workflow": 5,
    "publish": 6,
    "cli": 7,
}


@dataclass(frozen=True)
class Import:
    module: str      # importing module, dotted (lib.figures.metrics)
    target: str      # imported module, dotted (lib.store.engine)
    line: int
    nested: bool     # inside a function or class body
    third_party: str | None = None


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def lib_modules() -> list[Path]:
    return sorted(p for p in LIB.rglob("*.py") if "migrations" not in p.parts)


def _resolve(name: str) -> str:
    """lib.figures.metrics.county_figures -> lib.figures.metrics (the module, not the attribute)."""
    parts = name.split(".")
    while parts:
        cand = ROOT.joinpath(*parts)
        if cand.with_suffix(".py").exists() or (cand / "__init__.py").exists():
            return ".".join(parts)
        parts.pop()
    return name


def imports_of(path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = module_name(path)
    out: list[Import] = []

    def visit(node, nested: bool):
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            if isinstance(child, ast.Import):
                for a in child.names:
                    if a.name == "lib" or a.name.startswith("lib."):
                        out.append(Import(me, _resolve(a.name), child.lineno, nested))
                    else:
                        out.append(Import(me, "", child.lineno, nested, third_party=a.name))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    out.append(Import(me, "." * child.level + (child.module or ""), child.lineno, nested))
                elif child.module and (child.module == "lib" or child.module.startswith("lib.")):
                    for a in child.names:
                        out.append(Import(me, _resolve(f"{child.module}.{a.name}"), child.lineno, nested))
                elif child.module:
                    out.append(Import(me, "", child.lineno, nested, third_party=child.module))
            visit(child, inner)

    visit(tree, False)
    return out


def package_of(module: str) -> str:
    """lib.figures.metrics -> figures; lib.cli -> cli."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def all_imports() -> list[Import]:
    return [i for p in lib_modules() for i in imports_of(p)]


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            strong(v)
    return out
