"""Case-book benchmark: build a large demo database, then time search, save, list and memory.

    python benchmarks/bench_casebook.py --cases 1000000 --db benchmarks/results/bench.db

An existing database with exactly --cases demo cases is reused. The build runs in a child
process, so the peak memory reported for the measurements is that of a process that only
opens the database and uses it the way the app does.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from station_app.demo import ensure_demo_station, fill_demo  # noqa: E402
from station_app.domain import CaseKind  # noqa: E402
from station_app.intake import register_cases  # noqa: E402
from station_app.store import Store, driver  # noqa: E402
from station_app.store.case_list import (  # noqa: E402
    CaseFilter,
    SortKey,
    case_ids,
    case_ids_query,
    case_rows,
    search_cases,
)

BENCH_USER = "bench"  # cases saved by the benchmark are created by this name
TARGETS = {"search_p95_ms": 20.0, "save_ms": 10.0, "peak_mib": 300.0}
SURNAME_QUERIES = "张王李刘陈杨黄吴徐胡周赵罗"


# --------------------------------------------------------------------------- helpers


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def db_files(path: Path) -> list[Path]:
    return [path, Path(f"{path}-wal"), Path(f"{path}-shm")]


def demo_case_count(path: Path) -> int | None:
    """Cases made by the demo fill (not by this benchmark's saves), or None if no usable DB."""
    if not path.exists():
        return None
    try:
        with Store(path, migrate=False) as store:
            return store.scalar("SELECT count(*) FROM cases WHERE created_by != ?", (BENCH_USER,))
    except Exception:  # noqa: BLE001 - any unreadable file is simply rebuilt
        return None


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# --------------------------------------------------------------------------- build


def build(path: Path, cases: int, seed: int) -> None:
    """Runs in the child process: a fresh demo database with `cases` cases."""
    for file in db_files(path):
        file.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with Store(path, backup_dir=path.parent / "backups") as store:
        code, _user = ensure_demo_station(store)
        step = max(1, cases // 10)
        next_report = [step]

        def progress(done: int) -> None:
            if done >= next_report[0] or done == cases:
                elapsed = time.perf_counter() - start
                print(
                    f"  {done:>9,} cases  {elapsed:7.1f} s  {done / elapsed:8,.0f} cases/s",
                    flush=True,
                )
                next_report[0] += step

        fill_demo(store, cases=cases, station_code=code, seed=seed, progress=progress)
    elapsed = time.perf_counter() - start
    print(
        f"BUILD seconds={elapsed:.1f} rate={cases / elapsed:.0f} peak_mib={peak_rss_mib():.0f}",
        flush=True,
    )


def ensure_database(path: Path, cases: int, seed: int) -> dict[str, str]:
    found = demo_case_count(path)
    if found == cases:
        print(f"Reusing {path} ({cases:,} demo cases).")
        return {"build": "reused existing database"}
    print(f"Building {path} with {cases:,} demo cases (found {found})...", flush=True)
    command = [
        sys.executable,
        __file__,
        "--build-only",
        "--cases",
        str(cases),
        "--db",
        str(path),
        "--seed",
        str(seed),
    ]
    output = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:
        for text in child.stdout:
            sys.stdout.write(text)
            sys.stdout.flush()
            output.append(text)
    if child.returncode:
        raise SystemExit(f"building the database failed (exit code {child.returncode})")
    line = next(x for x in output if x.startswith("BUILD "))
    values = dict(part.split("=") for part in line.split()[1:])
    return {
        "build": f"{float(values['seconds']):.1f} s, {float(values['rate']):,.0f} cases/s, "
        f"peak {values['peak_mib']} MiB"
    }


# --------------------------------------------------------------------------- query sets


def sample_queries(store: Store, count: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    max_party = store.scalar("SELECT max(local_id) FROM parties")
    max_merchant = store.scalar("SELECT max(local_id) FROM merchants")

    def party_field(column: str, accept: Callable[[str], bool]) -> list[str]:
        out: list[str] = []
        while len(out) < count:
            value = store.scalar(
                f"SELECT {column} FROM parties WHERE local_id = ?",
                (rng.randrange(1, max_party + 1),),
            )
            if value and accept(value):
                out.append(value)
        return out

    two_char = party_field("name", lambda v: len(v) == 2)
    phones = [p[-4:] for p in party_field("phone", lambda v: len(v) >= 7)]
    fragments: list[str] = []
    while len(fragments) < count:
        name = store.scalar(
            "SELECT name FROM merchants WHERE local_id = ?", (rng.randrange(1, max_merchant + 1),)
        )
        if not name:
            continue
        core = name.removeprefix("瑞昌市").removeprefix("码头镇")
        core = "".join(ch for ch in core if ch.isalnum())
        if len(core) >= 4:
            start = rng.randrange(0, len(core) - 3)
            fragments.append(core[start : start + 4])
    singles = [SURNAME_QUERIES[i % len(SURNAME_QUERIES)] for i in range(count)]
    max_case = store.scalar("SELECT max(local_id) FROM cases")
    numbers: list[str] = []
    while len(numbers) < count:
        case_no = store.scalar(
            "SELECT case_no FROM cases WHERE local_id = ?", (rng.randrange(1, max_case + 1),)
        )
        if case_no:
            numbers.append(case_no[-10:])  # 2026-00017
    return {
        "1 character (surname)": singles,
        "2-character name": two_char,
        "4-character merchant fragment": fragments,
        "4-digit phone tail": phones,
        "case number tail (2026-00017)": numbers,
        "one field: 姓名:<surname>": [f"姓名:{s}" for s in singles],
        "one field: 电话:<4 digits>": [f"电话:{p}" for p in phones],
    }


# --------------------------------------------------------------------------- measurements


def row(name: str, values: list[float], note: str = "", target: float | None = None) -> str:
    p50, p95, worst = percentile(values, 50), percentile(values, 95), max(values)
    verdict = ""
    if target is not None:
        verdict = "✅" if p95 <= target else "❌"
    return f"| {name} | {len(values)} | {p50:.1f} | {p95:.1f} | {worst:.1f} | {note} | {verdict} |"


def measure_search(store: Store, queries: dict[str, list[str]]) -> list[str]:
    lines = []
    for label, words in queries.items():
        for word in words[:5]:  # warm the page cache for this kind of query
            search_cases(store, word, limit=50)
        search_times, ids_times, ids_cpu, hits = [], [], [], []
        for word in words:
            ms, _rows = timed(lambda w=word: search_cases(store, w, limit=50))
            search_times.append(ms)
        for word in words:
            cpu_started = time.thread_time()
            ms, ids = timed(lambda w=word: case_ids(store, CaseFilter(text=w)))
            ids_cpu.append((time.thread_time() - cpu_started) * 1000)
            ids_times.append(ms)
            hits.append(len(ids))
        # CPU time of the thread: on a shared machine the wall time is mostly waiting for a core.
        note = (
            f"median hits {statistics.median(hits):,.0f}, max {max(hits):,}; CPU p50 "
            f"{percentile(ids_cpu, 50):.1f}, p95 {percentile(ids_cpu, 95):.1f} ms"
        )
        lines.append(
            row(f"search_cases(limit 50): {label}", search_times, "", TARGETS["search_p95_ms"])
        )
        lines.append(row(f"case_ids(text): {label}", ids_times, note, TARGETS["search_p95_ms"]))
    return lines


def sample_case(rng: random.Random, index: int) -> dict:
    phone = f"139{rng.randrange(10**8):08d}"
    return {
        "kind": "complaint",
        "channel": "phone",
        "received_at": "2026-11-20 10:30",
        "complainants": [
            {
                "name": f"测试{'甲乙丙丁戊'[index % 5]}",
                "gender": "female",
                "phone": phone,
                "address": "瑞昌市码头镇沿江村3组",
            }
        ],
        "merchant": {"name": "瑞昌市码头镇鑫源超市", "address": "瑞昌市码头镇老街12号"},
        "goods_or_service": "goods",
        "category": "食品类",
        "problem_nature": "安全",
        "purchase_date": "2026-11-18",
        "amount": "35.80",
        "request": "要求退款并赔偿。",
        "facts": "2026年11月18日在该超市购买牛奶两箱，回家发现已超过保质期5天。",
        "consent_mediation": True,
    }


def measure_save(store: Store, count: int, seed: int) -> tuple[list[float], list[float]]:
    from station_app.domain import Role, User

    user = User(
        username=BENCH_USER, display_name="benchmark", role=Role.CLERK, station_code="RC-MT"
    )
    rng = random.Random(seed)
    today = date(2026, 11, 23)
    times, first = [], []
    for i in range(count):
        data = sample_case(rng, i)
        ms, _saved = timed(
            lambda d=data: register_cases(store, [d], user=user, station_code="RC-MT", today=today)
        )
        (first if i < 3 else times).append(ms)
    return times, first


def explain(store: Store, sql: str, params: tuple) -> str:
    plan = store.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    return "; ".join(str(step[-1]) for step in plan)


def run(args: argparse.Namespace) -> str:
    path = Path(args.db)
    build_info = ensure_database(path, args.cases, args.seed)
    lines = [
        f"# Case-book benchmark: {args.cases:,} cases",
        "",
        f"- database: `{path.name}`, {build_info['build']}",
        f"- machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"SQLite {driver.sqlite_version}",
        f"- date: {time.strftime('%Y-%m-%d %H:%M')}",
        "",
        "| measurement | n | p50 ms | p95 ms | max ms | note | target |",
        "|---|---|---|---|---|---|---|",
    ]
    start_open = time.perf_counter()
    store = Store(path)
    open_ms = (time.perf_counter() - start_open) * 1000
    lines.append(f"| open store (migrations check) | 1 | {open_ms:.1f} | | | | |")

    queries = sample_queries(store, args.queries, args.seed)
    lines += measure_search(store, queries)

    list_times = []
    for _ in range(5):
        ms, ids = timed(lambda: case_ids(store))
        list_times.append(ms)
    lines.append(row("case_ids() unfiltered, newest first", list_times, f"{len(ids):,} ids"))
    deadline_times = []
    for descending in (False, True, False, True):
        ms, by_deadline = timed(
            lambda d=descending: case_ids(store, CaseFilter(), SortKey.DEADLINE, d)
        )
        deadline_times.append(ms)
    with_deadline = store.scalar("SELECT count(*) FROM case_next_deadline")
    lines.append(
        row(
            "case_ids() unfiltered, by deadline",
            deadline_times,
            f"{len(by_deadline):,} ids, {with_deadline:,} with an open deadline",
        )
    )
    del by_deadline

    rng = random.Random(args.seed)
    page_times = []
    for i in range(50):
        offset = 0 if i % 2 == 0 else rng.randrange(0, max(1, len(ids) - 200))
        page = ids[offset : offset + 200].tolist()
        ms, _rows = timed(lambda p=page: case_rows(store, p))
        page_times.append(ms)
    lines.append(row("case_rows(page of 200)", page_times, "first page and random pages"))
    del ids

    save_times, first_saves = measure_save(store, args.saves, args.seed)
    lines.append(
        row(
            "save one case (intake.register_cases)",
            save_times,
            f"first 3 saves: {', '.join(f'{t:.0f}' for t in first_saves)} ms",
            TARGETS["save_ms"],
        )
    )

    store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    total = store.scalar("SELECT count(*) FROM cases")
    size = sum(f.stat().st_size for f in db_files(path)[:2] if f.exists())
    peak = peak_rss_mib()
    lines += [
        "",
        f"- database size: {size / 2**20:,.0f} MiB for {total:,} cases = "
        f"**{size / total:,.0f} bytes per case** (after checkpoint, incl. -wal)",
        f"- peak memory (maxrss) of the measuring process: **{peak:.0f} MiB** "
        f"({'✅' if peak <= TARGETS['peak_mib'] else '❌'} target ≤ {TARGETS['peak_mib']:.0f} MiB)",
        "",
        "Query plans:",
        "",
    ]
    probes = {
        "case_ids() unfiltered": case_ids_query(),
        "case_ids(text='张')": case_ids_query(CaseFilter(text="张")),
        "case_ids(sort=deadline)": case_ids_query(CaseFilter(), SortKey.DEADLINE, False),
        "case_ids(kind=report, sort=case number)": case_ids_query(
            CaseFilter(kind=CaseKind.REPORT), SortKey.CASE_NO
        ),
    }
    for name, (sql, params) in probes.items():
        lines.append(f"- {name}: `{explain(store, sql, params)}`")
    store.close()
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", default=str(ROOT / "benchmarks" / "results" / "bench.db"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--queries", type=int, default=200, help="queries per kind")
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--out", help="also write the markdown table to this file")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_only:
        build(Path(args.db), args.cases, args.seed)
        return
    report = run(args)
    print(report)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
