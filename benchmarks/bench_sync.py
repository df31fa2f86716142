"""Sync benchmark of the city server (server side, without the station's client):

    python benchmarks/bench_sync.py --cases 100000 --stations 200 --out benchmarks/results/sync.md

1. First sync throughput: one station pushes `--cases` cases' worth of changes (each case a
   case row, a complainant and a registration event: three rows) in batches of `--batch`
   changes to a live server (`city-server serve`, a real uvicorn process), once over a SQLite
   file and once over PostgreSQL; rows accepted per second, wall clock of the whole push,
   and bytes on the wire per case (request bodies as sent, uncompressed JSON).
2. Many stations at once: `--stations` villages (under townships of 20) each push `--rounds`
   batches of 5 new cases and pull after each, all at the same time, against two server
   processes over one PostgreSQL; errors and p50/p95/max latency of every request.

PostgreSQL at 127.0.0.1:5432 (user postgres, trust, as scripts/setup.sh sets up): each run
creates its own database and drops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from city_server.db import make_engine  # noqa: E402
from city_server.schema import migrate  # noqa: E402
from city_server.stations import add_station  # noqa: E402
from station_app.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
HEADERS = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_url: str, workers: int = 1) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "city_server",
            "serve",
            "--db",
            db_url,
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start")


def enrol(db_url: str, url: str, code: str, level: str, parent: str | None) -> str:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        enrol_code = add_station(conn, code, code, level, parent)
    engine.dispose()
    answer = httpx.post(f"{url}/v1/enrol", json={"code": enrol_code}, headers=HEADERS, timeout=60)
    answer.raise_for_status()
    return answer.json()["token"]


def case_changes(station: str, n: int) -> list[dict]:
    now = "2026-11-30T08:00:00.000Z"
    out = []
    for i in range(n):
        case_id, party_id, event_id = (str(uuid.uuid4()) for _ in range(3))
        common = {"owner_station": station, "created_at": now, "updated_at": now, "deleted": 0}
        out += [
            {
                "table": "cases",
                "row_id": case_id,
                "op": "insert",
                "txid": case_id,
                "fields": {
                    "id": case_id,
                    "case_no": f"{station}-2026-{i:05d}",
                    "kind": "complaint",
                    "channel": "walk_in",
                    "status": "registered",
                    "received_at": "2026-11-30 08:00",
                    "merchant_name": "某某超市",
                    "category": "食品",
                    "amount_fen": 12990,
                    "request": "退款",
                    "facts": "购买的牛奶已过保质期，要求退货退款。",
                    **common,
                },
            },
            {
                "table": "parties",
                "row_id": party_id,
                "op": "insert",
                "txid": case_id,
                "fields": {
                    "id": party_id,
                    "case_id": case_id,
                    "role": "complainant",
                    "position": 0,
                    "name": "张三",
                    "phone": "13800001234",
                    "address": "河口村3组",
                    **common,
                },
            },
            {
                "table": "case_events",
                "row_id": event_id,
                "op": "insert",
                "txid": case_id,
                "fields": {
                    "id": event_id,
                    "case_id": case_id,
                    "action": "register",
                    "from_status": "",
                    "to_status": "registered",
                    "occurred_at": now,
                    "actor": "wang",
                    "actor_role": "clerk",
                    **common,
                },
            },
        ]
    return out


def throughput(db_url: str, cases: int, batch: int) -> dict:
    process, url = start_server(db_url)
    try:
        code = "B" + uuid.uuid4().hex[:6].upper()
        enrol(db_url, url, code, "city", None)  # a city station: no parent needed
        token = enrol(db_url, url, code + "-V", "city", None)
        station = code + "-V"
        headers = {
            **HEADERS,
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        }
        # Bodies are made before the clock starts: the client's cost is not the server's.
        changes = case_changes(station, cases)
        bodies = [
            json.dumps(
                {
                    "batch_id": str(uuid.uuid4()),
                    "station": station,
                    "changes": changes[i : i + batch],
                },
                ensure_ascii=False,
            ).encode()
            for i in range(0, len(changes), batch)
        ]
        sent = sum(len(b) for b in bodies)
        accepted = 0
        latencies = []
        with httpx.Client(timeout=600) as client:
            started = time.perf_counter()
            for body in bodies:
                t = time.perf_counter()
                answer = client.post(f"{url}/v1/push", content=body, headers=headers)
                latencies.append(time.perf_counter() - t)
                answer.raise_for_status()
                accepted += answer.json()["accepted"]
            elapsed = time.perf_counter() - started
        return {
            "rows": len(changes),
            "accepted": accepted,
            "seconds": elapsed,
            "rows_per_s": accepted / elapsed,
            "bytes_per_case": sent / cases,
            "batch_p50_ms": statistics.median(latencies) * 1000,
        }
    finally:
        process.terminate()
        process.wait()


async def many_stations(db_url: str, stations: int, rounds: int) -> dict:
    process_a, url_a = start_server(db_url)
    process_b, url_b = start_server(db_url)
    try:
        city = "M" + uuid.uuid4().hex[:5].upper()
        enrol(db_url, url_a, city, "city", None)
        villages = []
        engine = make_engine(db_url)
        codes = []
        with engine.begin() as conn:
            for t in range((stations + 19) // 20):
                township = f"{city}-T{t}"
                add_station(conn, township, township, "township", city)
                for v in range(min(20, stations - 20 * t)):
                    code = f"{city}-T{t}-V{v}"
                    codes.append((code, add_station(conn, code, code, "village", township)))
        engine.dispose()
        async with httpx.AsyncClient(
            timeout=120, limits=httpx.Limits(max_connections=400)
        ) as client:
            for i, (code, enrol_code) in enumerate(codes):
                url = (url_a, url_b)[i % 2]
                answer = await client.post(
                    f"{url}/v1/enrol", json={"code": enrol_code}, headers=HEADERS
                )
                villages.append((code, url, answer.json()["token"]))
            latencies: list[float] = []
            errors: list[str] = []

            async def station(code: str, url: str, token: str) -> None:
                headers = {**HEADERS, "Authorization": f"Bearer {token}"}
                cursor = 0
                for _ in range(rounds):
                    body = {
                        "batch_id": str(uuid.uuid4()),
                        "station": code,
                        "changes": case_changes(code, 5),
                    }
                    for request in ("push", "pull"):
                        t = time.perf_counter()
                        try:
                            if request == "push":
                                answer = await client.post(
                                    f"{url}/v1/push", json=body, headers=headers
                                )
                            else:
                                answer = await client.get(
                                    f"{url}/v1/pull", params={"after": cursor}, headers=headers
                                )
                        except httpx.HTTPError as error:
                            errors.append(repr(error))
                            continue
                        latencies.append(time.perf_counter() - t)
                        if answer.status_code != 200:
                            errors.append(f"{answer.status_code} {answer.text[:200]}")
                        elif request == "pull":
                            cursor = answer.json()["next_cursor"]

            started = time.perf_counter()
            await asyncio.gather(*(station(*v) for v in villages))
            elapsed = time.perf_counter() - started
        latencies.sort()
        return {
            "stations": stations,
            "requests": len(latencies) + len(errors),
            "errors": len(errors),
            "first_errors": errors[:3],
            "seconds": elapsed,
            "p50_ms": latencies[len(latencies) // 2] * 1000,
            "p95_ms": latencies[int(len(latencies) * 0.95)] * 1000,
            "max_ms": latencies[-1] * 1000,
        }
    finally:
        for p in (process_a, process_b):
            p.terminate()
            p.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=3000, help="changes per push batch")
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--stations-only",
        action="store_true",
        help="only the many-stations part (appended to --out)",
    )
    args = parser.parse_args()

    admin = psycopg.connect(PG_ADMIN, autocommit=True)
    name = f"bench_sync_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    pg_url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    folder = Path(tempfile.mkdtemp(prefix="bench_sync_"))
    results = {}
    try:
        for label, url in (("SQLite", str(folder / "city.db")), ("PostgreSQL", pg_url)):
            if args.stations_only:
                break
            migrate(make_engine(url))
            results[label] = throughput(url, args.cases, args.batch)
            print(label, results[label], flush=True)
        results["many"] = asyncio.run(many_stations(pg_url, args.stations, args.rounds))
        print("many", results["many"], flush=True)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)

    load = os.getloadavg()
    if args.stations_only:
        m = results["many"]
        text = (
            f"\n## {m['stations']} stations at once, again (`--stations-only`, "
            f"{datetime.now():%Y-%m-%d %H:%M}, load average {load[0]:.1f})\n\n"
            "| requests | errors | seconds | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|---|\n"
            f"| {m['requests']:,} | {m['errors']} | {m['seconds']:.1f} | {m['p50_ms']:.0f} "
            f"| {m['p95_ms']:.0f} | {m['max_ms']:.0f} |\n"
        )
        if m["first_errors"]:
            text += "\nFirst errors: " + "; ".join(m["first_errors"]) + "\n"
        print(text)
        if args.out:
            with args.out.open("a", encoding="utf-8") as out:
                out.write(text)
        return 0
    lines = [
        "# Sync benchmark results (city server)",
        "",
        f"Produced by `python benchmarks/bench_sync.py --cases {args.cases} --batch {args.batch} "
        f"--stations {args.stations} --rounds {args.rounds}`.",
        "",
        f"- machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average at the end {load[0]:.1f} (the machine was shared)",
        f"- date: {datetime.now():%Y-%m-%d %H:%M}",
        "",
        "## First sync: one station pushes its cases (3 rows per case)",
        "",
        "| database | cases | rows | seconds | rows/s | batch p50 ms | bytes/case sent | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label in ("SQLite", "PostgreSQL"):
        r = results[label]
        lines.append(
            f"| {label} | {args.cases:,} | {r['accepted']:,} | {r['seconds']:.1f} | {r['rows_per_s']:,.0f} "
            f"| {r['batch_p50_ms']:.0f} | {r['bytes_per_case']:.0f} | ≥ 20,000 rows/s "
            f"{'✅' if r['rows_per_s'] >= 20000 else '❌'} |"
        )
    m = results["many"]
    lines += [
        "",
        f"## {m['stations']} stations at once (two server processes over one PostgreSQL)",
        "",
        "| requests | errors | seconds | p50 ms | p95 ms | max ms | target |",
        "|---|---|---|---|---|---|---|",
        f"| {m['requests']:,} | {m['errors']} | {m['seconds']:.1f} | {m['p50_ms']:.0f} | {m['p95_ms']:.0f} "
        f"| {m['max_ms']:.0f} | 0 errors, p95 ≤ 500 ms "
        f"{'✅' if m['errors'] == 0 and m['p95_ms'] <= 500 else '❌'} |",
    ]
    if m["first_errors"]:
        lines += ["", "First errors: " + "; ".join(m["first_errors"])]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
