"""Ordered schema migrations with a version table and a backup before every upgrade."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from station_app.i18n import _
from station_app.search_text import FTS_TOKENIZER
from station_app.store.connection import NewerSchemaError, Store, StoreError, explain_sqlite_error

log = logging.getLogger(__name__)

# Columns every syncable row has, besides its own: identity, ownership, times and a tombstone.
SYNC_COLUMNS = """
    id TEXT NOT NULL UNIQUE,
    owner_station TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
"""

SYNCABLE_TABLES = ("stations", "users", "merchants", "cases", "parties", "evidence")


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run SQL statements one by one inside the caller's transaction.

    sqlite3's executescript() would commit the open transaction first, so a failed
    migration could leave half a schema behind.
    """
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement: {statement!r}")


def _schema_1(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        f"""
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

        CREATE TABLE stations (
            local_id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            level TEXT NOT NULL CHECK (level IN ('village', 'township', 'city')),
            parent_code TEXT,
            {SYNC_COLUMNS}
        );

        CREATE TABLE users (
            local_id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            display_name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('clerk', 'officer', 'city', 'admin')),
            station_code TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            {SYNC_COLUMNS}
        );

        CREATE TABLE merchants (
            local_id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            uscc TEXT NOT NULL DEFAULT '',
            legal_rep TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            platform TEXT NOT NULL DEFAULT '',
            shop_url TEXT NOT NULL DEFAULT '',
            cluster_registered INTEGER NOT NULL DEFAULT 0,
            {SYNC_COLUMNS}
        );
        CREATE INDEX merchants_name ON merchants(name);
        CREATE INDEX merchants_uscc ON merchants(uscc) WHERE uscc != '';

        CREATE TABLE case_counters (
            station_code TEXT NOT NULL,
            year INTEGER NOT NULL,
            last_seq INTEGER NOT NULL,
            PRIMARY KEY (station_code, year)
        );

        CREATE TABLE cases (
            local_id INTEGER PRIMARY KEY,
            case_no TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL CHECK (kind IN ('complaint', 'report', 'consultation')),
            channel TEXT NOT NULL,
            status TEXT NOT NULL,
            received_at TEXT NOT NULL,
            work_order_no TEXT NOT NULL DEFAULT '',
            work_order_due TEXT,
            merchant_id TEXT REFERENCES merchants(id),
            merchant_name TEXT NOT NULL DEFAULT '',
            goods_or_service TEXT,
            category TEXT NOT NULL DEFAULT '',
            problem_nature TEXT NOT NULL DEFAULT '',
            purchase_date TEXT,
            purchase_place TEXT NOT NULL DEFAULT '',
            amount_fen INTEGER CHECK (amount_fen IS NULL OR amount_fen >= 0),
            request TEXT NOT NULL DEFAULT '',
            facts TEXT NOT NULL DEFAULT '',
            consent_publish INTEGER NOT NULL DEFAULT 0,
            consent_mediation INTEGER NOT NULL DEFAULT 0,
            consent_entrusted INTEGER NOT NULL DEFAULT 0,
            anonymous INTEGER NOT NULL DEFAULT 0,
            created_by TEXT NOT NULL DEFAULT '',
            {SYNC_COLUMNS}
        );
        CREATE INDEX cases_received ON cases(received_at);
        CREATE INDEX cases_kind_received ON cases(kind, received_at);
        CREATE INDEX cases_channel_received ON cases(channel, received_at);
        CREATE INDEX cases_status_received ON cases(status, received_at);
        CREATE INDEX cases_merchant ON cases(merchant_id);

        CREATE TABLE parties (
            local_id INTEGER PRIMARY KEY,
            case_id TEXT NOT NULL REFERENCES cases(id),
            role TEXT NOT NULL CHECK (role IN ('complainant', 'agent')),
            position INTEGER NOT NULL DEFAULT 0,
            name TEXT NOT NULL,
            gender TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            id_type TEXT NOT NULL DEFAULT '',
            id_number TEXT NOT NULL DEFAULT '',
            {SYNC_COLUMNS}
        );
        CREATE INDEX parties_case ON parties(case_id, role, position);
        CREATE INDEX parties_phone ON parties(phone) WHERE phone != '';

        CREATE TABLE evidence (
            local_id INTEGER PRIMARY KEY,
            case_id TEXT NOT NULL REFERENCES cases(id),
            sha256 TEXT NOT NULL,
            filename TEXT NOT NULL,
            size INTEGER NOT NULL,
            mime TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            {SYNC_COLUMNS}
        );
        CREATE INDEX evidence_case ON evidence(case_id);

        -- Durable change capture for sync: filled by triggers, emptied only by an acknowledged push.
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            table_name TEXT NOT NULL,
            row_id TEXT NOT NULL,
            op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
            new_values TEXT,
            old_values TEXT,
            changed_at TEXT NOT NULL
        );
        CREATE TABLE change_capture (capture INTEGER NOT NULL);
        INSERT INTO change_capture VALUES (1);
        """,
    )
    for table in SYNCABLE_TABLES:
        install_change_capture(conn, table)


