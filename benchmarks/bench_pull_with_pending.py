"""Pulled changes applied on a station whose outbox is full (offline for days, or importing a
USB bundle): the CPU time of 1,000 pulled updates with about 8,000 changes waiting, without
and with the outbox's index by row (migration 19).

    python benchmarks/bench_pull_with_pending.py [--cases 2000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from station_app.store import Store  # noqa: E402
from station_app.store.sync_apply import RemoteChange, apply_remote_changes  # noqa: E402
from tests.core.workflow_helpers import TOWNSHIP, new_case, set_up_village  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    args = parser.parse_args()
    store = Store(Path(tempfile.mkdtemp(prefix="bench-pending-")) / "station.db")
    set_up_village(store)
    cases = [new_case(store, facts=f"事实{n}") for n in range(args.cases)]
    waiting = store.scalar("SELECT count(*) FROM outbox")

    def run(tag: str) -> float:
        changes = [
            RemoteChange("cases", c.id, "update", {"request": f"{tag}{n}"}, 2, TOWNSHIP)
            for n, c in enumerate(cases[:1000])
        ]
        cpu = time.process_time()
        apply_remote_changes(store, changes)
        return time.process_time() - cpu

    store.execute("DROP INDEX IF EXISTS outbox_row")
    without = run("甲")
    store.execute("CREATE INDEX outbox_row ON outbox(table_name, row_id)")
    with_index = run("乙")
    print(f"| 1,000 pulled changes, {waiting:,} waiting in the outbox | CPU without the index "
          f"{without:.2f} s | with it {with_index:.2f} s |")  # fmt: skip
    store.close()


if __name__ == "__main__":
    main()
