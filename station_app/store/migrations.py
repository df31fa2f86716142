"""Ordered schema migrations with a version table and a backup before every upgrade."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from station_app.i18n import _
from station_app.store.connection import NewerSchemaError, Store, StoreError, explain_sqlite_error
from station_app.store.driver import Connection, DatabaseError, Error, complete_statement
from station_app.store.migration_progress import STEP_BACKUP, STEP_MIGRATION, ProgressReporter
from station_app.store.online_backup import copy_database

log = logging.getLogger(__name__)

# Columns every syncable row has, besides its own: identity, ownership, times and a tombstone.
SYNC_COLUMNS = """
    id TEXT NOT NULL UNIQUE,
    owner_station TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
"""

# The syncable tables schema 1 made; later migrations add theirs to SYNCABLE_TABLES.
_SCHEMA_1_SYNCABLE = ("stations", "users", "merchants", "cases", "parties", "evidence")
_SCHEMA_4_SYNCABLE = (
    "case_events",
    "mediation_sessions",
    "agreements",
    "follow_ups",
    "audit_log",
    "holiday_schedules",
)
_SCHEMA_5_SYNCABLE = ("issued_documents",)
# The syncable tables as of migration 14 (which kept a digest of each): frozen history.
_SCHEMA_14_SYNCABLE = _SCHEMA_1_SYNCABLE + _SCHEMA_4_SYNCABLE + _SCHEMA_5_SYNCABLE
_SCHEMA_17_SYNCABLE = ("supervision_records",)
_SCHEMA_21_SYNCABLE = ("conflict_resolutions",)
SYNCABLE_TABLES = _SCHEMA_14_SYNCABLE + _SCHEMA_17_SYNCABLE + _SCHEMA_21_SYNCABLE

# Tables whose every change is written to the audit log by triggers (migration 4), with the
# expression that names the case a row belongs to.
AUDITED_TABLES = {"cases": "NEW.id", "parties": "NEW.case_id", "agreements": "NEW.case_id"}


def run_script(conn: Connection, script: str) -> None:
    """Run SQL statements one by one inside the caller's transaction.

    sqlite3's executescript() would commit the open transaction first, so a failed
    migration could leave half a schema behind.
    """
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement: {statement!r}")


def _schema_1(conn: Connection) -> None:
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
    for table in _SCHEMA_1_SYNCABLE:
        _install_change_capture_v1(conn, table)


def _install_change_capture_v1(conn: Connection, table: str) -> None:
    """Triggers that record every insert, update and delete of `table` in the outbox (as
    migrations 1 to 5 made them; migration 8 replaces them with install_change_capture).

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


def drop_change_capture(conn: Connection, table: str) -> None:
    """Remove the outbox triggers of `table`, before its columns change: the triggers name
    every column, so they must be installed again (install_change_capture) afterwards."""
    for op in ("insert", "update", "delete", "sealed"):
        conn.execute(f"DROP TRIGGER IF EXISTS outbox_{table}_{op}")


_NEW_ID_SQL = (
    # A UUIDv7 made in SQL, so that triggers can give every row they write its own identity:
    # 48 bits of Unix milliseconds, the version, 74 random bits and the variant.
    "printf('%08x-%04x-7%03x-%x%03x-%012x',"
    " CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) >> 16,"
    " CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) & 65535,"
    " random() & 4095, 8 + (random() & 3), random() & 4095, random() & 281474976710655)"
)
_NOW_SQL = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
# Append-only rows and the audit trail belong to the station that wrote them.
_LOCAL_STATION_SQL = "(SELECT value FROM settings WHERE key = 'local_station_code')"


def _install_audit_log_v1(conn: Connection, table: str, case_id: str) -> None:
    """Triggers that write who changed what in `table` to the audit log: one row per changed
    column (old and new value) on update, one 'created' row on insert (as migration 4 made
    them; migration 8 replaces them with install_audit_log).

    The actor is the user the store names at the start of each write transaction
    (`Store.transaction(actor=...)`, kept in the one-row table session_actor). Like the outbox,
    the log is silent while change capture is off (only during a demo load).
    """
    columns = [
        row[1]
        for row in conn.execute(f"PRAGMA table_info({table})")
        if row[1] not in ("local_id", "updated_at")
    ]
    changed = " UNION ALL ".join(
        f"SELECT '{c}' AS field, OLD.{c} AS old_value, NEW.{c} AS new_value "
        f"WHERE OLD.{c} IS NOT NEW.{c}"
        for c in columns
    )
    capture_on = "(SELECT capture FROM change_capture) = 1"
    insert = (
        "INSERT INTO audit_log(id, owner_station, created_at, updated_at, at, actor, case_id,"
        " table_name, row_id, field, old_value, new_value, kind)"
    )
    values = (
        f"{_NEW_ID_SQL}, COALESCE({_LOCAL_STATION_SQL}, NEW.owner_station), {_NOW_SQL}, {_NOW_SQL},"
        f" {_NOW_SQL}, (SELECT username FROM session_actor), {case_id}, '{table}', NEW.id"
    )
    run_script(
        conn,
        f"""
        CREATE TRIGGER audit_{table}_insert AFTER INSERT ON {table} WHEN {capture_on}
        BEGIN
            {insert} VALUES ({values}, '*', NULL, 'created', 'change');
        END;
        CREATE TRIGGER audit_{table}_update AFTER UPDATE ON {table} WHEN {capture_on}
        BEGIN
            {insert} SELECT {values}, field, old_value, new_value, 'change' FROM ({changed});
        END;
        """,
    )


def drop_audit_log(conn: Connection, table: str) -> None:
    """Remove the audit triggers of `table` (before its columns change; install them again)."""
    for op in ("insert", "update"):
        conn.execute(f"DROP TRIGGER IF EXISTS audit_{table}_{op}")


def _append_only(conn: Connection, table: str) -> None:
    """Rows of `table` are a record: they may be added, never changed or removed."""
    run_script(
        conn,
        f"""
        CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;
        CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;
        """,
    )


def _schema_2(conn: Connection) -> None:
    """Full-text search over case number, names, phones, merchant and facts. The index is
    filled after migrating (store.derived.rebuild_after_migration), by the code of the day."""
    conn.execute(
        "CREATE VIRTUAL TABLE case_search USING fts5("
        "terms, content='', tokenize=\"unicode61 remove_diacritics 0 tokenchars '_'\","
        " prefix='1')"
    )


def _schema_3(conn: Connection) -> None:
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


