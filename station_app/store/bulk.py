"""Bulk loading of many cases at once (the demo data set and benchmarks).

Rows arrive as tuples in the column order below and are written with executemany in large
transactions. Each batch also moves the station's case counters, adds its cases to the
full-text index and computes their deadlines, so the database looks exactly as if the cases
had been saved one by one (numbers gapless per station and year, every case searchable and on
the work list).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from station_app.domain import Role, User
from station_app.i18n import _
from station_app.store import search_index
from station_app.store.connection import Store, StoreError
from station_app.store.due import add_registered_case_deadlines
from station_app.store.holidays import load_calendar

DEMO_DATA_KEY = "demo_data"

MERCHANT_COLUMNS = (
    "id",
    "name",
    "uscc",
    "legal_rep",
    "address",
    "phone",
    "platform",
    "shop_url",
    "cluster_registered",
    "owner_station",
    "created_at",
    "updated_at",
)

CASE_COLUMNS = (
    "id",
    "case_no",
    "kind",
    "channel",
    "status",
    "received_at",
    "work_order_no",
    "work_order_due",
    "merchant_id",
    "merchant_name",
    "goods_or_service",
    "category",
    "problem_nature",
    "purchase_date",
    "purchase_place",
    "amount_fen",
    "request",
    "facts",
    "consent_publish",
    "consent_mediation",
    "consent_entrusted",
    "anonymous",
    "created_by",
    "owner_station",
    "created_at",
    "updated_at",
)

PARTY_COLUMNS = (
    "id",
    "case_id",
    "role",
    "position",
    "name",
    "gender",
    "phone",
    "address",
    "id_type",
    "id_number",
    "owner_station",
    "created_at",
    "updated_at",
)


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table}({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


_MERCHANT_SQL = _insert_sql("merchants", MERCHANT_COLUMNS)
_CASE_SQL = _insert_sql("cases", CASE_COLUMNS)
_PARTY_SQL = _insert_sql("parties", PARTY_COLUMNS)


def is_demo_database(store: Store) -> bool:
    return store.get_setting(DEMO_DATA_KEY) == "1"


def live_case_count(store: Store) -> int:
    return store.scalar("SELECT count(*) FROM cases WHERE deleted = 0")


@contextmanager
def demo_load(store: Store, *, cache_mib: int = 64) -> Iterator[None]:
    """Switch change capture off while demo rows are written, and mark the database as demo.

    Demo data is a sandbox: none of it may reach the outbox and so the city office. Capture
    is switched on again however the load ends. A database that already holds real cases
    is refused, so demo rows can never mix with them.
    """
    if live_case_count(store) and not is_demo_database(store):
        raise StoreError(
            _(
                "This data folder already holds real cases, so no demo data was added. "
                "Start the demo with a separate, empty data folder."
            )
        )
    store.set_setting(DEMO_DATA_KEY, "1")
    old_cache = store.scalar("PRAGMA cache_size")
    store.execute(f"PRAGMA cache_size = -{int(cache_mib) * 1024}")
    store.execute("UPDATE change_capture SET capture = 0")
    try:
        yield
    finally:
        store.execute("UPDATE change_capture SET capture = 1")
        store.execute(f"PRAGMA cache_size = {int(old_cache)}")


def case_counters(store: Store, station_code: str) -> dict[int, int]:
    """{year: last sequence number used} of the station."""
    return {
        row[0]: row[1]
        for row in store.execute(
            "SELECT year, last_seq FROM case_counters WHERE station_code = ?", (station_code,)
        )
    }


def insert_merchants(store: Store, rows: Sequence[tuple]) -> None:
    """Merchant rows in MERCHANT_COLUMNS order, in one transaction."""
    with store.transaction():
        store.conn.executemany(_MERCHANT_SQL, rows)


def insert_case_batch(
    store: Store,
    cases: Sequence[tuple],
    parties: Sequence[tuple],
    *,
    station_code: str,
    counters: Mapping[int, int],
) -> None:
    """One batch of cases and their parties in one transaction, then indexed for search.

    `counters` maps each year to the last sequence number used so far (this batch included);
    the station's counters are moved up to it, never down. Case rows must carry numbers
    that continue the counters without a gap.
    """
    if not cases:
        return
    with store.transaction():
        conn = store.conn
        before = conn.execute("SELECT COALESCE(MAX(local_id), 0) FROM cases").fetchone()[0]
        try:
            conn.executemany(_CASE_SQL, cases)
            conn.executemany(_PARTY_SQL, parties)
        except sqlite3.IntegrityError as error:
            raise StoreError(
                _(
                    "The demo data could not be saved ({detail}). Nothing of this batch was kept."
                ).format(detail=error)
            ) from error
        conn.executemany(
            "INSERT INTO case_counters(station_code, year, last_seq) VALUES (?, ?, ?) "
            "ON CONFLICT(station_code, year) DO UPDATE "
            "SET last_seq = max(last_seq, excluded.last_seq)",
            [(station_code, year, seq) for year, seq in counters.items()],
        )
        search_index.index_all_cases(conn, after_local_id=before)
        add_registered_case_deadlines(conn, load_calendar(store), after_local_id=before)


def checkpoint(store: Store) -> None:
    """Fold the write-ahead log back into the database file after a large load."""
    store.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def first_admin(store: Store, station_code: str) -> User | None:
    """The station's first active administrator (the one made at setup)."""
    rows = store.query(
        "SELECT id, username, display_name, role, station_code, active FROM users"
        " WHERE station_code = ? AND role = 'admin' AND active = 1 AND deleted = 0"
        " ORDER BY local_id LIMIT 1",
        (station_code,),
    )
    if not rows:
        return None
    row = rows[0]
    return User(
        username=row["username"],
        display_name=row["display_name"],
        role=Role(row["role"]),
        station_code=row["station_code"],
        active=bool(row["active"]),
        id=row["id"],
    )
