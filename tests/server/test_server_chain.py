"""The city server checks the stations' hash-chained record (audit_log, case_events) as the
rows arrive by sync: real station databases pushing through the sync engine to live servers
(SQLite and PostgreSQL). What a station sends is tampered with in its outbox, the queue the
engine pushes from: an entry edited after sealing, an entry deleted (a gap), an entry inserted.
Each is refused as a rejected record with its reason and recorded as a break of the chain."""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest
from sqlalchemy import text

from station_app.chain_hash import row_hash
from tests.server.live import city_server_command, server_env
from tests.server.sync_support import CuttingProxy, act_on, city_codes, make_replica

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(scope="module")
def backend(sync_backend):
    return sync_backend


@pytest.fixture
def station(tmp_path, backend, memory_keyring):
    replica = make_replica(tmp_path, backend, "station", city_codes()["city"], "city", None)
    yield replica
    replica.close()


def new_case(station, name: str):
    """A case taken on (one entry of the station's case events)."""
    case = station.add_case(name=name)
    act_on(station, case.id, "accept", {"occurred_at": "2026-05-06"})
    return case


def server_rows(backend, sql: str, **params):
    with backend.engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql), params).mappings()]


def breaks_of(backend, code: str) -> list[dict]:
    return server_rows(
        backend, "SELECT * FROM chain_breaks WHERE station_code = :s ORDER BY id", s=code
    )


def rejected_of(backend, code: str) -> list[dict]:
    return server_rows(
        backend, "SELECT * FROM rejected WHERE station_code = :s ORDER BY id", s=code
    )


def heads_of(backend, code: str) -> dict[str, tuple[int, str]]:
    return {
        r["table_name"]: (r["chain_seq"], r["row_hash"])
        for r in server_rows(backend, "SELECT * FROM chain_heads WHERE station_code = :s", s=code)
    }


def local_heads(station) -> dict[str, tuple[int, str]]:
    heads = {}
    for table in ("audit_log", "case_events"):
        for row in station.store.query(
            f"SELECT chain_seq, row_hash FROM {table} WHERE owner_station = ?"
            " AND chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1",
            (station.code,),
        ):
            heads[table] = (row["chain_seq"], row["row_hash"])
    return heads


def queued_event(station, seq: int) -> dict:
    """The outbox entry of the station's case_events entry number `seq`."""
    found = station.store.query(
        "SELECT seq, new_values FROM outbox WHERE table_name = 'case_events'"
        " AND json_extract(new_values, '$.chain_seq') = ?",
        (seq,),
    )
    assert len(found) == 1
    return {"outbox_seq": found[0]["seq"], "fields": json.loads(found[0]["new_values"])}


def test_an_honest_station_passes_and_its_chain_is_followed(backend, station) -> None:
    first = new_case(station, "诚实一")
    new_case(station, "诚实二")
    station.edit("cases", first.id, request="退一赔三")
    report = station.sync()
    assert report.pushed > 0 and report.set_aside == 0
    new_case(station, "诚实三")
    station.edit("cases", first.id, request="退款")
    assert station.sync().set_aside == 0
    assert breaks_of(backend, station.code) == []
    assert rejected_of(backend, station.code) == []
    # The server's chains (both tables) end where the station's do.
    assert set(heads_of(backend, station.code)) == {"audit_log", "case_events"}
    assert heads_of(backend, station.code) == local_heads(station)


def test_an_entry_edited_after_sealing_is_refused_and_recorded(backend, station) -> None:
    new_case(station, "改过")
    entry = queued_event(station, 1)
    fields = {**entry["fields"], "note": "事后改写的说明"}
    station.store.execute(
        "UPDATE outbox SET new_values = ? WHERE seq = ?",
        (json.dumps(fields, ensure_ascii=False), entry["outbox_seq"]),
    )
    report = station.sync()
    assert report.set_aside > 0
    (broken,) = breaks_of(backend, station.code)
    assert broken["table_name"] == "case_events" and broken["chain_seq"] == 1
    assert "was changed after it was sealed" in broken["reason"]
    refused = {r["row_id"]: r["reason"] for r in rejected_of(backend, station.code)}
    assert "was changed after it was sealed" in refused[fields["id"]]
    assert server_rows(backend, "SELECT * FROM rows WHERE row_id = :r", r=fields["id"]) == []
    # The city office sees it.
    shown = subprocess.run(
        city_server_command("chain-breaks", "--db", backend.db_url, "--station", station.code),
        capture_output=True,
        text=True,
        env=server_env(),
        check=True,
    ).stdout
    assert station.code in shown and "was changed after it was sealed" in shown