def _schema_4(conn: Connection) -> None:
    """Handling cases by the rules: workflow columns, events, mediation sessions, agreements,
    follow-up visits, the audit log, holiday schedules, and each open case's deadlines.

    Added columns carry no CHECK constraint: SQLite would test it against every existing row,
    and this migration must stay quick on a million cases (the values are checked in code).
    """
    run_script(
        conn,
        f"""
        ALTER TABLE cases ADD COLUMN accepted_on TEXT;
        ALTER TABLE cases ADD COLUMN closed_on TEXT;
        ALTER TABLE cases ADD COLUMN amount_recovered_fen INTEGER;
        ALTER TABLE cases ADD COLUMN dispatched_at TEXT;
        ALTER TABLE cases ADD COLUMN arrived_at TEXT;
        ALTER TABLE cases ADD COLUMN promise_minutes INTEGER;
        ALTER TABLE cases ADD COLUMN merged_into TEXT;
        ALTER TABLE cases ADD COLUMN report_extended INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE cases ADD COLUMN escalated_from TEXT;
        ALTER TABLE parties ADD COLUMN claimed_fen INTEGER;
        ALTER TABLE parties ADD COLUMN recovered_fen INTEGER;
        ALTER TABLE parties ADD COLUMN representative INTEGER NOT NULL DEFAULT 0;

        -- Every workflow step of a case, as the user tells it; never changed afterwards.
        CREATE TABLE case_events (
            local_id INTEGER PRIMARY KEY,
            case_id TEXT NOT NULL REFERENCES cases(id),
            action TEXT NOT NULL,
            from_status TEXT NOT NULL,
            to_status TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            actor TEXT NOT NULL,
            actor_role TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            details TEXT NOT NULL DEFAULT '{{}}',
            {SYNC_COLUMNS}
        );
        CREATE INDEX case_events_case ON case_events(case_id, created_at);

        CREATE TABLE mediation_sessions (
            local_id INTEGER PRIMARY KEY,
            case_id TEXT NOT NULL REFERENCES cases(id),
            held_at TEXT NOT NULL,
            place TEXT NOT NULL DEFAULT '',
            mode TEXT NOT NULL CHECK (mode IN ('on_site', 'phone', 'video')),
            mediators TEXT NOT NULL DEFAULT '[]',
            recorder TEXT NOT NULL DEFAULT '',
            attendees TEXT NOT NULL DEFAULT '[]',
            complainant_statement TEXT NOT NULL DEFAULT '',
            merchant_statement TEXT NOT NULL DEFAULT '',
            result TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            {SYNC_COLUMNS}
        );
        CREATE INDEX mediation_sessions_case ON mediation_sessions(case_id, held_at);

        CREATE TABLE agreements (
            local_id INTEGER PRIMARY KEY,
            case_id TEXT NOT NULL UNIQUE REFERENCES cases(id),
            agreed_on TEXT NOT NULL,
            performed_on_spot INTEGER NOT NULL DEFAULT 0,
            terms TEXT NOT NULL DEFAULT '[]',
            amount_recovered_fen INTEGER CHECK (amount_recovered_fen >= 0),
            performance_due TEXT,
            performed_on TEXT,
            judicial_applied_on TEXT,
            judicial_confirmed_on TEXT,
            court_name TEXT NOT NULL DEFAULT '',
            court_transfer_on TEXT,
            {SYNC_COLUMNS}
        );

        CREATE TABLE follow_ups (
            local_id INTEGER PRIMARY KEY,
            case_id TEXT NOT NULL REFERENCES cases(id),
            visited_on TEXT NOT NULL,
            party TEXT NOT NULL CHECK (party IN ('complainant', 'merchant')),
            satisfaction TEXT NOT NULL
                CHECK (satisfaction IN ('satisfied', 'basically', 'unsatisfied')),
            note TEXT NOT NULL DEFAULT '',
            {SYNC_COLUMNS}
        );
        CREATE INDEX follow_ups_case ON follow_ups(case_id, visited_on);

        -- Who changed which field from what to what, and who saw a full ID number; written by
        -- triggers (install_audit_log) and by store.audit.log_reveal, never changed.
        CREATE TABLE audit_log (
            local_id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            case_id TEXT,
            table_name TEXT NOT NULL,
            row_id TEXT NOT NULL,
            field TEXT NOT NULL,
            old_value TEXT,
            new_value TEXT,
            kind TEXT NOT NULL CHECK (kind IN ('change', 'reveal')),
            {SYNC_COLUMNS}
        );
        CREATE INDEX audit_log_case ON audit_log(case_id, at);

        -- The user making the current write transaction, for the audit triggers.
        CREATE TABLE session_actor (username TEXT NOT NULL);
        INSERT INTO session_actor VALUES ('system');

        -- One year's holidays and adjusted working days (workdays.schedule_to_json), from the
        -- city office through sync or imported from the State Council's notice.
        CREATE TABLE holiday_schedules (
            local_id INTEGER PRIMARY KEY,
            year INTEGER NOT NULL UNIQUE,
            schedule TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            {SYNC_COLUMNS}
        );

        -- Derived and local (never synced): each case's deadlines, computed from its events by
        -- store.due; met_on stays NULL while a deadline is open, due is NULL while it is paused.
        CREATE TABLE case_deadlines (
            case_local_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            owner_station TEXT NOT NULL,
            start TEXT NOT NULL,
            due TEXT,
            met_on TEXT,
            paused_since TEXT,
            PRIMARY KEY (case_local_id, kind)
        ) WITHOUT ROWID;

        -- Keep the derived deadlines with their case: an escalated case leaves the old
        -- station's work list, a deleted case leaves every list.
        CREATE TRIGGER case_deadlines_follow_owner AFTER UPDATE OF owner_station ON cases
        BEGIN
            UPDATE case_deadlines SET owner_station = NEW.owner_station
             WHERE case_local_id = NEW.local_id;
        END;
        CREATE TRIGGER case_deadlines_follow_deletion AFTER UPDATE OF deleted ON cases
        WHEN NEW.deleted != 0
        BEGIN
            DELETE FROM case_deadlines WHERE case_local_id = NEW.local_id;
        END;
        """,
    )
    for table in ("cases", "parties"):
        drop_change_capture(conn, table)
    for table in SYNCABLE_TABLES:
        if table in ("cases", "parties") or table in _SCHEMA_4_SYNCABLE:
            _install_change_capture_v1(conn, table)
    for table, case_id in AUDITED_TABLES.items():
        _install_audit_log_v1(conn, table, case_id)
    _append_only(conn, "case_events")
    _append_only(conn, "audit_log")

    # The deadlines of the cases already registered are computed after migrating
    # (store.derived.rebuild_after_migration), with the calendar of the day.
    run_script(
        conn,
        """
        CREATE INDEX case_deadlines_open ON case_deadlines(owner_station, due)
            WHERE met_on IS NULL;
        """,
    )


def _schema_5(conn: Connection) -> None:
    """Issued documents: each printed decision, notice or agreement, frozen with the SHA-256
    of its PDF (the file itself is kept in the data folder's documents/ by its hash), and
    gapless document numbers per station, kind and year."""
    run_script(
        conn,
        f"""
        CREATE TABLE document_counters (
            station_code TEXT NOT NULL,
            kind TEXT NOT NULL,
            year INTEGER NOT NULL,
            last_seq INTEGER NOT NULL,
            PRIMARY KEY (station_code, kind, year)
        );

        -- One row per version of an issued document; never changed except that a corrected
        -- version is linked from the one it replaces (superseded_by, set once).
        CREATE TABLE issued_documents (
            local_id INTEGER PRIMARY KEY,
            case_id TEXT NOT NULL REFERENCES cases(id),
            kind TEXT NOT NULL,
            doc_no TEXT NOT NULL,
            year INTEGER NOT NULL,
            seq INTEGER,
            version INTEGER NOT NULL CHECK (version >= 1),
            reason TEXT NOT NULL DEFAULT '',
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            verification_code TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            issued_at TEXT NOT NULL,
            issued_by TEXT NOT NULL,
            superseded_by TEXT,
            {SYNC_COLUMNS},
            UNIQUE (owner_station, kind, doc_no, version),
            CHECK (version = 1 OR reason != '')
        );
        CREATE INDEX issued_documents_case ON issued_documents(case_id, kind, version);
        CREATE INDEX issued_documents_code ON issued_documents(verification_code);

        CREATE TRIGGER issued_documents_no_delete BEFORE DELETE ON issued_documents
        BEGIN SELECT RAISE(ABORT, 'issued_documents is append-only'); END;
        CREATE TRIGGER issued_documents_only_superseded BEFORE UPDATE ON issued_documents
        WHEN OLD.superseded_by IS NOT NULL
          OR NEW.superseded_by IS NULL
          OR NEW.local_id IS NOT OLD.local_id
          OR NEW.id IS NOT OLD.id
          OR NEW.case_id IS NOT OLD.case_id
          OR NEW.kind IS NOT OLD.kind
          OR NEW.doc_no IS NOT OLD.doc_no
          OR NEW.year IS NOT OLD.year
          OR NEW.seq IS NOT OLD.seq
          OR NEW.version IS NOT OLD.version
          OR NEW.reason IS NOT OLD.reason
          OR NEW.sha256 IS NOT OLD.sha256
          OR NEW.size IS NOT OLD.size
          OR NEW.verification_code IS NOT OLD.verification_code
          OR NEW.content_hash IS NOT OLD.content_hash
          OR NEW.issued_at IS NOT OLD.issued_at
          OR NEW.issued_by IS NOT OLD.issued_by
          OR NEW.owner_station IS NOT OLD.owner_station
          OR NEW.created_at IS NOT OLD.created_at
          OR NEW.deleted IS NOT OLD.deleted
        BEGIN SELECT RAISE(ABORT, 'issued_documents is append-only'); END;
        """,
    )
    _install_change_capture_v1(conn, "issued_documents")


def _schema_6(conn: Connection) -> None:
    """Indexes for the signs of non-genuine consumption (flags.py): complainants sharing an
    address or an identity. The address expression is store.flags.ADDRESS_KEY_SQL, written out
    because a migration must not change when later code does; a test checks that they agree."""
    run_script(
        conn,
        """
        CREATE INDEX parties_address_key
            ON parties(replace(replace(address, ' ', ''), '　', '')) WHERE address != '';
        CREATE INDEX parties_id_number ON parties(id_number) WHERE id_number != '';
        """,
    )


def _schema_7(conn: Connection) -> None:
    """Wrong passwords typed on this PC and the lock they lead to. Local to the PC, never
    synced: a column of the syncable users row would make every typo a sync conflict."""
    run_script(
        conn,
        """
        CREATE TABLE login_failures (
            username TEXT PRIMARY KEY,
            failures INTEGER NOT NULL CHECK (failures >= 0),
            last_failed_at TEXT NOT NULL,
            locked_until TEXT
        );
        """,
    )


# Columns of syncable tables that stay on this PC: the local rowid, and the demo mark.
_LOCAL_COLUMNS = ("local_id", "demo")
# Tables the demo loader writes: their rows carry the mark demo = 1.
_DEMO_MARKED = ("merchants", "cases", "parties")
# Append-only records chained by hash (store/chain.py): each row is sealed before COMMIT.
_CHAINED = ("case_events", "audit_log")
# Columns that leave the PC only on a condition: a local user's password hash never does,
# unless the account is managed by the city office.
_PRIVATE_COLUMNS = {"users": {"password_hash": "{row}.role = 'city'"}}


def _local_row_condition(conn: Connection, table: str, row: str) -> str:
    """SQL that is true when `row` (NEW or OLD) of `table` may be queued: written locally and
    not part of the demo sandbox (a demo row, or a row of a demo case)."""
    columns = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
    condition = "write_origin() = 'local'"
    if "demo" in columns:
        condition += f" AND {row}.demo = 0"
    if "case_id" in columns:
        condition += f" AND NOT EXISTS (SELECT 1 FROM cases WHERE id = {row}.case_id AND demo != 0)"
    return condition


