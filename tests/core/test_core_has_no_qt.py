"""The core (station_app/ outside station_app/ui/) never imports Qt."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import station_app

PACKAGE = Path(station_app.__file__).resolve().parent
QT_MODULES = ("PySide6", "shiboken6", "PyQt5", "PyQt6", "PySide2", "pytestqt")
IMPORT_FUNCTIONS = {"import_module", "__import__"}


def core_modules() -> list[Path]:
    files = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "ui":
            continue
        files.append(path)
    return files


def _is_qt(name: str | None) -> bool:
    return bool(name) and name.split(".")[0] in QT_MODULES


def qt_imports(source: str, filename: str = "<source>") -> list[str]:
    """Every Qt import in the source, static or through importlib/__import__ with a literal."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found += [f"line {node.lineno}: import {a.name}" for a in node.names if _is_qt(a.name)]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and _is_qt(node.module):
                found.append(f"line {node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            if (
                name in IMPORT_FUNCTIONS
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and _is_qt(first.value)
            ):
                found.append(f"line {node.lineno}: {name}({first.value!r})")
    return found


def test_there_are_core_modules_to_check():
    names = {p.relative_to(PACKAGE).as_posix() for p in core_modules()}
    assert {"store/connection.py", "search_text.py", "intake.py", "domain.py"} <= names
    assert not any(n.startswith("ui/") for n in names)


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_core_module_does_not_import_qt(path):
    problems = qt_imports(path.read_text(encoding="utf-8"), str(path))
    assert problems == [], f"{path.relative_to(PACKAGE)} imports Qt: {problems}"


@pytest.mark.parametrize(
    "source",
    [
        "import PySide6",
        "import PySide6.QtWidgets as w",
        "import os, PySide6.QtCore",
        "from PySide6 import QtCore",
        "from PySide6.QtWidgets import QApplication",
        "def f():\n    from PySide6.QtGui import QFont\n",
        "try:\n    import shiboken6\nexcept ImportError:\n    pass\n",
        "import importlib\nimportlib.import_module('PySide6.QtCore')",
        "__import__('PySide6')",
    ],
)
def test_the_checker_finds_qt_imports(source):
    assert qt_imports(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "import os",
        "from station_app.ui import x",  # the core must not do this either, but it is not Qt
        "from . import PySide6_helpers",
        "text = 'PySide6 is used by the ui package'",
        "import PySide6_compat",
    ],
)
def test_the_checker_ignores_non_qt_imports(source):
    assert qt_imports(source) == []


def test_importing_every_core_module_loads_no_qt():
    """Transitive imports too: import all core modules in a fresh interpreter."""
    modules = []
    for path in core_modules():
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules.append(".".join(parts))
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r})\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