def test_a_deleted_entry_leaves_a_gap_that_is_refused(backend, station) -> None:
    first = new_case(station, "删前")
    second = new_case(station, "删后")
    entry = queued_event(station, 1)
    station.store.execute("DELETE FROM outbox WHERE seq = ?", (entry["outbox_seq"],))
    later = queued_event(station, 2)["fields"]
    report = station.sync()
    assert report.set_aside > 0
    (broken,) = breaks_of(backend, station.code)
    assert broken["chain_seq"] == 2 and broken["row_id"] == later["id"]
    assert "entries 1 to 1 of station" in broken["reason"] and "missing" in broken["reason"]
    refused = {r["row_id"]: r["reason"] for r in rejected_of(backend, station.code)}
    assert "missing before entry 2" in refused[later["id"]]
    # Its whole station transaction is set aside with it; the first case (its other rows) is kept.
    assert second.id in refused
    assert first.id not in refused


def test_an_inserted_entry_is_refused(backend, station) -> None:
    new_case(station, "插入前")
    station.sync()
    new_case(station, "插入后")
    genuine = queued_event(station, 2)["fields"]
    assert station.sync().set_aside == 0
    # An entry slipped in as number 2, sealed with the algorithm and linked to entry 1.
    forged = {**genuine, "id": str(uuid.uuid4()), "note": "补记的调解结果"}
    forged["row_hash"] = row_hash("case_events", forged)
    station.store.execute(
        "INSERT INTO outbox(table_name, row_id, op, new_values, changed_at, txid, origin_station)"
        " VALUES ('case_events', ?, 'insert', ?, strftime('%Y-%m-%dT%H:%M:%fZ'), ?, ?)",
        (forged["id"], json.dumps(forged, ensure_ascii=False), str(uuid.uuid4()), station.code),
    )
    heads = heads_of(backend, station.code)
    report = station.sync()
    assert report.set_aside == 1
    (broken,) = breaks_of(backend, station.code)
    assert broken["row_id"] == forged["id"] and broken["chain_seq"] == 2
    assert "on the server already with other content" in broken["reason"]
    assert heads_of(backend, station.code) == heads == local_heads(station)
    assert server_rows(backend, "SELECT * FROM rows WHERE row_id = :r", r=forged["id"]) == []


def test_a_batch_sent_again_changes_nothing(backend, station) -> None:
    proxy = CuttingProxy(backend.url)
    try:
        station.use_server(proxy.url)
        new_case(station, "重发")
        new_case(station, "再重发")
        station.connect(batch_size=4)
        # The server applies each push, the station hears nothing and sends the batch again.
        proxy.cut("POST", "/v1/push", "after", times=2)
        for _ in range(5):
            try:
                report = station.engine.run_once()
                break
            except Exception:  # noqa: BLE001 - the cut connection; the engine retries next time
                continue
        assert report.set_aside == 0 and report.duplicate_batches >= 1
        assert breaks_of(backend, station.code) == []
        assert rejected_of(backend, station.code) == []
        assert heads_of(backend, station.code) == local_heads(station)
    finally:
        proxy.close()


def test_the_chains_already_on_a_server_are_taken_up_by_its_migration(tmp_path) -> None:
    """A server from before the check: the last entry of each station's chain among the rows
    it holds becomes the head that the next entry must follow."""
    from alembic import command
    from alembic.config import Config

    from city_server.db import make_engine
    from city_server.schema import _MIGRATIONS, migrate

    engine = make_engine(str(tmp_path / "old-city.db"))
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0002")
        for seq in (1, 3, 2):
            fields = {"id": f"e{seq}", "owner_station": "OLD", "chain_seq": seq}
            fields["row_hash"] = f"{seq:064x}"
            conn.execute(
                text(
                    "INSERT INTO rows(table_name, row_id, fields, field_versions, version,"
                    " last_seq, public, removed) VALUES ('case_events', :id, :fields, '{}', 1,"
                    " :seq, false, false)"
                ),
                {"id": fields["id"], "fields": json.dumps(fields), "seq": seq},
            )
    migrate(engine)
    with engine.connect() as conn:
        heads = [tuple(r) for r in conn.execute(text("SELECT * FROM chain_heads"))]
    engine.dispose()
    assert heads == [("case_events", "OLD", "OLD", 3, f"{3:064x}")]
