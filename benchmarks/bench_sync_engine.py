"""The station's sync engine end to end: first sync of N cases, an incremental round of 50, a
township pulling them all, against a live city server (SQLite file or PostgreSQL URL).

    python benchmarks/bench_sync_engine.py --cases 2000 [--db postgresql://...] [--out FILE]

The station's database is filled through the store (store.cases.add_case: every case with its
complainant and merchant, the outbox filled by the triggers, like the app); the token is kept
in an in-memory keyring. Each figure is one round of SyncEngine.run_once (hello, push, files,
pull, scope checksum); the CPU time is the station's own (time.process_time of this process;
the server runs apart), which the load of a shared machine disturbs less than the wall time.
Bytes on the wire are the request and answer bodies as they travelled
(gzip where the server lists it; HTTP headers not counted), from the engine's transport.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import keyring
from keyring.backend import KeyringBackend

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from city_server.db import make_engine  # noqa: E402
from city_server.schema import migrate  # noqa: E402
from city_server.stations import add_station  # noqa: E402
from station_app.domain import (  # noqa: E402
    Case,
    CaseKind,
    Channel,
    Party,
    Role,
    Station,
    StationLevel,
    User,
)
from station_app.store import Store, sync_state  # noqa: E402
from station_app.store.accounts import initialise_station  # noqa: E402
from station_app.store.cases import add_case  # noqa: E402
from station_app.sync.engine import connect  # noqa: E402
from station_app.sync.enrolment import enrol  # noqa: E402
from station_app.sync.protocol import row_digest  # noqa: E402


class _Keyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[service, username] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        self.values.pop((service, username), None)


def _serve(db: str) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "city_server", "serve", "--db", db, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/v1/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def _station(folder: Path, engine, url: str, code: str, level: str, parent: str | None) -> Store:  # noqa: ANN001
    folder.mkdir(parents=True)
    with engine.begin() as conn:
        enrol_code = add_station(conn, code, code, level, parent)
    store = Store(folder / "station.db")
    initialise_station(
        store,
        Station(code, code, StationLevel(level), parent_code=parent),
        User("adm_" + code.lower().replace("-", "_"), "管理员", Role.ADMIN, code),
        "bench-secret-123",
    )
    enrol(store, url, enrol_code)
    return store


def _add_cases(store: Store, code: str, count: int, offset: int = 0) -> float:
    from datetime import datetime

    started = time.perf_counter()
    for n in range(count):
        case = Case(
            kind=CaseKind.COMPLAINT,
            channel=Channel.WALK_IN,
            received_at=datetime(2026, 3, 2, 9, 30),
            complainants=[Party(name=f"张{n + offset}", phone=f"139{n + offset:08d}")],
            facts=f"购买的冰箱不制冷 {n + offset}",
            request="退货",
        )
        add_case(store, case, station_code=code, created_by="bench")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--db", help="PostgreSQL URL (default: a SQLite file)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    keyring.set_keyring(_Keyring())
    work = Path(tempfile.mkdtemp(prefix="bench-sync-engine-"))
    db = args.db or str(work / "city.db")
    engine = make_engine(db)
    migrate(engine)
    process, url = _serve(db)
    city = "B" + "".join(chr(ord("A") + int(c, 16) % 26) for c in uuid.uuid4().hex[:5])
    try:
        with engine.begin() as conn:
            add_station(conn, city, city, "city", None)
        township = _station(work / "t", engine, url, f"{city}-MT", "township", city)
        village = _station(work / "v", engine, url, f"{city}-MT-XC", "village", f"{city}-MT")
        build = _add_cases(village, f"{city}-MT-XC", args.cases)
        changes = village.scalar("SELECT count(*) FROM outbox")
        sync = connect(village, work / "v")
        wire = sync.transport
        started, cpu = time.perf_counter(), time.process_time()
        first = sync.run_once()
        first_s = time.perf_counter() - started
        first_cpu = time.process_time() - cpu
        first_up, first_down, first_plain = (
            wire.bytes_sent,
            wire.bytes_received,
            wire.plain_bytes_sent,
        )
        _add_cases(village, f"{city}-MT-XC", 50, offset=args.cases)
        stages: dict[str, float] = {}

        def note(progress) -> None:  # noqa: ANN001
            stages.setdefault(progress.stage, time.perf_counter())

        started = time.perf_counter()
        sync.run_once(note)
        incremental_s = time.perf_counter() - started
        check_s = stages["done"] - stages["check"]
        # The station's side of the checksum: from the kept digests after 50 more cases, and
        # reading every row (what each round did before migration 14; now the daily check).
        _add_cases(village, f"{city}-MT-XC", 50, offset=args.cases + 50)

        def station_side(full: bool) -> float:
            started = time.perf_counter()
            for table in sync_state.local_tables():
                fields = sync_state.checksum_fields(village, table)
                sync_state.scope_checksum(village, table, fields, row_digest, full=full)
            return time.perf_counter() - started

        kept_check_s = station_side(False)
        full_check_s = station_side(True)
        inc_up, inc_down = wire.bytes_sent - first_up, wire.bytes_received - first_down
        pull = connect(township, work / "t")
        started, cpu = time.perf_counter(), time.process_time()
        pulled = pull.run_once()
        pull_s = time.perf_counter() - started
        pull_cpu = time.process_time() - cpu
        lines = [
            f"## Station sync engine, {args.cases} cases, server over "
            f"{'PostgreSQL' if args.db else 'SQLite'}",
            "",
            "| figure | value |",
            "|---|---|",
            f"| cases made through the store | {args.cases} in {build:.1f} s |",
            f"| outbox changes of the first sync | {changes} |",
            f"| first sync (push, pull back, checksum) | {first_s:.2f} s, "
            f"{changes / first_s:,.0f} changes/s |",
            f"| the station's CPU time of the first sync, per 10,000 changes | "
            f"{first_cpu / changes * 10_000:.2f} s |",
            f"| bytes on the wire per case, first sync (bodies, gzip) | "
            f"{first_up / args.cases:,.0f} B sent ({first_plain / args.cases:,.0f} B as plain "
            f"JSON), {first_down / args.cases:,.0f} B received |",
            f"| incremental round of 50 new cases | {incremental_s:.2f} s "
            f"(scope checksum {check_s * 1000:.0f} ms of it) |",
            f"| the station's side of the checksum after 50 new cases: from the kept digests / "
            f"reading every row (before; now once a day) | {kept_check_s * 1000:.0f} ms / "
            f"{full_check_s * 1000:.0f} ms |",
            f"| bytes on the wire per case, incremental round | {inc_up / 50:,.0f} B sent, "
            f"{inc_down / 50:,.0f} B received |",
            f"| township's first pull of it all | {pull_s:.2f} s, {pulled.pulled} changes, "
            f"{pulled.pulled / pull_s:,.0f} changes/s |",
            f"| the township's CPU time of that pull, per 10,000 changes | "
            f"{pull_cpu / pulled.pulled * 10_000:.2f} s |",
            f"| checksums equal after the rounds | {first.checksum_ok and pulled.checksum_ok} |",
            "",
        ]
        text = "\n".join(lines)
        print(text)
        if args.out:
            args.out.write_text(text, encoding="utf-8")
        sync.close()
        pull.close()
    finally:
        process.terminate()
        process.wait(10)
        engine.dispose()


if __name__ == "__main__":
    main()
