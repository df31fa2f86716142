"""The merchant registry on a large demo database: search, one merchant's page (details,
history, duplicates), the intake warning, and finding every duplicate group.

```sh
python benchmarks/bench_merchants.py --db /path/to/station.db --out benchmarks/results/merchants.md
```

Opens the database as the app does; nothing is written. Median, p95 and max of `--runs` runs.
"""

from __future__ import annotations

import argparse
import os
import statistics as pystats
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from station_app import merchant_registry as reg  # noqa: E402
from station_app.domain import Merchant  # noqa: E402
from station_app.store import Store  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with Store(args.db, backup_dir=args.db.parent / "backups") as store:
        cases = store.scalar("SELECT count(*) FROM cases WHERE deleted = 0")
        merchants = store.scalar("SELECT count(*) FROM merchants WHERE deleted = 0")
        busiest = store.query(
            "SELECT merchant_id FROM cases WHERE merchant_id IS NOT NULL"
            " GROUP BY merchant_id ORDER BY count(*) DESC LIMIT 1"
        )[0]["merchant_id"]
        word = store.query("SELECT name FROM merchants WHERE id = ?", (busiest,))[0]["name"][:2]
        tasks = {
            f"search “{word}” (≤ 200 rows with counts)": lambda: reg.search(store, word),
            "search, empty text (first 200)": lambda: reg.search(store, ""),
            "one merchant: details + history (busiest)": lambda: (
                reg.get_entry(store, busiest),
                reg.history(store, busiest),
            ),
            "intake warning (busiest)": lambda: reg.intake_warnings(
                store, Merchant(name="", id=busiest)
            ),
            "all duplicate groups": lambda: reg.duplicate_groups(store),
        }
        lines = [
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, load average"
            f" {os.getloadavg()[0]:.1f}; {cases:,} cases, {merchants:,} merchants;"
            f" {args.runs} runs each.",
            "",
            "| task | first run | p50 | p95 | max |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, task in tasks.items():
            times = []
            for _ in range(args.runs + 1):
                start = time.perf_counter()
                task()
                times.append((time.perf_counter() - start) * 1000)
            first, rest = times[0], times[1:]
            lines.append(
                f"| {name} | {first:.1f} ms | {pystats.median(rest):.1f} ms"
                f" | {percentile(rest, 0.95):.1f} ms | {max(rest):.1f} ms |"
            )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text("# Merchant registry\n\n" + text, encoding="utf-8")


if __name__ == "__main__":
    main()
