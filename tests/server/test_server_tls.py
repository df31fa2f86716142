"""HTTPS: `city-server serve --tls-cert --tls-key`; a station verifies the server against the
city's CA file and refuses a server it cannot verify."""

from __future__ import annotations

import ssl
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.server.live import ROOT, Backend, city_server_command, free_port, server_env


def test_the_server_speaks_tls_verified_by_the_city_ca(
    sqlite_backend: Backend, tmp_path: Path
) -> None:
    cert, key = tmp_path / "city.pem", tmp_path / "city.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    process = subprocess.Popen(
        city_server_command(
            "serve",
            "--db",
            sqlite_backend.db_url,
            "--port",
            str(port),
            "--tls-cert",
            str(cert),
            "--tls-key",
            str(key),
        ),
        env=server_env(),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"https://127.0.0.1:{port}/v1/health"
    city_ca = ssl.create_default_context(cafile=str(cert))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(url, verify=city_ca, timeout=2)
                break
            except httpx.ConnectError as error:
                if "CERTIFICATE" in str(error).upper() or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert answer.status_code == 200 and "X-Server-Time" in answer.headers
        with pytest.raises(httpx.ConnectError, match="(?i)certificate"):
            httpx.get(url, timeout=5)  # the system's CAs do not vouch for the city's server
    finally:
        process.terminate()
        process.wait(10)
