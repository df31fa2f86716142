"""Durability costs on a big station: durable saves, start-up and full checks, the daily backup.

    python benchmarks/bench_durability.py --data-dir /tmp/copy --out benchmarks/results/durability.md

`--data-dir` holds a COPY of a benchmark database as `station.db` (this script writes to it:
saved cases and backups). It measures:
- the disk's own cost of one fdatasync of 4 KB (the floor under any durable commit);
- saving one case through `intake.register_cases` with `synchronous=FULL` (the app's setting:
  the WAL is fsynced at every commit) and, on the same connection, with `NORMAL` (the old
  setting), p50/p95/max;
- `PRAGMA quick_check` (the app's start-up check) and `PRAGMA integrity_check`
  (`station-app check`);
- the daily backup (`backup.back_up`: online copy of the database, fsync, documents and
  evidence mirrored), run on a background thread as the app runs it, while a second connection
  saves a case every 100 ms (save latency during the backup) and the main thread ticks every
  10 ms (its worst lateness: how long a window's event loop would stall).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_casebook import percentile, sample_case  # noqa: E402

from station_app.backup import back_up  # noqa: E402
from station_app.domain import Role, User  # noqa: E402
from station_app.intake import register_cases  # noqa: E402
from station_app.store import (  # noqa: E402
    DATABASE_FILENAME,
    Store,
    upkeep,  # noqa: E402
)

USER = User(username="bench", display_name="benchmark", role=Role.CLERK, station_code="RC-MT")
TODAY = date(2026, 11, 23)


def save_one(store: Store, rng: random.Random, i: int) -> float:
    data = sample_case(rng, i)
    start = time.perf_counter()
    register_cases(store, [data], user=USER, station_code="RC-MT", today=TODAY)
    return (time.perf_counter() - start) * 1000


def saves(store: Store, count: int, seed: int, *, idle_upkeep: bool = False) -> list[float]:
    """Save times; with `idle_upkeep`, after each save (untimed) the upkeep the app's database
    worker does in the pause that follows a save (store.upkeep: index merges, checkpoint)."""
    rng = random.Random(seed)
    times = []
    for i in range(count + 3):
        times.append(save_one(store, rng, i))
        if idle_upkeep:
            upkeep.run(store, budget_seconds=5.0)
    return times[3:]  # the first saves warm the caches


def wal_pages_per_save(store: Store, path: Path, count: int, seed: int) -> list[float]:
    """Pages each save appends to the write-ahead log: the log is emptied (upkeep, then a
    TRUNCATE checkpoint) before each save and measured after it."""
    rng = random.Random(seed)
    frame = store.scalar("PRAGMA page_size") + 24
    wal = Path(str(path) + "-wal")
    pages = []
    for i in range(count):
        upkeep.run(store, budget_seconds=5.0)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        save_one(store, rng, i)
        pages.append(max(0, wal.stat().st_size - 32) / frame)
    return pages


def stats(times: list[float]) -> str:
    return (
        f"p50 {percentile(times, 50):.1f} ms, p95 {percentile(times, 95):.1f} ms, "
        f"max {max(times):.1f} ms ({len(times)} saves)"
    )


def fsync_floor(folder: Path, count: int = 200) -> list[float]:
    """What the disk itself costs: write 4 KB to a file and fdatasync it, as a commit does."""
    path = folder / "fsync-probe.tmp"
    times = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for i in range(count):
            os.pwrite(fd, os.urandom(4096), (i % 64) * 4096)
            start = time.perf_counter()
            os.fdatasync(fd)
            times.append((time.perf_counter() - start) * 1000)
    finally:
        os.close(fd)
        path.unlink()
    return times


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def backup_while_in_use(data_dir: Path) -> list[str]:
    backup_seconds: list[float] = []
    done = threading.Event()
    result_box: list = []

    def run_backup() -> None:
        with Store(data_dir / DATABASE_FILENAME) as own:
            seconds, result = timed(lambda: back_up(own, data_dir))
        backup_seconds.append(seconds)
        result_box.append(result)
        done.set()

    during: list[float] = []

    def keep_saving() -> None:
        rng = random.Random(7)
        with Store(data_dir / DATABASE_FILENAME) as saver:
            i = 0
            while not done.is_set():
                during.append(save_one(saver, rng, 10_000 + i))
                i += 1
                time.sleep(0.1)

    threads = [threading.Thread(target=run_backup), threading.Thread(target=keep_saving)]
    for thread in threads:
        thread.start()
    lateness = []
    while not done.is_set():
        start = time.perf_counter()
        time.sleep(0.01)
        lateness.append((time.perf_counter() - start) * 1000 - 10)
    for thread in threads:
        thread.join()
    result = result_box[0]
    size = result.path.stat().st_size
    return [
        f"| daily backup of the station (online copy + fsync + files) | "
        f"{backup_seconds[0]:.1f} s, {size / 1e9:.2f} GB, `{result.path.name}` |",
        f"| saves on another connection during the backup | {stats(during)} |",
        f"| main-thread lateness during the backup (10 ms ticks) | "
        f"p95 {percentile(lateness, 95):.1f} ms, max {max(lateness):.1f} ms |",
    ]


def run(args: argparse.Namespace) -> str:
    data_dir = Path(args.data_dir)
    path = data_dir / DATABASE_FILENAME
    if path.resolve() == Path("/work/bench/bench-1m.db") or path.is_symlink():
        raise SystemExit("give a folder with a COPY of the benchmark database: this script writes")
    rows = []
    with Store(path) as store:
        cases = store.scalar("SELECT count(*) FROM cases")
        store.execute("PRAGMA synchronous=FULL")
        load = os.getloadavg()[0]
        full = saves(store, args.saves, 1, idle_upkeep=True)
        rows.append(
            f"| save one case, `synchronous=FULL`, upkeep in the pause after each save "
            f"(the app) | {stats(full)}; load {load:.1f} |"
        )
        load = os.getloadavg()[0]
        back_to_back = saves(store, args.saves, 3)
        rows.append(
            f"| save one case, `synchronous=FULL`, back to back (no pause, no upkeep) | "
            f"{stats(back_to_back)}; load {load:.1f} |"
        )
        store.execute("PRAGMA synchronous=NORMAL")
        normal = saves(store, args.saves, 2, idle_upkeep=True)
        store.execute("PRAGMA synchronous=FULL")
        rows.append(
            f"| save one case, `synchronous=NORMAL` (not durable), upkeep | {stats(normal)} |"
        )
        pages = wal_pages_per_save(store, path, 50, 4)
        rows.append(
            f"| pages one save writes to the log (50 saves) | p50 {percentile(pages, 50):.0f}, "
            f"p95 {percentile(pages, 95):.0f}, max {max(pages):.0f} |"
        )
        floor = fsync_floor(data_dir)
        rows.append(
            f"| the disk alone: write 4 KB + fdatasync | p50 {percentile(floor, 50):.1f} ms, "
            f"p95 {percentile(floor, 95):.1f} ms, max {max(floor):.1f} ms |"
        )
        seconds, verdict = timed(store.integrity_check)
        rows.append(f"| `PRAGMA quick_check` (start-up) | {seconds:.1f} s, {verdict} |")
        if not args.skip_integrity:
            seconds, verdict = timed(lambda: store.integrity_check(thorough=True))
            rows.append(
                f"| `PRAGMA integrity_check` (`station-app check`) | {seconds:.1f} s, {verdict} |"
            )
    rows += backup_while_in_use(data_dir)
    lines = [
        f"# Durability benchmark: {cases:,} cases",
        "",
        f"- database: a copy of the 1,000,000-case benchmark database, "
        f"{path.stat().st_size / 1e9:.2f} GB",
        f"- machine: {os.cpu_count()} CPUs (shared with other jobs), Python "
        f"{sys.version.split()[0]}, run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        "| measurement | result |",
        "| --- | --- |",
        *rows,
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--skip-integrity", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args()
    report = run(args)
    print(report)
    if args.out:
        Path(args.out).write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
