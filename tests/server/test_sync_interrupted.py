"""Sync interrupted at every stage resumes with nothing lost or duplicated: connections cut
before and after the server did the work (a proxy), a server process killed and another
started, the station's process killed while its batch was on the wire."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from station_app.store import sync_state
from station_app.sync.transport import SyncError
from tests.server.live import ROOT, count_rows, server_env, start_server
from tests.server.sync_support import (
    CuttingProxy,
    make_city,
    rows_of,
)

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(scope="module")
def backend(sync_backend):
    """This module's own city server (see sync_support.sync_backend)."""
    return sync_backend


def _server_changes(backend, station: str) -> int:
    return count_rows(
        backend.engine, "SELECT count(*) FROM changes WHERE origin_station = :s", s=station
    )


def _fill(replica, cases: int = 6) -> set[str]:
    ids = set()
    for n in range(cases):
        case = replica.add_case(name=f"断线{n}", facts=f"第{n}件")
        ids.add(case.id)
        replica.edit("cases", case.id, request=f"退款{n}")
    return ids


def test_cut_connections_at_every_stage_lose_and_repeat_nothing(
    tmp_path, backend, memory_keyring
) -> None:
    city = make_city(tmp_path, backend)
    proxy = CuttingProxy(backend.url)
    try:
        village, township = city["village_a"], city["township"]
        for replica in (village, township):
            replica.use_server(proxy.url)
        ids = _fill(village)
        queued = village.store.scalar("SELECT count(*) FROM outbox")
        before = _server_changes(backend, village.code)
        batches_before = count_rows(
            backend.engine, "SELECT count(*) FROM batches WHERE station_code = :s", s=village.code
        )
        # Small batches, so that the cuts fall between and inside them.
        village.connect(batch_size=4)
        proxy.cut("POST", "/v1/push", "before")  # the server never sees the first try
        proxy.cut("POST", "/v1/push", "after", times=2)  # it applies, the station hears nothing
        proxy.cut("GET", "/v1/pull", "after")
        proxy.cut("POST", "/v1/scope/checksum", "before")
        failures = 0
        while True:
            try:
                report = village.engine.run_once()
                break
            except SyncError as error:
                assert error.kind == "offline" and error.retryable
                assert "Nothing is lost" in error.message
                failures += 1
                assert failures < 10
        assert failures == 5
        # Every change reached the server exactly once; the resent batches were duplicates.
        assert _server_changes(backend, village.code) == before + queued
        assert village.store.scalar("SELECT count(*) FROM outbox") == 0
        assert village.store.scalar("SELECT count(*) FROM sync_batches") == 0
        assert report.checksum_ok
        # Each batch is recorded once by the server, however often it was sent: three sends
        # were repeats (one never arrived, two arrived and were answered into the void).
        batches = count_rows(
            backend.engine, "SELECT count(*) FROM batches WHERE station_code = :s", s=village.code
        )
        pushes = sum(1 for seen in proxy.seen if seen == ("POST", "/v1/push"))
        assert batches >= 3 and pushes == batches - batches_before + 3
        # The township's pull is cut after each of its pages too, and still ends complete.
        township.connect(page_size=3)
        proxy.cut("GET", "/v1/pull", "after", times=3)
        for _ in range(4):
            try:
                township.engine.run_once()
                break
            except SyncError:
                continue
        assert ids <= set(rows_of(township.store, "cases"))
        assert rows_of(township.store, "cases", ids) == rows_of(village.store, "cases", ids)
    finally:
        proxy.close()
        for replica in city.values():
            replica.close()


def test_a_server_killed_mid_sync_and_another_started(tmp_path, backend, memory_keyring) -> None:
    city = make_city(tmp_path, backend)
    server = start_server(backend.db_url)
    proxy = CuttingProxy(server.url)
    try:
        village = city["village_a"]
        village.use_server(proxy.url)
        ids = _fill(village, 3)
        queued = village.store.scalar("SELECT count(*) FROM outbox")
        before = _server_changes(backend, village.code)
        # The server dies while the batch is on its way back.
        proxy.cut("POST", "/v1/push", "stall", seconds=1.5)
        village.connect(batch_size=1000)
        server.process.kill()
        server.process.wait()
        with pytest.raises(SyncError) as failed:
            village.engine.run_once()
        assert failed.value.kind == "offline"
        assert village.store.scalar("SELECT count(*) FROM sync_batches") <= 1
        replacement = start_server(backend.db_url)
        backend.extra_servers.append(replacement)
        proxy.upstream = replacement.url
        report = village.engine.run_once()
        assert report.checksum_ok
        assert _server_changes(backend, village.code) == before + queued
        assert ids <= set(rows_of(village.store, "cases"))
        assert sync_state.get_state(village.store, sync_state.LAST_ERROR) is None
    finally:
        proxy.close()
        server.stop()
        for replica in city.values():
            replica.close()


CLIENT = """
import sys, keyring
sys.path.insert(0, {root!r})
from tests.support.memory_keyring import MemoryKeyring
from station_app.store import Store
from station_app.sync.engine import connect
from station_app.sync.secrets import save_sync_token
keyring.set_keyring(MemoryKeyring())
save_sync_token({station!r}, {token!r})
store = Store({db!r})
connect(store, {folder!r}, batch_size=1000).run_once()
"""


def test_the_station_killed_while_its_batch_is_on_the_wire_resends_the_same_batch(
    tmp_path, backend, memory_keyring
) -> None:
    city = make_city(tmp_path, backend)
    proxy = CuttingProxy(backend.url)
    try:
        village = city["village_a"]
        village.use_server(proxy.url)
        ids = _fill(village, 4)
        queued = village.store.scalar("SELECT count(*) FROM outbox")
        before = _server_changes(backend, village.code)
        proxy.cut("POST", "/v1/push", "stall", seconds=60)
        token = memory_keyring.get_password("station-app", village.code)
        script = CLIENT.format(
            root=str(ROOT),
            station=village.code,
            token=token,
            db=str(village.folder / "station.db"),
            folder=str(village.folder),
        )
        child = subprocess.Popen(
            [sys.executable, "-c", script], env=server_env(), start_new_session=True
        )
        deadline = time.monotonic() + 60
        while _server_changes(backend, village.code) < before + queued:
            assert time.monotonic() < deadline and child.poll() is None
            time.sleep(0.1)
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        # The server applied the batch; the station never heard. Its batch is kept.
        [kept] = village.store.query("SELECT batch_id FROM sync_batches")
        report = village.sync()
        assert report.duplicate_batches == 1 and report.checksum_ok
        assert _server_changes(backend, village.code) == before + queued
        assert village.store.scalar("SELECT count(*) FROM outbox") == 0
        batches = count_rows(
            backend.engine, "SELECT count(*) FROM batches WHERE batch_id = :b", b=kept["batch_id"]
        )
        assert batches == 1
        city["township"].sync()
        assert ids <= set(rows_of(city["township"].store, "cases"))
    finally:
        proxy.close()
        for replica in city.values():
            replica.close()
