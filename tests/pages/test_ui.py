"""pages/_ui, the glue between the screens and lib: one job per module, one screen table, and every
screen through app.py, even as a fresh server's first request."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.support import ROOT

APP = str(ROOT / "app.py")
UI = ROOT / "pages" / "_ui"
SCREEN_FILES = sorted(p for p in (ROOT / "pages").glob("*.py") if p.name != "__init__.py")


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_the_glue_has_one_module_per_job_and_no_cycle():
    modules = {p.stem: p for p in UI.glob("*.py") if p.name != "__init__.py"}
    assert set(modules) == {"store", "session", "access", "entry", "widgets", "filters", "server", "schedule_admin"}
    uses = {name: {m for m in modules if f"pages._ui.{m}" in _imports(path) and m != name}
            for name, path in modules.items()}
    assert uses["store"] == set() and uses["entry"] == set() and uses["server"] == set()
    assert uses["session"] == {"store", "server"} and uses["access"] == {"session", "store"}
    assert uses["widgets"] == {"store"}
    assert uses["filters"] == {"entry", "widgets", "session", "store"}
    assert uses["schedule_admin"] <= {"widgets", "store"}  # the admin screen's calendar form


def test_screens_use_the_glue_only():
    """No screen imports another screen, the old glue modules, or Streamlit's private runtime."""
    for path in [*SCREEN_FILES, ROOT / "app.py"]:
        names = _imports(path)
        pages = {n for n in names if n.startswith("pages")}
        assert all(n.startswith("pages._ui") for n in pages), (path.name, pages)
        assert not any(n.startswith("streamlit.runtime") for n in names), path.name


def test_no_language_conditionals_in_screens_or_presentation():
    """A language is chosen by `Text.pick` (lib.domain.text) only: no `L == "zh"` anywhere else."""
    files = [*SCREEN_FILES, *UI.glob("*.py"), ROOT / "app.py", *(ROOT / "lib" / "present").rglob("*.py"),
             ROOT / "lib" / "office" / "fmt.py", ROOT / "lib" / "domain" / "errors.py"]
    bad = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                consts = [c.value for c in [node.left, *node.comparators] if isinstance(c, ast.Constant)]
                if any(v in ("zh", "en") for v in consts):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert bad == []


def test_every_screen_is_in_the_one_table():
    from pages._ui import access

    assert sorted(s.script for s in access.SCREENS) == sorted(f"pages/{p.name}" for p in SCREEN_FILES)
    needs = {s.url_path: s.need for s in access.SCREENS}
    assert needs == {"overview": "read", "map": "read", "rankings": "read", "progress": "read", "content": "read",
                     "register": "read", "community": "read", "upload": "upload", "review": "read_internal", "dispatch": "read_internal",
                     "bulletin": "read_internal", "admin": "audit", "login": "login", "bigscreen": "read"}
    assert access.Screen("pages/new.py", "nav.new", ":material/add:").need == "read_internal"  # never public by mistake


# --- a deep link as a fresh server's first request -------------------------------------------------
# Streamlit 1.67 starts in its legacy pages-folder mode while pages/ sits beside app.py: the first
# request for /admin runs pages/admin.py by itself. AppTest starts the same way, and switching page
# before the first run is what such a first request does.

@pytest.fixture
def fresh(sqlite_demo_url, monkeypatch):
    from lib.domain import settings

    monkeypatch.setenv("DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("DASHBOARD_LANG", "zh")
    settings.reset()

    def first_request(page: str, public: bool, **params) -> AppTest:
        monkeypatch.setenv("DASHBOARD_PUBLIC", "1" if public else "0")
        settings.reset()
        at = AppTest.from_file(APP, default_timeout=120)
        for k, v in params.items():
            at.query_params[k] = v
        at.switch_page(f"pages/{page}.py")  # before any run: the legacy mode's page, without app.py
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return first_request


@pytest.mark.parametrize("public", [True, False], ids=["public", "staff"])
def test_a_first_request_for_a_staff_screen_lands_on_the_overview(fresh, public):
    at = fresh("admin", public)
    assert at.title[0].value == "青海省2021年城镇老旧小区改造"  # the region is in the name: said once
    assert len(at.metric) == 10
    assert not at.tabs and not at.error  # neither the admin screen nor its refusal ran


def test_a_first_request_for_the_map_keeps_its_filters(fresh):
    at = fresh("map", True, pref="630200", week="24")
    assert at.title[0].value == "海东市各县（市、区）开工率"
    assert "截至 2021-06-18（第24周） · 户数" in [c.value for c in at.caption]
    assert at.get("deck_gl_json_chart")
