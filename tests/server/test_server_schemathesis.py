"""Schemathesis against the live server's OpenAPI spec (PostgreSQL, which refuses more bad
text than SQLite): no 500, schema-valid requests accepted, schema-violating ones refused, every
answer as documented. The number of examples is bounded so the suite stays fast."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from station_app.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.server.live import Backend, enrol_station


def test_schemathesis_finds_nothing(postgresql_backend: Backend, tmp_path: Path) -> None:
    station = enrol_station(postgresql_backend, "city")
    command = Path(sys.executable).with_name("schemathesis")
    assert command.exists(), "schemathesis is a dev dependency: run scripts/setup.sh"
    done = subprocess.run(
        [
            str(command),
            "run",
            f"{postgresql_backend.url}/openapi.json",
            "--header",
            f"Authorization: Bearer {station.token}",
            "--header",
            f"{PROTOCOL_HEADER}: {PROTOCOL_VERSION}",
            "--max-examples",
            "8",
            "--seed",
            "20261130",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "passed" in done.stdout
