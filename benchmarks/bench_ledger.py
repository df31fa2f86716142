"""Moving in from Excel: importing a 50,000-row ledger (ledger_import) and exporting 100,000
cases to .xlsx (exports.export_case_list), each in its own process so its peak memory is its own.

```sh
python benchmarks/bench_ledger.py --work /tmp/bench-ledger --out benchmarks/results/ledger.md
```

The import phase writes a ledger of `--rows` rows (mixed date forms, amounts with 元 and commas,
statuses in words; tests/support/ledger_files.py), then reads, checks and imports it into a
fresh station database, all or nothing in one transaction, with progress. The export phase
fills a database with `--export-cases` demo cases (`station-app demo`, kept in --work and
reused) and exports the whole list with every column. Wall time, CPU time of the process
(the machine is shared: CPU is the figure to compare) and peak RSS (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_import(work: Path, rows: int) -> dict:
    from station_app import ledger_import as li
    from station_app.domain import Role, Station, StationLevel, User
    from station_app.store import Store
    from station_app.store.accounts import initialise_station
    from tests.support.ledger_files import write_large_ledger

    ledger = work / f"ledger-{rows}.xlsx"
    if not ledger.exists():
        write_large_ledger(ledger, rows)
    data = work / "import-data"
    for name in ("station.db", "station.db-wal", "station.db-shm"):
        (data / name).unlink(missing_ok=True)
    data.mkdir(parents=True, exist_ok=True)
    store = Store(data / "station.db", backup_dir=data / "backups")
    initialise_station(
        store,
        Station(code="RC-MT", name="码头镇消费者投诉站", level=StationLevel.TOWNSHIP),
        User(username="admin", display_name="管理员", role=Role.ADMIN, station_code="RC-MT"),
        "bench-secret-123",
    )
    stages = {}
    start, cpu = time.perf_counter(), _cpu()
    sheet = li.read_ledger(ledger)
    stages["read"] = (time.perf_counter() - start, _cpu() - cpu)
    start, cpu = time.perf_counter(), _cpu()
    mapping = li.guess_mapping(sheet.headings)
    plan = li.plan_import(ledger, sheet, mapping, today=date(2026, 11, 30))
    stages["check"] = (time.perf_counter() - start, _cpu() - cpu)
    assert not plan.problems, [p.text() for p in plan.problems[:5]]
    ticks = []

    def progress(done: int, total: int) -> None:
        ticks.append(done)
        if len(ticks) % 20 == 0 or done == total:
            print(f"  {done:,} / {total:,}", file=sys.stderr, flush=True)

    start, cpu = time.perf_counter(), _cpu()
    result = li.run_import(
        store, plan, actor="admin", role=Role.ADMIN, station_code="RC-MT", progress=progress
    )
    stages["write"] = (time.perf_counter() - start, _cpu() - cpu)
    cases = store.scalar("SELECT count(*) FROM cases WHERE deleted = 0")
    outbox = store.scalar("SELECT count(*) FROM outbox")
    start, cpu = time.perf_counter(), _cpu()
    undone = li.undo_import(store, result.batch_id, actor="admin", station_code="RC-MT")
    stages["undo"] = (time.perf_counter() - start, _cpu() - cpu)
    store.close()
    return {
        "rows": rows,
        "ledger_mib": ledger.stat().st_size / 2**20,
        "cases": cases,
        "undone": undone,
        "outbox": outbox,
        "progress_ticks": len(ticks),
        "stages": stages,
        "db_mib": (data / "station.db").stat().st_size / 2**20,
        "peak_mib": _peak_mib(),
    }


def phase_export(work: Path, cases: int) -> dict:
    from station_app.exports import ExportColumn, export_case_list
    from station_app.store import Store

    data = work / f"export-data-{cases}"
    if not (data / "station.db").exists():
        done = subprocess.run(
            [sys.executable, "-m", "station_app", "--data-dir", str(data), "demo",
             "--cases", str(cases)],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode:
            raise SystemExit(done.stderr)
    store = Store(data / "station.db", backup_dir=data / "backups")
    target = work / "export.xlsx"
    ticks = []
    start, cpu = time.perf_counter(), _cpu()
    written = export_case_list(
        store, target, list(ExportColumn), progress=lambda d, t: ticks.append(d)
    )
    wall, used = time.perf_counter() - start, _cpu() - cpu
    store.close()
    return {
        "cases": written,
        "wall": wall,
        "cpu": used,
        "file_mib": target.stat().st_size / 2**20,
        "progress_ticks": len(ticks),
        "peak_mib": _peak_mib(),
    }


def _child(phase: str, args: argparse.Namespace) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--work", str(args.work), "--rows",
         str(args.rows), "--export-cases", str(args.export_cases)],
        stdout=subprocess.PIPE, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--export-cases", type=int, default=100_000)
    parser.add_argument("--phase", choices=("import", "export"))
    parser.add_argument("--only", choices=("import", "export"))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.phase:
        result = (
            phase_import(args.work, args.rows)
            if args.phase == "import"
            else (phase_export(args.work, args.export_cases))
        )
        print(json.dumps(result))
        return
    load = os.getloadavg()[0]
    lines = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, load average"
        f" {load:.1f} at the start.",
        "",
    ]
    if args.only in (None, "import"):
        r = _child("import", args)
        s = r["stages"]
        lines += [
            f"Import of a {r['rows']:,}-row ledger ({r['ledger_mib']:.1f} MiB .xlsx) into a fresh"
            f" station: {r['cases']:,} cases, {r['outbox']:,} outbox entries, database"
            f" {r['db_mib']:.0f} MiB, {r['progress_ticks']} progress reports;"
            f" peak RSS **{r['peak_mib']:.0f} MiB** (target ≤ 500 MB).",
            "",
            "| stage | wall | CPU |",
            "|---|---:|---:|",
            *(f"| {name} | {w:.1f} s | {c:.1f} s |" for name, (w, c) in s.items()),
            "",
        ]
    if args.only in (None, "export"):
        r = _child("export", args)
        lines += [
            f"Export of {r['cases']:,} cases (demo data, every column) to .xlsx"
            f" ({r['file_mib']:.1f} MiB, openpyxl write_only): wall {r['wall']:.1f} s,"
            f" CPU {r['cpu']:.1f} s, {r['progress_ticks']} progress reports;"
            f" peak RSS **{r['peak_mib']:.0f} MiB** (target ≤ 500 MB).",
            "",
        ]
    lines.append(f"Load average at the end {os.getloadavg()[0]:.1f}.")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        header = "# Ledger import and case export (`benchmarks/bench_ledger.py`)\n\n"
        previous = args.out.read_text(encoding="utf-8") if args.out.exists() else header
        args.out.write_text(previous + "\n" + text, encoding="utf-8")


if __name__ == "__main__":
    main()
