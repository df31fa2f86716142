"""The time to migrate a big database of an old schema version to the current one, and how
often the migration reports its progress.

```sh
# a schema 2 data folder with 200,000 cases, written by the code of schema 2
python benchmarks/bench_migration.py --version 2 --cases 200000 --work /tmp/bench-migration \
    --out benchmarks/results/migration.md
```

The old data folder is made once by the code of that version (the commit of
tests/fixtures/make_fixtures.py COMMITS, exported to /tmp/old-N; `station-app init` and
`station-app demo --cases N`) and reused; each run migrates a fresh copy of it with
`DataFolder.open_store` as the app does (backup first, every migration, the derived state)
and reports the wall and CPU time of each step and the longest gap between two progress
reports (the target: about a second at most).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from station_app.data_folder import DataFolder  # noqa: E402
from station_app.store.migration_progress import MigrationProgress  # noqa: E402
from station_app.store.migrations import LATEST_VERSION  # noqa: E402
from tests.fixtures.make_fixtures import PASSWORD, STATION, export_tree  # noqa: E402


def make_old_folder(version: int, cases: int, folder: Path) -> None:
    if (folder / "station.db").exists() and (folder / "done").exists():
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    tree = export_tree(version)
    env = dict(os.environ, PYTHONPATH=str(tree), STATION_APP_PASSWORD=PASSWORD)

    def cli(*args: str, stdin: str | None = None) -> None:
        subprocess.run(
            [sys.executable, "-m", "station_app", "--data-dir", str(folder), *args],
            cwd=tree,
            env=env,
            input=stdin,
            text=True,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    started = time.perf_counter()
    cli(
        "init", "--code", STATION, "--name", "梅塘村消费者投诉点", "--level", "village",
        "--parent", "RC-MT", "--admin", "admin", stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip
    cli("demo", "--cases", str(cases), "--seed", str(version))
    (folder / "done").write_text("")
    print(f"made the schema {version} folder in {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", type=int, default=2)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-migration"))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    old = args.work / f"v{args.version}-{args.cases}"
    make_old_folder(args.version, args.cases, old)
    data = args.work / f"migrating-{args.cases}"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    shutil.copy(old / "station.db", data / "station.db")
    if (old / "station.json").exists():
        shutil.copy(old / "station.json", data / "station.json")
    size = (data / "station.db").stat().st_size

    reports: list[tuple[float, float, MigrationProgress]] = []
    started, cpu_started = time.perf_counter(), time.process_time()

    def heard(report: MigrationProgress) -> None:
        reports.append((time.perf_counter() - started, time.process_time() - cpu_started, report))
        if not report.heartbeat or report.finished:
            print(
                f"  [{report.step:>2}/{report.steps}] {report.percent:3d}%"
                f" {report.kind:9} {report.version:>2}  {reports[-1][0]:7.1f} s",
                flush=True,
            )

    with DataFolder(data) as folder, folder.open_store(progress=heard):
        pass
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    times = [0.0] + [t for t, _, _ in reports]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    widest = max(range(len(gaps)), key=gaps.__getitem__)
    during = reports[widest][2]
    # wall and CPU time of each step: from its start to the next step's
    starts = [(t, c, r) for t, c, r in reports if not r.heartbeat]
    rows = []
    for (t0, c0, r0), (t1, c1, _) in zip(starts, starts[1:], strict=False):
        rows.append((r0.step, r0.kind, r0.version, t1 - t0, c1 - c0))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = os.getloadavg()
    lines = [
        f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: schema {args.version} → {LATEST_VERSION},"
        f" {args.cases:,} cases ({size / 1e6:,.0f} MB)",
        "",
        f"- total: {wall:.1f} s wall, {cpu:.1f} s CPU; peak memory {peak:.0f} MB;"
        f" load average {load[0]:.1f} on {os.cpu_count()} cores",
        f"- progress reports: {len(reports)}; longest gap between two {max(gaps):.2f} s"
        f" (wall, before a report of step {during.step}, {during.kind}), median"
        f" {sorted(gaps)[len(gaps) // 2]:.2f} s",
        "",
        "| step | what | version | wall s | CPU s |",
        "|---:|---|---:|---:|---:|",
        *(f"| {s} | {k} | {v} | {w:.1f} | {c:.1f} |" for s, k, v, w, c in rows),
        "",
    ]
    print("\n".join(lines))
    if args.out:
        with open(args.out, "a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