def install_change_capture(conn: Connection, table: str) -> None:
    """Triggers that record every local insert, update and delete of `table` in the outbox
    (as of migration 8; later migrations adding a syncable table call this).

    Only writes whose origin is local are queued (a pulled change is never sent back, a demo
    row never leaves the PC). Each entry carries the transaction id and, as row_version, the
    server version the change started from (row_versions, kept by sync; NULL for a row the
    server has not seen). An update records only the columns that changed with their old
    values; updated_at is not a field that conflicts: it travels with a change (without an
    old value) but a change of it alone is no change. Rows of chained tables are queued once
    sealed (their hashes are part of them).
    """
    columns = [
        row[1]
        for row in conn.execute(f"PRAGMA table_info({table})")
        if row[1] not in _LOCAL_COLUMNS
    ]
    private = _PRIVATE_COLUMNS.get(table, {})

    def value(side: str, column: str) -> str:
        if column in private:
            return f"CASE WHEN {private[column].format(row=side)} THEN {side}.{column} END"
        return f"{side}.{column}"

    def whole(side: str) -> str:
        pairs = ", ".join(f"'{c}', {value(side, c)}" for c in columns if c not in private)
        obj = f"json_object({pairs})"
        for c in private:
            condition = private[c].format(row=side)
            obj = f"CASE WHEN {condition} THEN json_set({obj}, '$.{c}', {side}.{c}) ELSE {obj} END"
        return obj

    compared = [c for c in columns if c != "updated_at"]

    def changed(side: str, names: list[str]) -> str:
        return " UNION ALL ".join(
            f"SELECT '{c}' AS k, {value(side, c)} AS v WHERE OLD.{c} IS NOT NEW.{c}"
            + (f" AND {private[c].format(row='NEW')}" if c in private else "")
            for c in names
        )

    any_change = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in compared)
    station = "(SELECT value FROM settings WHERE key = 'local_station_code')"
    version = (
        f"(SELECT version FROM row_versions WHERE table_name = '{table}' AND row_id = {{}}.id)"
    )
    now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    insert = (
        "INSERT INTO outbox(table_name, row_id, op, new_values, old_values, changed_at, txid,"
        " origin_station, row_version)"
    )
    if table in _CHAINED:
        run_script(
            conn,
            f"""
            CREATE TRIGGER outbox_{table}_sealed AFTER UPDATE OF row_hash ON {table}
            WHEN OLD.row_hash IS NULL AND NEW.row_hash IS NOT NULL
             AND {_local_row_condition(conn, table, "NEW")}
            BEGIN
                {insert} VALUES ('{table}', NEW.id, 'insert', {whole("NEW")}, NULL, {now},
                    write_txid(), {station}, NULL);
            END;
            """,
        )
        return
    new_changes = f"(SELECT json_group_object(k, v) FROM ({changed('NEW', columns)}))"
    old_changes = f"(SELECT json_group_object(k, v) FROM ({changed('OLD', compared)}))"
    run_script(
        conn,
        f"""
        CREATE TRIGGER outbox_{table}_insert AFTER INSERT ON {table}
        WHEN {_local_row_condition(conn, table, "NEW")}
        BEGIN
            {insert} VALUES ('{table}', NEW.id, 'insert', {whole("NEW")}, NULL, {now},
                write_txid(), {station}, {version.format("NEW")});
        END;
        CREATE TRIGGER outbox_{table}_update AFTER UPDATE ON {table}
        WHEN {_local_row_condition(conn, table, "OLD")} AND ({any_change})
        BEGIN
            {insert} VALUES ('{table}', NEW.id, 'update', {new_changes}, {old_changes}, {now},
                write_txid(), {station}, {version.format("NEW")});
        END;
        CREATE TRIGGER outbox_{table}_delete AFTER DELETE ON {table}
        WHEN {_local_row_condition(conn, table, "OLD")}
        BEGIN
            {insert} VALUES ('{table}', OLD.id, 'delete', NULL, {whole("OLD")}, {now},
                write_txid(), {station}, {version.format("OLD")});
        END;
        """,
    )


def install_audit_log(conn: Connection, table: str, case_id: str) -> None:
    """Triggers that write who changed what in `table` to the audit log (as of migration 8):
    one row per changed column (old and new value) on update, one 'created' row on insert.

    The actor and the origin are those of the write transaction (write_actor(),
    write_origin()): a pulled change is audited as coming from its station. Only the demo
    loader writes unaudited, and only rows marked demo.
    """
    columns = [
        row[1]
        for row in conn.execute(f"PRAGMA table_info({table})")
        if row[1] not in ("local_id", "updated_at", "demo")
    ]
    changed = " UNION ALL ".join(
        f"SELECT '{c}' AS field, OLD.{c} AS old_value, NEW.{c} AS new_value "
        f"WHERE OLD.{c} IS NOT NEW.{c}"
        for c in columns
    )
    audited = "write_origin() != 'demo'"
    insert = (
        "INSERT INTO audit_log(id, owner_station, created_at, updated_at, at, actor, case_id,"
        " table_name, row_id, field, old_value, new_value, kind, origin)"
    )
    values = (
        f"{_NEW_ID_SQL}, COALESCE({_LOCAL_STATION_SQL}, NEW.owner_station), {_NOW_SQL}, {_NOW_SQL},"
        f" {_NOW_SQL}, write_actor(), {case_id}, '{table}', NEW.id"
    )
    run_script(
        conn,
        f"""
        CREATE TRIGGER audit_{table}_insert AFTER INSERT ON {table} WHEN {audited}
        BEGIN
            {insert} VALUES ({values}, '*', NULL, 'created', 'change', write_origin());
        END;
        CREATE TRIGGER audit_{table}_update AFTER UPDATE ON {table} WHEN {audited}
        BEGIN
            {insert} SELECT {values}, field, old_value, new_value, 'change', write_origin()
              FROM ({changed});
        END;
        """,
    )


def _chain_record(conn: Connection, table: str) -> None:
    """`table` is an append-only record chained by hash: a new local row is queued for sealing
    (unsealed), and the only change ever allowed is that seal, once (store/chain.py)."""
    columns = [
        row[1]
        for row in conn.execute(f"PRAGMA table_info({table})")
        if row[1] not in ("chain_seq", "prev_hash", "row_hash")
    ]
    unchanged = " AND ".join(f"OLD.{c} IS NEW.{c}" for c in columns)
    run_script(
        conn,
        f"""
        CREATE TRIGGER {table}_to_seal AFTER INSERT ON {table}
        WHEN NEW.row_hash IS NULL AND write_origin() = 'local'
        BEGIN
            INSERT INTO unsealed(table_name, local_id) VALUES ('{table}', NEW.local_id);
        END;
        CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
        WHEN NOT (OLD.row_hash IS NULL AND NEW.row_hash IS NOT NULL AND {unchanged}
                  AND EXISTS (SELECT 1 FROM unsealed
                               WHERE table_name = '{table}' AND local_id = OLD.local_id))
        BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;
        CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;
        """,
    )


# The case a written row belongs to, put in the queue of dirty cases (migration 8).
_MARK_DIRTY_SQL = "SELECT local_id FROM cases WHERE {key} = {value}"
# The queue itself: the case, nothing else (migrations 8 and 22).
_DIRTY_CASES_TABLE_SQL = "CREATE TABLE dirty_cases (case_local_id INTEGER PRIMARY KEY)"


def _dirty_queue(conn: Connection) -> None:
    """Triggers that put every case whose search terms or deadlines may change in dirty_cases,
    whatever writes it; the store drains the queue before COMMIT (the search index keeps its
    own copy of what it indexed, so no old value is needed). The demo loader derives its own rows
    in bulk, so its writes are left out."""
    snapshot_of = "INSERT OR IGNORE INTO dirty_cases(case_local_id) " + _MARK_DIRTY_SQL
    not_demo = "write_origin() != 'demo'"
    statements = [
        f"""CREATE TRIGGER dirty_case_insert AFTER INSERT ON cases WHEN {not_demo}
        BEGIN INSERT OR IGNORE INTO dirty_cases(case_local_id) VALUES (NEW.local_id); END;""",
        f"""CREATE TRIGGER dirty_case_update BEFORE UPDATE ON cases WHEN {not_demo}
        BEGIN {snapshot_of.format(key="local_id", value="OLD.local_id")}; END;""",
        f"""CREATE TRIGGER dirty_case_delete BEFORE DELETE ON cases WHEN {not_demo}
        BEGIN {snapshot_of.format(key="local_id", value="OLD.local_id")}; END;""",
    ]
    for table, ops in (
        ("parties", ("insert", "update", "delete")),
        ("case_events", ("insert",)),
        ("agreements", ("insert", "update")),
    ):
        for op in ops:
            row = "OLD" if op == "delete" else "NEW"
            body = snapshot_of.format(key="id", value=f"{row}.case_id")
            if op == "update":
                body += "; " + snapshot_of.format(key="id", value="OLD.case_id")
            statements.append(
                f"""CREATE TRIGGER dirty_{table}_{op} BEFORE {op.upper()} ON {table}
                WHEN {not_demo} BEGIN {body}; END;"""
            )
    for op in ("insert", "update"):
        statements.append(
            f"""CREATE TRIGGER dirty_holidays_{op} AFTER {op.upper()} ON holiday_schedules
            BEGIN INSERT OR IGNORE INTO dirty_years(year) VALUES (NEW.year); END;"""
        )
    run_script(conn, "\n".join(statements))


