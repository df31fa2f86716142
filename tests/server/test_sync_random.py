"""Many rounds of random edits at two villages, their township and the city, each round
syncing a random subset of stations in a random order (with a fixed seed): at the end every
replica holds the same rows, finds the same cases and counts the same deadlines."""

from __future__ import annotations

import random

import pytest

from tests.server.sync_support import (
    assert_converged,
    make_city,
    random_edits,
)

pytestmark = pytest.mark.usefixtures("english", "memory_keyring")


@pytest.fixture(scope="module")
def backend(sync_backend):
    """This module's own city server (see sync_support.sync_backend)."""
    return sync_backend


SEED = 20261130
ROUNDS = 8


def test_random_rounds_end_with_equal_replicas(tmp_path, backend) -> None:
    rng = random.Random(SEED)
    city = make_city(tmp_path, backend)
    try:
        names = list(city)
        conflicts = 0
        for _ in range(ROUNDS):
            for name in names:
                random_edits(rng, city[name], rng.randrange(0, 5))
            for name in rng.sample(names, rng.randrange(1, len(names) + 1)):
                conflicts += city[name].sync().conflicts
        for _ in range(2):
            for name in names:
                city[name].sync()
        assert_converged(city)
        assert all(replica.reports[-1].checksum_ok for replica in city.values())
        ours = tuple(r.code for r in city.values())
        marks = ", ".join("?" * len(ours))
        made = f"SELECT count(*) FROM cases WHERE owner_station IN ({marks})"
        assert city["city"].store.scalar(made, ours) >= 10
    finally:
        for replica in city.values():
            replica.close()
