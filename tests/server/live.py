"""Live city servers for the tests: real uvicorn processes on 127.0.0.1, over a SQLite file and
over a throwaway PostgreSQL database (made for the test run at 127.0.0.1:5432, then dropped)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import Engine

from city_server.db import make_engine
from city_server.schema import migrate
from city_server.stations import add_station
from station_app.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def city_server_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "city_server", *args]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(db_url: str) -> LiveServer:
    port = free_port()
    process = subprocess.Popen(
        city_server_command("serve", "--db", db_url, "--port", str(port)),
        env=server_env(),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"city-server exited: {process.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return LiveServer(url, process)
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("city-server did not answer within 60 s")


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """A throwaway database for this test run; PostgreSQL must answer (never skipped)."""
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.fail(
            "PostgreSQL does not answer at 127.0.0.1:5432 as user postgres: run scripts/setup.sh "
            f"(it installs and starts it). {error}"
        )
    name = f"city_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@dataclass
class Backend:
    """A live server and an engine on its database (for the administrator's steps)."""

    name: str
    db_url: str
    server: LiveServer
    engine: Engine
    extra_servers: list[LiveServer] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="session")
def sqlite_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    db = str(tmp_path_factory.mktemp("city") / "city-server.db")
    engine = make_engine(db)
    migrate(engine)
    server = start_server(db)
    yield Backend("sqlite", db, server, engine)
    server.stop()
    engine.dispose()


@pytest.fixture(scope="session")
def postgresql_backend(postgresql_url: str) -> Iterator[Backend]:
    engine = make_engine(postgresql_url)
    migrate(engine)
    server = start_server(postgresql_url)
    backend = Backend("postgresql", postgresql_url, server, engine)
    yield backend
    server.stop()
    for extra in backend.extra_servers:
        extra.stop()
    engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> Backend:
    return request.getfixturevalue(f"{request.param}_backend")


def unique_code(prefix: str = "T") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8].upper()}"


@dataclass
class StationClient:
    """What a station sends, spelled out with httpx (the station's engine is built apart)."""

    url: str
    code: str
    level: str
    token: str
    secret: bytes
    protocol: int = PROTOCOL_VERSION

    def headers(self, **extra: str) -> dict[str, str]:
        return {
            PROTOCOL_HEADER: str(self.protocol),
            "Authorization": f"Bearer {self.token}",
            **extra,
        }

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(self.url + path, headers=self.headers(), timeout=60, **kwargs)

    def post(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        return httpx.post(self.url + path, json=body, headers=self.headers(), timeout=60, **kwargs)

    def put(self, path: str, content: bytes, **kwargs: Any) -> httpx.Response:
        return httpx.put(
            self.url + path,
            content=content,
            headers=self.headers(**{"Content-Type": "application/octet-stream"}),
            timeout=60,
            **kwargs,
        )

    def push(self, changes: list[dict[str, Any]], batch_id: str | None = None) -> httpx.Response:
        batch = {
            "batch_id": batch_id or str(uuid.uuid4()),
            "station": self.code,
            "changes": changes,
        }
        return self.post("/v1/push", batch)

    def pull_all(self, after: int = 0, limit: int = 1000) -> tuple[list[dict[str, Any]], int]:
        got: list[dict[str, Any]] = []
        while True:
            page = self.get("/v1/pull", params={"after": after, "limit": limit})
            assert page.status_code == 200, page.text
            body = page.json()
            got.extend(body["changes"])
            after = body["next_cursor"]
            if not body["has_more"]:
                return got, after


def enrol_station(
    backend: Backend, level: str, parent: str | None = None, code: str | None = None
) -> StationClient:
    code = code or unique_code({"city": "C", "township": "T", "village": "V"}[level])
    with backend.engine.begin() as conn:
        enrol_code = add_station(conn, code, f"{code} 站", level, parent)
    answer = httpx.post(
        f"{backend.url}/v1/enrol",
        json={"code": enrol_code},
        headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return StationClient(backend.url, code, level, body["token"], bytes.fromhex(body["secret"]))


@dataclass
class City:
    """A city, one township and two of its villages, enrolled on one backend."""

    city: StationClient
    township: StationClient
    village_a: StationClient
    village_b: StationClient
    other_township: StationClient
    other_village: StationClient


@pytest.fixture(scope="module")
def city(backend: Backend) -> City:
    city = enrol_station(backend, "city")
    township = enrol_station(backend, "township", city.code)
    other_township = enrol_station(backend, "township", city.code)
    return City(
        city=city,
        township=township,
        village_a=enrol_station(backend, "village", township.code),
        village_b=enrol_station(backend, "village", township.code),
        other_township=other_township,
        other_village=enrol_station(backend, "village", other_township.code),
    )


def new_id() -> str:
    return str(uuid.uuid4())


def case_insert(
    station: StationClient, case_id: str | None = None, **fields: Any
) -> dict[str, Any]:
    case_id = case_id or new_id()
    values = {
        "id": case_id,
        "case_no": f"{station.code}-2026-{uuid.uuid4().int % 100000:05d}",
        "kind": "complaint",
        "status": "registered",
        "facts": "买到过期食品",
        "owner_station": station.code,
        "created_at": "2026-11-30T08:00:00.000Z",
        "updated_at": "2026-11-30T08:00:00.000Z",
        "deleted": 0,
        **fields,
    }
    return {"table": "cases", "row_id": case_id, "op": "insert", "fields": values, "txid": case_id}


def party_insert(station: StationClient, case_id: str, name: str = "张三") -> dict[str, Any]:
    party_id = new_id()
    return {
        "table": "parties",
        "row_id": party_id,
        "op": "insert",
        "fields": {
            "id": party_id,
            "case_id": case_id,
            "role": "complainant",
            "name": name,
            "phone": "13800001234",
            "owner_station": station.code,
            "created_at": "2026-11-30T08:00:00.000Z",
            "updated_at": "2026-11-30T08:00:00.000Z",
            "deleted": 0,
        },
        "txid": case_id,
    }


def update(table: str, row_id: str, new: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    return {
        "table": table,
        "row_id": row_id,
        "op": "update",
        "fields": new,
        "base": old,
        "txid": new_id(),
    }


def count_rows(engine: Engine, sql: str, **params: Any) -> int:
    from sqlalchemy import text

    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar())