def _schema_8(conn: Connection) -> None:
    """Ready for sync: every write knows its origin, derived state follows the rows, audit and
    events are chained by hash, and demo rows are a sandbox.

    - change_capture (a database-wide switch) and session_actor (a shared row) go: triggers ask
      the connection (write_origin(), write_actor(), write_txid()); a tool without those
      functions cannot write to a syncable table at all.
    - outbox entries carry the transaction id, the station and the row version they start from;
      row_versions holds the server version of rows that sync has seen.
    - dirty_cases and dirty_years: the queue of cases whose search terms and deadlines the store
      recomputes before COMMIT, for every origin alike.
    - audit_log and case_events: chain_seq, prev_hash and row_hash (sealed before COMMIT,
      queue unsealed); audit_log.origin.
    - merchants, cases and parties: demo = 1 marks the demo loader's rows, which no trigger
      ever queues, nor rows that belong to a demo case.
    """
    triggers = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            " AND (name LIKE 'outbox\\_%' ESCAPE '\\' OR name LIKE 'audit\\_%' ESCAPE '\\'"
            " OR name IN ('case_events_no_update', 'case_events_no_delete',"
            "             'audit_log_no_update', 'audit_log_no_delete'))"
        )
    ]
    captured = sorted(
        {
            name[len("outbox_") : -len("_insert")]
            for name in triggers
            if name.startswith("outbox_") and name.endswith("_insert")
        }
    )
    for name in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    run_script(
        conn,
        f"""
        DROP TABLE change_capture;
        DROP TABLE session_actor;

        ALTER TABLE outbox ADD COLUMN txid TEXT;
        ALTER TABLE outbox ADD COLUMN origin_station TEXT;
        ALTER TABLE outbox ADD COLUMN row_version INTEGER;
        -- Local: the server's version of each row sync has pulled or pushed.
        CREATE TABLE row_versions (
            table_name TEXT NOT NULL,
            row_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            PRIMARY KEY (table_name, row_id)
        ) WITHOUT ROWID;
        -- Local: pulled values that met a local change not yet pushed; a person decides.
        CREATE TABLE sync_conflicts (
            local_id INTEGER PRIMARY KEY,
            table_name TEXT NOT NULL,
            row_id TEXT NOT NULL,
            field TEXT NOT NULL,
            local_value TEXT,
            remote_value TEXT,
            remote_station TEXT NOT NULL,
            received_at TEXT NOT NULL,
            resolved INTEGER NOT NULL DEFAULT 0
        );

        ALTER TABLE merchants ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE cases ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE parties ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;

        ALTER TABLE audit_log ADD COLUMN origin TEXT NOT NULL DEFAULT 'local';
        ALTER TABLE audit_log ADD COLUMN chain_seq INTEGER;
        ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
        ALTER TABLE audit_log ADD COLUMN row_hash TEXT;
        ALTER TABLE case_events ADD COLUMN chain_seq INTEGER;
        ALTER TABLE case_events ADD COLUMN prev_hash TEXT;
        ALTER TABLE case_events ADD COLUMN row_hash TEXT;
        CREATE UNIQUE INDEX audit_log_chain ON audit_log(owner_station, chain_seq)
            WHERE chain_seq IS NOT NULL;
        CREATE UNIQUE INDEX case_events_chain ON case_events(owner_station, chain_seq)
            WHERE chain_seq IS NOT NULL;
        -- Local: rows written here and not sealed yet (drained before COMMIT).
        CREATE TABLE unsealed (
            table_name TEXT NOT NULL,
            local_id INTEGER NOT NULL,
            PRIMARY KEY (table_name, local_id)
        ) WITHOUT ROWID;
        -- The rows recorded before the chain existed are sealed first, in their order.
        INSERT INTO unsealed SELECT 'case_events', local_id FROM case_events;
        INSERT INTO unsealed SELECT 'audit_log', local_id FROM audit_log;

        -- Local: cases whose derived state (search terms, deadlines) must be recomputed before
        -- COMMIT.
        {_DIRTY_CASES_TABLE_SQL};
        -- Local: years whose holiday schedule changed: open deadlines touching them follow.
        CREATE TABLE dirty_years (year INTEGER PRIMARY KEY);
        """,
    )
    for table in _DEMO_MARKED:
        conn.execute(
            f"""CREATE TRIGGER {table}_demo_mark BEFORE UPDATE OF demo ON {table}
            WHEN write_origin() != 'demo'
            BEGIN SELECT RAISE(ABORT, 'the demo mark of a row cannot change'); END"""
        )
    for table in captured:
        install_change_capture(conn, table)
    for table, case_id in AUDITED_TABLES.items():
        install_audit_log(conn, table, case_id)
    for table in _CHAINED:
        _chain_record(conn, table)
    _dirty_queue(conn)


def _schema_9(conn: Connection) -> None:
    """The search index with one column per field (case number, names, phones, merchant,
    facts) and digits columns (every run of 4+ digits as 4-digit terms), so a search can say where it matched, rank names before facts and be confined to
    one field; beside it, the normalized values each case was indexed with, so its entry can
    be removed however its rows changed. And each case's next open deadline, kept from
    case_deadlines by triggers and indexed, so the list sorts by deadline in SQL.

    The index itself is derived: it is filled after migrating, by the code of the day
    (store.derived.rebuild_after_migration), like every derived table."""
    run_script(
        conn,
        """
        DROP TABLE case_search;
        CREATE VIRTUAL TABLE case_search USING fts5(
            case_no, names, phones, merchant, facts,
            no_digits, other_digits, phone_digits, facts_digits,
            content='', tokenize="unicode61 remove_diacritics 0 tokenchars '_'", prefix='1');
        -- Derived and local: the normalized values each case's index entry was made from
        -- (values of one field apart by a space).
        CREATE TABLE case_search_source (
            local_id INTEGER PRIMARY KEY,
            case_no TEXT NOT NULL,
            names TEXT NOT NULL,
            phones TEXT NOT NULL,
            merchant TEXT NOT NULL,
            facts TEXT NOT NULL
        );

        -- Derived and local: each case's nearest open deadline (none while all are met or
        -- paused), for the list's deadline column and its sorting.
        CREATE TABLE case_next_deadline (
            case_local_id INTEGER PRIMARY KEY,
            due TEXT NOT NULL,
            kind TEXT NOT NULL
        );
        CREATE INDEX case_next_deadline_due ON case_next_deadline(due, case_local_id);
        INSERT INTO case_next_deadline(case_local_id, due, kind)
            SELECT case_local_id, due, kind FROM (
                SELECT case_local_id, due, kind, row_number() OVER (
                    PARTITION BY case_local_id ORDER BY due, kind) AS n
                  FROM case_deadlines WHERE met_on IS NULL AND due IS NOT NULL)
             WHERE n = 1;
        """,
    )
    for event, row in (("INSERT", "NEW"), ("DELETE", "OLD"), ("UPDATE", "NEW")):
        conn.execute(
            f"""
            CREATE TRIGGER case_next_deadline_after_{event.lower()}
            AFTER {event} ON case_deadlines
            BEGIN
                DELETE FROM case_next_deadline WHERE case_local_id = {row}.case_local_id;
                INSERT INTO case_next_deadline(case_local_id, due, kind)
                    SELECT case_local_id, due, kind FROM case_deadlines
                     WHERE case_local_id = {row}.case_local_id
                       AND met_on IS NULL AND due IS NOT NULL
                     ORDER BY due, kind LIMIT 1;
            END
            """
        )


def _schema_10(conn: Connection) -> None:
    """The station's side of sync: its state (server, cursor, last success, clock warning),
    the batch being sent (kept before sending, so a resend after a crash reuses its UUID),
    changes set aside with their reason, fields of pulled rows this version does not know
    (kept and sent back untouched), and the attachments already exchanged."""
    run_script(
        conn,
        """
        -- Local: sync bookkeeping by key (server_url, cursor, last_success, clock_offset ...).
        CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        -- Local: the push batch in flight: outbox entries first_seq..last_seq, as sent.
        CREATE TABLE sync_batches (
            batch_id TEXT PRIMARY KEY,
            first_seq INTEGER NOT NULL,
            last_seq INTEGER NOT NULL,
            body TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        -- Local: changes refused by the server (push) or by this PC (pull), with the reason.
        CREATE TABLE sync_rejected (
            local_id INTEGER PRIMARY KEY,
            direction TEXT NOT NULL CHECK (direction IN ('push', 'pull')),
            batch_id TEXT,
            table_name TEXT NOT NULL,
            row_id TEXT NOT NULL,
            op TEXT NOT NULL,
            change TEXT NOT NULL,
            reason TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX sync_rejected_row ON sync_rejected(table_name, row_id);
        -- Local: fields of pulled rows that this version's schema has no column for.
        CREATE TABLE sync_extra_fields (
            table_name TEXT NOT NULL,
            row_id TEXT NOT NULL,
            fields TEXT NOT NULL,
            PRIMARY KEY (table_name, row_id)
        ) WITHOUT ROWID;
        -- Local: attachments (evidence files, issued PDFs) the server has confirmed whole.
        CREATE TABLE sync_files (sha256 TEXT PRIMARY KEY, uploaded_at TEXT NOT NULL)
            WITHOUT ROWID;
        """,
    )


