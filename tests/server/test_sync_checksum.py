"""The scope checksum after pull (architecture point 7) from the digests the store keeps:
a divergence on either side is found and repaired, a digest the store failed to keep is
caught by the daily full check, and the kept digests always equal a count of every row."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from station_app.store import sync_state
from station_app.store.connection import remote_origin
from station_app.sync.protocol import combine_digests, row_digest
from tests.server.sync_support import make_city, rows_of

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(scope="module")
def backend(sync_backend):
    """This module's own city server (see sync_support.sync_backend)."""
    return sync_backend


def _quiet_edit(replica, table: str, row_id: str, **values) -> None:
    """A write that makes no outbox row (as if a pulled change had gone wrong)."""
    assignments = ", ".join(f"{name} = ?" for name in values)
    with replica.store.transaction("system", origin=remote_origin("NOWHERE")):
        replica.store.execute(
            f"UPDATE {table} SET {assignments} WHERE id = ?", (*values.values(), row_id)
        )


def _counted_anew(store, table: str) -> tuple[int, str]:
    fields = sync_state.checksum_fields(store, table)
    return combine_digests(
        row_digest(table, row_id, row, fields)
        for row_id, row in sync_state.checksum_rows(store, table)
    )


def _party(replica, case_id: str) -> dict:
    return next(r for r in rows_of(replica.store, "parties").values() if r["case_id"] == case_id)


def test_a_station_row_changed_without_the_outbox_is_repaired_from_the_server(
    tmp_path, backend, memory_keyring
) -> None:
    city = make_city(tmp_path, backend)
    try:
        village = city["village_a"]
        case = village.add_case(name="司马光", phone="13900001111")
        assert village.sync().checksum_ok
        party = _party(village, case.id)
        _quiet_edit(village, "parties", party["id"], name="错名")
        assert village.store.scalar("SELECT count(*) FROM outbox") == 0
        report = village.sync()
        assert report.mismatched_tables == ["parties"] and report.repaired == 1, report
        assert _party(village, case.id)["name"] == "司马光"
        again = village.sync()
        assert again.checksum_ok and not again.mismatched_tables
    finally:
        for replica in city.values():
            replica.close()


def test_a_row_changed_on_the_server_behind_the_stations_back_is_repaired(
    tmp_path, backend, memory_keyring
) -> None:
    city = make_city(tmp_path, backend)
    try:
        village = city["village_a"]
        case = village.add_case(name="王安石", phone="13900002222")
        assert village.sync().checksum_ok
        party = _party(village, case.id)
        with backend.engine.begin() as conn:
            fields = json.loads(
                conn.execute(
                    text("SELECT fields FROM rows WHERE table_name = 'parties' AND row_id = :r"),
                    {"r": party["id"]},
                ).scalar_one()
            )
            fields["name"] = "王安国"
            conn.execute(
                text("UPDATE rows SET fields = :f WHERE table_name = 'parties' AND row_id = :r"),
                {"f": json.dumps(fields, ensure_ascii=False), "r": party["id"]},
            )
        # Nothing was written on this PC: no row is read again, yet the hashes differ.
        report = village.sync()
        assert report.mismatched_tables == ["parties"] and report.repaired == 1, report
        assert _party(village, case.id)["name"] == "王安国"
        assert village.sync().checksum_ok
    finally:
        for replica in city.values():
            replica.close()


def test_a_write_the_digests_missed_is_caught_by_the_daily_full_check(
    tmp_path, backend, memory_keyring
) -> None:
    city = make_city(tmp_path, backend)
    try:
        village = city["village_a"]
        case = village.add_case(name="苏轼", phone="13900003333")
        assert village.sync().checksum_ok
        party = _party(village, case.id)
        # A write the triggers do not see (a trigger gone): the kept digests go stale.
        village.store.execute("DROP TRIGGER parties_digest_dirty_update")
        _quiet_edit(village, "parties", party["id"], name="苏辙")
        assert village.sync().checksum_ok  # the same day: the kept digests are believed
        later = datetime.now(UTC) + timedelta(hours=25)
        village.connect(clock=lambda: later)
        report = village.sync()
        assert report.mismatched_tables == ["parties"] and report.repaired == 1, report
        assert _party(village, case.id)["name"] == "苏轼"
    finally:
        for replica in city.values():
            replica.close()


def test_the_kept_digests_equal_a_count_of_every_row_after_rounds_of_edits(
    tmp_path, backend, memory_keyring
) -> None:
    city = make_city(tmp_path, backend)
    try:
        village, township = city["village_a"], city["township"]
        for n in range(3):
            cases = [village.add_case(name=f"欧阳{n}{k}", facts=f"第{k}件") for k in range(4)]
            village.edit("cases", cases[0].id, request=f"退款{n}")
            _quiet_edit(village, "cases", cases[1].id, request="本地改")
            with village.store.transaction("adm"):
                village.store.execute("DELETE FROM follow_ups WHERE 0")
            for replica in (village, township):
                replica.sync()
                for table in sync_state.local_tables():
                    fields = sync_state.checksum_fields(replica.store, table)
                    kept = sync_state.scope_checksum(replica.store, table, fields, row_digest)
                    assert kept == _counted_anew(replica.store, table), (replica.name, table)
        assert village.store.scalar("SELECT count(*) FROM sync_digest_dirty") == 0
    finally:
        for replica in city.values():
            replica.close()