def install_change_capture(conn: sqlite3.Connection, table: str) -> None:
    """Triggers that record every insert, update and delete of `table` in the outbox.

    An update records only the columns that changed, with their old values (the base the
    edit started from, for per-field conflict detection). The local rowid is not synced.
    """
    columns = [
        row[1] for row in conn.execute(f"PRAGMA table_info({table})") if row[1] != "local_id"
    ]
    new_all = ", ".join(f"'{c}', NEW.{c}" for c in columns)
    old_all = ", ".join(f"'{c}', OLD.{c}" for c in columns)

    def changed(side: str) -> str:
        return " UNION ALL ".join(
            f"SELECT '{c}' AS k, {side}.{c} AS v WHERE OLD.{c} IS NOT NEW.{c}" for c in columns
        )

    any_change = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
    capture_on = "(SELECT capture FROM change_capture) = 1"
    now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    run_script(
        conn,
        f"""
        CREATE TRIGGER outbox_{table}_insert AFTER INSERT ON {table} WHEN {capture_on}
        BEGIN
            INSERT INTO outbox(table_name, row_id, op, new_values, changed_at)
            VALUES ('{table}', NEW.id, 'insert', json_object({new_all}), {now});
        END;
        CREATE TRIGGER outbox_{table}_update AFTER UPDATE ON {table}
        WHEN {capture_on} AND ({any_change})
        BEGIN
            INSERT INTO outbox(table_name, row_id, op, new_values, old_values, changed_at)
            VALUES ('{table}', NEW.id, 'update',
                    (SELECT json_group_object(k, v) FROM ({changed("NEW")})),
                    (SELECT json_group_object(k, v) FROM ({changed("OLD")})),
                    {now});
        END;
        CREATE TRIGGER outbox_{table}_delete AFTER DELETE ON {table} WHEN {capture_on}
        BEGIN
            INSERT INTO outbox(table_name, row_id, op, old_values, changed_at)
            VALUES ('{table}', OLD.id, 'delete', json_object({old_all}), {now});
        END;
        """,
    )


def _schema_2(conn: sqlite3.Connection) -> None:
    """Full-text search over case number, names, phones, merchant and facts."""
    conn.execute(
        "CREATE VIRTUAL TABLE case_search USING fts5("
        f"terms, content='', tokenize=\"{FTS_TOKENIZER}\", prefix='1')"
    )
    from station_app.store.search_index import index_all_cases

    index_all_cases(conn)


def _schema_3(conn: sqlite3.Connection) -> None:
    """Indexes over live cases only, so the list, its sorting and its count never read the wide
    case rows; and the case number's year and sequence as numbers, so RC-MT-2026-100000 sorts
    after RC-MT-2026-99999."""
    digits = "'0123456789'"
    prefix_length = f"length(rtrim(case_no, {digits}))"
    run_script(
        conn,
        f"""
        DROP INDEX cases_received;
        DROP INDEX cases_kind_received;
        DROP INDEX cases_channel_received;
        DROP INDEX cases_status_received;
        ALTER TABLE cases ADD COLUMN number_year INTEGER
            GENERATED ALWAYS AS (CAST(substr(case_no, {prefix_length} - 4, 4) AS INTEGER)) VIRTUAL;
        ALTER TABLE cases ADD COLUMN number_seq INTEGER
            GENERATED ALWAYS AS (CAST(substr(case_no, {prefix_length} + 1) AS INTEGER)) VIRTUAL;
        CREATE INDEX cases_live_received ON cases(received_at) WHERE deleted = 0;
        CREATE INDEX cases_live_kind ON cases(kind, received_at) WHERE deleted = 0;
        CREATE INDEX cases_live_channel ON cases(channel, received_at) WHERE deleted = 0;
        CREATE INDEX cases_live_status ON cases(status, received_at) WHERE deleted = 0;
        CREATE INDEX cases_live_number ON cases(number_year, number_seq) WHERE deleted = 0;
        """,
    )


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[sqlite3.Connection], None]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "stations, users, merchants, cases, parties, evidence, outbox", _schema_1),
    Migration(2, "full-text search index of cases", _schema_2),
    Migration(3, "indexes of live cases; case number year and sequence", _schema_3),
)
LATEST_VERSION = MIGRATIONS[-1].version


def schema_version(conn: sqlite3.Connection) -> int:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if not exists:
        return 0
    return conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]


def backup_database(conn: sqlite3.Connection, backup_dir: Path, version: int) -> Path:
    """A consistent copy of the database made with SQLite's online backup."""
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = backup_dir / f"station-v{version}-{stamp}.db"
    copy = sqlite3.connect(str(target))
    try:
        conn.backup(copy)
    finally:
        copy.close()
    return target


def migrate_to_latest(store: Store, *, backup_dir: Path, target: int = LATEST_VERSION) -> None:
    conn = store.conn
    try:
        current = schema_version(conn)
    except sqlite3.DatabaseError as error:
        raise StoreError(explain_sqlite_error(error)) from error
    if current > LATEST_VERSION:
        raise NewerSchemaError(
            _(
                "This database was written by a newer version of station-app (schema {found}; "
                "this version understands up to {known}). Nothing was changed. "
                "Install the newest version of the app to open it."
            ).format(found=current, known=LATEST_VERSION)
        )
    if current >= target:
        return
    if current > 0:
        path = backup_database(conn, backup_dir, current)
        log.info("backed up schema %s database to %s before migrating", current, path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        for migration in MIGRATIONS:
            if current < migration.version <= target:
                migration.apply(conn)
                conn.execute(
                    "INSERT INTO schema_version VALUES (?, ?, ?)",
                    (migration.version, migration.description, datetime.now().isoformat()),
                )
        conn.execute("COMMIT")
    except BaseException as error:
        # Any failure (an SQL error or a bug in a migration) leaves the old version intact.
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(error, sqlite3.Error):
            raise StoreError(explain_sqlite_error(error)) from error
        raise
