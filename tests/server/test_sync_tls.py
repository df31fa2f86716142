"""The station's transport over HTTPS: enrolled with the city's CA file it syncs; without it
the server is refused with a message (certificate check failed), nothing sent."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest

from city_server.stations import add_station
from station_app.domain import Role, Station, StationLevel, User
from station_app.store import Store
from station_app.store.accounts import initialise_station
from station_app.sync.engine import connect
from station_app.sync.enrolment import enrol
from station_app.sync.transport import SyncError
from tests.core.conftest import save_case
from tests.server.live import ROOT, Backend, city_server_command, free_port, server_env
from tests.server.sync_support import (
    city_codes,
)

pytestmark = pytest.mark.usefixtures("english", "memory_keyring")


@pytest.fixture(scope="module")
def backend(sync_backend):
    """This module's own city server (see sync_support.sync_backend)."""
    return sync_backend


def test_sync_over_tls_with_the_city_ca_file(backend: Backend, tmp_path: Path) -> None:
    cert, key = tmp_path / "city.pem", tmp_path / "city.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    process = subprocess.Popen(
        city_server_command(
            "serve", "--db", backend.db_url, "--port", str(port),
            "--tls-cert", str(cert), "--tls-key", str(key),
        ),
        env=server_env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + "/v1/health", verify=False, timeout=2)
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        code = city_codes()["city"]
        with backend.engine.begin() as conn:
            enrol_code = add_station(conn, code, "市局", "city", None)
        with Store(tmp_path / "station.db") as store:
            initialise_station(
                store,
                Station(code, "市局", StationLevel.CITY),
                User("adm_" + code.lower(), "管理员", Role.ADMIN, code),
                "admin-secret-123",
            )
            save_case(store, code)
            # Without the city's CA the server is not trusted, and the code is not spent.
            with pytest.raises(SyncError) as refused:
                enrol(store, url, enrol_code)
            assert refused.value.kind == "tls" and "certificate" in refused.value.message
            enrol(store, url, enrol_code, ca_file=cert)
            engine = connect(store, tmp_path)
            try:
                report = engine.run_once()
            finally:
                engine.close()
            assert report.pushed > 0 and report.checksum_ok
            assert store.scalar("SELECT count(*) FROM outbox") == 0
    finally:
        process.terminate()
        process.wait(10)
