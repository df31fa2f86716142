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


def _quiet_copy(replica, party: dict, name: str) -> str:
    """A party row this PC holds that was never queued (as if pulled, then lost upstream)."""
    from station_app.ids import new_id

    row = {**party, "id": new_id(), "name": name}
    names = ", ".join(row)
    marks = ", ".join("?" * len(row))
    with replica.store.transaction("system", origin=remote_origin("NOWHERE")):
        replica.store.execute(f"INSERT INTO parties({names}) VALUES ({marks})", tuple(row.values()))
    return row["id"]


def test_the_repair_removes_rows_the_server_lacks_but_never_unpushed_local_work(
    tmp_path, backend, memory_keyring
) -> None:
    city = make_city(tmp_path, backend)
    try:
        village = city["village_a"]
        first = village.add_case(name="张一", phone="13900004444")
        second = village.add_case(name="张二", phone="13900005555")
        third = village.add_case(name="张三", phone="13900006666")
        assert village.sync().checksum_ok
        ghost = _quiet_copy(village, _party(village, first.id), "幽灵")
        removed_there = _party(village, second.id)["id"]
        edited_here = _party(village, third.id)["id"]
        with backend.engine.begin() as conn:  # removed on the server; the station missed it
            conn.execute(
                text("UPDATE rows SET removed = true WHERE table_name = 'parties' AND row_id IN"
                     " (:a, :b)"),
                {"a": removed_there, "b": edited_here},
            )  # fmt: skip
        assert village.store.scalar("SELECT count(*) FROM outbox") == 0

        def clerk_edits_during_the_repair(progress) -> None:
            if progress.stage == "repair" and not village.store.scalar(
                "SELECT count(*) FROM outbox"
            ):
                village.edit("parties", edited_here, name="张三丰")

        report = village.engine.run_once(progress=clerk_edits_during_the_repair)
        assert report.mismatched_tables == ["parties"] and report.removed == 2, report
        parties = rows_of(village.store, "parties")
        assert ghost not in parties and removed_there not in parties
        # The clerk's edit made during the repair is kept, and still waits to be sent.
        assert parties[edited_here]["name"] == "张三丰"
        assert village.store.scalar("SELECT count(*) FROM outbox WHERE row_id = ?", (edited_here,))
        # Nothing is lost: a copy of each removed row is kept with the set-aside records.
        kept = {
            r["row_id"]: (json.loads(r["change"]), r["reason"])
            for r in village.store.query(
                "SELECT row_id, change, reason FROM sync_rejected WHERE op = 'delete'"
            )
        }
        assert set(kept) == {ghost, removed_there}
        assert kept[ghost][0]["name"] == "幽灵" and "copy is kept" in kept[ghost][1]
        # The cases and the search index follow: the removed names are found no more.
        from station_app.store.case_list import search_cases

        assert not search_cases(village.store, "幽灵")
        assert search_cases(village.store, "张三丰")
        assert {c.id for c in (first, second, third)} <= set(rows_of(village.store, "cases"))
    finally:
        for replica in city.values():
            replica.close()


def test_a_removed_row_that_the_server_has_again_comes_back(
    tmp_path, backend, memory_keyring
) -> None:
    """The station's own records stay whole: a row the server holds again is taken back."""
    city = make_city(tmp_path, backend)
    try:
        village = city["village_a"]
        case = village.add_case(name="孟浩然", phone="13900007777")
        assert village.sync().checksum_ok
        party = _party(village, case.id)["id"]
        with backend.engine.begin() as conn:
            conn.execute(
                text("UPDATE rows SET removed = :r WHERE table_name = 'parties' AND row_id = :i"),
                {"r": True, "i": party},
            )
        assert village.sync().removed == 1
        assert party not in rows_of(village.store, "parties")
        with backend.engine.begin() as conn:
            conn.execute(
                text("UPDATE rows SET removed = :r WHERE table_name = 'parties' AND row_id = :i"),
                {"r": False, "i": party},
            )
        report = village.sync()
        assert report.repaired == 1 and report.removed == 0, report
        assert rows_of(village.store, "parties")[party]["name"] == "孟浩然"
        assert village.sync().checksum_ok
    finally:
        for replica in city.values():
            replica.close()