def _schema_12(conn: Connection) -> None:
    """The search index merges its segments when the app is idle, not inside a save.

    FTS5's 'automerge' (4 by default) makes some commits merge segments of the index: a save
    then writes tens to hundreds of pages more than its own and its fsync waits for them
    (p99 of a correction 164 ms on a million cases). With 'automerge' 0 a save writes only its
    own small segment; store.upkeep merges them in bounded steps when the app is idle (the
    database worker) and after a writing command, and 'crisismerge' (16) still merges a level
    in a save if upkeep never ran. Bulk loads merge as before (search_index.index_all_cases)."""
    conn.execute("INSERT INTO case_search(case_search, rank) VALUES ('automerge', 0)")


def _schema_13(conn: Connection) -> None:
    """Statistics: each case's figures (what it counts for) in a derived local table, and
    totals by month and by year kept from it by triggers, so any period's figures are a few
    index reads
    (store/statistics.py fills the per-case rows; the definitions of the figures are there).

    Derived and local like the deadlines: never synced, rebuilt after migrating by the code of
    the day (store.derived.rebuild_after_migration)."""
    measures = (
        "cases",
        "complainants",
        "joint",
        "done",
        "accepted",
        "refused",
        "mediated",
        "agreed",
        "terminated",
        "mediation_failed",
        "withdrawn",
        "escalated",
        "case_opened",
        "claimed_fen",
        "recovered_fen",
        "dispatched",
        "arrived",
        "arrived_in_promise",
        "complainant_visited",
        "complainant_satisfied",
        "merchant_visited",
        "merchant_satisfied",
        "both_visited",
        "both_satisfied",
        "late_deadlines",
    )
    keys = ("owner_station", "kind", "channel", "goods_or_service", "category", "problem_nature")
    columns = ",\n            ".join(f"{m} INTEGER NOT NULL" for m in measures)
    run_script(
        conn,
        f"""
        CREATE TABLE case_figures (
            case_local_id INTEGER NOT NULL,
            received_on TEXT NOT NULL,
            owner_station TEXT NOT NULL,
            kind TEXT NOT NULL,
            channel TEXT NOT NULL,
            goods_or_service TEXT NOT NULL,
            category TEXT NOT NULL,
            problem_nature TEXT NOT NULL,
            merchant_id TEXT,
            {columns},
            PRIMARY KEY (received_on, case_local_id)
        ) WITHOUT ROWID;
        CREATE UNIQUE INDEX case_figures_case ON case_figures(case_local_id);

        CREATE TABLE figure_months (
            month TEXT NOT NULL,
            {", ".join(f"{k} TEXT NOT NULL" for k in keys)},
            {columns},
            PRIMARY KEY (month, {", ".join(keys)})
        ) WITHOUT ROWID;
        CREATE TABLE figure_years (
            year TEXT NOT NULL,
            {", ".join(f"{k} TEXT NOT NULL" for k in keys)},
            {columns},
            PRIMARY KEY (year, {", ".join(keys)})
        ) WITHOUT ROWID;

        CREATE TABLE merchant_months (
            month TEXT NOT NULL,
            owner_station TEXT NOT NULL,
            merchant_id TEXT NOT NULL,
            complaints INTEGER NOT NULL,
            PRIMARY KEY (month, owner_station, merchant_id)
        ) WITHOUT ROWID;
        -- Each open deadline (met_on NULL, a due date) with its case's day of receipt, kept
        -- from case_deadlines by triggers: the overdue items of a period are an index range.
        CREATE TABLE open_deadlines (
            case_local_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            owner_station TEXT NOT NULL,
            due TEXT NOT NULL,
            received_on TEXT NOT NULL,
            PRIMARY KEY (case_local_id, kind)
        ) WITHOUT ROWID;
        CREATE INDEX open_deadlines_received ON open_deadlines(received_on, due, owner_station);
        INSERT INTO open_deadlines(case_local_id, kind, owner_station, due, received_on)
            SELECT d.case_local_id, d.kind, d.owner_station, d.due, substr(c.received_at, 1, 10)
              FROM case_deadlines d JOIN cases c ON c.local_id = d.case_local_id
             WHERE d.met_on IS NULL AND d.due IS NOT NULL;

        CREATE TABLE merchant_years (
            year TEXT NOT NULL,
            owner_station TEXT NOT NULL,
            merchant_id TEXT NOT NULL,
            complaints INTEGER NOT NULL,
            PRIMARY KEY (year, owner_station, merchant_id)
        ) WITHOUT ROWID;
        """,
    )
    open_row = """INSERT INTO open_deadlines(case_local_id, kind, owner_station, due, received_on)
        SELECT NEW.case_local_id, NEW.kind, NEW.owner_station, NEW.due, substr(c.received_at, 1, 10)
          FROM cases c WHERE c.local_id = NEW.case_local_id
           AND NEW.met_on IS NULL AND NEW.due IS NOT NULL;"""
    forget_row = """DELETE FROM open_deadlines
         WHERE case_local_id = OLD.case_local_id AND kind = OLD.kind;"""
    for event, body in (
        ("INSERT", open_row),
        ("DELETE", forget_row),
        ("UPDATE", forget_row + "\n" + open_row),
    ):
        conn.execute(
            f"""CREATE TRIGGER open_deadlines_after_{event.lower()} AFTER {event} ON case_deadlines
            BEGIN {body} END"""
        )
    key_values = ", ".join(f"{{row}}.{k}" for k in keys)
    for event, row, sign in (("INSERT", "NEW", "+"), ("DELETE", "OLD", "-")):
        measure_values = ", ".join(f"{sign}{row}.{m}" for m in measures)
        updates = ", ".join(f"{m} = {m} + excluded.{m}" for m in measures)
        statements = []
        for span, length in (("month", 7), ("year", 4)):
            statements.append(
                f"""INSERT INTO figure_{span}s({span}, {", ".join(keys)}, {", ".join(measures)})
                VALUES (substr({row}.received_on, 1, {length}), {key_values.format(row=row)},
                        {measure_values})
                ON CONFLICT DO UPDATE SET {updates};
                INSERT INTO merchant_{span}s({span}, owner_station, merchant_id, complaints)
                    SELECT substr({row}.received_on, 1, {length}), {row}.owner_station,
                           {row}.merchant_id, {sign}1
                     WHERE {row}.merchant_id IS NOT NULL AND {row}.kind = 'complaint'
                ON CONFLICT DO UPDATE SET complaints = complaints + excluded.complaints;"""
            )
        conn.execute(
            f"""
            CREATE TRIGGER case_figures_totals_{event.lower()} AFTER {event} ON case_figures
            BEGIN
                {" ".join(statements)}
            END
            """
        )


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _schema_11(conn: Connection) -> None:
    """The facts typed when a document is issued (session time and place, materials, court,
    result ...), kept with the issued version as JSON, so that a correction or a later kind is
    prefilled with them. Like every column of an issued version, they never change: the
    append-only trigger names them too, and the outbox triggers are installed again because
    they name every column."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(issued_documents)")}
    if "facts" not in columns:  # (a database taken back to an older version keeps it)
        conn.execute("ALTER TABLE issued_documents ADD COLUMN facts TEXT NOT NULL DEFAULT '{}'")
    run_script(
        conn,
        """
        DROP TRIGGER issued_documents_only_superseded;
        CREATE TRIGGER issued_documents_only_superseded BEFORE UPDATE ON issued_documents
        WHEN OLD.superseded_by IS NOT NULL
          OR NEW.superseded_by IS NULL
          OR NEW.local_id IS NOT OLD.local_id
          OR NEW.id IS NOT OLD.id
          OR NEW.case_id IS NOT OLD.case_id
          OR NEW.kind IS NOT OLD.kind
          OR NEW.doc_no IS NOT OLD.doc_no
          OR NEW.year IS NOT OLD.year
          OR NEW.seq IS NOT OLD.seq
          OR NEW.version IS NOT OLD.version
          OR NEW.reason IS NOT OLD.reason
          OR NEW.sha256 IS NOT OLD.sha256
          OR NEW.size IS NOT OLD.size
          OR NEW.verification_code IS NOT OLD.verification_code
          OR NEW.content_hash IS NOT OLD.content_hash
          OR NEW.issued_at IS NOT OLD.issued_at
          OR NEW.issued_by IS NOT OLD.issued_by
          OR NEW.owner_station IS NOT OLD.owner_station
          OR NEW.created_at IS NOT OLD.created_at
          OR NEW.deleted IS NOT OLD.deleted
          OR NEW.facts IS NOT OLD.facts
        BEGIN SELECT RAISE(ABORT, 'issued_documents is append-only'); END;
        """,
    )
    drop_change_capture(conn, "issued_documents")
    install_change_capture(conn, "issued_documents")


def _schema_14(conn: Connection) -> None:
    """The scope checksum kept up to date as rows change, so a sync round does not read every
    row: each counted row's digest, the per-table count and sum of them, and the rows changed
    since (marked by triggers on every write, whatever its origin; store.sync_state folds them
    in). A change of the rows that decide what counts (a push insert set aside, a case's demo
    mark) marks the rows it affects."""
    run_script(
        conn,
        """
        -- Local: the digest of each row the scope checksum counts (hex, see sync.protocol).
        CREATE TABLE IF NOT EXISTS sync_row_digests (
            table_name TEXT NOT NULL,
            row_id TEXT NOT NULL,
            digest TEXT NOT NULL,
            PRIMARY KEY (table_name, row_id)
        ) WITHOUT ROWID;
        -- Local: per table, the fields digested (JSON list), the count and the sum.
        CREATE TABLE IF NOT EXISTS sync_digest_totals (
            table_name TEXT PRIMARY KEY,
            fields TEXT NOT NULL,
            row_count INTEGER NOT NULL,
            digest_sum TEXT NOT NULL
        ) WITHOUT ROWID;
        -- Local: rows written since their digest was taken.
        CREATE TABLE IF NOT EXISTS sync_digest_dirty (
            table_name TEXT NOT NULL,
            row_id TEXT NOT NULL,
            PRIMARY KEY (table_name, row_id)
        ) WITHOUT ROWID;
        CREATE TRIGGER IF NOT EXISTS sync_rejected_digest_dirty_insert AFTER INSERT ON sync_rejected
        WHEN NEW.direction = 'push' AND NEW.op = 'insert' BEGIN
            INSERT OR IGNORE INTO sync_digest_dirty VALUES (NEW.table_name, NEW.row_id);
        END;
        CREATE TRIGGER IF NOT EXISTS sync_rejected_digest_dirty_delete AFTER DELETE ON sync_rejected
        WHEN OLD.direction = 'push' AND OLD.op = 'insert' BEGIN
            INSERT OR IGNORE INTO sync_digest_dirty VALUES (OLD.table_name, OLD.row_id);
        END;
        """,
    )
    case_tables = []
    for table in _SCHEMA_14_SYNCABLE:
        columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if "case_id" in columns:
            case_tables.append(table)
        run_script(
            conn,
            f"""
            CREATE TRIGGER IF NOT EXISTS {table}_digest_dirty_insert AFTER INSERT ON {table} BEGIN
                INSERT OR IGNORE INTO sync_digest_dirty VALUES ('{table}', NEW.id);
            END;
            CREATE TRIGGER IF NOT EXISTS {table}_digest_dirty_update AFTER UPDATE ON {table} BEGIN
                INSERT OR IGNORE INTO sync_digest_dirty VALUES ('{table}', OLD.id);
                INSERT OR IGNORE INTO sync_digest_dirty VALUES ('{table}', NEW.id);
            END;
            CREATE TRIGGER IF NOT EXISTS {table}_digest_dirty_delete AFTER DELETE ON {table} BEGIN
                INSERT OR IGNORE INTO sync_digest_dirty VALUES ('{table}', OLD.id);
            END;
            """,
        )
    marks = "\n".join(
        f"    INSERT OR IGNORE INTO sync_digest_dirty SELECT '{t}', id FROM {t}"
        " WHERE case_id = NEW.id;"
        for t in case_tables
    )
    run_script(
        conn,
        "CREATE TRIGGER IF NOT EXISTS cases_demo_digest_dirty AFTER UPDATE OF demo ON cases"
        " WHEN OLD.demo IS NOT NEW.demo BEGIN\n" + marks + "\nEND;\n",
    )


def _schema_15(conn: Connection) -> None:
    """The merchant registry's own facts: whether the merchant is on the abnormal operations
    list (since when, why), its designations (JSON list of {kind, granted, until, revoked,
    reason}) and, for an entry merged into another, the id of the kept one. The outbox
    triggers name every column, so they are installed again. A column already there (a
    database rolled back to an older version number) is kept."""
    present = {row[1] for row in conn.execute("PRAGMA table_info(merchants)")}
    for column, kind in (
        ("abnormal_listed", "INTEGER NOT NULL DEFAULT 0"),
        ("abnormal_since", "TEXT NOT NULL DEFAULT ''"),
        ("abnormal_note", "TEXT NOT NULL DEFAULT ''"),
        ("designations", "TEXT NOT NULL DEFAULT '[]'"),
        ("merged_into", "TEXT"),
    ):
        if column not in present:
            conn.execute(f"ALTER TABLE merchants ADD COLUMN {column} {kind}")
    drop_change_capture(conn, "merchants")
    install_change_capture(conn, "merchants")
    # The kept scope checksum (migration 14) covers every column: the merchants' digests are
    # computed again at the next sync round.
    conn.execute("INSERT OR IGNORE INTO sync_digest_dirty SELECT 'merchants', id FROM merchants")


def _schema_20(conn: Connection) -> None:
    """Order No. 121 sets no time limit for telling a reporter the result (its art. 36): the
    deadlines of reports received under it are computed again, by the code of the day, when
    the derived tables are brought up to date after migrating (store/derived.py)."""
    conn.execute(f"INSERT OR IGNORE INTO dirty_cases (case_local_id) {_SCHEMA_20_CASES_SQL}")


# The cases whose deadlines migration 20 has computed again.
_SCHEMA_20_CASES_SQL = (
    "SELECT local_id FROM cases WHERE kind = 'report' AND received_at >= '2026-04-15'"
)


def _schema_19(conn: Connection) -> None:
    """The outbox looked up by row: every pulled change asks whether its row has local
    changes not sent yet (store.sync_apply), which read the whole outbox each time, and an
    offline station's outbox can hold tens of thousands of entries (a USB bundle imported
    then checked them all for each change)."""
    conn.execute("CREATE INDEX IF NOT EXISTS outbox_row ON outbox(table_name, row_id)")


def _schema_18(conn: Connection) -> None:
    """Reference data the city office publishes, as the station uses it. A pulled
    reference_data row (a table this schema does not sync: its fields are kept in
    sync_extra_fields) is copied by triggers into reference_documents, one JSON document per
    kind, whatever path brought it (pull, USB bundle). The abnormal list and the designations
    are also unpacked into rows (city_abnormal_list, city_designations) that the merchant
    registry reads beside its own. Local tables: never in the outbox."""
    run_script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS reference_documents (
            kind TEXT PRIMARY KEY,
            row_id TEXT NOT NULL,
            content TEXT NOT NULL,
            updated_at TEXT NOT NULL DEFAULT ''
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS city_abnormal_list (
            uscc TEXT NOT NULL,
            name TEXT NOT NULL,
            since TEXT NOT NULL,
            note TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS city_abnormal_list_uscc ON city_abnormal_list(uscc);
        CREATE INDEX IF NOT EXISTS city_abnormal_list_name ON city_abnormal_list(name);
        CREATE TABLE IF NOT EXISTS city_designations (
            uscc TEXT NOT NULL,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            granted TEXT NOT NULL,
            until TEXT NOT NULL,
            revoked TEXT NOT NULL,
            reason TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS city_designations_uscc ON city_designations(uscc);
        CREATE INDEX IF NOT EXISTS city_designations_name ON city_designations(name);
        """,
    )
    # DELETE then INSERT, not INSERT OR REPLACE: the statement that fires the trigger (an
    # upsert) would impose its own conflict rule on the trigger's.
    copy = """
            DELETE FROM reference_documents WHERE kind = json_extract(NEW.fields, '$.kind');
            INSERT INTO reference_documents(kind, row_id, content, updated_at)
            SELECT json_extract(NEW.fields, '$.kind'), NEW.row_id,
                   CASE WHEN json_type(NEW.fields, '$.content') IN ('object', 'array')
                        THEN json_extract(NEW.fields, '$.content')
                        ELSE coalesce(json_extract(NEW.fields, '$.content'), 'null') END,
                   coalesce(json_extract(NEW.fields, '$.updated_at'), '')
    """
    when = (
        "WHEN NEW.table_name = 'reference_data' AND json_valid(NEW.fields)"
        " AND json_type(NEW.fields, '$.kind') = 'text'"
    )
    entry = "json_each(NEW.content, '$.entries')"
    text = "trim(coalesce(json_extract(value, '$.{0}'), ''))"
    merchant_key = (
        f"upper(replace({text.format('uscc')}, ' ', '')), replace({text.format('name')}, ' ', '')"
    )
    run_script(
        conn,
        f"""
        CREATE TRIGGER IF NOT EXISTS reference_documents_pulled_insert
        AFTER INSERT ON sync_extra_fields {when} BEGIN
            {copy};
        END;
        CREATE TRIGGER IF NOT EXISTS reference_documents_pulled_update
        AFTER UPDATE ON sync_extra_fields {when} BEGIN
            {copy};
        END;
        CREATE TRIGGER IF NOT EXISTS reference_documents_abnormal_list
        AFTER INSERT ON reference_documents WHEN NEW.kind = 'abnormal_list' BEGIN
            DELETE FROM city_abnormal_list;
            INSERT INTO city_abnormal_list(uscc, name, since, note)
            SELECT {merchant_key}, {text.format("since")}, {text.format("note")}
              FROM {entry}
             WHERE json_valid(NEW.content) AND json_type(value) = 'object';
        END;
        CREATE TRIGGER IF NOT EXISTS reference_documents_designations
        AFTER INSERT ON reference_documents WHEN NEW.kind = 'designations' BEGIN
            DELETE FROM city_designations;
            INSERT INTO city_designations(uscc, name, kind, granted, until, revoked, reason)
            SELECT {merchant_key}, {text.format("kind")}, {text.format("granted")},
                   {text.format("until")}, {text.format("revoked")}, {text.format("reason")}
              FROM {entry}
             WHERE json_valid(NEW.content) AND json_type(value) = 'object';
        END;
        """,
    )
    # Reference data pulled before this version: copied now (the triggers fire on it).
    conn.execute("UPDATE sync_extra_fields SET fields = fields WHERE table_name = 'reference_data'")


