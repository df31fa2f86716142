"""The time to load the demo data set (`station-app demo`) into a fresh database.

```sh
python benchmarks/bench_demo_load.py --cases 1000000 --db /tmp/demo-1m/station.db
```

Builds a fresh database with `demo.fill_demo` (station RC-MT, seed 0), prints the progress,
the total time, cases per second, the database size and the peak memory, and (with --out)
appends a row to a markdown table.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from station_app.demo import ensure_demo_station, fill_demo  # noqa: E402
from station_app.store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--label", default="")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    path: Path = args.db
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    cpu_start = time.process_time()
    step = max(1, args.cases // 10)
    marks = [step]

    def progress(done: int) -> None:
        if done >= marks[0] or done == args.cases:
            elapsed = time.perf_counter() - start
            print(f"  {done:>9,} cases {elapsed:7.1f} s {done / elapsed:8,.0f}/s", flush=True)
            marks[0] += step

    with Store(path, backup_dir=path.parent / "backups") as store:
        code, _admin = ensure_demo_station(store)
        fill_demo(store, cases=args.cases, station_code=code, seed=args.seed, progress=progress)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    load = os.getloadavg()[0]
    size = sum(
        Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists()
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    line = (
        f"| {datetime.now(UTC):%Y-%m-%d} | {args.label} | {args.cases:,} | {elapsed:.1f} s |"
        f" {cpu:.1f} s | {args.cases / elapsed:,.0f} | {size / 2**20:,.0f} MiB | {peak:,.0f} MiB |"
        f" {os.cpu_count()} | {load:.1f} |"
    )
    print(line, flush=True)
    if args.out:
        with args.out.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


if __name__ == "__main__":
    main()
