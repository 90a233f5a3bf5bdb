"""The import contract of lib/ and the screens, read from the source (tests/architecture/imports.py).

lib is a stack of subsystem packages (LAYERS): a package imports only packages of a lower rank,
packages of the same rank are independent, there are no cycles, every import of the project's own
modules is absolute and at the top of its module. lib knows nothing of Streamlit; the screens use
only Streamlit's public API. Reads that can show internal data take the viewer, with no default.
Each failure lists file:line, so the message says what to move.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from tests.architecture.imports import (
    LAYERS,
    LIB,
    ROOT,
    all_imports,
    cycles,
    lib_modules,
    module_name,
    package_of,
)


def _where(i) -> str:
    return f"{i.module.replace('.', '/')}.py:{i.line}"


def _own(target: str) -> bool:
    return target == "lib" or target.startswith("lib.")


def test_lib_never_imports_streamlit_or_the_screens():
    bad = [f"{_where(i)} imports {i.third_party}" for i in all_imports()
           if i.third_party and i.third_party.split(".")[0] in ("streamlit", "pages", "app")]
    assert bad == [], "lib must run without Streamlit (CLI, tests, batch jobs):\n" + "\n".join(bad)


def test_no_relative_imports_in_lib():
    bad = [f"{_where(i)} imports {i.target}" for i in all_imports() if i.target.startswith(".")]
    assert bad == [], "write lib imports absolute (from lib.figures import metrics):\n" + "\n".join(bad)


def test_no_import_of_the_project_inside_a_function():
    """A module's top says what it depends on; a lazy import of lib hides a dependency (or a cycle).
    Heavy third-party libraries may still be imported lazily."""
    bad = [f"{_where(i)} imports {i.target}" for i in all_imports() if i.nested and _own(i.target)]
    assert bad == [], "move these imports of lib to the top of their module:\n" + "\n".join(bad)


def test_no_import_cycle_among_lib_modules():
    edges: dict[str, set[str]] = defaultdict(set)
    for i in all_imports():
        if _own(i.target) and i.target != i.module:
            edges[i.module].add(i.target)
    found = cycles(edges)
    assert found == [], "import cycles in lib: " + "; ".join(" <-> ".join(c) for c in found)


def test_every_module_belongs_to_a_layer():
    packages = {package_of(module_name(p)) for p in lib_modules() if module_name(p) != "lib"}
    assert packages - set(LAYERS) == set(), f"packages missing from LAYERS: {sorted(packages - set(LAYERS))}"


def test_every_lib_import_respects_the_layers():
    """A package imports itself or lower ranks; packages of the same rank do not import each other."""
    bad = []
    for i in all_imports():
        if not _own(i.target) or i.module == "lib" or i.target == "lib":
            continue
        src, dst = package_of(i.module), package_of(i.target)
        if src == dst or src not in LAYERS or dst not in LAYERS:
            continue
        if LAYERS[dst] > LAYERS[src]:
            bad.append(f"{_where(i)}: {src} (rank {LAYERS[src]}) imports {i.target} ({dst}, rank {LAYERS[dst]}, above)")
        elif LAYERS[dst] == LAYERS[src]:
            bad.append(f"{_where(i)}: {src} imports {i.target} ({dst}, same rank {LAYERS[src]}: independent)")
    assert bad == [], "imports against the layer order:\n" + "\n".join(bad)


def test_lib_has_at_least_five_subsystem_packages():
    packages = sorted(p.parent.name for p in LIB.glob("*/__init__.py"))
    assert len(packages) >= 5, packages


def _screen_files() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py"))]


# The server's setup, not a screen: it takes Streamlit out of its legacy pages-folder mode before the
# first session (tests/browser/test_links.py::test_a_fresh_servers_first_visitor_sees_the_menu).
RUNTIME_EXCEPTIONS = {("pages/_ui/server.py", "streamlit.runtime.pages_manager")}


def test_screens_never_import_streamlits_private_runtime():
    """pages/ and app.py use Streamlit's public API only (streamlit.runtime is internal and changes
    between releases)."""
    bad = []
    for path in _screen_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            if any(n == "streamlit.runtime" or n.startswith("streamlit.runtime.") for n in names) \
                    and (path.relative_to(ROOT).as_posix(), names[0]) not in RUNTIME_EXCEPTIONS:
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert bad == [], "streamlit.runtime imported by a screen:\n" + "\n".join(bad)


def _functions():
    for path in lib_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield path, node


def _params_with_defaults(fn: ast.FunctionDef) -> list[tuple[ast.arg, ast.expr | None]]:
    a = fn.args
    positional = a.posonlyargs + a.args
    defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    return list(zip(positional, defaults)) + list(zip(a.kwonlyargs, a.kw_defaults))


def test_no_public_false_default_in_lib():
    """Private by default: no read decides from a flag that forgets itself into showing everything."""
    bad = [f"{p.relative_to(ROOT)}:{fn.lineno} {fn.name}(public=False)" for p, fn in _functions()
           for arg, default in _params_with_defaults(fn)
           if arg.arg == "public" and isinstance(default, ast.Constant) and default.value is False]
    assert bad == [], "\n".join(bad)


def test_every_viewer_parameter_has_no_default():
    """A read that can show internal data is told who is asking, every time."""
    with_viewer, bad = [], []
    for p, fn in _functions():
        for arg, default in _params_with_defaults(fn):
            if arg.arg == "viewer":
                with_viewer.append(fn.name)
                if default is not None:
                    bad.append(f"{p.relative_to(ROOT)}:{fn.lineno} {fn.name}(viewer={ast.unparse(default)})")
    assert with_viewer, "no read in lib takes a viewer: the contract is not being read"
    assert bad == [], "\n".join(bad)


def test_the_reader_of_imports_sees_lib():
    """The contract above is only as good as the reader: it must see lib's imports of itself."""
    own = [i for i in all_imports() if _own(i.target)]
    assert len(own) > 100 and {"lib.store.engine", "lib.access.auth", "lib.domain.regions"} <= {i.target for i in own}
