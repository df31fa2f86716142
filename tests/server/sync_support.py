"""Station replicas for the end-to-end sync tests: a real station database in a data folder,
enrolled with a live city server through station_app.sync (the token in an in-memory keyring),
synced by the real engine over HTTP."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keyring
import pytest

from city_server.stations import add_station
from station_app.domain import Role, Station, StationLevel, User
from station_app.store import Store
from station_app.store.accounts import initialise_station
from station_app.store.case_list import search_cases
from station_app.sync.engine import SyncEngine, SyncReport, connect
from station_app.sync.enrolment import enrol
from tests.core.conftest import save_case
from tests.server.live import Backend
from tests.support.memory_keyring import MemoryKeyring

LEVELS = {
    "city": StationLevel.CITY,
    "township": StationLevel.TOWNSHIP,
    "village": StationLevel.VILLAGE,
}

# Tables compared between replicas (every synced table of a station), and the columns that
# are this PC's own.
COMPARED = (
    "stations",
    "merchants",
    "cases",
    "parties",
    "evidence",
    "case_events",
    "mediation_sessions",
    "agreements",
    "follow_ups",
    "issued_documents",
)
_LOCAL = {"local_id", "demo"}


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


def city_codes() -> dict[str, str]:
    """Fresh station codes for one city (unique on a shared server): city, township, 2 villages."""
    city = "Q" + uuid.uuid4().hex[:5].upper().replace("-", "")
    city = "Q" + "".join(ch if ch.isalpha() else chr(ord("A") + int(ch)) for ch in city[1:])
    return {
        "city": city,
        "township": f"{city}-MT",
        "village_a": f"{city}-MT-XC",
        "village_b": f"{city}-MT-DC",
    }


@dataclass
class Replica:
    """One station PC: its data folder, its store and its sync engine."""

    name: str
    code: str
    level: str
    folder: Path
    store: Store
    backend_url: str
    engine: SyncEngine | None = None
    reports: list[SyncReport] = field(default_factory=list)

    @property
    def user(self) -> str:
        return "adm_" + self.code.lower().replace("-", "_")

    def connect(self, **options: Any) -> SyncEngine:
        if self.engine is not None:
            self.engine.close()
        self.engine = connect(self.store, self.folder, **options)
        return self.engine

    def sync(self, **options: Any) -> SyncReport:
        engine = self.engine or self.connect(**options)
        report = engine.run_once()
        self.reports.append(report)
        return report

    def add_case(self, **kwargs: Any):
        return save_case(self.store, self.code, **kwargs)

    def edit(self, table: str, row_id: str, **values: Any) -> None:
        """A local edit as the app makes it (through a transaction: outbox, audit, index)."""
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self.store.transaction(self.user):
            self.store.execute(
                f"UPDATE {table} SET {assignments}, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ')"
                " WHERE id = ?",
                (*values.values(), row_id),
            )

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()
        self.store.close()


def make_replica(
    tmp_path: Path, backend: Backend, name: str, code: str, level: str, parent: str | None
) -> Replica:
    """A station set up on its PC and on the server, enrolled through station_app.sync."""
    with backend.engine.begin() as conn:
        enrol_code = add_station(conn, code, f"{code} 站", level, parent)
    folder = tmp_path / name
    folder.mkdir()
    store = Store(folder / "station.db")
    admin = "adm_" + code.lower().replace("-", "_")
    initialise_station(
        store,
        Station(code, f"{code} 站", LEVELS[level], parent_code=parent),
        User(admin, "管理员", Role.ADMIN, code),
        "admin-secret-123",
    )
    enrol(store, backend.url, enrol_code)
    return Replica(name, code, level, folder, store, backend.url)


def make_city(tmp_path: Path, backend: Backend) -> dict[str, Replica]:
    codes = city_codes()
    parents = {
        "city": None,
        "township": codes["city"],
        "village_a": codes["township"],
        "village_b": codes["township"],
    }
    levels = {
        "city": "city",
        "township": "township",
        "village_a": "village",
        "village_b": "village",
    }
    return {
        name: make_replica(tmp_path, backend, name, codes[name], levels[name], parents[name])
        for name in ("city", "township", "village_a", "village_b")
    }


def rows_of(store: Store, table: str, case_ids: set[str] | None = None) -> dict[str, dict]:
    """The synced columns of every row of `table` (optionally only of some cases)."""
    out = {}
    for row in store.query(f"SELECT * FROM {table}"):
        if row.get("demo"):
            continue
        case_id = row["id"] if table == "cases" else row.get("case_id")
        if case_ids is not None and case_id not in case_ids:
            continue
        out[row["id"]] = {k: v for k, v in row.items() if k not in _LOCAL}
    return out


def deadlines_of(store: Store, case_ids: set[str]) -> dict[str, list]:
    found: dict[str, list] = {}
    for row in store.query(
        "SELECT c.id, d.kind, d.due, d.met_on FROM case_deadlines d"
        " JOIN cases c ON c.local_id = d.case_local_id ORDER BY c.id, d.kind"
    ):
        if row["id"] in case_ids:
            found.setdefault(row["id"], []).append((row["kind"], row["due"], row["met_on"]))
    return found


def search_of(store: Store, queries: list[str], case_nos: set[str]) -> dict[str, list[str]]:
    return {
        q: sorted(r.case_no for r in search_cases(store, q, limit=1000) if r.case_no in case_nos)
        for q in queries
    }


def fingerprint(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()
