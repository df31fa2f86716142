"""Bulk loading of many cases at once (the demo data set, benchmarks, and ledger imports).

Rows arrive as tuples in the column order below and are written with executemany in large
transactions. Each batch also moves the station's case counters, adds its cases to the
full-text index and computes their deadlines, so the database looks exactly as if the cases
had been saved one by one (numbers gapless per station and year, every case searchable and on
the work list).

Every row written here is marked demo = 1 and written with the origin ORIGIN_DEMO: the
triggers neither queue it for sync nor audit it, and no later write to a demo row (or to a row
of a demo case) is ever queued either, whatever else runs at the same time. The state of an
unfinished load is kept in the settings with each batch, so a killed load can be resumed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from station_app.domain import Role, User
from station_app.i18n import _
from station_app.store import chain, derived, driver, search_index, statistics
from station_app.store.connection import ORIGIN_DEMO, Store, StoreError
from station_app.store.due import add_case_deadlines_after
from station_app.store.holidays import load_calendar

DEMO_DATA_KEY = "demo_data"
# The plan and progress of a demo load not finished yet (JSON), kept in step with each batch.
DEMO_LOAD_KEY = "demo_load"

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
    # the workflow columns (a demo case's history, station_app/demo_history.py)
    "accepted_on",
    "closed_on",
    "amount_recovered_fen",
    "dispatched_at",
    "arrived_at",
    "promise_minutes",
    "report_extended",
    "escalated_from",
)

# The rows of the cases' histories: events (sealed into the station's hash chain here),
# mediation sessions, agreements and follow-up visits. Their tables have no demo mark: they
# belong to demo cases, which keeps them out of sync and audit (migration 8).
EVENT_COLUMNS = (
    "id",
    "case_id",
    "action",
    "from_status",
    "to_status",
    "occurred_at",
    "actor",
    "actor_role",
    "note",
    "details",
    "owner_station",
    "created_at",
    "updated_at",
)
SESSION_COLUMNS = (
    "id",
    "case_id",
    "held_at",
    "place",
    "mode",
    "mediators",
    "recorder",
    "attendees",
    "complainant_statement",
    "merchant_statement",
    "result",
    "note",
    "owner_station",
    "created_at",
    "updated_at",
)
AGREEMENT_COLUMNS = (
    "id",
    "case_id",
    "agreed_on",
    "performed_on_spot",
    "terms",
    "amount_recovered_fen",
    "performance_due",
    "performed_on",
    "judicial_applied_on",
    "judicial_confirmed_on",
    "court_name",
    "court_transfer_on",
    "owner_station",
    "created_at",
    "updated_at",
)
FOLLOW_UP_COLUMNS = (
    "id",
    "case_id",
    "visited_on",
    "party",
    "satisfaction",
    "note",
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
    """An insert of a demo row: the columns given, and the demo mark."""
    marks = ", ".join("?" * len(columns))
    return f"INSERT INTO {table}({', '.join(columns)}, demo) VALUES ({marks}, 1)"


_MERCHANT_SQL = _insert_sql("merchants", MERCHANT_COLUMNS)
_CASE_SQL = _insert_sql("cases", CASE_COLUMNS)
_PARTY_SQL = _insert_sql("parties", PARTY_COLUMNS)


def _plain_insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table}({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


_EVENT_SQL = (
    f"INSERT INTO case_events({', '.join(EVENT_COLUMNS)}, deleted, chain_seq, prev_hash,"
    f" row_hash) VALUES ({', '.join('?' * len(EVENT_COLUMNS))}, 0, ?, ?, ?)"
)
_SESSION_SQL = _plain_insert_sql("mediation_sessions", SESSION_COLUMNS)
_AGREEMENT_SQL = _plain_insert_sql("agreements", AGREEMENT_COLUMNS)
_FOLLOW_UP_SQL = _plain_insert_sql("follow_ups", FOLLOW_UP_COLUMNS)


@dataclass
class HistoryBatch:
    """The history rows of a batch of cases, each a tuple in its COLUMNS order."""

    events: list[tuple] = field(default_factory=list)
    sessions: list[tuple] = field(default_factory=list)
    agreements: list[tuple] = field(default_factory=list)
    follow_ups: list[tuple] = field(default_factory=list)


def _sealed_events(conn: driver.Connection, events: Sequence[tuple]) -> list[tuple]:
    """The event rows with their place in their station's hash chain (store/chain.py), as the
    store seals an event written by a clerk."""
    heads: dict[str, tuple[int, str]] = {}
    sealed = []
    station_at = EVENT_COLUMNS.index("owner_station")
    for event in events:
        station = event[station_at]
        if station not in heads:
            last = conn.execute(
                "SELECT chain_seq, row_hash FROM case_events"
                " WHERE owner_station = ? AND chain_seq IS NOT NULL"
                " ORDER BY chain_seq DESC LIMIT 1",
                (station,),
            ).fetchone()
            heads[station] = (last[0], last[1]) if last else (0, chain.GENESIS)
        seq, previous = heads[station]
        row = dict(zip(EVENT_COLUMNS, event, strict=True))
        row.update(deleted=0, chain_seq=seq + 1, prev_hash=previous)
        digest = chain.row_hash("case_events", row)
        sealed.append((*event, seq + 1, previous, digest))
        heads[station] = (seq + 1, digest)
    return sealed


def is_demo_database(store: Store) -> bool:
    return store.get_setting(DEMO_DATA_KEY) == "1"


def live_case_count(store: Store) -> int:
    return store.scalar("SELECT count(*) FROM cases WHERE deleted = 0")


@contextmanager
def demo_load(store: Store, *, cache_mib: int = 64) -> Iterator[None]:
    """Prepare a demo load and mark the database as demo.

    A database that already holds real cases is refused, so demo rows never mix with them.
    The rows themselves are kept out of sync by their origin and their mark (see above), not
    by any switch, so nothing needs undoing however the load ends.
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
    try:
        yield
    finally:
        store.execute(f"PRAGMA cache_size = {int(old_cache)}")


