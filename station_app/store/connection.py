"""Open the station database: WAL, foreign keys, migrations, and errors a clerk can act on."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


def explain_sqlite_error(error: sqlite3.Error, backup_dir: Path | None = None) -> str:
    """Turn an SQLite error into a message that tells the clerk what to do.

    `backup_dir` is the folder the damage message sends the clerk to (the data folder's backups).
    """
    text = str(error).lower()
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
    if "unable to open" in text:
        return _(
            "The database file cannot be opened. Check that the data folder exists and is accessible."
        )
    return _("A database error occurred ({detail}). Nothing was saved.").format(detail=error)


class Store:
    """One connection to the station database. Use one Store per thread."""

    def __init__(
        self,
        path: Path | str,
        *,
        migrate: bool = True,
        backup_dir: Path | None = None,
        before_migration: Callable[[Store], None] | None = None,
    ):
        """`before_migration` backs the database up before a pending migration (default: a copy
        of the database in `backup_dir`)."""
        self.path = Path(path)
        self.backup_dir = backup_dir or self.path.parent / "backups"
        try:
            self.conn = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=True, timeout=10
            )
        except sqlite3.Error as error:
            raise StoreError(explain_sqlite_error(error, self.backup_dir)) from error
        # A store that fails to open must not keep the file open (and locked) behind it.
        try:
            if migrate:
                from station_app.store.migrations import refuse_unknown_database

                refuse_unknown_database(self, self.backup_dir)
            try:
                self.conn.execute("PRAGMA journal_mode=WAL")
                self.conn.execute("PRAGMA foreign_keys=ON")
                # Saved means on disk: in WAL mode FULL syncs the log at every commit, so a
                # save the clerk was told about survives a power cut (NORMAL may lose it).
                self.conn.execute("PRAGMA synchronous=FULL")
                self.conn.execute("PRAGMA busy_timeout=10000")
            except sqlite3.Error as error:
                raise StoreError(explain_sqlite_error(error, self.backup_dir)) from error
            self.db = sqlite_utils.Database(self.conn)
            self._depth = 0
            self._has_actor_table = False
            self._actor = SYSTEM_ACTOR
            if migrate:
                from station_app.store.migrations import migrate_to_latest

                migrate_to_latest(
                    self, backup_dir=self.backup_dir, before_migration=before_migration
                )
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
            raise StoreError(explain_sqlite_error(error, self.backup_dir)) from error
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
            raise StoreError(explain_sqlite_error(error, self.backup_dir)) from error

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
        except sqlite3.DatabaseError as error:
            # Constraint and programming errors are the caller's; a damaged file (a plain
            # DatabaseError: "malformed", "not a database") is explained like an operational one.
            if not isinstance(error, sqlite3.OperationalError) and type(error) is not (
                sqlite3.DatabaseError
            ):
                raise
            log.exception("SQL failed: %s", sql)
            raise StoreError(explain_sqlite_error(error, self.backup_dir)) from error

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
        except sqlite3.DatabaseError as error:
            if type(error) is not sqlite3.DatabaseError:
                raise
            log.exception("reading rows failed")
            raise StoreError(explain_sqlite_error(error, self.backup_dir)) from error

    def integrity_check(self, *, thorough: bool = False) -> str:
        """'ok' or SQLite's description of the damage (its first lines).

        The quick check (start-up) checks every page and record; the thorough one
        (`station-app check`) also checks that every index matches its table.
        """
        pragma = "PRAGMA integrity_check(20)" if thorough else "PRAGMA quick_check(20)"
        try:
            lines = [row[0] for row in self.conn.execute(pragma).fetchall()]
        except sqlite3.DatabaseError as error:  # damage so bad the check itself stops
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
