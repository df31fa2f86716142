"""The real `station-app sync` command on a PC whose clock is wrong, under libfaketime (the
clock of the whole process is faked, SQLite's included): at 2000-01-01 and a year ahead it
warns loudly about the clock, and the changes of both stations still arrive in the server's
order, with nothing lost or sent twice."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import keyring

from city_server.stations import add_station
from station_app.domain import Role, Station, StationLevel, User
from station_app.store import Store, sync_state
from station_app.store.accounts import initialise_station
from station_app.sync.enrolment import enrol
from tests.core.conftest import save_case
from tests.server.live import ROOT, count_rows
from tests.server.sync_support import city_codes, make_replica, rows_of
from tests.support.file_keyring import ENV, FileKeyring

ADMIN = "adm_village"


def _faked_sync(folder: Path, keyring_file: Path, clock: str) -> subprocess.CompletedProcess:
    """`station-app sync` with the PC clock at `clock` (faketime's syntax: an absolute time, or
    an offset such as +365d)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "STATION_APP_LANG": "en",
        "PYTHON_KEYRING_BACKEND": "tests.support.file_keyring.FileKeyring",
        ENV: str(keyring_file),
    }
    faked = ["-f", clock] if clock.startswith("+") else [clock]
    command = [sys.executable, "-m", "station_app", "--data-dir", str(folder), "sync"]
    return subprocess.run(
        ["faketime", *faked, *command],
        capture_output=True, text=True, encoding="utf-8", env=env, timeout=300, cwd=ROOT,
    )  # fmt: skip


def _request(store: Store, case_id: str) -> str:
    return store.scalar("SELECT request FROM cases WHERE id = ?", (case_id,))


def test_the_sync_command_under_a_faked_clock_warns_and_loses_nothing(
    tmp_path, sqlite_backend, memory_keyring
) -> None:
    assert shutil.which("faketime"), "faketime is installed by scripts/setup.sh"
    backend = sqlite_backend
    codes = city_codes()
    with backend.engine.begin() as conn:
        add_station(conn, codes["city"], "市局", "city", None)
    township = make_replica(
        tmp_path, backend, "township", codes["township"], "township", codes["city"]
    )
    folder = tmp_path / "village"
    folder.mkdir()
    keyring_file = tmp_path / "keyring.json"
    village = Store(folder / "station.db")
    try:
        with backend.engine.begin() as conn:
            enrol_code = add_station(conn, codes["village_a"], "下村", "village", codes["township"])
        initialise_station(
            village,
            Station(codes["village_a"], "下村", StationLevel.VILLAGE, codes["township"]),
            User(ADMIN, "管理员", Role.ADMIN, codes["village_a"]),
            "admin-secret-123",
        )
        before = keyring.get_keyring()
        keyring.set_keyring(FileKeyring(keyring_file))  # the token, where the command finds it
        try:
            enrol(village, backend.url, enrol_code)
        finally:
            keyring.set_keyring(before)
        cases = [save_case(village, codes["village_a"], facts=f"第{n}件") for n in range(3)]

        # The PC's clock says 2000-01-01 (a dead CMOS battery).
        done = _faked_sync(folder, keyring_file, "2000-01-01 08:00:00")
        assert done.returncode == 0, done.stderr
        assert "behind the city office's server" in done.stderr and "Traceback" not in done.stderr
        offset = float(sync_state.get_state(village, sync_state.CLOCK_OFFSET))
        assert offset < -20 * 365 * 86400
        last_success = sync_state.get_state(village, sync_state.LAST_SUCCESS)
        assert last_success.startswith("2000-01-01")  # the PC's own time, for display only
        assert village.scalar("SELECT count(*) FROM outbox") == 0

        # The township (a right clock) edits a case; then the village, whose PC says 2000,
        # edits the same field later: by the server's order the village's edit is the later.
        township.sync()
        township.edit("cases", cases[0].id, request="乡镇改的请求")
        township.sync()
        assert _faked_sync(folder, keyring_file, "2000-01-01 09:00:00").returncode == 0
        assert _request(village, cases[0].id) == "乡镇改的请求"
        with village.transaction(ADMIN):
            village.execute(
                "UPDATE cases SET request = ?, updated_at = '2000-01-01T09:30:00.000Z'"
                " WHERE id = ?",
                ("村最后的请求", cases[0].id),
            )
        save_case(village, codes["village_a"], facts="第3件")

        # A year ahead now (the clock set by hand, wrongly).
        done = _faked_sync(folder, keyring_file, "+365d")
        assert done.returncode == 0, done.stderr
        assert "ahead of the city office's server" in done.stderr
        assert float(sync_state.get_state(village, sync_state.CLOCK_OFFSET)) > 300 * 86400
        year = int(sync_state.get_state(village, sync_state.LAST_SUCCESS)[:4])
        assert year == datetime.now(UTC).year + 1

        township.sync()
        # Nothing lost, nothing twice: every case on both stations and once on the server.
        ours = rows_of(village, "cases")
        assert len(ours) == 4 and rows_of(township.store, "cases") == ours
        assert _request(township.store, cases[0].id) == "村最后的请求"
        assert village.scalar("SELECT count(*) FROM outbox") == 0
        # nothing of the two stations' own work set aside (rows other tests left on this shared
        # server are not this test's business)
        own_set_aside = village.query(
            "SELECT direction, table_name, op, reason FROM sync_rejected"
            " WHERE direction = 'push' OR table_name IN ('cases', 'parties', 'case_events')"
        )
        assert own_set_aside == []
        on_server = count_rows(
            backend.engine,
            "SELECT count(*) FROM rows WHERE table_name = 'cases' AND owner_station = :s",
            s=codes["village_a"],
        )
        assert on_server == 4
    finally:
        village.close()
        township.close()
