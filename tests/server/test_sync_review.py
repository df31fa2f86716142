"""Conflicts, clocks, refusals and attachments through the station's sync engine against live
servers: a same-field conflict reaches review with both values, clocks years off warn and
misorder nothing, a revoked station and an old protocol get a clear message, an attachment
upload cut in the middle resumes where it stopped."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime

import pytest

from city_server.stations import revoke_station
from station_app.evidence_files import attach_evidence, evidence_path
from station_app.store import StoreError
from station_app.store.sync_apply import pending_conflicts
from station_app.store.sync_review import KEEP_LOCAL, open_conflicts, resolve_conflict
from station_app.sync.engine import sync_status
from station_app.sync.protocol import PREVIOUS_PROTOCOL_VERSION, PROTOCOL_VERSION
from station_app.sync.transport import SyncError
from tests.server.live import count_rows
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


@pytest.fixture
def city(tmp_path, backend, memory_keyring):
    replicas = make_city(tmp_path, backend)
    yield replicas
    for replica in replicas.values():
        replica.close()


def _facts(replica, case_id: str) -> str:
    return replica.store.scalar("SELECT facts FROM cases WHERE id = ?", (case_id,))


def test_a_same_field_conflict_reaches_review_and_both_values_survive(city, backend) -> None:
    village, township = city["village_a"], city["township"]
    case = village.add_case(facts="原事实")
    village.sync()
    township.sync()
    # Both edit the same field offline; the township (not the owner) syncs first.
    township.edit("cases", case.id, facts="乡镇的版本")
    village.edit("cases", case.id, facts="村的版本")
    township.sync()
    report = village.sync()
    assert report.conflicts == 1
    # The owner's value wins everywhere ...
    township.sync()
    assert _facts(village, case.id) == _facts(township, case.id) == "村的版本"
    # ... and the losing value waits for review at the owner station, beside the winner.
    [kept] = [c for c in pending_conflicts(village.store) if c["row_id"] == case.id]
    assert json.loads(kept["local_value"]) == "村的版本"
    assert json.loads(kept["remote_value"]) == "乡镇的版本"
    assert sync_status(village.store).conflicts == 1
    assert (
        count_rows(backend.engine, "SELECT count(*) FROM conflicts WHERE row_id = :r", r=case.id)
        == 1
    )

    # The other way round: the owner syncs first, the township's stale edit loses.
    village.edit("cases", case.id, facts="村再改")
    township.edit("cases", case.id, facts="乡镇再改")
    village.sync()
    report = township.sync()
    assert report.conflicts == 1
    assert _facts(township, case.id) == "村再改"
    [lost] = [c for c in pending_conflicts(township.store) if c["row_id"] == case.id]
    assert json.loads(lost["local_value"]) == "乡镇再改"
    assert json.loads(lost["remote_value"]) == "村再改"
    assert township.reports[-1].checksum_ok and village.sync().checksum_ok
    # Only the owner reviews: at the township the lost value is for information only ...
    assert sync_status(township.store).conflicts == 0
    shown = [c for c in open_conflicts(township.store) if c.local_value == "乡镇再改"]
    assert shown and not any(c.reviewable for c in shown)
    with pytest.raises(StoreError, match=f"{village.code} owns this record"):
        resolve_conflict(township.store, shown[0].conflict_id, KEEP_LOCAL, actor=township.user)
    # ... and the owner, which synced first, gets it from the server for its review.
    review = [c for c in open_conflicts(village.store) if c.local_value == "村再改"]
    assert [(c.remote_value, c.remote_station, c.reviewable) for c in review] == [
        ("乡镇再改", township.code, True)
    ]
    assert sync_status(village.store).conflicts == 2
    village.sync()  # kept once, however often the server lists it
    assert sync_status(village.store).conflicts == 2


def test_pc_clocks_years_off_warn_and_misorder_nothing(city) -> None:
    village, township = city["village_a"], city["township"]
    old_pc = village.connect(clock=lambda: datetime(2000, 1, 1, tzinfo=UTC))
    ahead_pc = township.connect(
        clock=lambda: datetime.now(UTC).replace(year=datetime.now().year + 1)
    )
    case = village.add_case(facts="第一版")
    # The village's clock says 2000: its edit carries that date, the township's next year's.
    village.edit("cases", case.id, updated_at="2000-01-01T00:00:00.000Z")
    report = old_pc.run_once()
    assert report.clock_warning and "behind" in report.clock_warning
    assert report.clock_offset_seconds < -86400 * 365 * 20
    status = sync_status(village.store)
    assert status.clock_warning and status.clock_offset_seconds < 0
    report = ahead_pc.run_once()
    assert report.clock_warning and "ahead" in report.clock_warning
    township.edit("cases", case.id, request="乡镇改的请求")
    ahead_pc.run_once()
    # The village edits after the township: by the server's order its edit is the later
    # one, though its PC says 2000.
    old_pc.run_once()
    village.edit("cases", case.id, request="村最后的请求")
    old_pc.run_once()
    ahead_pc.run_once()
    for replica in (village, township):
        row = replica.store.query("SELECT request FROM cases WHERE id = ?", (case.id,))[0]
        assert row["request"] == "村最后的请求"
    assert rows_of(village.store, "cases", {case.id}) == rows_of(township.store, "cases", {case.id})


def test_a_revoked_station_is_stopped_with_a_clear_message(city, backend) -> None:
    village = city["village_a"]
    village.add_case()
    village.sync()
    case = village.add_case(facts="撤销后")
    with backend.engine.begin() as conn:
        revoke_station(conn, village.code)
    with pytest.raises(SyncError) as refused:
        village.sync()
    assert refused.value.kind == "revoked" and not refused.value.retryable
    assert "revoked" in refused.value.message and "enrol" in refused.value.message
    # Nothing is lost: the change waits on the PC, the failure is in the status.
    assert village.store.scalar("SELECT count(*) FROM outbox WHERE row_id = ?", (case.id,)) == 1
    assert "revoked" in sync_status(village.store).last_error


def test_an_old_protocol_client_is_told_to_update(city) -> None:
    village = city["village_a"]
    engine = village.connect()
    engine.transport.protocol = PREVIOUS_PROTOCOL_VERSION - 1
    with pytest.raises(SyncError) as refused:
        engine.run_once()
    assert (
        refused.value.kind == "protocol" and "Install the current version" in refused.value.message
    )
    # A PC updated before the city office's server is told that the server is the old one.
    engine.transport.protocol = PROTOCOL_VERSION + 1
    with pytest.raises(SyncError) as refused:
        engine.run_once()
    assert refused.value.kind == "protocol" and not refused.value.retryable
    assert "server is older than this station-app" in refused.value.message
    assert f"protocol {PROTOCOL_VERSION}, this PC {PROTOCOL_VERSION + 1}" in refused.value.message


def test_an_attachment_upload_cut_in_the_middle_resumes_where_it_stopped(
    city, backend, tmp_path
) -> None:
    village, township = city["village_a"], city["township"]
    proxy = CuttingProxy(backend.url)
    try:
        village.use_server(proxy.url)
        case = village.add_case()
        photo = tmp_path / "收据.jpg"
        photo.write_bytes(b"\xff\xd8\xff\xe0 fake jpeg " + os.urandom(300_000))
        sha = hashlib.sha256(photo.read_bytes()).hexdigest()
        attach_evidence(
            village.store, village.folder / "evidence", case.id, photo, owner=village.code
        )
        engine = village.connect(chunk_bytes=64 * 1024)
        # The third chunk reaches the server but its answer is lost.
        puts = iter(range(100))

        def third_put_cut(method: str, path: str):
            if method == "PUT" and next(puts) == 2:
                return {"when": "after"}
            return None

        proxy._rule = third_put_cut  # type: ignore[method-assign]
        with pytest.raises(SyncError):
            engine.run_once()
        report = engine.run_once()
        assert report.uploaded == 1
        offsets = [p for m, p in proxy.seen if m == "PUT"]
        # Five chunks of 64 KiB, none sent twice: the next round asked the server how much it
        # had (including the chunk whose answer was lost) and went on from there.
        assert len(offsets) == 5
        township.sync()
        copy = evidence_path(township.folder / "evidence", sha)
        assert copy.read_bytes() == photo.read_bytes()
        assert township.reports[-1].downloaded == 1
        # Sent whole, the file is not sent again.
        assert village.sync().uploaded == 0
    finally:
        proxy.close()


def test_an_escalated_case_moves_to_its_new_owner_everywhere(city) -> None:
    from tests.server.sync_support import act_on, assert_converged

    village, township = city["village_a"], city["township"]
    case = village.add_case(facts="要上交的案件")
    village.sync()
    act_on(village, case.id, "escalate", {"to_station": township.code, "reason": "案情重大"})
    report = village.sync()
    assert report.set_aside == 0, village.store.query("SELECT reason FROM sync_rejected")
    for replica in city.values():
        replica.sync()
    owner = township.store.scalar("SELECT owner_station FROM cases WHERE id = ?", (case.id,))
    assert owner == township.code
    # The new owner acts on it; the old owner still reads it.
    act_on(township, case.id, "accept", {"occurred_at": "2026-05-06"})
    township.sync()
    for replica in city.values():
        replica.sync()
    for replica in (village, city["city"]):
        status = replica.store.scalar("SELECT status FROM cases WHERE id = ?", (case.id,))
        assert status == "accepted", replica.name
    assert all(r.reports[-1].set_aside == 0 for r in city.values())
    assert_converged(city)


def test_progress_cancel_and_retries_for_a_worker_thread(city, backend) -> None:
    import threading

    village = city["village_a"]
    for n in range(5):
        village.add_case(facts=f"进度{n}")
    cancel = threading.Event()
    seen = []

    def progress(step) -> None:
        seen.append(step)
        if step.stage == "push":
            cancel.set()  # the clerk presses Cancel after the first batch

    # Run in a worker thread, as the GUI will (the store belongs to this one: a new one there).
    from station_app.store import Store
    from station_app.sync.engine import connect

    result = {}

    def work() -> None:
        with Store(village.folder / "station.db") as store:
            worker = connect(store, village.folder, batch_size=3)
            try:
                result["report"] = worker.run_once(progress, cancel)
            finally:
                worker.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(60)
    report = result["report"]
    assert report.cancelled and report.pushed > 0
    assert [s.stage for s in seen][:2] == ["connect", "push"]
    left = village.store.scalar("SELECT count(*) FROM outbox")
    assert left > 0  # the rest waits for the next round
    # The next round goes on; a connection lost twice is retried with backoff.
    proxy = CuttingProxy(backend.url)
    try:
        village.use_server(proxy.url)
        proxy.cut("GET", "/v1/hello", "before", times=2)
        engine = village.connect(batch_size=3)
        report = engine.run_with_retries(attempts=4, base_delay=0.05)
        assert report.attempts == 3 and not report.cancelled and report.checksum_ok
        assert village.store.scalar("SELECT count(*) FROM outbox") == 0
        with pytest.raises(SyncError):
            proxy.cut("GET", "/v1/hello", "before", times=5)
            engine.run_with_retries(attempts=2, base_delay=0.05)
    finally:
        proxy.close()
