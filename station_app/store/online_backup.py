"""Consistent copies of a live station database, and what a copy holds (for restore)."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from station_app.atomic_files import TEMPORARY_PREFIX, fsync_directory
from station_app.store.accounts import LOCAL_STATION_KEY

SQLITE_HEADER = b"SQLite format 3\x00"


def copy_database(conn: sqlite3.Connection, target: Path) -> None:
    """A consistent copy of the database `conn` is open on, written durably to `target`.

    SQLite's online backup in one step: it reads one snapshot, so in WAL mode the app's saves
    go on meanwhile and the copy never restarts. The copy uses a rollback journal, so that it
    is one self-contained file (no -wal beside it) wherever it is carried.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f"{TEMPORARY_PREFIX}{target.name}"
    temporary.unlink(missing_ok=True)
    try:
        copy = sqlite3.connect(str(temporary), isolation_level=None)
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


def copy_database_file(source: Path, target: Path) -> None:
    """`copy_database` from a database file (a backup being restored)."""
    conn = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        copy_database(conn, target)
    finally:
        conn.close()


def file_problem(path: Path) -> str | None:
    """Why `path` cannot be a database: "missing", "empty", "not_sqlite", or None."""
    try:
        with path.open("rb") as f:
            header = f.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "unreadable"
    if not header:
        return "empty"
    if header != SQLITE_HEADER:
        return "not_sqlite"
    return None


@dataclass(frozen=True)
class DatabaseFileReport:
    """What a database file (a backup) holds, checked read-only."""

    verdict: str  # 'ok' or SQLite's description of the damage
    schema_version: int
    station_code: str | None
    cases: int


def inspect_database_file(path: Path, *, thorough: bool = True) -> DatabaseFileReport:
    """Check a database file without changing it. Raises sqlite3.DatabaseError when SQLite
    cannot read it at all."""
    problem = file_problem(path)
    if problem is not None:
        return DatabaseFileReport(problem, 0, None, 0)
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
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
