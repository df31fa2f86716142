"""The station's sync engine end to end: real station databases, real city servers (SQLite and
PostgreSQL), the engine's HTTP transport, push before pull, the scope checksum."""

from __future__ import annotations

import random

import pytest

from tests.server.live import start_server
from tests.server.sync_support import (
    assert_converged,
    make_city,
    random_edits,
    rows_of,
)

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(scope="module")
def backend(sync_backend):
    """This module's own city server (see sync_support.sync_backend)."""
    return sync_backend


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


def sync_until_quiet(replicas, rounds: int = 3) -> None:
    for _ in range(rounds):
        for replica in replicas.values():
            replica.sync()


def test_four_stations_converge_after_edits_everywhere_over_two_server_processes(
    tmp_path, backend, memory_keyring
) -> None:
    second = start_server(backend.db_url)
    backend.extra_servers.append(second)
    city = make_city(tmp_path, backend)
    try:
        # Village A and the township talk to one process, village B and the city to the other.
        city["village_b"].use_server(second.url)
        city["city"].use_server(second.url)
        rng = random.Random(7)
        for replica in city.values():
            random_edits(rng, replica, 6)
        sync_until_quiet(city, 1)
        for replica in city.values():
            random_edits(rng, replica, 8)
        sync_until_quiet(city, 2)
        assert_converged(city)
        assert all(r.reports[-1].checksum_ok for r in city.values())
        # (The city level reads every station's cases on the server, other tests' too.)
        whole = city["city"].store
        ours = tuple(r.code for r in city.values())
        marks = ", ".join("?" * len(ours))
        owners = whole.scalar(
            f"SELECT count(DISTINCT owner_station) FROM cases WHERE owner_station IN ({marks})",
            ours,
        )
        assert owners == 4
        assert (
            whole.scalar(f"SELECT count(*) FROM cases WHERE owner_station IN ({marks})", ours) >= 10
        )
        accepted = (
            f"SELECT count(*) FROM cases WHERE status = 'accepted' AND owner_station IN ({marks})"
        )
        assert whole.scalar(accepted, ours) >= 1
    finally:
        for replica in city.values():
            replica.close()
