"""The house (brief, «Conventions»): the base apps ``schools``, ``accounts`` and ``audit`` import no app above them.

Every Python module of a base app (its tests aside, which may build a whole world) is parsed, and each ``import`` —
at module level or inside a function — must name the standard library, a third-party package, the analytics core
``opora``, the shared helpers ``portal.lib`` or one of the base apps themselves. A string passed to
``importlib.import_module`` counts as an import too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BASE_APPS = ("schools", "accounts", "audit")
#: What a base app may import from the ``portal`` package (``portal.settings`` is read through django.conf).
ALLOWED = {f"portal.{app}" for app in BASE_APPS} | {"portal.lib"}


def _modules(app: str) -> list[Path]:
    return sorted(
        p for p in (ROOT / "portal" / app).rglob("*.py") if "tests" not in p.relative_to(ROOT).parts
    )


def imported_names(source: str) -> list[tuple[int, str]]:
    """Every module name the source imports: ``import a.b``, ``from a.b import c``, ``import_module("a.b")``."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "portal":  # from portal import monitoring
                out += [(node.lineno, f"portal.{alias.name}") for alias in node.names]
            else:
                out.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            out.append((node.lineno, node.args[0].value))
    return out


def _above(name: str) -> bool:
    if name != "portal" and not name.startswith("portal."):
        return False
    return not any(name == a or name.startswith(a + ".") for a in ALLOWED)


@pytest.mark.parametrize("app", BASE_APPS)
def test_a_base_app_imports_no_app_above_it(app: str) -> None:
    modules = _modules(app)
    assert len(modules) >= 3, f"portal/{app}: no modules found"
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in modules
        for line, name in imported_names(path.read_text(encoding="utf-8"))
        if _above(name)
    ]
    assert offences == []


def test_the_check_sees_every_kind_of_import() -> None:
    source = (
        "import portal.roadmap.models\n"
        "from portal.identification.services import latest_published\n"
        "from portal import monitoring\n"
        "from portal.schools.models import School\n"
        "from portal.lib.access import get_for\n"
        "def f():\n"
        "    from portal.programs import services\n"
        "    importlib.import_module('portal.staff.demo')\n"
    )
    names = [n for _, n in imported_names(source) if _above(n)]
    assert names == [
        "portal.roadmap.models",
        "portal.identification.services",
        "portal.monitoring",
        "portal.programs",
        "portal.staff.demo",
    ]
