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


# Schema versions no station database ever had, so there is no fixture of them: migrations
# 16-19 (ledger imports, supervision work, reference data from the city office, the outbox by
# row) came in together with 20 (reports under Order No. 121) from branches merged at once,
# and were numbered 16-20 consecutively at that merge (commit dec4c4b); a station went from
# schema 15 to 20 (the docstring of tests/fixtures/make_fixtures.py says more). A migration
# merged later gets its fixture; it does not go here.
NEVER_RELEASED = frozenset({16, 17, 18, 19})


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
