"""The station's sync engine end to end: real station databases, real city servers (SQLite and
PostgreSQL), the engine's HTTP transport, push before pull, the scope checksum."""

from __future__ import annotations

from tests.server.sync_support import make_city, rows_of


def test_a_case_made_at_a_village_reaches_its_township_and_the_city(
    tmp_path, backend, memory_keyring
) -> None:
    city = make_city(tmp_path, backend)
    try:
        village = city["village_a"]
        case = village.add_case(name="欧阳娜娜", phone="13987654321")
        report = village.sync()
        assert report.pushed > 0 and village.store.scalar("SELECT count(*) FROM outbox") == 0
        for name in ("township", "city"):
            got = city[name].sync()
            assert got.checksum_ok, got
            assert case.id in rows_of(city[name].store, "cases")
        assert case.id not in rows_of(city["village_b"].store, "cases")
        city["village_b"].sync()
        assert case.id not in rows_of(city["village_b"].store, "cases")
        again = village.sync()
        assert again.checksum_ok, again
    finally:
        for replica in city.values():
            replica.close()
