"""One connection to the station database: WAL, foreign keys, transactions with their actor and
origin, and errors a clerk can act on. Opening a database (checking the file, migrating it,
keeping the derived state) is store/opening.py's, on top of this."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from station_app.error_report import storage_lost_message
from station_app.i18n import _
from station_app.ids import new_id
from station_app.store import driver

log = logging.getLogger(__name__)

DATABASE_FILENAME = "station.db"
# The actor the audit log records for changes no user made (migrations, sync, set-up).
SYSTEM_ACTOR = "system"

# Where the writes of a transaction come from (Store.transaction(origin=...)). Triggers read it
# through the SQL function write_origin(): only local writes enter the outbox, the audit log
# records the origin, and demo writes are neither queued nor audited.
ORIGIN_LOCAL = "local"  # a user (or the system) of this PC
ORIGIN_DEMO = "demo"  # the demo loader
ORIGIN_MIGRATION = "migration"  # a schema migration or the rebuild of derived tables after it
_REMOTE_PREFIX = "remote:"


def remote_origin(station_code: str) -> str:
    """The origin of changes pulled from the server that station `station_code` made."""
    return _REMOTE_PREFIX + station_code


class StoreError(Exception):
    """A database problem explained for the clerk: what happened and what to do."""


class NewerSchemaError(StoreError):
    """The database was written by a newer version of the app."""


class DataKeyMissing(StoreError):
    """The data folder's database is encrypted and this PC has no key for it (or a wrong one):
    an administrator enters the recovery key (`station-app key restore`)."""


# SQLite reports a write that failed for want of space as "disk I/O error" when the journal or
# the shared-memory file cannot grow; with less free space than this the disk is called full.
DISK_NEARLY_FULL_BYTES = 8 * 1024 * 1024

# Pages of write-ahead log (about 16 MB) after which a commit copies the log into the database
# file itself (SQLite's default is 1,000, about every 25 saves). The app does it when idle
# (store.upkeep), so a save does not wait for it.
AUTO_CHECKPOINT_PAGES = 4000


def _disk_nearly_full(path: Path | None) -> bool:
    if path is None:
        return False
    try:
        return shutil.disk_usage(path.parent).free < DISK_NEARLY_FULL_BYTES
    except OSError:
        return False


def explain_sqlite_error(
    error: driver.Error, backup_dir: Path | None = None, path: Path | None = None
) -> str:
    """Turn an SQLite error into a message that tells the clerk what to do.

    `backup_dir` is the folder the damage message sends the clerk to (the data folder's
    backups); `path`, the database file, lets an I/O error on a full disk be named as one.
    """
    if isinstance(error, driver.KeyRejected):
        return _(
            "The data folder's key does not open its database (was the database file replaced "
            "by another station's?). Nothing was changed. Restore the newest backup of this "
            "station, or ask the city office for help."
        )
    text = str(error).lower()
    if "disk i/o error" in text and _disk_nearly_full(path):
        text = "database or disk is full"
    if "readonly" in text or "read-only" in text:
        return _(
            "The data folder cannot be written to (it is read-only). Nothing was saved. "
            "Ask the administrator to give this account write access to the data folder."
        )
    if "disk is full" in text or "database or disk is full" in text:
        return _(
            "The disk is full. Nothing was saved. Free some disk space "
            "(for example empty the recycle bin) and save again."
        )
    if "locked" in text or "busy" in text:
        return _(
            "The database is busy with another task. Nothing was saved. Wait a moment and try again."
        )
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return _(
            "The database file is damaged. Do not delete it: close the app and restore the newest "
            "backup from {folder} with `station-app restore FILE` (see `station-app check`), "
            "or ask the city office for help."
        ).format(folder=backup_dir or _("the data folder's backups folder"))
    if "disk i/o error" in text or "unable to open" in text:
        # A USB stick pulled out, a network drive gone, a failing disk: the file is out of reach.
        return storage_lost_message()
    return _("A database error occurred ({detail}). Nothing was saved.").format(detail=error)


class Store:
    """One connection to the station database. Use one Store per thread.

    Open one with `station_app.store.Store` (store/opening.py), which checks and migrates the
    file and keeps the derived state at every commit; this class knows neither, and is what
    the record stores take."""

    # Transactions that wrote something and committed, by any Store of this process: a
    # command that wrote is followed by the upkeep and the day's backup (cli_backup).
    commits_in_process = 0

    def __init__(
        self, path: Path | str, *, backup_dir: Path | None = None, key: bytes | None = None
    ):
        self.path = Path(path)
        self.backup_dir = backup_dir or self.path.parent / "backups"
        self._connect(key)
        # A store that fails to open must not keep the file open (and locked) behind it.
        try:
            self._check_file()
            self._set_up_connection()
            self._depth = 0
            self._actor = SYSTEM_ACTOR
            self._origin = ORIGIN_LOCAL
            self._txid: str | None = None
            self._derived_queue = False  # whether the schema has it (store.derived)
            # Writing transactions committed, and their number at the last checkpoint made by
            # upkeep (store.upkeep.checkpoint).
            self.commits = 0
            self.commits_at_checkpoint = 0
            self._figures = False  # whether the schema has the statistics tables (store.derived)
            self._opened()
        except BaseException:
            self.conn.close()
            raise

    @property
    def key(self) -> bytes | None:
        """The key the database is encrypted with (None: a plaintext database)."""
        return self.conn.data_key

    def _connect(self, key: bytes | None) -> None:
        """Open the connection, keyed with `key` (None: plaintext) before anything is read."""
        try:
            self.conn = driver.connect(
                self.path, key, isolation_level=None, check_same_thread=True, timeout=10
            )
        except driver.Error as error:
            raise StoreError(explain_sqlite_error(error, self.backup_dir, self.path)) from error

    def _set_up_connection(self) -> None:
        try:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            # Saved means on disk: in WAL mode FULL syncs the log at every commit, so a
            # save the clerk was told about survives a power cut (NORMAL may lose it).
            self.conn.execute("PRAGMA synchronous=FULL")
            # The log is copied into the database file in idle time (store.upkeep); a save
            # does it only when the log has grown this long because upkeep never ran.
            self.conn.execute(f"PRAGMA wal_autocheckpoint={AUTO_CHECKPOINT_PAGES}")
            self.conn.execute("PRAGMA busy_timeout=10000")
        except driver.Error as error:
            raise StoreError(explain_sqlite_error(error, self.backup_dir, self.path)) from error
        self._register_write_functions()

    def _check_file(self) -> None:
        """Before anything is written (even the switch to WAL): refuse a file that must not be
        opened, by raising StoreError. The opener's."""

    def _opened(self) -> None:
        """Once the connection is set up (migrations run here). The opener's."""

    def _update_derived(self) -> None:
        """Bring the derived state up to date with the rows written, just before COMMIT."""
        raise NotImplementedError(
            "open the station database with station_app.store.Store (store/opening.py)"
        )

    @property
    def db(self):
        """sqlite-utils' view of the connection, imported when first used: the import takes
        longer than showing the case list."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    @property
    def origin(self) -> str:
        """The origin of the writes made now (the current transaction's, or ORIGIN_LOCAL)."""
        return self._origin

    def _register_write_functions(self) -> None:
        """The SQL functions the triggers call to learn who writes, from where, in which
        transaction. They exist only on connections the app opens: a write made with another
        tool (the sqlite3 shell) fails on the first trigger instead of going unseen."""
        self.conn.create_function("write_origin", 0, lambda: self._origin)
        self.conn.create_function("write_actor", 0, lambda: self._actor)
        self.conn.create_function("write_txid", 0, lambda: self._txid)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(
        self, actor: str | None = None, *, origin: str | None = None
    ) -> Iterator[driver.Connection]:
        """All-or-nothing: a nested call joins the outer transaction.

        `actor` is the user name the audit log records for every change made inside, and
        `origin` where the changes come from (ORIGIN_LOCAL by default, remote_origin(station)
        for pulled changes, ORIGIN_DEMO for the demo loader); the triggers read both through
        write_actor() and write_origin(), which belong to this connection alone. A nested call
        with its own actor or origin names it for its part only. Before COMMIT the store brings
        the derived state (search index, deadlines) up to date with the rows written, and seals
        new audit and event rows into their hash chain (store.derived.drain).
        """
        if self._depth:
            previous = (self._actor, self._origin)
            if actor is not None:
                self._actor = actor
            if origin is not None:
                self._origin = origin
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
                self._actor, self._origin = previous
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except driver.Error as error:
            raise StoreError(explain_sqlite_error(error, self.backup_dir, self.path)) from error
        outer = (self._actor, self._origin)
        self._depth = 1
        self._actor = actor or SYSTEM_ACTOR
        self._origin = origin or outer[1]
        self._txid = new_id()
        changes = self.conn.total_changes
        try:
            yield self.conn
            if self.conn.total_changes != changes:
                self._drain()
        except BaseException as error:
            self._end_transaction(outer)
            self._rollback()
            if isinstance(error, driver.OperationalError):
                # Code given the connection itself (the search index) fails like Store.execute.
                raise StoreError(explain_sqlite_error(error, self.backup_dir, self.path)) from error
            raise
        self._end_transaction(outer)
        try:
            self.conn.execute("COMMIT")
        except driver.Error as error:
            self._rollback()
            raise StoreError(explain_sqlite_error(error, self.backup_dir, self.path)) from error
        if self.conn.total_changes != changes:
            self.commits += 1
            Store.commits_in_process += 1

    def _end_transaction(self, outer: tuple[str, str]) -> None:
        self._depth = 0
        self._txid = None
        self._actor, self._origin = outer

    def _drain(self) -> None:
        try:
            self._update_derived()
        except driver.Error as error:
            raise StoreError(explain_sqlite_error(error, self.backup_dir, self.path)) from error

    def _rollback(self) -> None:
        # After SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM or SQLITE_BUSY, SQLite may already have
        # rolled the transaction back; a second ROLLBACK would raise and hide the real error.
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def execute(self, sql: str, params: tuple | dict = ()) -> driver.Cursor:
        """Run one statement. A write outside a transaction commits on its own, and the
        derived state and the hash chains are brought up to date right after it."""
        changes = self.conn.total_changes
        try:
            cursor = self.conn.execute(sql, params)
        except driver.DatabaseError as error:
            # Constraint and programming errors are the caller's; a damaged file (a plain
            # DatabaseError: "malformed", "not a database") is explained like an operational one.
            if not isinstance(error, driver.OperationalError) and type(error) is not (
                driver.DatabaseError
            ):
                raise
            # The clerk gets the explanation; the log file (not the screen) gets the details.
            log.info("SQL failed: %s", sql, exc_info=True)
            raise StoreError(explain_sqlite_error(error, self.backup_dir, self.path)) from error
        if not self._depth and self.conn.total_changes != changes and not self.conn.in_transaction:
            with self.transaction():
                self._drain()
        return cursor

    def query(self, sql: str, params: tuple | dict = ()) -> list[dict]:
        cursor = self.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in self._fetch(cursor.fetchall)]

    def scalar(self, sql: str, params: tuple | dict = ()):
        row = self._fetch(self.execute(sql, params).fetchone)
        return None if row is None else row[0]

    def _fetch(self, fetch: Callable[[], Any]) -> Any:
        """Rows are read as they are fetched: damage found there is explained too."""
        try:
            return fetch()
        except driver.DatabaseError as error:
            if type(error) is not driver.DatabaseError:
                raise
            log.info("reading rows failed", exc_info=True)
            raise StoreError(explain_sqlite_error(error, self.backup_dir, self.path)) from error

    def integrity_check(self, *, thorough: bool = False) -> str:
        """'ok' or SQLite's description of the damage (its first lines).

        The quick check (start-up) checks every page and record; the thorough one
        (`station-app check`) also checks that every index matches its table.
        """
        pragma = "PRAGMA integrity_check(20)" if thorough else "PRAGMA quick_check(20)"
        try:
            lines = [row[0] for row in self.conn.execute(pragma).fetchall()]
        except driver.DatabaseError as error:  # damage so bad the check itself stops
            return str(error)
        return "\n".join(lines) if lines else "ok"

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        value = self.scalar("SELECT value FROM settings WHERE key = ?", (key,))
        return default if value is None else value

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction():
            self.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
