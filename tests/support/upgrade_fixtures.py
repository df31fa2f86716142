"""The data folders of earlier schema versions in tests/fixtures (made by
tests/fixtures/make_fixtures.py with the code of each version), unpacked for a test."""

from __future__ import annotations

import json
import sqlite3
import tarfile
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MANIFEST: dict[int, dict] = {
    int(version): entry
    for version, entry in json.loads(
        (FIXTURES / "manifest.json").read_text(encoding="utf-8")
    ).items()
}


def fixture_versions() -> list[int]:
    return sorted(MANIFEST)


def unpack(version: int, target: Path) -> Path:
    """The schema `version` data folder, unpacked into `target` (made if missing)."""
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(FIXTURES / f"schema-{version}.tar.xz") as packed:
        packed.extractall(target, filter="data")
    return target


def file_schema_version(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    finally:
        conn.close()
