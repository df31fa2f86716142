"""A merchant merge travels by sync: the city and the township see the merged-away entry as
a deleted row naming the kept one, and the cases re-pointed, with the registry's new fields."""

from __future__ import annotations

import pytest

from station_app import merchant_registry as reg
from tests.server.sync_support import make_city, rows_of

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(scope="module")
def backend(sync_backend):
    return sync_backend


def test_a_merge_and_a_designation_reach_the_city(tmp_path, backend, memory_keyring) -> None:
    city = make_city(tmp_path, backend)
    try:
        village = city["village_a"]
        first = village.add_case(name="欧阳娜娜", phone="13987654321", merchant="好又多超市")
        second = village.add_case(name="司马光", phone="13987654322", merchant="好又多 超市")
        store = village.store
        keep = store.query("SELECT merchant_id FROM cases WHERE id = ?", (first.id,))[0]
        gone = store.query("SELECT merchant_id FROM cases WHERE id = ?", (second.id,))[0]
        keep_id, gone_id = keep["merchant_id"], gone["merchant_id"]
        assert village.sync().checksum_ok
        reg.merge(store, keep_id, gone_id, actor=village.user, station_code=village.code)
        reg.add_designation(store, keep_id, "model_store", "2025-06-01", actor=village.user,
                            station_code=village.code)  # fmt: skip
        report = village.sync()
        assert report.checksum_ok and store.scalar("SELECT count(*) FROM outbox") == 0
        for name in ("township", "city"):
            assert city[name].sync().checksum_ok
            merchants = rows_of(city[name].store, "merchants")
            assert merchants[gone_id]["deleted"] == 1
            assert merchants[gone_id]["merged_into"] == keep_id
            assert "model_store" in merchants[keep_id]["designations"]
            cases = rows_of(city[name].store, "cases")
            assert cases[second.id]["merchant_id"] == keep_id
    finally:
        for replica in city.values():
            replica.close()
