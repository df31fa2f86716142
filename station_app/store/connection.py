"""Open the station database: WAL, foreign keys, migrations, and errors a clerk can act on."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from station_app.i18n import _

log = logging.getLogger(__name__)

DATABASE_FILENAME = "station.db"
# The actor the audit log records for changes no user made (migrations, sync, set-up).
SYSTEM_ACTOR = "system"


class StoreError(Exception):
    """A database problem explained for the clerk: what happened and what to do."""


class NewerSchemaError(StoreError):
    """The database was written by a newer version of the app."""


# SQLite reports a write that failed for want of space as "disk I/O error" when the journal or
# the shared-memory file cannot grow; with less free space than this the disk is called full.
DISK_NEARLY_FULL_BYTES = 8 * 1024 * 1024


def _disk_nearly_full(path: Path | None) -> bool:
    if path is None:
        return False
    try:
        return shutil.disk_usage(path.parent).free < DISK_NEARLY_FULL_BYTES
    except OSError:
        return False


def explain_sqlite_error(error: sqlite3.Error, path: Path | None = None) -> str:
    """Turn an SQLite error into a message that tells the clerk what to do; `path`, the
    database file, lets an I/O error on a full disk be named as a full disk."""
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
            "The database file is damaged. Do not delete it: close the app and ask the city office "
            "to restore it from the newest backup in the 'backups' folder."
        )
    if "unable to open" in text:
        return _(
            "The database file cannot be opened. Check that the data folder exists and is accessible."
        )
    return _("A database error occurred ({detail}). Nothing was saved.").format(detail=error)


class Store:
    """One connection to the station database. Use one Store per thread."""

    def __init__(self, path: Path | str, *, migrate: bool = True, backup_dir: Path | None = None):
        self.path = Path(path)
        try:
            self.conn = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=True, timeout=10
            )
        except sqlite3.Error as error:
            raise StoreError(explain_sqlite_error(error, self.path)) from error
        # A store that fails to open must not keep the file open (and locked) behind it.
        try:
            try:
                self.conn.execute("PRAGMA journal_mode=WAL")
                self.conn.execute("PRAGMA foreign_keys=ON")
                self.conn.execute("PRAGMA synchronous=NORMAL")
                self.conn.execute("PRAGMA busy_timeout=10000")
            except sqlite3.Error as error:
                raise StoreError(explain_sqlite_error(error, self.path)) from error
            self.db = sqlite_utils.Database(self.conn)
            self._depth = 0
            self._has_actor_table = False
            self._actor = SYSTEM_ACTOR
            if migrate:
                from station_app.store.migrations import migrate_to_latest

                migrate_to_latest(self, backup_dir=backup_dir or self.path.parent / "backups")
                self._resume_change_capture()
        except BaseException:
            self.conn.close()
            raise

    def _resume_change_capture(self) -> None:
        """Change capture is only ever off during a demo load; if that process was killed,
        switch it back on so that no real change escapes the outbox."""
        if self.scalar("SELECT capture FROM change_capture") != 1:
            log.warning("change capture was left off (an interrupted demo load); switching it on")
            self.execute("UPDATE change_capture SET capture = 1")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self, actor: str | None = None) -> Iterator[sqlite3.Connection]:
        """All-or-nothing: a nested call joins the outer transaction.

        `actor` is the user name the audit log records for every change made inside: it is
        written to session_actor at the start, where the audit triggers read it; without one
        the changes are the system's. A nested call with its own actor names it for its part
        only. Writes to audited tables must run inside a transaction: outside one they would be
        put on the name of the last transaction's actor.
        """
        if self._depth:
            previous = self._actor
            if actor is not None and actor != previous:
                self._set_actor(actor)
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
                if self._actor != previous and self.conn.in_transaction:
                    self._set_actor(previous)
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise StoreError(explain_sqlite_error(error, self.path)) from error
        self._depth = 1
        try:
            self._set_actor(actor or SYSTEM_ACTOR)
            yield self.conn
        except BaseException:
            self._depth = 0
            self._rollback()
            raise
        self._depth = 0
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as error:
            self._rollback()
            raise StoreError(explain_sqlite_error(error, self.path)) from error

    def _set_actor(self, actor: str) -> None:
        self._actor = actor
        if not self._has_actor_table:
            # The table comes with schema 4; a store opened on an older schema has none yet.
            self._has_actor_table = bool(
                self.conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'session_actor'"
                ).fetchone()
            )
            if not self._has_actor_table:
                return
        # Another connection may have named someone else since: compare with the table, which
        # this transaction (holding the write lock) reads as it is; write only on a change.
        self.execute(
            "UPDATE session_actor SET username = ? WHERE username IS NOT ?", (actor, actor)
        )

    def _rollback(self) -> None:
        # After SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM or SQLITE_BUSY, SQLite may already have
        # rolled the transaction back; a second ROLLBACK would raise and hide the real error.
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.OperationalError as error:
            # The clerk gets the explanation; the log file (not the screen) gets the details.
            log.info("SQL failed: %s", sql, exc_info=True)
            raise StoreError(explain_sqlite_error(error, self.path)) from error

    def query(self, sql: str, params: tuple | dict = ()) -> list[dict]:
        cursor = self.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def scalar(self, sql: str, params: tuple | dict = ()):
        row = self.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def integrity_check(self) -> str:
        """'ok' or SQLite's description of the damage."""
        return self.scalar("PRAGMA quick_check")

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
