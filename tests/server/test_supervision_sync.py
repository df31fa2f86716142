"""Supervision work travels by sync: a village's record and its correction reach its township
and the city (their scopes include the village), not the other village, with the checksum
agreeing everywhere; a demo record never leaves the PC."""

from __future__ import annotations

import pytest

from station_app.store.connection import ORIGIN_DEMO
from station_app.supervision import add_record, edit_record
from tests.server.sync_support import make_city, rows_of

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(scope="module")
def backend(sync_backend):
    return sync_backend


def test_a_village_record_reaches_the_township_and_the_city(tmp_path, backend, memory_keyring):
    city = make_city(tmp_path, backend)
    try:
        village = city["village_a"]
        values = {"done_on": "2026-03-05", "kind": "secret_visit", "result": "failed",
                  "findings": "未明码标价"}  # fmt: skip
        record_id = add_record(village.store, values, actor=village.user, station_code=village.code)
        with village.store.transaction(origin=ORIGIN_DEMO):
            village.store.execute(
                "INSERT INTO supervision_records(id, done_on, kind, result, demo, owner_station,"
                " created_at, updated_at) VALUES ('demo-row', '2026-03-06', 'survey', 'passed',"
                " 1, ?, '2026-03-06', '2026-03-06')",
                (village.code,),
            )
        assert village.sync().checksum_ok
        edit_record(village.store, record_id, {"follow_up": "已责令整改"}, actor=village.user,
                    station_code=village.code)  # fmt: skip
        assert village.sync().checksum_ok
        assert village.store.scalar("SELECT count(*) FROM outbox") == 0
        for name in ("township", "city"):
            assert city[name].sync().checksum_ok
            rows = rows_of(city[name].store, "supervision_records")
            assert set(rows) == {record_id}
            assert rows[record_id]["follow_up"] == "已责令整改"
            assert rows[record_id]["owner_station"] == village.code
        assert city["village_b"].sync().checksum_ok
        assert rows_of(city["village_b"].store, "supervision_records") == {}
    finally:
        for replica in city.values():
            replica.close()
