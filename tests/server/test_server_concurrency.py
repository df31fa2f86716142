"""The commit-order gap: ten stations push at once through two server processes over one
PostgreSQL while another station pulls with its cursor; no change is ever missed."""

from __future__ import annotations

import dataclasses
import threading

import httpx
import psycopg

from tests.server.live import (
    PG_ADMIN,
    Backend,
    case_insert,
    enrol_station,
    party_insert,
    start_server,
)

PUSHERS = 10
BATCHES_EACH = 5


def _run(backend: Backend, servers: list[str]) -> None:
    city = enrol_station(backend, "city")
    township = enrol_station(backend, "township", city.code)
    villages = [
        dataclasses.replace(
            enrol_station(backend, "village", township.code), url=servers[i % len(servers)]
        )
        for i in range(PUSHERS)
    ]
    _, cursor = township.pull_all()
    pushed: set[str] = set()
    seen: set[str] = set()
    errors: list[str] = []
    lock = threading.Lock()
    done = threading.Event()

    def push_all(village) -> None:  # noqa: ANN001
        for _ in range(BATCHES_EACH):
            changes = []
            for _ in range(5):
                case = case_insert(village)
                changes += [case, party_insert(village, case["row_id"])]
            try:
                answer = village.push(changes)
            except httpx.HTTPError as error:
                errors.append(repr(error))
                continue
            if answer.status_code != 200 or answer.json()["accepted"] != len(changes):
                errors.append(answer.text)
                continue
            with lock:
                pushed.update(c["row_id"] for c in changes)

    def pull_forever() -> None:
        nonlocal cursor
        puller = dataclasses.replace(township, url=servers[-1])
        while True:
            finished = done.is_set()
            page = puller.get("/v1/pull", params={"after": cursor, "limit": 50}).json()
            seen.update(c["row_id"] for c in page["changes"])
            cursor = page["next_cursor"]
            if finished and not page["has_more"]:
                return

    threads = [threading.Thread(target=push_all, args=(v,)) for v in villages]
    reader = threading.Thread(target=pull_forever)
    reader.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    reader.join(120)
    assert not errors, errors[:3]
    assert len(pushed) == PUSHERS * BATCHES_EACH * 10
    missed = pushed - seen
    assert not missed, f"{len(missed)} changes never reached the puller"


def test_no_change_is_missed_with_two_servers_over_postgresql(postgresql_backend: Backend) -> None:
    if not postgresql_backend.extra_servers:
        postgresql_backend.extra_servers.append(start_server(postgresql_backend.db_url))
    servers = [postgresql_backend.url, postgresql_backend.extra_servers[0].url]
    _run(postgresql_backend, servers)


def test_a_server_carries_on_after_postgresql_dropped_its_connections(
    postgresql_backend: Backend,
) -> None:
    """Connections are not pinged before each use (a round trip saved on every request):
    when PostgreSQL drops them all (a restart), the next hello, pull and push still answer,
    each on a new connection, and nothing is applied twice."""
    city = enrol_station(postgresql_backend, "city")
    township = enrol_station(postgresql_backend, "township", city.code)
    village = enrol_station(postgresql_backend, "village", township.code)
    case = case_insert(village)
    assert village.push([case]).status_code == 200
    database = postgresql_backend.db_url.rsplit("/", 1)[1]

    def drop_every_connection() -> int:
        # The tests' own engine (enrolment) loses its connections too: they are let go.
        postgresql_backend.engine.dispose()
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            return len(
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    (database,),
                ).fetchall()
            )

    party = party_insert(village, case["row_id"])
    for request in ("hello", "pull", "push"):
        assert drop_every_connection() >= 1
        if request == "hello":
            answer = village.get("/v1/hello")
        elif request == "pull":
            answer = village.get("/v1/pull", params={"after": 0})
        else:
            answer = village.push([party])
        assert answer.status_code == 200, (request, answer.text)
    changes, _ = village.pull_all()
    mine = [c["row_id"] for c in changes if c["row_id"] in (case["row_id"], party["row_id"])]
    assert sorted(mine) == sorted([case["row_id"], party["row_id"]])  # each once
    postgresql_backend.engine.dispose()
