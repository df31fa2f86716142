"""Sync benchmark of the city server, with a minimal station pusher written on the protocol
module (station_app.sync.protocol) and httpx:

    python benchmarks/bench_sync.py --cases 100000 --stations 200 --out benchmarks/results/sync.md

1. First sync throughput: one station pushes `--cases` cases' worth of changes (each case a
   case row, a complainant and a registration event: three rows, with varied names, phones,
   amounts and facts) in batches of `--batch` changes to a live server (`city-server serve`,
   a real uvicorn process), once over a SQLite file and once over PostgreSQL; rows accepted
   per second over the whole push. Bodies are made before the clock starts (the client's
   cost is not the server's) with `encode_body` (gzip, as a station sends to a server that
   lists gzip in its encodings); bytes on the wire per case are the request bodies as sent,
   the plain JSON beside them.
2. Incremental sync on loopback, right after: the same station says hello, pushes 50 new
   cases and pulls every page after its cursor (seconds, median of `--incremental-runs`).
3. Many stations at once: `--stations` villages (under townships of 20) each say hello, then
   push `--rounds` batches of 5 new cases and pull after each, all starting at the same
   moment, against two server processes over one PostgreSQL. The stations are driven by
   `--client-processes` processes (asyncio + httpx, one connection per station) so that the
   client is not the bottleneck. Latency = one HTTP request, from sending it to having read
   the whole answer; errors = transport errors and non-200 answers; p50/p95/max over all
   requests (and per kind).
4. The lossy-link day (`--lossy`, needs root): a network namespace joined by a veth pair,
   `tc netem` on both ends (`--link`, default rate 100kbit delay 500ms loss 2% each way);
   the server listens on the root side, the pusher runs inside the namespace and sends a
   day's work of 50 cases with 5 photos each (`--photo-kb` random bytes, incompressible like
   JPEG) in one batch per case, each photo uploaded in 64 KB chunks; every request is retried
   with backoff and an upload resumes from the offset the server reports. Afterwards the
   server's rows and files are checked: nothing lost, nothing doubled.

PostgreSQL at 127.0.0.1:5432 (user postgres, trust, as scripts/setup.sh sets up): each run
creates its own database and drops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import hashlib
import multiprocessing
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import httpx
import orjson
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from city_server.db import make_engine  # noqa: E402
from city_server.schema import migrate  # noqa: E402
from city_server.stations import add_station  # noqa: E402
from station_app.store.chain import GENESIS, row_hash  # noqa: E402
from station_app.sync.protocol import (  # noqa: E402
    ACCEPT_GZIP,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    dumps_bytes,
    encode_body,
)

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
HEADERS = {PROTOCOL_HEADER: str(PROTOCOL_VERSION), **ACCEPT_GZIP}
NETNS = "syncbench"
VETH_HOST, VETH_NS = "sbveth0", "sbveth1"
HOST_IP, NS_IP = "10.231.7.1", "10.231.7.2"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def start_server(
    db_url: str, workers: int = 1, host: str = "127.0.0.1"
) -> tuple[subprocess.Popen, str]:
    port = free_port(host)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "city_server",
            "serve",
            "--db",
            db_url,
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        cwd=ROOT,
    )
    url = f"http://{host}:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def enrol(db_url: str, url: str, code: str, level: str, parent: str | None) -> str:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        enrol_code = add_station(conn, code, code, level, parent)
    engine.dispose()
    answer = httpx.post(f"{url}/v1/enrol", json={"code": enrol_code}, headers=HEADERS, timeout=60)
    answer.raise_for_status()
    return answer.json()["token"]


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
GOODS = ["牛奶", "电动车电池", "手机", "化肥", "种子", "羽绒服", "电饭煲", "农药", "燃气灶", "白酒"]
PROBLEMS = ["已过保质期", "使用三天后损坏", "与宣传不符", "以次充好", "价格欺诈", "拒不退换"]
REQUESTS = ["退款", "退货退款", "更换", "赔偿损失", "三倍赔偿"]
MERCHANTS = ["某某超市", "惠民农资店", "天天数码", "兴旺家电", "福源商贸", "村口便利店"]
CATEGORIES = ["食品", "家用电器", "通讯器材", "农资", "服装鞋帽", "交通工具"]


# The last entry of each station's hash chain of case events (station_app/store/chain.py).
_CHAIN_HEADS: dict[str, tuple[int, str]] = {}


def _sealed(fields: dict) -> dict:
    """An event sealed into its station's chain as the station's store seals it."""
    seq, previous = _CHAIN_HEADS.get(fields["owner_station"], (0, GENESIS))
    fields.update(chain_seq=seq + 1, prev_hash=previous)
    fields["row_hash"] = row_hash("case_events", fields)
    _CHAIN_HEADS[fields["owner_station"]] = (seq + 1, fields["row_hash"])
    return fields


def case_changes(station: str, n: int, rng: random.Random, start: int = 0) -> list[dict]:
    """`n` registered cases as a station's outbox sends them: a case, its complainant and the
    registration event per case (sealed into the station's hash chain), one station
    transaction each."""
    out = []
    for i in range(start, start + n):
        case_id, party_id, event_id = (str(uuid.uuid4()) for _ in range(3))
        now = f"2026-11-{rng.randint(1, 30):02d}T{rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}:00.000Z"
        common = {"owner_station": station, "created_at": now, "updated_at": now, "deleted": 0}
        meta = {"txid": case_id, "origin_station": station, "row_version": 1, "changed_at": now}
        goods = rng.choice(GOODS)
        out += [
            {
                "table": "cases",
                "row_id": case_id,
                "op": "insert",
                **meta,
                "fields": {
                    "id": case_id,
                    "case_no": f"{station}-2026-{i:05d}",
                    "kind": "complaint",
                    "channel": rng.choice(["walk_in", "phone", "12315"]),
                    "status": "registered",
                    "received_at": now[:16].replace("T", " "),
                    "merchant_name": rng.choice(MERCHANTS),
                    "category": rng.choice(CATEGORIES),
                    "amount_fen": rng.randint(500, 500_000),
                    "request": rng.choice(REQUESTS),
                    "facts": f"{rng.randint(1, 28)}日在该店购买的{goods}{rng.choice(PROBLEMS)}，"
                    f"要求{rng.choice(REQUESTS)}。",
                    **common,
                },
            },
            {
                "table": "parties",
                "row_id": party_id,
                "op": "insert",
                **meta,
                "fields": {
                    "id": party_id,
                    "case_id": case_id,
                    "role": "complainant",
                    "position": 0,
                    "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN]),
                    "phone": f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}",
                    "address": f"{rng.choice(['河口', '新庄', '柳树', '石桥'])}村{rng.randint(1, 12)}组",
                    **common,
                },
            },
            {
                "table": "case_events",
                "row_id": event_id,
                "op": "insert",
                **meta,
                "fields": _sealed(
                    {
                        "id": event_id,
                        "case_id": case_id,
                        "action": "register",
                        "from_status": "",
                        "to_status": "registered",
                        "occurred_at": now,
                        "actor": rng.choice(["wang", "li", "zhang"]),
                        "actor_role": "clerk",
                        "note": "",
                        "details": "{}",
                        **common,
                    }
                ),
            },
        ]
    return out


def batch_body(station: str, changes: list[dict]) -> dict:
    return {"batch_id": str(uuid.uuid4()), "station": station, "changes": changes}


def throughput(db_url: str, cases: int, batch: int, incremental_runs: int) -> dict:
    process, url = start_server(db_url)
    try:
        station = "B" + uuid.uuid4().hex[:6].upper()
        token = enrol(db_url, url, station, "city", None)  # a city station: no parent needed
        headers = {**HEADERS, "Authorization": f"Bearer {token}"}
        rng = random.Random(1)
        changes = case_changes(station, cases, rng)
        plain = 0
        bodies = []
        for i in range(0, len(changes), batch):
            value = batch_body(station, changes[i : i + batch])
            plain += len(dumps_bytes(value))
            bodies.append(encode_body(value))
        sent = sum(len(b) for b, _ in bodies)
        accepted = 0
        latencies = []
        with httpx.Client(timeout=600) as client:
            load = os.getloadavg()[0]
            cpu = _cpu_seconds(process.pid)
            started = time.perf_counter()
            for body, body_headers in bodies:
                t = time.perf_counter()
                answer = client.post(
                    f"{url}/v1/push", content=body, headers={**headers, **body_headers}
                )
                latencies.append(time.perf_counter() - t)
                answer.raise_for_status()
                accepted += answer.json()["accepted"]
            elapsed = time.perf_counter() - started
            cpu = _cpu_seconds(process.pid) - cpu
            cursor = answer.json()["last_seq"]
            incremental = [
                incremental_sync(client, url, headers, station, rng, cases + 50 * k, cursor)
                for k in range(incremental_runs)
            ]
        return {
            "rows": len(changes),
            "accepted": accepted,
            "seconds": elapsed,
            "rows_per_s": accepted / elapsed,
            "server_cpu_s": cpu,
            # CPU seconds of the server process per 100,000 rows: what the server's code
            # costs, robust to other work on the machine (the wall clock is not).
            "server_cpu_s_per_100k_rows": cpu / accepted * 100_000,
            "load_before": load,
            "bytes_per_case": sent / cases,
            "plain_bytes_per_case": plain / cases,
            "batch_p50_ms": statistics.median(latencies) * 1000,
            "incremental": incremental,
        }
    finally:
        stop(process)


def incremental_sync(
    client: httpx.Client,
    url: str,
    headers: dict,
    station: str,
    rng: random.Random,
    start: int,
    cursor: int,
) -> dict:
    """hello, push 50 new cases, pull every page after the cursor: one sync of a day's work."""
    body, body_headers = encode_body(batch_body(station, case_changes(station, 50, rng, start)))
    started = time.perf_counter()
    client.get(f"{url}/v1/hello", headers=headers).raise_for_status()
    answer = client.post(f"{url}/v1/push", content=body, headers={**headers, **body_headers})
    answer.raise_for_status()
    assert answer.json()["accepted"] == 150, answer.text[:300]
    pulled = 0
    while True:
        page = client.get(f"{url}/v1/pull", params={"after": cursor}, headers=headers)
        page.raise_for_status()
        data = page.json()
        pulled += len(data["changes"])
        cursor = data["next_cursor"]
        if not data["has_more"]:
            break
    return {"seconds": time.perf_counter() - started, "pulled": pulled, "bytes": len(body)}


# -- many stations ------------------------------------------------------------------------------


def _station_worker(args: tuple) -> dict:
    """One client process: drive its share of the stations with asyncio, starting together at
    `start_at` (wall clock), or each at its own moment within `spread` seconds after it;
    returns every request's latency and every error."""
    villages, rounds, start_at, seed, spread = args
    return asyncio.run(_drive_stations(villages, rounds, start_at, seed, spread))


def machine_speed() -> float:
    """CPU seconds of a fixed pure-Python loop (10,000,000 additions), best of three: figures
    of runs on different machines compare only through it (machines of this workplace
    differed by a factor of three)."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        total = 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.process_time() - started)
    return best


class LeanConnection:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams, for driving many stations
    from few processes: httpx cost the client 4 ms of CPU per request, more than the server
    and PostgreSQL together, on the same two cores. It speaks just what the server answers
    (Content-Length or chunked bodies, gzip)."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        self.address = (host, int(port))
        self.head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": host, **headers}.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(*self.address)
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        try:
            self.writer.write(
                f"{method} {path} HTTP/1.1\r\n{self.head}{extra}"
                f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            head = await self.reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            fields = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    fields[name.strip().lower()] = value.strip()
            if fields.get("transfer-encoding") == "chunked":
                parts = []
                while True:
                    size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                    parts.append(await self.reader.readexactly(size + 2))
                    if size == 0:
                        break
                data = b"".join(p[:-2] for p in parts)
            else:
                data = await self.reader.readexactly(int(fields.get("content-length", "0")))
            if fields.get("content-encoding") == "gzip":
                data = gzip.decompress(data)
            if fields.get("connection") == "close":
                self.close()
            return status, data
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _drive_stations(
    villages: list, rounds: int, start_at: float, seed: int, spread: float = 0.0
) -> dict:
    latencies: list[tuple[str, float]] = []
    errors: list[str] = []
    rng = random.Random(seed)
    prepared = {
        code: [
            encode_body(batch_body(code, case_changes(code, 5, rng, 5 * r))) for r in range(rounds)
        ]
        for code, _url, _token in villages
    }

    # Each station's own moment within the spread (0: all at the same instant).
    offsets = {code: rng.uniform(0, spread) for code, _url, _token in villages}

    async def station(code: str, url: str, token: str) -> None:
        # One connection per station, as a station PC has.
        client = LeanConnection(url, {**HEADERS, "Authorization": f"Bearer {token}"})
        await asyncio.sleep(max(0.0, start_at + offsets[code] - time.time()))

        async def timed(kind: str, *args, **kwargs) -> bytes | None:  # noqa: ANN002, ANN003
            t = time.perf_counter()
            try:
                status, data = await client.request(*args, **kwargs)
            except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                errors.append(f"{kind}: {error!r}")
                return None
            latencies.append((kind, time.perf_counter() - t))
            if status != 200:
                errors.append(f"{kind}: {status} {data[:200]!r}")
                return None
            return data

        await timed("hello", "GET", "/v1/hello")
        cursor = 0
        for body, body_headers in prepared[code]:
            await timed("push", "POST", "/v1/push", body, body_headers)
            while True:
                data = await timed("pull", "GET", f"/v1/pull?after={cursor}")
                if data is None:
                    break
                page = orjson.loads(data)
                cursor = page["next_cursor"]
                if not page["has_more"]:
                    break
        client.close()

    await asyncio.sleep(max(0.0, start_at - time.time()))
    cpu = time.process_time()
    await asyncio.gather(*(station(*v) for v in villages))
    return {
        "latencies": latencies,
        "errors": errors,
        "finished": time.time(),
        "cpu": time.process_time() - cpu,
    }


def _postgresql_cpu_seconds() -> float | None:
    """CPU time of the local PostgreSQL's backends that have ended (the postmaster's children,
    user + system), None when no local postmaster is found: read before the many stations
    start and after their servers stopped (their connections' backends then ended)."""
    found = subprocess.run(["pgrep", "-o", "-x", "postgres"], capture_output=True, text=True)
    if not found.stdout.strip():
        return None
    try:
        fields = Path(f"/proc/{found.stdout.split()[0]}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000


def many_stations(
    db_url: str, stations: int, rounds: int, client_processes: int, spread: float = 0.0
) -> dict:
    database_before = _postgresql_cpu_seconds()
    process_a, url_a = start_server(db_url)
    process_b, url_b = start_server(db_url)
    out: dict = {}
    try:
        city = "M" + uuid.uuid4().hex[:5].upper()
        enrol(db_url, url_a, city, "city", None)
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
        villages = []
        with httpx.Client(timeout=60) as client:
            for i, (code, enrol_code) in enumerate(codes):
                url = (url_a, url_b)[i % 2]
                answer = client.post(f"{url}/v1/enrol", json={"code": enrol_code}, headers=HEADERS)
                answer.raise_for_status()
                villages.append((code, url, answer.json()["token"]))
        start_at = time.time() + 5.0  # every process ready, bodies made
        server_pids = [process_a.pid, process_b.pid]
        servers_before = sum(map(_cpu_seconds, server_pids))
        load = os.getloadavg()[0]
        shares = [
            (villages[i::client_processes], rounds, start_at, i, spread)
            for i in range(client_processes)
        ]
        with multiprocessing.get_context("spawn").Pool(client_processes) as pool:
            parts = pool.map(_station_worker, shares)
        elapsed = max(p["finished"] for p in parts) - start_at
        requests_per_s = sum(len(p["latencies"]) for p in parts) / elapsed
        server_cpu = sum(map(_cpu_seconds, server_pids))
        latencies = [x for p in parts for x in p["latencies"]]
        errors = [x for p in parts for x in p["errors"]]
        every = [s for _k, s in latencies]
        out = {
            "stations": stations,
            "spread": spread,
            "requests_per_s": requests_per_s,
            "requests": len(latencies) + len(errors),
            "errors": len(errors),
            "first_errors": errors[:3],
            "seconds": elapsed,
            "p50_ms": _pct(every, 0.5),
            "p95_ms": _pct(every, 0.95),
            "max_ms": max(every) * 1000,
            "load_before": load,
            "kinds": {},
            # CPU per request of the server processes and of the client processes
            # (PostgreSQL's backends come and go with the pools' overflow: not counted).
            "cpu_ms_per_request": {
                "servers": (server_cpu - servers_before) / len(latencies) * 1000,
                "clients": sum(p["cpu"] for p in parts) / len(latencies) * 1000,
            },
        }
        for kind in ("hello", "push", "pull"):
            some = [s for k, s in latencies if k == kind]
            if some:
                out["kinds"][kind] = {
                    "n": len(some),
                    "p50_ms": _pct(some, 0.5),
                    "p95_ms": _pct(some, 0.95),
                }
    finally:
        for p in (process_a, process_b):
            stop(p)
    database_after = _postgresql_cpu_seconds()
    if database_before is not None and database_after is not None and out.get("requests"):
        # Enrolment included (its 200 requests are few beside the burst's work).
        out["cpu_ms_per_request"]["postgresql"] = (
            (database_after - database_before) / out["requests"] * 1000
        )
    return out


# -- the lossy-link day ---------------------------------------------------------------------------


def _run(*command: str, check: bool = True) -> None:
    subprocess.run(command, check=check, capture_output=not check)


def netns_up(link: str) -> str:
    """The namespace and its veth pair with the link on both ends: `tc netem` where the
    kernel has it; else (a kernel without sch_netem, like this machine's) the rate by `tc tbf`
    on both ends and the delay and loss by the relay in the pusher (`LinkRelay`). Returns
    "netem" or "tbf+relay"."""
    netns_down()
    _run("ip", "netns", "add", NETNS)
    _run("ip", "link", "add", VETH_HOST, "type", "veth", "peer", "name", VETH_NS)
    _run("ip", "link", "set", VETH_NS, "netns", NETNS)
    _run("ip", "addr", "add", f"{HOST_IP}/24", "dev", VETH_HOST)
    _run("ip", "link", "set", VETH_HOST, "up")
    inside = ("ip", "netns", "exec", NETNS)
    _run(*inside, "ip", "addr", "add", f"{NS_IP}/24", "dev", VETH_NS)
    _run(*inside, "ip", "link", "set", VETH_NS, "up")
    _run(*inside, "ip", "link", "set", "lo", "up")
    netem = subprocess.run(
        ("tc", "qdisc", "add", "dev", VETH_HOST, "root", "netem", *link.split()),
        capture_output=True,
    )
    if netem.returncode == 0:
        _run(*inside, "tc", "qdisc", "add", "dev", VETH_NS, "root", "netem", *link.split())
        return "netem"
    rate = link.split()[link.split().index("rate") + 1]
    tbf = ("root", "tbf", "rate", rate, "burst", "1600", "latency", "2s")
    _run("tc", "qdisc", "add", "dev", VETH_HOST, *tbf)
    _run(*inside, "tc", "qdisc", "add", "dev", VETH_NS, *tbf)
    return "tbf+relay"


def link_delay_loss(link: str) -> tuple[float, float]:
    words = link.split()
    delay = float(words[words.index("delay") + 1].removesuffix("ms")) / 1000
    loss = float(words[words.index("loss") + 1].removesuffix("%")) / 100
    return delay, loss


class LinkRelay:
    """A TCP relay in front of the server, inside the namespace, for a kernel without netem:
    every segment (1,460 bytes) is delivered `delay` seconds after it was read, in order,
    each way; a segment is lost with probability `loss` and costs what TCP pays to resend it
    (one retransmission timeout, 1 s, holding back what follows); and a connection is cut
    outright now and then (`cut`, per segment), which a station's client must survive."""

    SEGMENT = 1460
    RTO = 1.0

    def __init__(self, target: str, delay: float, loss: float, cut: float = 0.002) -> None:
        host, port = target.rsplit(":", 1)
        self.target = (host.removeprefix("http://"), int(port))
        self.delay, self.loss, self.cut = delay, loss, cut
        self.rng = random.Random(11)
        self.lost = 0
        self.cuts = 0
        self.port = free_port()
        ready = threading.Event()
        threading.Thread(target=self._serve, args=(ready,), daemon=True).start()
        ready.wait()

    def _serve(self, ready: threading.Event) -> None:
        async def main() -> None:
            server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
            ready.set()
            async with server:
                await server.serve_forever()

        asyncio.run(main())

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        ends = (writer, up_writer)
        await asyncio.gather(
            self._pipe(reader, up_writer, ends), self._pipe(up_reader, writer, ends)
        )

    async def _pipe(self, reader, writer, ends) -> None:  # noqa: ANN001
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if data is None:
                    break
                await asyncio.sleep(max(0.0, due - loop.time()))
                try:
                    writer.write(data)
                    await writer.drain()
                except (ConnectionError, RuntimeError):
                    break
            with contextlib.suppress(Exception):
                writer.close()

        sender = asyncio.create_task(deliver())
        last_due = 0.0
        try:
            while True:
                data = await reader.read(self.SEGMENT)
                if not data:
                    break
                if self.rng.random() < self.cut:
                    self.cuts += 1
                    for end in ends:
                        end.transport.abort()
                    break
                due = max(loop.time() + self.delay, last_due)
                if self.rng.random() < self.loss:
                    self.lost += 1
                    due += self.RTO
                last_due = due
                await queue.put((due, data))
        except (ConnectionError, OSError):
            pass
        await queue.put((0.0, None))
        await sender


def netns_down() -> None:
    _run("ip", "link", "del", VETH_HOST, check=False)
    _run("ip", "netns", "del", NETNS, check=False)


def lossy_day(db_path: str, link: str, cases: int, photos: int, photo_kb: int) -> dict:
    mode = netns_up(link)
    process = None
    try:
        process, url = start_server(db_path, host=HOST_IP)
        station = "L" + uuid.uuid4().hex[:5].upper()
        token = enrol(db_path, url, station, "city", None)
        t = time.perf_counter()
        run = subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                NETNS,
                sys.executable,
                __file__,
                "--pusher",
                url,
                token,
                station,
                str(cases),
                str(photos),
                str(photo_kb),
                link if mode == "tbf+relay" else "",
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        elapsed = time.perf_counter() - t
        if run.returncode != 0:
            raise RuntimeError(f"the pusher failed: {run.stderr[-2000:]}")
        report = eval(run.stdout.strip().splitlines()[-1])  # noqa: S307 - our own child's repr
        # Check what the server holds, from the root namespace (no netem on this path).
        headers = {**HEADERS, "Authorization": f"Bearer {token}"}
        missing = []
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            for table, row_id in report["rows"]:
                if client.get(f"/v1/rows/{table}/{row_id}").status_code != 200:
                    missing.append(row_id)
            for sha in report["photos"]:
                got = client.get(f"/v1/attachments/{sha}/content")
                if got.status_code != 200 or hashlib.sha256(got.content).hexdigest() != sha:
                    missing.append(sha)
            server_changes = 0
            cursor = 0
            while True:
                page = client.get("/v1/pull", params={"after": cursor, "limit": 5000}).json()
                server_changes += len(page["changes"])
                cursor = page["next_cursor"]
                if not page["has_more"]:
                    break
        return {
            **{k: v for k, v in report.items() if k not in ("rows", "photos")},
            "mode": mode,
            "seconds": elapsed,
            "rows": len(report["rows"]),
            "photos": len(report["photos"]),
            "missing": len(missing),
            "server_changes": server_changes,
        }
    finally:
        if process is not None:
            stop(process)
        netns_down()


def pusher(
    url: str,
    token: str,
    station: str,
    cases: int,
    photos: int,
    photo_kb: int,
    relay_link: str = "",
    uploads: int = 4,
) -> None:
    """The station side of the lossy-link day, inside the namespace: one batch per case (its
    rows and its photos' evidence rows), then every photo in chunks; every request retried
    with backoff, an interrupted upload resumed where the server says it stopped."""
    rng = random.Random(7)
    headers = {**HEADERS, "Authorization": f"Bearer {token}"}
    stats = {"retries": 0, "duplicates": 0, "chunks_resent": 0}
    relay = None
    if relay_link:
        relay = LinkRelay(url, *link_delay_loss(relay_link))
        url = f"http://127.0.0.1:{relay.port}"
    local = threading.local()

    def call(method: str, path: str, **kwargs) -> httpx.Response:  # noqa: ANN003
        if not hasattr(local, "client"):  # one connection per uploading thread
            local.client = httpx.Client(
                base_url=url, headers=headers, timeout=httpx.Timeout(60, connect=20)
            )
        delay = 1.0
        for _attempt in range(30):
            try:
                answer = local.client.request(method, path, **kwargs)
                if answer.status_code < 500:
                    return answer
            except httpx.TransportError:
                pass
            stats["retries"] += 1
            time.sleep(delay)
            delay = min(delay * 2, 30)
        raise RuntimeError(f"{method} {path}: no answer after 30 attempts")

    client_rows: list[tuple[str, str]] = []
    files: dict[str, bytes] = {}
    encodings = call("GET", "/v1/hello").json().get("encodings", [])
    for i in range(cases):
        changes = case_changes(station, 1, rng, i)
        case_id = changes[0]["row_id"]
        for p in range(photos):
            data = rng.randbytes(photo_kb * 1024)
            sha = hashlib.sha256(data).hexdigest()
            files[sha] = data
            evidence_id = str(uuid.uuid4())
            changes.append(
                {
                    "table": "evidence",
                    "row_id": evidence_id,
                    "op": "insert",
                    "txid": case_id,
                    "origin_station": station,
                    "row_version": 1,
                    "fields": {
                        "id": evidence_id,
                        "case_id": case_id,
                        "description": f"照片{p + 1}",
                        "file_name": f"photo{p + 1}.jpg",
                        "sha256": sha,
                        "size": len(data),
                        "owner_station": station,
                    },
                }
            )
        client_rows += [(c["table"], c["row_id"]) for c in changes]
        body, body_headers = encode_body(
            batch_body(station, changes), compress_body="gzip" in encodings
        )
        answer = call("POST", "/v1/push", content=body, headers=body_headers)
        answer.raise_for_status()
        result = answer.json()
        stats["duplicates"] += bool(result["duplicate"])
        if result["accepted"] != len(changes):
            raise RuntimeError(f"case {i}: {result}")
    chunk = 64 * 1024

    def upload(sha: str) -> None:
        data = files[sha]
        status = call(
            "POST",
            "/v1/attachments",
            json={"sha256": sha, "size": len(data), "filename": "photo.jpg"},
        ).json()
        offset = status["received"]
        while not status["complete"]:
            answer = call(
                "PUT",
                f"/v1/attachments/{sha}",
                params={"offset": offset},
                content=data[offset : offset + chunk],
            )
            if answer.status_code == 409:  # the server has another offset: resume from there
                stats["chunks_resent"] += 1
                status = call("GET", f"/v1/attachments/{sha}").json()
            else:
                answer.raise_for_status()
                status = answer.json()
            offset = status["received"]

    # A few uploads at once, as a station's uploader does: the link's delay is paid per
    # request, its bandwidth is shared.
    with ThreadPoolExecutor(max_workers=uploads) as pool:
        list(pool.map(upload, files))
    if relay is not None:
        stats.update(segments_lost=relay.lost, connections_cut=relay.cuts)
    print({**stats, "rows": client_rows, "photos": sorted(files)})


# -- report ---------------------------------------------------------------------------------------


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--pusher":
        url, token, station, cases, photos, photo_kb, relay_link = sys.argv[2:9]
        pusher(url, token, station, int(cases), int(photos), int(photo_kb), relay_link)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=3000, help="changes per push batch")
    parser.add_argument("--incremental-runs", type=int, default=5)
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument(
        "--spread",
        type=float,
        default=0.0,
        help="also run the many stations each starting at a random moment within this many "
        "seconds (as background sync timers spread them); 0: only all at one instant",
    )
    parser.add_argument("--lossy", action="store_true", help="also the lossy-link day (root)")
    parser.add_argument("--link", default="rate 100kbit delay 500ms loss 2%")
    parser.add_argument("--photo-kb", type=int, default=20)
    parser.add_argument("--lossy-cases", type=int, default=50)
    parser.add_argument(
        "--skip", default="", help="comma list of parts to leave out: sqlite,postgresql,many"
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))

    speed = machine_speed()
    before = os.getloadavg()
    admin = psycopg.connect(PG_ADMIN, autocommit=True)
    name = f"bench_sync_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    pg_url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    folder = Path(tempfile.mkdtemp(prefix="bench_sync_"))
    results: dict = {}
    try:
        for label, url in (("SQLite", str(folder / "city.db")), ("PostgreSQL", pg_url)):
            if label.lower() in skip:
                continue
            migrate(make_engine(url))
            results[label] = throughput(url, args.cases, args.batch, args.incremental_runs)
            print(label, {k: v for k, v in results[label].items()}, flush=True)
        if "many" not in skip:
            migrate(make_engine(pg_url))
            # The first sync just wrote 300,000 rows here: autovacuum would analyze and vacuum
            # them during the burst (its CPU counted with the backends'); a city's database
            # meets its stations as autovacuum leaves it, so that is done first.
            with psycopg.connect(pg_url, autocommit=True) as conn:
                conn.execute("VACUUM (ANALYZE)")
            results["many"] = many_stations(
                pg_url, args.stations, args.rounds, args.client_processes
            )
            print("many", results["many"], flush=True)
            if args.spread > 0:
                results["many_spread"] = many_stations(
                    pg_url, args.stations, args.rounds, args.client_processes, args.spread
                )
                print("many_spread", results["many_spread"], flush=True)
        if args.lossy:
            lossy_db = str(folder / "lossy.db")
            migrate(make_engine(lossy_db))
            results["lossy"] = lossy_day(lossy_db, args.link, args.lossy_cases, 5, args.photo_kb)
            print("lossy", results["lossy"], flush=True)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)
    after = os.getloadavg()
    text = report(args, results, before, after, speed)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


