"""The core (partnerships/) is what the apps build on: it never imports them, so that each app can be
read, tested and removed on its own. Only the URL configuration (which mounts every app) and the
benchmark (an app of its own, which generates every app's data) may."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "partnerships"
APPS = {"alerts", "conventions"}
MAY_IMPORT_APPS = {CORE / "urls.py"}


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_the_core_imports_no_app_outside_its_url_configuration_and_the_benchmark():
    offenders = sorted(
        f"{path.relative_to(ROOT)}: {module}"
        for path in CORE.rglob("*.py")
        if path not in MAY_IMPORT_APPS and CORE / "benchmark" not in path.parents
        for module in imported_modules(path)
        if module.split(".")[0] in APPS
    )
    assert offenders == []
