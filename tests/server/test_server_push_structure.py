"""Speed by structure: what a group of pushes asks the database, and how it finds rows.

A group of pushes holds the one sequence lock while it reads and writes; every statement it
sends per batch is a round trip that all other pushes wait behind. These tests count the
statements of a group of few and of many stations' batches (they must not grow with the
group), and check that rows are found by their primary key (the index of row ids alone was
dropped by migration 0004)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from sqlalchemy import Engine, event, inspect, text

from city_server import stations
from city_server.stations import Hierarchy, add_station
from city_server.sync_service import pull, push_group
from station_app.chain_hash import GENESIS, row_hash
from station_app.sync.protocol import PROTOCOL_VERSION, SYNC_TABLES, PushBatch
from tests.server.live import Backend, unique_code

NOW = "2026-11-30T09:00:00.000Z"
_HEADS: dict[str, tuple[int, str]] = {}  # station -> the last entry of its chain so far


def _case_batch(station: str, cases: int) -> PushBatch:
    """`cases` new cases of a station, each with its complainant and its registration event
    (sealed into the station's hash chain)."""
    changes = []
    head = _HEADS.get(station, (0, GENESIS))
    for i in range(cases):
        case_id, party_id, event_id = (str(uuid.uuid4()) for _ in range(3))
        common = {"owner_station": station, "created_at": NOW, "updated_at": NOW, "deleted": 0}
        event_fields = {
            "id": event_id,
            "case_id": case_id,
            "action": "register",
            "from_status": "",
            "to_status": "registered",
            "occurred_at": NOW,
            "actor": "wang",
            "actor_role": "clerk",
            "note": "",
            "details": "{}",
            **common,
            "chain_seq": head[0] + 1,
            "prev_hash": head[1],
        }
        event_fields["row_hash"] = row_hash("case_events", event_fields)
        head = (head[0] + 1, event_fields["row_hash"])
        meta = {"op": "insert", "txid": case_id, "origin_station": station, "changed_at": NOW}
        case = {"id": case_id, "case_no": f"{station}-{i}", "status": "registered", **common}
        party = {"id": party_id, "case_id": case_id, "name": "张三", **common}
        changes += [
            {"table": "cases", "row_id": case_id, "fields": case, **meta},
            {"table": "parties", "row_id": party_id, "fields": party, **meta},
            {"table": "case_events", "row_id": event_id, "fields": event_fields, **meta},
        ]
    _HEADS[station] = head
    return PushBatch.from_json(
        {"batch_id": str(uuid.uuid4()), "station": station, "changes": changes}
    )


@contextlib.contextmanager
def _statements(engine: Engine) -> Iterator[list[tuple[str, object]]]:
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many) -> None:  # noqa: ANN001
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _villages(engine: Engine, count: int) -> list:
    city, township = unique_code("C"), unique_code("T")
    with engine.begin() as conn:
        add_station(conn, city, city, "city", None)
        add_station(conn, township, township, "township", city)
        codes = [unique_code("V") for _ in range(count)]
        for code in codes:
            add_station(conn, code, code, "village", township)
    with engine.begin() as conn:
        hierarchy = Hierarchy.load(conn)
    return [hierarchy.by_code[code] for code in codes]


def _push_group(engine: Engine, stations: list, cases: int) -> list[tuple[str, object]]:
    items = [(station, _case_batch(station.code, cases), PROTOCOL_VERSION) for station in stations]
    with _statements(engine) as seen, engine.begin() as conn:
        answers = push_group(conn, items)
    for answer in answers:
        assert isinstance(answer, dict) and answer["accepted"] == 3 * cases, answer
        assert answer["rejected"] == [] and answer["conflicts"] == []
    return seen


