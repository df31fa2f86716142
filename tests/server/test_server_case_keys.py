"""Migration 0006: a case's rows and entries are indexed by the case's key; a server that
holds cases already gets their keys, and a station that still reads an escalated case pulls
its entries by it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, text

from city_server import sync_service
from city_server.db import make_engine
from city_server.schema import _MIGRATIONS, migrate
from city_server.stations import Station
from tests.server.live import PG_ADMIN


@pytest.fixture(params=["sqlite", "postgresql"])
def old_server(request, tmp_path: Path) -> Iterator[Engine]:  # noqa: ANN001
    """An empty server database at revision 0005 (before case keys)."""
    if request.param == "sqlite":
        engine = make_engine(str(tmp_path / "old-city.db"))
        yield engine
        engine.dispose()
        return
    admin = psycopg.connect(PG_ADMIN, autocommit=True)
    name = f"city_keys_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(f"postgresql://postgres@127.0.0.1:5432/{name}")
    try:
        yield engine
    finally:
        engine.dispose()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _row(conn, table: str, row_id: str, case_id: str | None, seq: int, scope: str) -> None:  # noqa: ANN001
    conn.execute(
        text(
            "INSERT INTO rows(table_name, row_id, case_id, owner_station, scope_station, public,"
            " fields, field_versions, version, last_seq, removed) VALUES (:t, :r, :c, 'V1', :s,"
            " false, :f, '{}', 1, :seq, false)"
        ),
        {"t": table, "r": row_id, "c": case_id, "s": scope, "f": json.dumps({"id": row_id}),
         "seq": seq},
    )  # fmt: skip
    conn.execute(
        text(
            "INSERT INTO changes(seq, table_name, row_id, op, fields, origin_station,"
            " scope_station, owner_station, case_id, public, row_version, txid) VALUES (:seq,"
            " :t, :r, 'insert', :f, 'V1', :s, 'V1', :c, false, 1, :r)"
        ),
        {"t": table, "r": row_id, "c": case_id, "s": scope, "f": json.dumps({"id": row_id}),
         "seq": seq},
    )  # fmt: skip


def test_cases_on_the_server_get_keys_and_their_readers_pull_by_them(old_server: Engine) -> None:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with old_server.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0005")
        # Case c1 was escalated from V1 to T2 (its rows are in T2's scope; V1 still reads
        # it); case c2 stayed at V1; a holiday row belongs to no case.
        _row(conn, "cases", "c1", "c1", 4, "T2")
        _row(conn, "parties", "p1", "c1", 2, "T2")
        _row(conn, "cases", "c2", "c2", 3, "V1")
        _row(conn, "holidays", "h1", None, 5, "CITY")
        conn.execute(text("INSERT INTO case_readers VALUES ('c1', 'V1')"))
        conn.execute(text("UPDATE server_state SET last_seq = 5"))
    migrate(old_server)
    with old_server.connect() as conn:
        keys = dict(conn.execute(text("SELECT row_id, case_key FROM rows")).all())
        entry_keys = dict(conn.execute(text("SELECT row_id, case_key FROM changes")).all())
    assert keys == {"c1": 4, "p1": 4, "c2": 3, "h1": None}
    assert entry_keys == keys
    indexes = {
        table: {ix["name"] for ix in inspect(old_server).get_indexes(table)}
        for table in ("rows", "changes")
    }
    assert {"rows_case_key"} <= indexes["rows"] and "rows_case" not in indexes["rows"]
    assert "changes_case_key" in indexes["changes"] and "changes_case" not in indexes["changes"]
    # V1 pulls the escalated case (out of its scope now) by its key, and its own case.
    with old_server.connect() as conn:
        conn.execute(
            text(
                "INSERT INTO stations(code, name, level, secret, revoked, created_at) VALUES"
                " ('V1', 'V1', 'village', :s, false, 'now')"
            ),
            {"s": "0" * 64},
        )
        page = sync_service.pull(conn, Station("V1", "V1", "village", None), 0, 100)
    assert sorted(c["row_id"] for c in page["changes"]) == ["c1", "c2", "p1"]
