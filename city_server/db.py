"""The city server's tables (SQLAlchemy Core) and engines for SQLite and PostgreSQL.

Station rows are stored generically (table name, row id, a JSON of fields with a version per
field), so a column a station adds later needs no change here: unknown fields are kept.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Engine,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    text,
)

metadata = MetaData()

# One row: the last server sequence number handed out.
server_state = Table(
    "server_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
)

stations = Table(
    "stations",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", Text, nullable=False),
    Column("level", String(16), nullable=False),
    Column("parent_code", String(32)),
    # HMAC key of the station's USB bundles (hex), handed over once at enrolment.
    Column("secret", String(64), nullable=False),
    Column("enrol_code_hash", String(64)),
    Column("enrol_code_expires", String(32)),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("created_at", String(32), nullable=False),
)

# Only the SHA-256 of a token is stored; the token itself lives in the station's keyring.
tokens = Table(
    "tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("station_code", String(32), nullable=False, index=True),
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32)),
)

# Every push batch applied, with the answer given, so a batch sent again is a no-op.
batches = Table(
    "batches",
    metadata,
    Column("batch_id", String(36), primary_key=True),
    Column("station_code", String(32), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("result", Text, nullable=False),
    Column("received_at", String(32), nullable=False),
)

# The current state of every synced row.
rows = Table(
    "rows",
    metadata,
    Column("table_name", String(64), primary_key=True),
    Column("row_id", String(64), primary_key=True),
    Column("case_id", String(64)),
    Column("owner_station", String(32)),
    # Whose scope the row is in: the case's owner for a case's rows, else the row's station.
    Column("scope_station", String(32)),
    Column("public", Boolean, nullable=False, default=False),
    Column("fields", Text, nullable=False),
    # {field: [seq, station]}: the change that last set each field, and its station.
    Column("field_versions", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("removed", Boolean, nullable=False, default=False),
    # The case's key: the sequence number of the entry that brought the case to the server,
    # on the case's row and on every row and entry of the case (null: not a case's). A case's
    # rows and entries are found by it, not by the case's id: ids are random UUIDs, so an
    # index of them took each batch's inserts all over it and every commit rewrote most of
    # its pages (a first sync of 300,000 cases wrote 12 GB into SQLite's WAL); keys grow as
    # cases arrive, so a first sync appends to the index's end (migration 0006).
    Column("case_key", BigInteger),
    Index("rows_case_key", "case_key"),
    Index("rows_scope", "table_name", "scope_station"),
)

# The server's order of events: every accepted change gets the next sequence number.
changes = Table(
    "changes",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("table_name", String(64), nullable=False),
    Column("row_id", String(64), nullable=False),
    Column("op", String(8), nullable=False),
    Column("fields", Text, nullable=False),
    Column("origin_station", String(32), nullable=False),
    Column("scope_station", String(32)),
    Column("owner_station", String(32)),
    Column("case_id", String(64)),
    Column("public", Boolean, nullable=False),
    Column("row_version", Integer, nullable=False),
    Column("txid", String(80), nullable=False),
    Column("case_key", BigInteger),  # as in rows
    Index("changes_scope", "scope_station", "seq"),
    Index("changes_case_key", "case_key", "seq"),
    Index(
        "changes_public",
        "seq",
        postgresql_where=text("public"),
        sqlite_where=text("public"),
    ),
)

# Stations that keep reading a case after it left them (escalation).
case_readers = Table(
    "case_readers",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("station_code", String(32), primary_key=True),
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("table_name", String(64), nullable=False),
    Column("row_id", String(64), nullable=False),
    Column("field", String(64), nullable=False),
    Column("case_id", String(64)),
    Column("owner_station", String(32)),
    Column("kept", Text),
    Column("lost", Text),
    Column("kept_station", String(32), nullable=False),
    Column("lost_station", String(32), nullable=False),
    Column("batch_id", String(36), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("resolved_by", String(32)),
    Column("resolved_at", String(32)),
    Column("resolution_note", Text),
    Index("conflicts_owner", "owner_station", "id"),
    Index("conflicts_row", "table_name", "row_id", "field"),
)

rejected = Table(
    "rejected",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("station_code", String(32), nullable=False),
    Column("batch_id", String(36), nullable=False),
    Column("change_index", Integer, nullable=False),
    Column("table_name", String(64), nullable=False),
    Column("row_id", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("change", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Index("rejected_station", "station_code", "id"),
)

# The last entry of each hash chain of the record (audit_log, case_events) received from a
# station PC: (table, the pushing station, the rows' owner station) -> number and hash.
chain_heads = Table(
    "chain_heads",
    metadata,
    Column("table_name", String(64), primary_key=True),
    Column("station_code", String(32), primary_key=True),
    Column("owner_station", String(32), primary_key=True),
    Column("chain_seq", BigInteger, nullable=False),
    Column("row_hash", String(64), nullable=False),
)

# Entries refused because they break their station's hash chain: for the city office to see.
chain_breaks = Table(
    "chain_breaks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("station_code", String(32), nullable=False),
    Column("owner_station", String(32)),
    Column("table_name", String(64), nullable=False),
    Column("row_id", String(64), nullable=False),
    Column("chain_seq", BigInteger),
    Column("batch_id", String(36), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Index("chain_breaks_station", "station_code", "id"),
)

attachments = Table(
    "attachments",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("received", BigInteger, nullable=False),
    Column("complete", Boolean, nullable=False),
    Column("filename", Text, nullable=False),
    Column("uploaded_by", String(32), nullable=False),
    Column("created_at", String(32), nullable=False),
)

attachment_chunks = Table(
    "attachment_chunks",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("offset", BigInteger, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

# Which cases name an attachment (evidence, issued documents): whoever reads the case may
# download the file.
attachment_cases = Table(
    "attachment_cases",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("case_id", String(64), primary_key=True),
)


def normalise_url(url: str) -> str:
    """A database URL from the command line: a plain path is a SQLite file; postgresql://
    uses psycopg 3."""
    if "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def is_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


SQLITE_PAGE_SIZE = 8192
SQLITE_WAL_CHECKPOINT_BYTES = 160 * 1024 * 1024


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
            # The driver's own transaction handling is off; "begin" below starts each one as
            # IMMEDIATE, so writers queue instead of failing to upgrade a read lock.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            # A new database is made with pages of 8 KB (the default is 4 KB; an existing
            # file keeps its size): rows of about 700 bytes, fewer page splits and pages per
            # commit. Larger pages were faster still on a small database, but the one index
            # of random keys left (rows by id) has nearly every page rewritten by each commit
            # once it outgrows a batch, and a larger page writes more: a first sync of
            # 300,000 cases wrote 6.6 GB with 4 KB pages, 8.2 GB with 8 KB and 11.8 GB with
            # 32 KB, at 17,300 / 18,000 / 17,600 rows/s (benchmarks/results/sync.md). Set
            # before the WAL mode, which creates the file.
            cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=60000")
            # 64 MB of page cache (the default is 2 MB): row ids are random UUIDs, so the
            # indexes of a large first sync are written all over.
            cursor.execute("PRAGMA cache_size=-65536")
            # Checkpoint every ~160 MB of WAL instead of 4 MB: a page that many batches
            # change is copied into the database file once per checkpoint.
            (page_size,) = cursor.execute("PRAGMA page_size").fetchone()
            cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_CHECKPOINT_BYTES // page_size}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection) -> None:  # noqa: ANN001
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # A server process runs at most 8 requests at once (app.REQUEST_THREADS) plus its push
    # writer: 20 kept connections and 10 more at a peak; two
    # processes stay well under PostgreSQL's default of 100 connections.
    # No ping before each use (a round trip on every request): a connection PostgreSQL
    # dropped fails its first statement, the pool then replaces every connection older than
    # the failure, and the server runs a read again (app.reading) or a push group batch by
    # batch (pushes.GroupedPushes); a station retries what still failed.
    return create_engine(url, pool_size=20, max_overflow=10, pool_timeout=60)