def report(
    args: argparse.Namespace, results: dict, before: tuple, after: tuple, speed: float
) -> str:
    lines = [
        "# Sync benchmark results (city server)",
        "",
        f"Produced by `python benchmarks/bench_sync.py --cases {args.cases} --batch {args.batch} "
        f"--stations {args.stations} --rounds {args.rounds} --client-processes {args.client_processes}"
        f"{f' --spread {args.spread:g}' if args.spread else ''}{' --lossy' if args.lossy else ''}`.",
        "",
        f"- machine: {os.cpu_count()} CPUs, Python {platform.python_version()}; load average "
        f"(1 min) {before[0]:.1f} before, {after[0]:.1f} after (the machine is shared)",
        f"- machine speed: a 10,000,000-step Python loop takes {speed:.2f} s of CPU "
        "(`machine_speed()`; compare figures of different machines through it)",
        f"- date: {datetime.now():%Y-%m-%d %H:%M}",
        "",
    ]
    firsts = [label for label in ("SQLite", "PostgreSQL") if label in results]
    if firsts:
        lines += [
            "## First sync: one station pushes its cases (3 rows per case), then incremental syncs",
            "",
            "| database | cases | rows | seconds | rows/s (≥ 20,000) | server CPU s | server CPU s per 100k rows | load (1 min) at start | batch p50 ms | bytes/case sent, gzip (≤ 400) | plain JSON bytes/case | incremental 50 cases, s (≤ 1) |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]

        def mark(ok: bool) -> str:
            return "✅" if ok else "❌"

        for label in firsts:
            r = results[label]
            inc = statistics.median(x["seconds"] for x in r["incremental"])
            lines.append(
                f"| {label} | {args.cases:,} | {r['accepted']:,} | {r['seconds']:.1f} "
                f"| {r['rows_per_s']:,.0f} {mark(r['rows_per_s'] >= 20000)} "
                f"| {r['server_cpu_s']:.1f} | {r['server_cpu_s_per_100k_rows']:.2f} "
                f"| {r['load_before']:.1f} | {r['batch_p50_ms']:.0f} "
                f"| {r['bytes_per_case']:.0f} {mark(r['bytes_per_case'] <= 400)} "
                f"| {r['plain_bytes_per_case']:.0f} | {inc:.3f} {mark(inc <= 1)} |"
            )
        lines.append("")
    for part in ("many", "many_spread"):
        if part not in results:
            continue
        m = results[part]
        ok = m["errors"] == 0 and m["p95_ms"] <= 500
        when = f"each starting within {m['spread']:g} s" if m["spread"] else "at once"
        lines += [
            f"## {m['stations']} stations {when} (two server processes over one PostgreSQL)",
            "",
            "| requests | errors | seconds | requests/s | p50 ms | p95 ms | max ms | target |",
            "|---|---|---|---|---|---|---|---|",
            f"| {m['requests']:,} | {m['errors']} | {m['seconds']:.1f} | {m['requests_per_s']:.0f} "
            f"| {m['p50_ms']:.0f} | {m['p95_ms']:.0f} "
            f"| {m['max_ms']:.0f} | 0 errors, p95 ≤ 500 ms {'✅' if ok else '❌'} |",
            "",
            "| request | count | p50 ms | p95 ms |",
            "|---|---|---|---|",
        ]
        for kind, k in m["kinds"].items():
            lines.append(f"| {kind} | {k['n']} | {k['p50_ms']:.0f} | {k['p95_ms']:.0f} |")
        c = m["cpu_ms_per_request"]
        lines += [
            "",
            f"CPU per request: {c['servers']:.2f} ms in the two server processes, "
            f"{c['clients']:.2f} ms in the client processes, "
            + (
                f"{c['postgresql']:.2f} ms in PostgreSQL's backends; "
                if "postgresql" in c
                else "PostgreSQL not counted (no local postmaster); "
            )
            + f"load average (1 min) {m['load_before']:.1f} at the start.",
        ]
        if m["first_errors"]:
            lines += ["", "First errors: " + "; ".join(m["first_errors"])]
        lines.append("")
    if "lossy" in results:
        r = results["lossy"]
        ok = r["missing"] == 0
        lines += [
            f"## The lossy-link day ({args.link}, each way; emulated by {r['mode']})",
            "",
            "| cases | rows pushed | photos | photo KB | minutes | request retries | segments lost | connections cut | resumed chunks | missing on the server | target |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
            f"| {args.lossy_cases} | {r['rows']} | {r['photos']} | {args.photo_kb} | {r['seconds'] / 60:.1f} "
            f"| {r['retries']} | {r.get('segments_lost', '–')} | {r.get('connections_cut', '–')} "
            f"| {r['chunks_resent']} | {r['missing']} | nothing lost {'✅' if ok else '❌'} |",
            "",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
