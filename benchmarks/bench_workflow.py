"""Workflow benchmark on a large case book: migration 4, today's work, deadlines of a list page.

    python benchmarks/bench_workflow.py --db benchmarks/results/bench.db \
        --out benchmarks/results/workflow.md

The source database (built by bench_casebook.py) is never changed: it is copied to --work
(default /tmp/bench_wf.db) when there is room, and the copy is opened. A copy at a schema older
than 3 is first brought to schema 3 (timed separately), so that "open" measures migration 4
alone: adding the workflow columns and tables and computing the deadlines of every registered
case. Then, in the migrated copy:

- todays_work (overdue / today / this week of the station) p50/p95 over several days;
- the stored deadlines of a page of 200 cases of the list (what a list column would read);
- computing every deadline of such a page from the cases' events (what `case show` does);
- one workflow action (accept) through case_actions.act.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sqlite3
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from station_app.case_actions import act  # noqa: E402
from station_app.domain import Role, User  # noqa: E402
from station_app.store import Store, driver, migrations  # noqa: E402
from station_app.store.accounts import local_station  # noqa: E402
from station_app.store.case_events import progress_by_local_id  # noqa: E402
from station_app.store.case_list import case_ids  # noqa: E402
from station_app.store.due import compute_for_case, stored_deadlines, todays_work  # noqa: E402
from station_app.store.holidays import load_calendar  # noqa: E402

TARGET_TODAYS_WORK_MS = 200.0
PAGE = 200


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed_ms(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def schema_of(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        return migrations.schema_version(conn)
    finally:
        conn.close()


def copy_database(source: Path, work: Path) -> Path:
    """Copy the benchmark database where there is room for it (the source stays untouched)."""
    size = source.stat().st_size
    for target in (work, ROOT / "benchmarks" / "results" / "bench_wf.db"):
        free = shutil.disk_usage(target.parent).free
        if free > 2.5 * size:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(source, target)
            return target
    raise SystemExit(f"no room for a copy of {source} ({size:,} bytes); use a smaller --db")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=ROOT / "benchmarks/results/bench.db")
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench_wf.db"))
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the migrated copy")
    args = parser.parse_args()

    rows: list[tuple] = []
    notes: list[str] = []
    started = time.perf_counter()
    work = copy_database(args.db, args.work)
    notes.append(
        f"copied `{args.db.name}` to `{work}` in {time.perf_counter() - started:.1f} s "
        f"({work.stat().st_size / 2**20:,.0f} MiB)"
    )
    backups = work.parent / f"{work.stem}-backups"

    version = schema_of(work)
    if version < 3:
        store = Store(work, migrate=False)
        ms, _ = timed_ms(lambda: migrations.migrate_to_latest(store, backup_dir=backups, target=3))
        store.close()
        notes.append(
            f"the copy was at schema {version}; bringing it to schema 3 took {ms / 1000:.1f} s"
        )
        shutil.rmtree(backups, ignore_errors=True)

    # Open the way the app does (backup, then migration 4), timing the backup on its own.
    backup_ms: list[float] = []
    real_backup = migrations.backup_database

    def timed_backup(conn, backup_dir, version):
        ms, path = timed_ms(lambda: real_backup(conn, backup_dir, version))
        backup_ms.append(ms)
        return path

    migrations.backup_database = timed_backup
    open_ms, store = timed_ms(lambda: Store(work, backup_dir=backups))
    migrations.backup_database = real_backup
    shutil.rmtree(backups, ignore_errors=True)
    migrate_ms = open_ms - sum(backup_ms)
    deadline_rows = store.scalar("SELECT count(*) FROM case_deadlines")
    cases = store.scalar("SELECT count(*) FROM cases WHERE deleted = 0")
    rows.append(
        (
            "open: backup before migrating (existing design)",
            1,
            sum(backup_ms),
            None,
            None,
            "",
            "",
        )
    )
    rows.append(
        (
            "open: migration 4 (columns, tables, triggers, deadlines)",
            1,
            migrate_ms,
            None,
            None,
            f"{deadline_rows:,} deadline rows for {cases:,} cases",
            "✅" if migrate_ms < 5000 else "❌",
        )
    )
    reopen_ms, again = timed_ms(lambda: Store(work))
    again.close()
    rows.append(("open again (no migration)", 1, reopen_ms, None, None, "", ""))

    station = local_station(store).code
    newest = store.scalar("SELECT max(received_at) FROM cases")[:10]
    first_day = date.fromisoformat(newest) - timedelta(days=365)
    rng = random.Random(0)
    days = [date.fromisoformat(newest) + timedelta(days=1)] + [
        first_day + timedelta(days=rng.randrange(365)) for _ in range(args.runs - 1)
    ]
    times, sizes = [], []
    for day in days:
        ms, work_list = timed_ms(lambda day=day: todays_work(store, day, station_code=station))
        times.append(ms)
        sizes.append(work_list.totals)
    sample = sizes[0]
    rows.append(
        (
            "todays_work (overdue / today / this week, 200 each)",
            len(times),
            percentile(times, 50),
            percentile(times, 95),
            max(times),
            f"on {days[0]}: {sample['overdue']:,}+ overdue, {sample['today']:,} today, "
            f"{sample['this_week']:,} this week",
            "✅" if percentile(times, 95) <= TARGET_TODAYS_WORK_MS else "❌",
        )
    )

    ids = case_ids(store)
    pages = [list(ids[:PAGE])] + [
        list(ids[start : start + PAGE])
        for start in (rng.randrange(0, len(ids) - PAGE) for _ in range(args.pages - 1))
    ]
    stored_times = []
    for page in pages:
        ms, found = timed_ms(lambda page=page: stored_deadlines(store, page))
        stored_times.append(ms)
    rows.append(
        (
            f"stored deadlines of a list page ({PAGE} cases)",
            len(stored_times),
            percentile(stored_times, 50),
            percentile(stored_times, 95),
            max(stored_times),
            f"{sum(len(v) for v in found.values())} deadlines on the last page",
            "",
        )
    )
    calendar = load_calendar(store)
    computed_times = []
    for page in pages:

        def compute(page=page):
            return [compute_for_case(store, progress_by_local_id(store, i), calendar) for i in page]

        ms, _ = timed_ms(compute)
        computed_times.append(ms)
    rows.append(
        (
            f"every deadline of a list page computed from the events ({PAGE} cases)",
            len(computed_times),
            percentile(computed_times, 50),
            percentile(computed_times, 95),
            max(computed_times),
            "",
            "",
        )
    )

    officer = User("bench", "bench", Role.OFFICER, station)
    registered = [
        row[0]
        for row in store.execute(
            "SELECT case_no FROM cases WHERE kind = 'complaint' AND status = 'registered'"
            " AND deleted = 0 ORDER BY local_id DESC LIMIT 20"
        )
    ]
    act_times = []
    for case_no in registered:
        ms, _ = timed_ms(
            lambda case_no=case_no: act(
                store,
                case_no,
                "accept",
                {},
                user=officer,
                station_code=station,
                calendar=calendar,
                now=datetime.now(),
            )
        )
        act_times.append(ms)
    rows.append(
        (
            "act(accept) on the large database",
            len(act_times),
            percentile(act_times, 50),
            percentile(act_times, 95),
            max(act_times),
            "case, event, audit rows, outbox, deadlines in one transaction",
            "",
        )
    )
    store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def cell(value):
        return "" if value is None else f"{value:,.1f}"

    table = [
        "| measurement | n | p50 ms | p95 ms | max ms | note | target |",
        "|---|---|---|---|---|---|---|",
    ]
    table += [
        f"| {name} | {n} | {cell(p50)} | {cell(p95)} | {cell(top)} | {note} | {mark} |"
        for name, n, p50, p95, top, note, mark in rows
    ]
    report = [
        f"## Workflow benchmark: {cases:,} cases",
        "",
        f"- database: `{args.db.name}` (copy), {os.cpu_count()} CPUs, Python "
        f"{sys.version.split()[0]}, SQLite {driver.sqlite_version}",
        f"- date: {datetime.now():%Y-%m-%d %H:%M}",
        *[f"- {note}" for note in notes],
        f"- peak memory (maxrss): {peak:,.0f} MiB",
        "",
        *table,
        "",
        'Targets: today\'s work p95 ≤ 200 ms (issue 3); migration 4 "a few seconds" (here: < 5 s,'
        " the backup the store makes before every migration not counted).",
        "",
    ]
    text = "\n".join(report)
    print(text)
    if args.out:
        with args.out.open("a", encoding="utf-8") as out:
            out.write(text + "\n")
    if not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