def _schema_16(conn: Connection) -> None:
    """Ledger imports (station_app/ledger_import.py): each batch imported from an Excel ledger,
    the cases it made (with the row they came from and how they stood right after the import,
    so an undo can tell a case changed since) and the merchants it registered. Local tables:
    the cases themselves travel by sync like any other."""
    run_script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS ledger_imports (
            id TEXT PRIMARY KEY,
            file_name TEXT NOT NULL,
            sheet TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            imported_by TEXT NOT NULL,
            case_count INTEGER NOT NULL,
            undone_at TEXT,
            undone_by TEXT
        );
        CREATE TABLE IF NOT EXISTS ledger_import_cases (
            batch_id TEXT NOT NULL REFERENCES ledger_imports(id),
            case_id TEXT NOT NULL,
            row_number INTEGER NOT NULL,
            ledger_no TEXT NOT NULL DEFAULT '',
            case_updated_at TEXT NOT NULL,
            events INTEGER NOT NULL,
            PRIMARY KEY (batch_id, case_id)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS ledger_import_cases_case ON ledger_import_cases(case_id);
        CREATE TABLE IF NOT EXISTS ledger_import_merchants (
            batch_id TEXT NOT NULL REFERENCES ledger_imports(id),
            merchant_id TEXT NOT NULL,
            PRIMARY KEY (batch_id, merchant_id)
        ) WITHOUT ROWID;
        """,
    )


def _schema_17(conn: Connection) -> None:
    """Supervision work besides complaints: satisfaction surveys, secret-shopper visits (暗访)
    and product sampling (抽检), each with its day, merchant (registry), findings, result and
    follow-up. Owned by the station that did the work and synced to the township and the city
    (outbox triggers, audit log, the scope checksum's dirty marks); demo rows stay here."""
    run_script(
        conn,
        f"""
        CREATE TABLE IF NOT EXISTS supervision_records (
            local_id INTEGER PRIMARY KEY,
            done_on TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('survey', 'secret_visit', 'sampling')),
            merchant_id TEXT,
            subject TEXT NOT NULL DEFAULT '',
            findings TEXT NOT NULL DEFAULT '',
            result TEXT NOT NULL CHECK (result IN ('passed', 'failed', 'pending')),
            follow_up TEXT NOT NULL DEFAULT '',
            demo INTEGER NOT NULL DEFAULT 0,
            {SYNC_COLUMNS}
        );
        -- covers the statistics' count of a period (statistics.py, supervision_store)
        CREATE INDEX IF NOT EXISTS supervision_records_day
            ON supervision_records(done_on, kind, result, owner_station, deleted);
        CREATE INDEX IF NOT EXISTS supervision_records_merchant
            ON supervision_records(merchant_id) WHERE merchant_id IS NOT NULL;
        CREATE TRIGGER IF NOT EXISTS supervision_records_demo_mark
            BEFORE UPDATE OF demo ON supervision_records WHEN write_origin() != 'demo'
        BEGIN SELECT RAISE(ABORT, 'the demo mark of a row cannot change'); END;
        CREATE TRIGGER IF NOT EXISTS supervision_records_digest_dirty_insert
            AFTER INSERT ON supervision_records BEGIN
            INSERT OR IGNORE INTO sync_digest_dirty VALUES ('supervision_records', NEW.id);
        END;
        CREATE TRIGGER IF NOT EXISTS supervision_records_digest_dirty_update
            AFTER UPDATE ON supervision_records BEGIN
            INSERT OR IGNORE INTO sync_digest_dirty VALUES ('supervision_records', OLD.id);
            INSERT OR IGNORE INTO sync_digest_dirty VALUES ('supervision_records', NEW.id);
        END;
        CREATE TRIGGER IF NOT EXISTS supervision_records_digest_dirty_delete
            AFTER DELETE ON supervision_records BEGIN
            INSERT OR IGNORE INTO sync_digest_dirty VALUES ('supervision_records', OLD.id);
        END;
        """,
    )
    drop_change_capture(conn, "supervision_records")
    install_change_capture(conn, "supervision_records")
    for name in ("audit_supervision_records_insert", "audit_supervision_records_update"):
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    install_audit_log(conn, "supervision_records", "NULL")


# The tables whose rows belong to a case through case_id, as of migration 21 (frozen).
_SCHEMA_21_CASE_ROWS = (
    "parties",
    "evidence",
    "case_events",
    "mediation_sessions",
    "agreements",
    "follow_ups",
    "audit_log",
    "issued_documents",
)


def _schema_21(conn: Connection) -> None:
    """Conflict resolutions that travel, and reference documents the city deletes.

    conflict_resolutions (synced, append-only): the owner station's review of a same-field
    conflict (store.sync_review.resolve_conflict writes one in the same transaction as the
    value chosen): which value of which station lost on the server, the station whose value
    was kept and the value the owner chose. The city server closes its conflict records of
    that lost value; every station that receives the row (its own insert, a pull, a USB
    bundle, a repair) marks its open conflicts of that lost value resolved, by the trigger
    below. sync_conflicts.lost_here says which side of a conflict kept here lost on the
    server (1: this station's local_value, 0: the remote_value; filled for the conflicts
    already kept from who owns their record now), and resolution_id the resolution that
    closed it.

    A reference_data row the city deletes is forgotten with its document (and the abnormal
    list or designations unpacked from it), whatever path brought the delete."""
    run_script(
        conn,
        f"""
        CREATE TABLE IF NOT EXISTS conflict_resolutions (
            local_id INTEGER PRIMARY KEY,
            table_name TEXT NOT NULL,
            row_id TEXT NOT NULL,
            field TEXT NOT NULL,
            case_id TEXT,
            lost_station TEXT NOT NULL,
            lost_value TEXT,
            kept_station TEXT NOT NULL,
            chosen_value TEXT,
            resolved_by TEXT NOT NULL DEFAULT '',
            {SYNC_COLUMNS}
        );
        CREATE INDEX IF NOT EXISTS conflict_resolutions_row
            ON conflict_resolutions(table_name, row_id, field);
        CREATE INDEX IF NOT EXISTS conflict_resolutions_case
            ON conflict_resolutions(case_id) WHERE case_id IS NOT NULL;
        CREATE TRIGGER IF NOT EXISTS conflict_resolutions_digest_dirty_insert
            AFTER INSERT ON conflict_resolutions BEGIN
            INSERT OR IGNORE INTO sync_digest_dirty VALUES ('conflict_resolutions', NEW.id);
        END;
        CREATE TRIGGER IF NOT EXISTS conflict_resolutions_digest_dirty_update
            AFTER UPDATE ON conflict_resolutions BEGIN
            INSERT OR IGNORE INTO sync_digest_dirty VALUES ('conflict_resolutions', OLD.id);
            INSERT OR IGNORE INTO sync_digest_dirty VALUES ('conflict_resolutions', NEW.id);
        END;
        CREATE TRIGGER IF NOT EXISTS conflict_resolutions_digest_dirty_delete
            AFTER DELETE ON conflict_resolutions BEGIN
            INSERT OR IGNORE INTO sync_digest_dirty VALUES ('conflict_resolutions', OLD.id);
        END;
        ALTER TABLE sync_conflicts ADD COLUMN lost_here INTEGER;
        ALTER TABLE sync_conflicts ADD COLUMN resolution_id TEXT;
        CREATE INDEX IF NOT EXISTS sync_conflicts_open
            ON sync_conflicts(table_name, row_id, field) WHERE resolved = 0;
        """,
    )
    drop_change_capture(conn, "conflict_resolutions")
    install_change_capture(conn, "conflict_resolutions")
    # Resolutions pulled before this version were kept as rows of an unknown table: the
    # scope checksum's repair now brings them in as rows (and closes what they resolve).
    conn.execute("DELETE FROM sync_extra_fields WHERE table_name = 'conflict_resolutions'")
    local = "(SELECT value FROM settings WHERE key = 'local_station_code')"
    owners = {"cases": "(SELECT owner_station FROM cases WHERE id = s.row_id)"}
    for table in _SCHEMA_21_CASE_ROWS:
        owners[table] = (
            f"(SELECT c.owner_station FROM {table} t JOIN cases c ON c.id = t.case_id"
            " WHERE t.id = s.row_id)"
        )
    for table in _SCHEMA_14_SYNCABLE + _SCHEMA_17_SYNCABLE:
        owner = owners.get(table, f"(SELECT owner_station FROM {table} WHERE id = s.row_id)")
        conn.execute(
            f"UPDATE sync_conflicts AS s SET lost_here = CASE WHEN {owner} IS NULL THEN NULL"
            f" WHEN {owner} = {local} THEN 0 ELSE 1 END"
            " WHERE s.table_name = ? AND s.lost_here IS NULL",
            (table,),
        )

    def same(a: str, b: str) -> str:
        # Values are kept as JSON text: compared as JSON (a text that is not JSON as text).
        return (
            f"(CASE WHEN json_valid({a}) THEN json({a}) ELSE {a} END)"
            f" IS (CASE WHEN json_valid({b}) THEN json({b}) ELSE {b} END)"
        )

    run_script(
        conn,
        f"""
        CREATE TRIGGER IF NOT EXISTS conflict_resolutions_close
            AFTER INSERT ON conflict_resolutions BEGIN
            UPDATE sync_conflicts SET resolved = 1, resolution_id = NEW.id
             WHERE resolved = 0 AND table_name = NEW.table_name AND row_id = NEW.row_id
               AND field = NEW.field
               AND ((lost_here = 1 AND NEW.lost_station = {local}
                     AND {same("local_value", "NEW.lost_value")})
                 OR (lost_here = 0 AND remote_station = NEW.lost_station
                     AND {same("remote_value", "NEW.lost_value")}));
        END;
        CREATE TRIGGER IF NOT EXISTS reference_documents_pulled_delete
            AFTER DELETE ON sync_extra_fields WHEN OLD.table_name = 'reference_data' BEGIN
            DELETE FROM reference_documents WHERE row_id = OLD.row_id;
        END;
        CREATE TRIGGER IF NOT EXISTS reference_documents_abnormal_list_removed
            AFTER DELETE ON reference_documents WHEN OLD.kind = 'abnormal_list' BEGIN
            DELETE FROM city_abnormal_list;
        END;
        CREATE TRIGGER IF NOT EXISTS reference_documents_designations_removed
            AFTER DELETE ON reference_documents WHEN OLD.kind = 'designations' BEGIN
            DELETE FROM city_designations;
        END;
        """,
    )


def _schema_22(conn: Connection) -> None:
    """The queue of dirty cases and its triggers as migration 8 makes them today, whatever
    the database's history. The main line's first migration 8 (ef1b6d8, before it was made
    over) queued a snapshot of each case's old search terms (dirty_cases.was_indexed NOT
    NULL, case_no, merchant_name, facts, people) and no later migration changed that, so a
    station upgraded from that schema kept the old table and triggers: they still queued the
    case, but a write of the case alone (migration 20) was dropped by INSERT OR IGNORE, and
    the deadlines of reports under Order No. 121 were never computed again there. What is
    queued is kept; on such a database migration 20's cases are queued now.

    The judicial-confirmation window now ends at the joint application, the agreement's
    performance or the case's closing, whichever comes first (fed45f5): the cases whose stored
    window may end differently, and closed cases with a deadline still open, are queued for
    their deadlines to be computed again after migrating (store/derived.py)."""
    old_shape = "was_indexed" in {row[1] for row in conn.execute("PRAGMA table_info(dirty_cases)")}
    for (trigger,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        " AND name LIKE 'dirty\\_%' ESCAPE '\\'"
    ).fetchall():
        conn.execute(f"DROP TRIGGER {trigger}")
    run_script(
        conn,
        f"""
        CREATE TABLE dirty_cases_kept AS SELECT case_local_id FROM dirty_cases;
        DROP TABLE dirty_cases;
        {_DIRTY_CASES_TABLE_SQL};
        INSERT INTO dirty_cases (case_local_id) SELECT case_local_id FROM dirty_cases_kept;
        DROP TABLE dirty_cases_kept;
        """,
    )
    if old_shape:
        conn.execute(f"INSERT OR IGNORE INTO dirty_cases (case_local_id) {_SCHEMA_20_CASES_SQL}")
    conn.execute(f"INSERT OR IGNORE INTO dirty_cases (case_local_id) {_SCHEMA_22_CASES_SQL}")
    _dirty_queue(conn)


# The cases whose deadlines migration 22 has computed again: an open judicial-confirmation
# window or any open deadline of a closed case (read from the partial index of open
# deadlines), and a window met by a joint application made after the agreement was performed
# or the case closed, which now ends on that earlier day (read by agreement: CROSS JOIN keeps
# that order).
_SCHEMA_22_CASES_SQL = """
    SELECT d.case_local_id FROM case_deadlines d JOIN cases c ON c.local_id = d.case_local_id
     WHERE d.met_on IS NULL AND (d.kind = 'judicial_confirmation' OR c.status = 'closed')
    UNION
    SELECT d.case_local_id FROM agreements a
      CROSS JOIN cases c ON c.id = a.case_id
      CROSS JOIN case_deadlines d
        ON d.case_local_id = c.local_id AND d.kind = 'judicial_confirmation'
     WHERE d.met_on IS NOT NULL
       AND (substr(a.performed_on, 1, 10) < d.met_on
            OR EXISTS (SELECT 1 FROM case_events e
                        WHERE e.case_id = c.id AND e.action = 'close'
                          AND substr(e.occurred_at, 1, 10) >= d.start
                          AND substr(e.occurred_at, 1, 10) < d.met_on))"""


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "stations, users, merchants, cases, parties, evidence, outbox", _schema_1),
    Migration(2, "full-text search index of cases", _schema_2),
    Migration(3, "indexes of live cases; case number year and sequence", _schema_3),
    Migration(
        4,
        "case events, mediation, agreements, follow-ups, audit log, holidays, deadlines",
        _schema_4,
    ),
    Migration(5, "issued documents and their numbers", _schema_5),
    Migration(6, "indexes of complainants' addresses and ID numbers", _schema_6),
    Migration(7, "wrong passwords and account locks of this PC", _schema_7),
    Migration(
        8,
        "write origin, outbox transactions and versions, derived-state queue, hash chains,"
        " demo marks",
        _schema_8,
    ),
    Migration(9, "search index by field; each case's next deadline", _schema_9),
    Migration(10, "sync state, batches in flight, set-aside changes, unknown fields", _schema_10),
    Migration(11, "the facts typed for each issued document", _schema_11),
    Migration(12, "search index merged when idle, not in a save", _schema_12),
    Migration(13, "statistics: each case's figures and their totals by month", _schema_13),
    Migration(14, "the scope checksum kept as rows change", _schema_14),
    Migration(15, "merchant registry: abnormal list, designations, merged entries", _schema_15),
    Migration(16, "ledger imports: batches, their cases and merchants", _schema_16),
    Migration(17, "supervision work: surveys, secret-shopper visits, product sampling", _schema_17),
    Migration(
        18,
        "reference data from the city office: documents, abnormal list, designations",
        _schema_18,
    ),
    Migration(19, "the outbox looked up by row", _schema_19),
    Migration(20, "reports under Order No. 121: deadlines computed again", _schema_20),
    Migration(
        21,
        "conflict resolutions that travel; reference documents the city deletes",
        _schema_21,
    ),
    Migration(
        22,
        "the queue of cases to re-index as today's code makes it; judicial-confirmation"
        " windows computed again",
        _schema_22,
    ),
)
LATEST_VERSION = MIGRATIONS[-1].version


