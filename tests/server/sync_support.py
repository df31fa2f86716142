"""Station replicas for the end-to-end sync tests: a real station database in a data folder,
enrolled with a live city server through station_app.sync (the token in an in-memory keyring),
synced by the real engine over HTTP."""

from __future__ import annotations

import hashlib
import json
import time
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


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def sync_backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A city server of the sync tests' own (over a new SQLite file, or a new PostgreSQL
    database): the city level pulls every row of its server, so rows other tests push by hand
    (partial on purpose) must not be on it. A test module uses it as its `backend` (see
    test_sync_engine.py)."""
    import psycopg

    from city_server.db import make_engine
    from city_server.schema import migrate
    from tests.server.live import PG_ADMIN, start_server

    admin = None
    if request.param == "sqlite":
        db = str(tmp_path_factory.mktemp("sync-city") / "city-server.db")
    else:
        try:
            admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as error:
            pytest.fail(f"PostgreSQL does not answer at 127.0.0.1:5432: {error}")
        name = f"city_sync_{uuid.uuid4().hex[:12]}"
        admin.execute(f'CREATE DATABASE "{name}"')
        db = f"postgresql://postgres@127.0.0.1:5432/{name}"
    engine = make_engine(db)
    migrate(engine)
    server = start_server(db)
    made = Backend(request.param, db, server, engine)
    yield made
    server.stop()
    for extra in made.extra_servers:
        extra.stop()
    engine.dispose()
    if admin is not None:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def english() -> Iterator[None]:
    """Messages in the source language, so assertions do not depend on the catalogue."""
    from station_app import i18n

    before = i18n.current_language()
    i18n.set_language("en")
    yield
    i18n.set_language(before)


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

    def use_server(self, url: str) -> None:
        """Talk to another server process (or a proxy) from now on."""
        from station_app.store import sync_state

        sync_state.set_state(self.store, **{sync_state.SERVER_URL: url})
        if self.engine is not None:
            self.engine.close()
            self.engine = None

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


class CuttingProxy:
    """An HTTP proxy between a station and a live server that can cut connections: a rule
    (method, path prefix, when) drops the connection 'before' forwarding a request (the
    server never sees it) or 'after' (the server did the work, the station gets no answer).
    Rules fire `times` times. `stall` holds matching answers for some seconds (to kill a
    client mid-request). `upstream` can be changed (a server restarted elsewhere).

    Bodies pass through as they travel (compressed answers stay compressed); `wire` lists
    (method, path, request body bytes, request Content-Encoding, answer body bytes, answer
    Content-Encoding) per request answered, `ranges` (path, Range header) per request. `old_server` plays a server from before gzip: `encodings`
    taken out of hello/health answers and a compressed request body refused (415)."""

    def __init__(self, upstream: str) -> None:
        import http.server
        import threading

        import httpx

        self.upstream = upstream
        self.rules: list[dict[str, Any]] = []
        self.seen: list[tuple[str, str]] = []
        self.wire: list[tuple[str, str, int, str, int, str]] = []
        self.old_server = False
        self.ranges: list[tuple[str, str | None]] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?")[0]
                proxy.seen.append((self.command, path))
                proxy.ranges.append((path, self.headers.get("Range")))
                rule = proxy._rule(self.command, path)
                if rule and rule["when"] == "before":
                    self.close_connection = True
                    return
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("host", "content-length", "connection")
                }
                sent_encoding = self.headers.get("Content-Encoding") or ""
                if proxy.old_server:
                    headers = {k: v for k, v in headers.items() if k.lower() != "accept-encoding"}
                    headers["Accept-Encoding"] = "identity"  # it never compressed answers
                    if sent_encoding:
                        refusal = b'{"error":"invalid_request","message":"not JSON"}'
                        self.send_response(415)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Length", str(len(refusal)))
                        self.end_headers()
                        self.wfile.write(refusal)
                        proxy.wire.append(
                            (self.command, path, len(body), sent_encoding, len(refusal), "")
                        )
                        return
                try:
                    with httpx.stream(
                        self.command,
                        proxy.upstream + self.path,
                        content=body,
                        headers=headers,
                        timeout=60,
                    ) as answer:
                        content = b"".join(answer.iter_raw())
                except httpx.HTTPError:
                    self.close_connection = True
                    return
                encoding = answer.headers.get("content-encoding", "")
                if proxy.old_server and path in ("/v1/hello", "/v1/health"):
                    value = json.loads(content)
                    value.pop("encodings", None)
                    content = json.dumps(value).encode()
                if rule and rule["when"] == "after":
                    self.close_connection = True
                    return
                proxy.wire.append(
                    (self.command, path, len(body), sent_encoding, len(content), encoding)
                )
                if rule and rule["when"] == "stall":
                    time.sleep(rule["seconds"])
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in (
                        "content-length",
                        "transfer-encoding",
                        "connection",
                    ):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = _handle

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a station that hung up (the point of these tests)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def cut(self, method: str, path: str, when: str = "after", times: int = 1, **extra: Any):
        self.rules.append({"method": method, "path": path, "when": when, "times": times, **extra})

    def _rule(self, method: str, path: str) -> dict[str, Any] | None:
        for rule in self.rules:
            if rule["times"] > 0 and rule["method"] == method and path.startswith(rule["path"]):
                rule["times"] -= 1
                return rule
        return None

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def act_on(replica: Replica, case_id: str, action: str, payload: dict | None = None):
    """A workflow action taken at this station by its administrator."""
    from datetime import datetime

    from station_app.case_actions import act
    from station_app.store.holidays import load_calendar

    return act(
        replica.store,
        case_id,
        action,
        payload or {},
        user=User(replica.user, "管理员", Role.ADMIN, replica.code),
        station_code=replica.code,
        calendar=load_calendar(replica.store),
        now=datetime(2026, 6, 1, 10, 0),
    )


NAMES = ["张三", "李四", "王五", "欧阳娜娜", "赵六", "孙七", "周八", "吴九"]
FACTS = ["冰箱不制冷", "手机屏幕碎裂", "过期食品", "装修质量差", "预付卡不退", "快递丢失"]


def random_edits(rng, replica: Replica, count: int) -> None:  # noqa: ANN001
    """Edits a clerk might make at this station: new cases, corrections of cases it may
    write (its own; a township also its villages'), workflow steps on its own cases."""
    for _ in range(count):
        mine = [
            r["id"]
            for r in replica.store.query(
                "SELECT id FROM cases WHERE owner_station = ? AND demo = 0", (replica.code,)
            )
        ]
        writable = [r["id"] for r in replica.store.query(
            "SELECT c.id FROM cases c JOIN stations s ON s.code = c.owner_station"
            " WHERE c.demo = 0 AND (c.owner_station = ? OR s.parent_code = ?)",
            (replica.code, replica.code))]  # fmt: skip
        choice = rng.random()
        if choice < 0.35 or not writable:
            replica.add_case(
                name=rng.choice(NAMES),
                phone=f"139{rng.randrange(10**8):08d}",
                facts=rng.choice(FACTS) + f" {rng.randrange(1000)}",
            )
        elif choice < 0.7:
            case_id = rng.choice(writable)
            field = rng.choice(["facts", "request"])
            replica.edit("cases", case_id, **{field: f"{rng.choice(FACTS)} {replica.code}"})
        elif choice < 0.85:
            case_id = rng.choice(writable)
            party = replica.store.scalar(
                "SELECT id FROM parties WHERE case_id = ? ORDER BY id LIMIT 1", (case_id,)
            )
            if party:
                replica.edit("parties", party, name=rng.choice(NAMES))
        elif mine and replica.level == "village" and choice > 0.95:
            parent = replica.store.scalar(
                "SELECT parent_code FROM stations WHERE code = ?", (replica.code,)
            )
            act_on(replica, rng.choice(mine), "escalate", {"to_station": parent, "reason": "重大"})
        elif mine:
            case_id = rng.choice(mine)
            status = replica.store.scalar("SELECT status FROM cases WHERE id = ?", (case_id,))
            if status == "registered":
                act_on(replica, case_id, "accept", {"occurred_at": "2026-05-06"})


def case_scope(city_store: Store, replica: Replica) -> set[str]:
    """The cases a station should hold, by the server's rules (from the city's full copy):
    its own and (township) its villages', and those it escalated away (it still reads them)."""
    rows = city_store.query(
        "SELECT c.id, c.owner_station, c.escalated_from, s.parent_code AS owner_parent,"
        " f.parent_code AS from_parent FROM cases c"
        " LEFT JOIN stations s ON s.code = c.owner_station"
        " LEFT JOIN stations f ON f.code = c.escalated_from WHERE c.demo = 0"
    )
    if replica.level == "city":
        return {r["id"] for r in rows}
    mine = {replica.code}
    return {
        r["id"]
        for r in rows
        if mine & {r["owner_station"], r["escalated_from"]}
        or (replica.level == "township" and replica.code in (r["owner_parent"], r["from_parent"]))
    }


CASE_TABLES = ("cases", "parties", "case_events", "agreements", "mediation_sessions", "follow_ups")


def assert_converged(replicas: dict[str, Replica]) -> None:
    """Every station holds exactly its scope, and row for row, search for search and deadline
    for deadline the same as the city's copy."""
    city = replicas["city"].store
    for replica in replicas.values():
        assert replica.store.scalar("SELECT count(*) FROM outbox") == 0, replica.name
        scope = case_scope(city, replica)
        local_cases = {r["id"] for r in replica.store.query("SELECT id FROM cases WHERE demo = 0")}
        assert local_cases == scope, replica.name
        for table in CASE_TABLES:
            assert rows_of(replica.store, table, scope) == rows_of(city, table, scope), (
                replica.name,
                table,
            )
        case_nos = {
            r["case_no"] for r in city.query("SELECT case_no, id FROM cases") if r["id"] in scope
        }
        queries = [*NAMES, *FACTS, "139"]
        assert search_of(replica.store, queries, case_nos) == search_of(city, queries, case_nos)
        assert deadlines_of(replica.store, scope) == deadlines_of(city, scope), replica.name
