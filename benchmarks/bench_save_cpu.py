"""Wall and CPU time of saving one case, on an existing (copied) database.

    python benchmarks/bench_save_cpu.py --db /tmp/copy/bench-1m.db [--saves 300] [--seed 1]

Saves bench_casebook's sample case through intake.register_cases, as bench_casebook does, and
also reports the process's CPU time per save, which a busy machine disturbs far less than the
wall time. The database grows by the saved cases: run it on a copy.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_casebook import BENCH_USER, percentile, sample_case  # noqa: E402
from station_app.domain import Role, User  # noqa: E402
from station_app.intake import register_cases  # noqa: E402
from station_app.store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    start = time.perf_counter()
    store = Store(Path(args.db))
    print(f"open (and any migration): {time.perf_counter() - start:.1f} s")
    user = User(BENCH_USER, "benchmark", Role.CLERK, "RC-MT")
    rng = random.Random(args.seed)
    wall: list[float] = []
    cpu: list[float] = []
    for index in range(args.saves):
        data = sample_case(rng, index)
        began, began_cpu = time.perf_counter(), time.process_time()
        register_cases(store, [data], user=user, station_code="RC-MT", today=date(2026, 11, 23))
        if index >= 3:  # the first saves warm the caches
            wall.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
    store.close()
    print(
        f"saves n={len(wall)}: wall p50={percentile(wall, 50):.1f} p95={percentile(wall, 95):.1f}"
        f" ms | CPU p50={percentile(cpu, 50):.2f} p95={percentile(cpu, 95):.2f}"
        f" mean={sum(cpu) / len(cpu):.2f} ms"
    )


if __name__ == "__main__":
    main()
