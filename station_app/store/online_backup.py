"""Consistent copies of a live station database, and what a copy holds (for restore)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from station_app.atomic_files import TEMPORARY_PREFIX, fsync_directory
from station_app.store import driver
from station_app.store.accounts import LOCAL_STATION_KEY

SQLITE_HEADER = driver.SQLITE_HEADER


def copy_database(conn: driver.Connection, target: Path) -> None:
    """A consistent copy of the database `conn` is open on, written durably to `target`.

    SQLite's online backup in one step: it reads one snapshot, so in WAL mode the app's saves
    go on meanwhile and the copy never restarts. The copy uses a rollback journal, so that it
    is one self-contained file (no -wal beside it) wherever it is carried. The copy of an
    encrypted database is encrypted with the same key.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f"{TEMPORARY_PREFIX}{target.name}"
    temporary.unlink(missing_ok=True)
    try:
        copy = driver.connect(temporary, conn.data_key, isolation_level=None)
        try:
            conn.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
        # Read-write: Windows flushes a file (FlushFileBuffers) only through a handle that
        # may write; a read-only one fails with "Permission denied" (scripts/windows-check.sh).
        fd = os.open(temporary, os.O_RDWR | getattr(os, "O_BINARY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, target)
        fsync_directory(target.parent)
    finally:
        temporary.unlink(missing_ok=True)


def _open_read_only(path: Path, key: bytes | None) -> driver.Connection:
    """`path` read-only, with `key` unless the file is a plaintext one (made before the
    station's database was encrypted)."""
    key = None if driver.is_plaintext_file(path) else key
    return driver.connect(f"{path.resolve().as_uri()}?mode=ro", key, uri=True)


def copy_database_file(source: Path, target: Path, key: bytes | None = None) -> None:
    """`copy_database` from a database file (a backup being restored), encrypted or not; the
    copy is as the source is (a plaintext one is encrypted when the station next opens)."""
    conn = _open_read_only(source, key)
    try:
        copy_database(conn, target)
    finally:
        conn.close()


def file_problem(path: Path, *, encrypted: bool = False) -> str | None:
    """Why `path` cannot be a database: "missing", "empty", "not_sqlite", or None. With
    `encrypted` (the data folder has a key) a file that does not start like SQLite's may be
    an encrypted database: only the key tells (driver.KeyRejected)."""
    try:
        with path.open("rb") as f:
            header = f.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "unreadable"
    if not header:
        return "empty"
    if header != SQLITE_HEADER and not (encrypted and len(header) == len(SQLITE_HEADER)):
        return "not_sqlite"
    return None


def opens_with_key(path: Path, key: bytes) -> bool:
    """Whether the encrypted database file `path` opens with `key` (False: the file is not
    this key's database, which for the data folder's verified key means it is damaged)."""
    try:
        _open_read_only(path, key).close()
    except driver.KeyRejected:
        return False
    except driver.Error:
        return True  # (locked, unreadable, ...): the store explains it when it opens the file
    return True


@dataclass(frozen=True)
class DatabaseFileReport:
    """What a database file (a backup) holds, checked read-only."""

    verdict: str  # 'ok' or SQLite's description of the damage
    schema_version: int
    station_code: str | None
    cases: int


def inspect_database_file(
    path: Path, *, thorough: bool = True, key: bytes | None = None
) -> DatabaseFileReport:
    """Check a database file (encrypted with `key`, or plaintext) without changing it. Raises
    driver.DatabaseError when SQLite cannot read it at all (KeyRejected: not with `key`)."""
    problem = file_problem(path, encrypted=key is not None)
    if problem is not None:
        return DatabaseFileReport(problem, 0, None, 0)
    conn = _open_read_only(path, key)
    try:
        pragma = "PRAGMA integrity_check(20)" if thorough else "PRAGMA quick_check(20)"
        lines = [row[0] for row in conn.execute(pragma).fetchall()]
        verdict = "\n".join(lines) if lines else "ok"
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        version = (
            conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
            if "schema_version" in tables
            else 0
        )
        station = None
        if "settings" in tables:
            row = conn.execute(
                "SELECT value FROM settings WHERE key = ?", (LOCAL_STATION_KEY,)
            ).fetchone()
            station = row[0] if row else None
        cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0] if "cases" in tables else 0
    finally:
        conn.close()
    return DatabaseFileReport(verdict, version, station, cases)
