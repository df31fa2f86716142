"""documents/ renders and nothing else: no database, no files of the data folder, no services."""

from __future__ import annotations

import ast
from pathlib import Path

import station_app.documents

# What a renderer may import from the app: its own package, the domain records and the
# pure rules and value helpers below them (no store, no case_actions, no sqlite, no data folder).
ALLOWED = (
    "station_app.documents",
    "station_app.domain",
    "station_app.workflow",  # the rules (grounds, actions) are pure data too
    "station_app.acting_bodies",  # who decides, mediates and seals: values and their checks
    "station_app.i18n",
    "station_app.money",
    "station_app.assets",
    "station_app.ids",
)
FORBIDDEN_MODULES = {"sqlite3", "sqlite_utils", "shutil"}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_renderers_import_no_store_and_no_service():
    folder = Path(station_app.documents.__file__).parent
    offending = []
    for path in sorted(folder.glob("*.py")):
        for name in _imports(path):
            if name.split(".")[0] in FORBIDDEN_MODULES:
                offending.append(f"{path.name}: {name}")
            elif name.startswith("station_app") and not name.startswith(ALLOWED):
                offending.append(f"{path.name}: {name}")
    assert offending == []


def test_issuing_is_a_service_beside_case_actions():
    from station_app import document_issuing

    assert not (Path(station_app.documents.__file__).parent / "issuing.py").exists()
    assert callable(document_issuing.print_documents)