def schema_version(conn: Connection) -> int:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if not exists:
        return 0
    return conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]


def backup_database(conn: Connection, backup_dir: Path, version: int) -> Path:
    """A consistent copy of the database made with SQLite's online backup."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = backup_dir / f"station-v{version}-{stamp}.db"
    copy_database(conn, target)
    return target


def refuse_unknown_database(store: Store, backup_dir: Path) -> int:
    """The schema version, once sure the file is a station database this app understands.

    Runs before anything is written (even the switch to WAL), so a refused file is untouched.
    """
    conn = store.conn
    try:
        current = schema_version(conn)
        foreign = current == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except DatabaseError as error:
        raise StoreError(explain_sqlite_error(error, backup_dir)) from error
    if current > LATEST_VERSION:
        raise NewerSchemaError(
            _(
                "This database was written by a newer version of station-app (schema {found}; "
                "this version understands up to {known}). Nothing was changed. "
                "Install the newest version of the app to open it."
            ).format(found=current, known=LATEST_VERSION)
        )
    if foreign:
        raise StoreError(
            _(
                "{path} is an SQLite file but not a station database. Nothing was changed. "
                "Choose the station's data folder, or move this file away."
            ).format(path=store.path)
        )
    return current


def missing_versions(conn: Connection, target: int = LATEST_VERSION) -> list[int]:
    """The versions up to `target` whose migration the database has not had, in order: those
    above its schema version, and any below it. A migration made on a branch can reach the
    main line after a later version did (7, the accounts, came after 8), so a database of
    the newer version lacks it."""
    applied: set[int] = set()
    if schema_version(conn) > 0:
        applied = {version for (version,) in conn.execute("SELECT version FROM schema_version")}
    return [m.version for m in MIGRATIONS if m.version <= target and m.version not in applied]


def migrate_to_latest(
    store: Store,
    *,
    backup_dir: Path,
    target: int = LATEST_VERSION,
    before_migration: Callable[[Store], None] | None = None,
    progress: ProgressReporter | None = None,
) -> None:
    """Bring the schema up to `target`, after a backup (`before_migration`, default a copy of
    the database in `backup_dir`). A file that holds tables but no schema version is not a
    station database and is refused untouched: no fresh schema is ever written over it.
    `progress` hears of the backup and of each migration as it starts, and in between."""
    conn = store.conn
    current = refuse_unknown_database(store, backup_dir)
    missing = missing_versions(conn, target)
    if not missing:
        return
    progress = progress or ProgressReporter(None, 0)
    if current > 0:
        progress.begin(STEP_BACKUP, current)
        if before_migration is not None:
            before_migration(store)
        else:
            path = backup_database(conn, backup_dir, current)
            log.info("backed up schema %s database to %s before migrating", current, path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        for migration in MIGRATIONS:
            if migration.version in missing:
                if current > 0:  # (a new database is made in no time)
                    progress.begin(STEP_MIGRATION, migration.version)
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
        if isinstance(error, Error):
            raise StoreError(explain_sqlite_error(error, backup_dir)) from error
        raise