def test_a_group_asks_the_same_statements_for_3_stations_as_for_30(backend: Backend) -> None:
    """The rows and the chain heads of a group are read in one go: 30 stations' pushes send
    no more statements than 3 (before, each chain head was read alone under the lock)."""
    engine = backend.engine
    few = _push_group(engine, _villages(engine, 3), 2)
    stations = _villages(engine, 30)
    many = _push_group(engine, stations, 2)
    assert len(many) == len(few), [s for s, _ in many]
    heads = [s for s, _ in many if "FROM chain_heads" in s]
    assert len(heads) == 1, heads
    reads = [s for s, _ in many if s.lstrip().startswith("SELECT") and "FROM rows" in s]
    # PostgreSQL: one statement for every table; SQLite (in the process): one per table.
    assert len(reads) == (1 if backend.name == "postgresql" else 3), reads
    # The same stations again: their chains go on from the heads the first group wrote (an
    # entry that did not follow its head would be refused: see _push_group).
    again = _push_group(engine, stations, 1)
    assert len(again) == len(many)


def test_rows_are_found_by_their_primary_key_without_the_row_id_index(backend: Backend) -> None:
    engine = backend.engine
    assert "rows_row_id" not in {i["name"] for i in inspect(engine).get_indexes("rows")}
    stations = _villages(engine, 4)
    for station in stations:  # enough rows that a scan of the table would be the slow way
        _push_group(engine, [station], 300)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE rows" if backend.name == "postgresql" else "ANALYZE")
    seen = _push_group(engine, stations[:1], 2)
    reads = [(s, p) for s, p in seen if s.lstrip().startswith("SELECT") and "FROM rows" in s]
    assert reads
    with engine.connect() as conn:
        for statement, parameters in reads:
            prefix = "EXPLAIN " if backend.name == "postgresql" else "EXPLAIN QUERY PLAN "
            plan = "\n".join(
                str(r[-1]) for r in conn.exec_driver_sql(prefix + statement, parameters)
            )
            if backend.name == "postgresql":
                assert "rows_pkey" in plan and "Seq Scan" not in plan, plan
            else:
                # (the ids themselves are read from their JSON array: "SCAN ... VIRTUAL TABLE")
                assert "sqlite_autoindex_rows_1" in plan and "SCAN rows" not in plan, plan
    with engine.connect() as conn:
        count = conn.execute(
            text("SELECT count(*) FROM rows WHERE owner_station = :s"), {"s": stations[0].code}
        ).scalar_one()
    assert count == 3 * 302


def test_a_pull_checks_the_cached_stations_with_its_horizon_and_sees_a_new_village(
    backend: Backend,
) -> None:
    """A pull reads the horizon and the stations' mark (is this process's hierarchy still
    right?) in one statement; a village added after the township's last pull is seen at once:
    its cases come with the next page."""
    engine = backend.engine
    (first,) = _villages(engine, 1)
    with engine.begin() as conn:
        township = Hierarchy.load(conn).by_code[first.parent_code]
    _push_group(engine, [first], 1)
    with _statements(engine) as seen, engine.begin() as conn:
        page = pull(conn, township, 0, 1000)
    # Rows of public tables (merchants, stations, reference data) that other tests left on
    # this shared database reach every station; the township's own scope is its village's.
    scoped = [c for c in page["changes"] if not SYNC_TABLES[c["table"]].public]
    assert {c["origin_station"] for c in scoped} == {first.code}
    touching = [s for s, _ in seen if "stations" in s]
    assert len(touching) == 1 and "server_state" in touching[0], touching
    before = dict(stations._HIERARCHIES)  # noqa: SLF001 - this process's reading, as the pull left it
    with engine.begin() as conn:
        add_station(conn, "V" + first.code[1:] + "N", "new village", "village", township.code)
        newcomer = Hierarchy.load(conn).by_code["V" + first.code[1:] + "N"]
    _push_group(engine, [newcomer], 1)
    # As if the push had gone through another server process: this one still has the reading
    # from before the village was added, and only the pull's own mark can tell it is stale.
    stations._HIERARCHIES.clear()  # noqa: SLF001
    stations._HIERARCHIES.update(before)  # noqa: SLF001
    with engine.begin() as conn:
        after = pull(conn, township, page["next_cursor"], 1000)
    assert [c["origin_station"] for c in after["changes"]] == [newcomer.code] * 3