def unfinished_demo_load(store: Store) -> dict | None:
    """The plan and progress of a demo load that was interrupted, or None."""
    text = store.get_setting(DEMO_LOAD_KEY)
    return None if text is None else json.loads(text)


def _save_load_state(store: Store, state: Mapping | None) -> None:
    if state is None:
        store.execute("DELETE FROM settings WHERE key = ?", (DEMO_LOAD_KEY,))
    else:
        store.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (DEMO_LOAD_KEY, json.dumps(state, sort_keys=True)),
        )


def case_counters(store: Store, station_code: str) -> dict[int, int]:
    """{year: last sequence number used} of the station."""
    return {
        row[0]: row[1]
        for row in store.execute(
            "SELECT year, last_seq FROM case_counters WHERE station_code = ?", (station_code,)
        )
    }


def insert_merchants(store: Store, rows: Sequence[tuple], *, load_state: Mapping) -> None:
    """Merchant rows in MERCHANT_COLUMNS order, in one transaction with the load's state."""
    with store.transaction(origin=ORIGIN_DEMO):
        store.conn.executemany(_MERCHANT_SQL, rows)
        _save_load_state(store, load_state)


def insert_case_batch(
    store: Store,
    cases: Sequence[tuple],
    parties: Sequence[tuple],
    *,
    station_code: str,
    counters: Mapping[int, int],
    load_state: Mapping | None,
    history: HistoryBatch | None = None,
) -> None:
    """One batch of cases and their parties in one transaction, then indexed for search.

    `counters` maps each year to the last sequence number used so far (this batch included);
    the station's counters are moved up to it, never down. Case rows must carry numbers
    that continue the counters without a gap. `load_state` is saved with the batch (None
    when the load is complete).
    """
    if not cases:
        return
    with store.transaction(origin=ORIGIN_DEMO):
        conn = store.conn
        before = conn.execute("SELECT COALESCE(MAX(local_id), 0) FROM cases").fetchone()[0]
        try:
            conn.executemany(_CASE_SQL, cases)
            conn.executemany(_PARTY_SQL, parties)
            if history is not None:
                conn.executemany(_EVENT_SQL, _sealed_events(conn, history.events))
                conn.executemany(_SESSION_SQL, history.sessions)
                conn.executemany(_AGREEMENT_SQL, history.agreements)
                conn.executemany(_FOLLOW_UP_SQL, history.follow_ups)
        except driver.IntegrityError as error:
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
        # The derived state of the batch, set-wise from the rows just written (the dirty queue
        # does this case by case for every other origin).
        search_index.index_all_cases(conn, after_local_id=before)
        add_case_deadlines_after(store, load_calendar(store), after_local_id=before)
        if statistics.has_figures(conn):
            statistics.add_case_figures_after(conn, before)
        _save_load_state(store, load_state)


