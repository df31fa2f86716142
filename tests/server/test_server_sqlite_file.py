"""The city server's SQLite file: a new one is made with large pages and checkpoints its WAL
by size; one made before keeps its pages and works as before."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text

from city_server.db import SQLITE_PAGE_SIZE, SQLITE_WAL_CHECKPOINT_BYTES, make_engine
from city_server.schema import migrate


def _pragma(engine, name: str) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.exec_driver_sql(f"PRAGMA {name}").scalar_one()


def test_a_new_database_has_large_pages_and_checkpoints_every_160_mb(tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "city.db"))
    migrate(engine)
    assert SQLITE_PAGE_SIZE == 8192
    assert _pragma(engine, "page_size") == 8192
    assert _pragma(engine, "journal_mode") == "wal"
    assert _pragma(engine, "wal_autocheckpoint") * 8192 == SQLITE_WAL_CHECKPOINT_BYTES
    engine.dispose()
    # The file itself says so (read without the server's settings).
    with sqlite3.connect(tmp_path / "city.db") as plain:
        assert plain.execute("PRAGMA page_size").fetchone()[0] == 8192


def test_a_database_made_with_small_pages_keeps_them_and_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as plain:
        plain.execute("PRAGMA page_size=4096")
        plain.execute("PRAGMA journal_mode=WAL")
        plain.execute("CREATE TABLE kept (v TEXT)")
        plain.execute("INSERT INTO kept VALUES ('案件')")
    engine = make_engine(str(path))
    migrate(engine)
    assert _pragma(engine, "page_size") == 4096
    # The checkpoint is by size, so smaller pages checkpoint after more of them.
    assert _pragma(engine, "wal_autocheckpoint") == SQLITE_WAL_CHECKPOINT_BYTES // 4096
    with engine.begin() as conn:
        assert conn.execute(text("SELECT v FROM kept")).scalar_one() == "案件"
        assert conn.execute(text("SELECT last_seq FROM server_state")).scalar_one() == 0
    engine.dispose()
