"""`station-app demo` as real processes: a killed load is resumed, and nothing another command
does while a load runs lets a demo row into the outbox."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

from station_app.store import Store
from tests.support.cli import ROOT, run

CASES = 25_000


def _start_demo(data_dir) -> subprocess.Popen:
    env = {**os.environ, "STATION_APP_LANG": "en", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "station_app", "--data-dir", str(data_dir), "demo", "--cases",
         str(CASES), "--seed", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )  # fmt: skip


def _wait_for_progress(process: subprocess.Popen) -> str:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if re.match(r"\d+ of \d+ cases", line):
            return line
        if not line and process.poll() is not None:
            break
    raise AssertionError("the demo load reported no progress")


def test_a_killed_demo_is_resumed_and_a_read_during_a_load_leaks_nothing(tmp_path):
    data_dir = tmp_path / "data"
    process = _start_demo(data_dir)
    try:
        assert _wait_for_progress(process).startswith("10000 of")
        # A read command while the load runs (it used to switch change capture back on).
        searched = run(data_dir, "search", "张", "--json")
        assert searched.returncode == 0, searched.stderr
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    with Store(data_dir / "station.db") as store:
        saved = store.scalar("SELECT count(*) FROM cases")
        assert 10_000 <= saved < CASES
        assert store.get_setting("demo_load") is not None

    again = run(data_dir, "demo", "--cases", str(CASES), "--seed", "4")
    assert again.returncode == 0, again.stderr
    assert "interrupted" in again.stderr
    assert json.loads(again.stdout)["cases_added"] == CASES - saved

    with Store(data_dir / "station.db") as store:
        assert store.scalar("SELECT count(*) FROM cases") == CASES
        counters = dict(store.execute("SELECT year, last_seq FROM case_counters"))
        per_year = dict(
            store.execute("SELECT substr(case_no, 7, 4) + 0, count(*) FROM cases GROUP BY 1")
        )
        assert counters == per_year
        assert store.scalar("SELECT count(DISTINCT id) FROM merchants") == store.scalar(
            "SELECT count(*) FROM merchants"
        )
        assert (
            store.scalar(
                "SELECT count(*) FROM outbox WHERE table_name IN ('cases', 'parties', 'merchants')"
            )
            == 0
        )
        assert store.get_setting("demo_load") is None
