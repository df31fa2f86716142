"""Start-up benchmark: from process start to the first case-list rows painted, and peak memory.

    python benchmarks/bench_first_paint.py --db benchmarks/results/bench.db --runs 5

Each run is a fresh `python -c ...` process under QT_QPA_PLATFORM=offscreen that opens the
main window with `station_app.ui.app.open_main_window(folder, user)` on a data folder holding the database
(a symlink to --db, so the benchmark database is used in place; SQLite follows the link and
keeps its -wal next to the real file). It times from the process's creation to
MainWindow.first_rows_painted, then quits cleanly. On Linux the creation time is the kernel's
(/proc/self/stat, clock ticks since boot, compared with CLOCK_BOOTTIME):
psutil.Process().create_time() adds the boot time, which /proc/stat gives in whole seconds,
so differences against time.time() are off by up to a second (0.8 s on the test machine).
Elsewhere psutil's create_time() is used.
Build the database first with bench_casebook.py.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 1.5
TARGET_MIB = 300

# Runs in the child: the same steps as the app after login (the login dialog is skipped, so
# the figure does not include typing the password or its scrypt check).
CHILD = textwrap.dedent(
    """
    import json, os, resource, sys, time
    try:  # Linux: the kernel's start time of this process, exact to a clock tick
        with open("/proc/self/stat") as stat:
            ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
        started = ticks / os.sysconf("SC_CLK_TCK")
        def since_start():
            return time.clock_gettime(time.CLOCK_BOOTTIME) - started
    except (OSError, AttributeError, ValueError):
        import psutil
        started = psutil.Process().create_time()
        def since_start():
            return time.time() - started
    data_dir, username = sys.argv[1], sys.argv[2]
    def cpu():  # CPU seconds of the process so far (every thread), unlike wall time not
        usage = resource.getrusage(resource.RUSAGE_SELF)  # stretched by other jobs
        return usage.ru_utime + usage.ru_stime
    from pathlib import Path
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    marks = {"qt_imported": since_start()}
    from station_app.data_folder import DataFolder
    from station_app.domain import Role, User
    from station_app.ui.app import open_main_window
    marks["app_imported"] = since_start()
    marks["cpu_app_imported"] = cpu()

    def finish(reason):
        marks["first_paint"] = since_start() if reason == "painted" else None
        marks["cpu_first_paint"] = cpu()
        marks["documents_loaded"] = "station_app.documents" in sys.modules
        marks["code"] = sys.modules["station_app"].__file__
        marks["reason"] = reason
        marks["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print("FIRST_PAINT " + json.dumps(marks), flush=True)
        QTimer.singleShot(0, QApplication.instance().quit)

    folder = DataFolder(Path(data_dir))
    user = User(username=username, display_name=username, role=Role.ADMIN, station_code="")
    window = open_main_window(folder, user)
    marks["window_shown"] = since_start()
    window.first_rows_painted.connect(lambda: finish("painted"))
    QTimer.singleShot(60_000, lambda: finish("timeout"))
    QApplication.instance().exec()
    folder.close()
    """
)


def data_folder_for(db: Path, keep: Path) -> Path:
    """A data folder whose station.db is a symlink to the benchmark database."""
    keep.mkdir(parents=True, exist_ok=True)
    link = keep / "station.db"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(db.resolve())
    return keep


def run_once(data_dir: Path, username: str) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(data_dir), username],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    line = next((x for x in child.stdout.splitlines() if x.startswith("FIRST_PAINT ")), None)
    if line is None:
        raise SystemExit(
            f"the child process failed (exit code {child.returncode}):\n{child.stderr[-3000:]}"
        )
    return json.loads(line.removeprefix("FIRST_PAINT "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(ROOT / "benchmarks" / "results" / "bench.db"))
    parser.add_argument("--data-dir", help="use this data folder instead of one linked to --db")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--user", default="admin")
    parser.add_argument("--out", help="append the markdown table to this file")
    args = parser.parse_args()

    if args.data_dir:
        data_dir = Path(args.data_dir)
    else:
        db = Path(args.db)
        if not db.exists():
            raise SystemExit(f"{db} does not exist; build it with benchmarks/bench_casebook.py")
        data_dir = data_folder_for(db, Path(tempfile.gettempdir()) / "station-bench-first-paint")

    load_before = os.getloadavg()[0]
    runs = []
    for i in range(args.runs):
        marks = run_once(data_dir, args.user)
        runs.append(marks)
        paint = marks["first_paint"]
        shown = f"{paint:.2f} s" if paint is not None else marks["reason"]
        print(
            f"run {i + 1}: first paint {shown}, peak {marks['peak_mib']:.0f} MiB, "
            f"CPU {marks['cpu_first_paint']:.2f} s, documents loaded: {marks['documents_loaded']}"
            f" ({marks['code']})",
            flush=True,
        )

    painted = [r["first_paint"] for r in runs if r["first_paint"] is not None]
    if not painted:
        raise SystemExit("no run painted rows within 60 s")
    median = statistics.median(painted)
    peak = statistics.median(r["peak_mib"] for r in runs)
    qt = statistics.median(r["qt_imported"] for r in runs)
    imported = statistics.median(r["app_imported"] for r in runs)
    shown = statistics.median(r["window_shown"] for r in runs)
    cpu_imported = statistics.median(r["cpu_app_imported"] for r in runs)
    cpu_painted = statistics.median(r["cpu_first_paint"] for r in runs)
    load_after = os.getloadavg()[0]
    ok = "✅" if median <= TARGET_SECONDS else "❌"
    ok_mem = "✅" if peak <= TARGET_MIB else "❌"
    table = "\n".join(
        [
            f"## First paint ({len(painted)} of {args.runs} runs, median)",
            "",
            "| measurement | median | target |",
            "|---|---|---|",
            f"| process start → PySide6 imported | {qt:.2f} s | |",
            f"| process start → station_app.ui.app imported | {imported:.2f} s | |",
            f"| process start → main window shown (empty) | {shown:.2f} s | |",
            f"| process start → first rows painted | {median:.2f} s | ≤ {TARGET_SECONDS} s {ok} |",
            f"| peak memory (maxrss) at first paint | {peak:.0f} MiB | ≤ {TARGET_MIB} MiB {ok_mem} |",
            f"| CPU time (all threads) to station_app.ui.app imported | {cpu_imported:.2f} s | |",
            f"| CPU time (all threads) to first rows painted | {cpu_painted:.2f} s | |",
            "",
            f"Load average (1 min) of the machine: {load_before:.1f} before, {load_after:.1f} "
            f"after, {os.cpu_count()} CPUs: wall times include waiting for a core, CPU times not.",
            "",
        ]
    )
    print(table)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as f:
            f.write("\n" + table)


if __name__ == "__main__":
    main()
