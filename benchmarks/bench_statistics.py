"""The statistics of a period on a large demo database: `statistics.compute_figures`.

```sh
python benchmarks/bench_statistics.py --db /path/to/station.db --out benchmarks/results/statistics.md
```

Opens the database as the app does (a copy is not needed: nothing is written) and times every
figure of one month, one quarter, one year, a custom range of partial months and all years, for
the station and the city scope: median, p95 and max of `--runs` runs each (the first run apart,
with a cold page cache of the process). Target: ≤ 300 ms, aim ≤ 100 ms on 1,000,000 cases.
"""

from __future__ import annotations

import argparse
import os
import statistics as pystats
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from station_app.statistics import Period, Scope, compute_figures  # noqa: E402
from station_app.store import Store  # noqa: E402

PERIODS = {
    "one month (2025-03)": Period.month(2025, 3),
    "one quarter (2025 Q2)": Period.quarter(2025, 2),
    "one year (2025)": Period.year(2025),
    "custom (2024-01-15 to 2025-03-10)": Period(date(2024, 1, 15), date(2025, 3, 10)),
    "all years (2022-01-01 to 2026-12-31)": Period(date(2022, 1, 1), date(2026, 12, 31)),
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--station", default="RC-MT")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    lines = []
    with Store(args.db, backup_dir=args.db.parent / "backups") as store:
        cases = store.scalar("SELECT count(*) FROM cases WHERE deleted = 0")
        events = store.scalar("SELECT count(*) FROM case_events")
        lines.append(
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, load average"
            f" {os.getloadavg()[0]:.1f}; {cases:,} cases, {events:,} events; {args.runs} runs each."
        )
        lines.append("")
        lines.append("| period | scope | received | first run | p50 | p95 | max |")
        lines.append("|---|---|---:|---:|---:|---:|---:|")
        for name, period in PERIODS.items():
            for scope in (Scope.STATION, Scope.CITY):
                times = []
                figures = None
                for _run in range(args.runs + 1):
                    start = time.perf_counter()
                    figures = compute_figures(
                        store, period, scope=scope, station_code=args.station, as_of=date.today()
                    )
                    times.append((time.perf_counter() - start) * 1000)
                first, rest = times[0], times[1:]
                line = (
                    f"| {name} | {scope.value} | {figures.received:,} | {first:.1f} ms |"
                    f" {pystats.median(rest):.1f} ms | {percentile(rest, 0.95):.1f} ms |"
                    f" {max(rest):.1f} ms |"
                )
                print(line, flush=True)
                lines.append(line)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with args.out.open("a", encoding="utf-8") as out:
            out.write(text + "\n")


if __name__ == "__main__":
    main()
