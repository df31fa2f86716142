"""An imported ledger travels by sync like cases typed in: the city gets the cases with their
histories (events of the station's chain, agreements), the scope checksums agree, and an undo
reaches the city as deleted cases."""

from __future__ import annotations

from datetime import date

import pytest

from station_app import ledger_import as li
from station_app.domain import Role
from tests.server.sync_support import make_city, rows_of
from tests.support.ledger_files import messy_rows, write_messy_ledger

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(scope="module")
def backend(sync_backend):
    return sync_backend


def test_an_imported_ledger_and_its_undo_reach_the_city(tmp_path, backend, memory_keyring):
    city = make_city(tmp_path, backend)
    try:
        village = city["village_a"]
        path = write_messy_ledger(tmp_path / "ledger.xlsx", messy_rows())
        sheet = li.read_ledger(path)
        plan = li.plan_import(path, sheet, li.guess_mapping(sheet.headings), today=date(2026, 3, 2))
        result = li.run_import(
            village.store, plan, actor=village.user, role=Role.ADMIN, station_code=village.code
        )
        report = village.sync()
        assert report.checksum_ok
        assert village.store.scalar("SELECT count(*) FROM outbox") == 0
        local = rows_of(village.store, "cases")
        assert city["city"].sync().checksum_ok
        remote = rows_of(city["city"].store, "cases")
        imported = {i for i, row in local.items() if row["deleted"] == 0}
        assert len(imported) == 6
        for case_id in imported:
            assert remote[case_id]["status"] == local[case_id]["status"]
            assert remote[case_id]["case_no"] == local[case_id]["case_no"]
        events = rows_of(city["city"].store, "case_events", imported)
        assert len(events) == village.store.scalar("SELECT count(*) FROM case_events")
        assert len(rows_of(city["city"].store, "agreements", imported)) == 2

        li.undo_import(
            village.store,
            result.batch_id,
            actor=village.user,
            role=Role.ADMIN,
            station_code=village.code,
        )
        assert village.sync().checksum_ok
        assert city["city"].sync().checksum_ok
        remote = rows_of(city["city"].store, "cases")
        assert {remote[i]["deleted"] for i in imported} == {1}
    finally:
        for replica in city.values():
            replica.close()