_REAL_CASE_SQL = _plain_insert_sql("cases", CASE_COLUMNS)
_REAL_PARTY_SQL = _plain_insert_sql("parties", PARTY_COLUMNS)
_UNSEALED_EVENT_SQL = _plain_insert_sql("case_events", EVENT_COLUMNS)


def insert_real_cases(
    store: Store, cases: Sequence[tuple], parties: Sequence[tuple], history: HistoryBatch
) -> None:
    """Real (not demo) cases with their parties and histories, in the caller's transaction
    (a ledger import): the rows of the demo's shape, written as a clerk's writes are, so the
    triggers queue them for sync, audit them and mark their cases dirty, and the store seals
    their events into the station's chain. The derived state of the rows (search index,
    deadlines, figures) is brought up to date here, set-wise per batch, by the same drain as
    every COMMIT (so a long import moves its progress bar)."""
    if not store.conn.in_transaction or store.origin == ORIGIN_DEMO:
        raise RuntimeError("insert_real_cases runs inside a transaction of a real origin")
    conn = store.conn
    conn.executemany(_REAL_CASE_SQL, cases)
    conn.executemany(_REAL_PARTY_SQL, parties)
    conn.executemany(_UNSEALED_EVENT_SQL, history.events)
    conn.executemany(_SESSION_SQL, history.sessions)
    conn.executemany(_AGREEMENT_SQL, history.agreements)
    conn.executemany(_FOLLOW_UP_SQL, history.follow_ups)
    derived.drain(store)


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


# --------------------------------------------------------------------------- registry work

SUPERVISION_COLUMNS = (
    "id",
    "done_on",
    "kind",
    "merchant_id",
    "subject",
    "findings",
    "result",
    "follow_up",
    "owner_station",
    "created_at",
    "updated_at",
)
_SUPERVISION_SQL = _insert_sql("supervision_records", SUPERVISION_COLUMNS)


def demo_registry_work_done(store: Store) -> bool:
    """Whether the demo's registry work (designations, listings, contact attempts, supervision
    records) was added already: it is added once per database."""
    return bool(store.scalar("SELECT 1 FROM supervision_records WHERE demo = 1 LIMIT 1"))


def demo_merchants(store: Store) -> list[dict]:
    return store.query(
        "SELECT id, name, platform, cluster_registered FROM merchants"
        " WHERE demo = 1 AND deleted = 0 ORDER BY local_id"
    )


def demo_cases_of(store: Store, merchant_ids: Sequence[str]) -> list[dict]:
    """The demo cases against these merchants (complaints and reports), with their events'
    statuses and times in order, for placing contact attempts in their history."""
    ids = json.dumps(list(merchant_ids))
    cases = store.query(
        "SELECT c.id, c.kind, c.merchant_id, c.received_at, c.owner_station FROM cases c"
        " WHERE c.demo = 1 AND c.deleted = 0 AND c.kind IN ('complaint', 'report')"
        " AND c.merchant_id IN (SELECT value FROM json_each(?)) ORDER BY c.local_id",
        (ids,),
    )
    events: dict[str, list[tuple[str, str, str]]] = {}
    for row in store.execute(
        "SELECT case_id, occurred_at, to_status, created_at FROM case_events"
        " WHERE case_id IN (SELECT c.id FROM cases c WHERE c.demo = 1"
        " AND c.merchant_id IN (SELECT value FROM json_each(?))) ORDER BY created_at",
        (ids,),
    ):
        events.setdefault(row[0], []).append((row[1], row[2], row[3]))
    for case in cases:
        case["events"] = events.get(case["id"], [])
    return cases


def insert_demo_registry_work(
    store: Store,
    *,
    merchant_changes: Sequence[tuple[str, int, str, str, str]],
    events: Sequence[tuple],
    supervision: Sequence[tuple],
) -> None:
    """In one demo transaction: demo merchants' registry facts (id, abnormal_listed,
    abnormal_since, abnormal_note, designations JSON), contact-attempt events (EVENT_COLUMNS
    order, sealed into the chain here) and supervision records (SUPERVISION_COLUMNS order)."""
    with store.transaction(origin=ORIGIN_DEMO):
        conn = store.conn
        conn.executemany(
            "UPDATE merchants SET abnormal_listed = ?, abnormal_since = ?, abnormal_note = ?,"
            " designations = ? WHERE id = ? AND demo = 1",
            [(listed, since, note, designations, mid)
             for mid, listed, since, note, designations in merchant_changes],
        )  # fmt: skip
        conn.executemany(_EVENT_SQL, _sealed_events(conn, events))
        conn.executemany(_SUPERVISION_SQL, supervision)
