"""The SQLite driver, in one place: SQLCipher (sqlcipher3), which opens plaintext and encrypted
database files alike. Every module catches the exception classes named here, never
`sqlite3`'s: SQLCipher's are not subclasses of them.

A key is given raw (`x'<64 hex digits>'`), so no key derivation (PBKDF2) runs at each
connection; the data folder's key is random, not a password (station_app/data_key.py).
"""

from __future__ import annotations

from pathlib import Path

import sqlcipher3.dbapi2 as _sqlite

Error = _sqlite.Error
DatabaseError = _sqlite.DatabaseError
OperationalError = _sqlite.OperationalError
IntegrityError = _sqlite.IntegrityError
ProgrammingError = _sqlite.ProgrammingError
InterfaceError = _sqlite.InterfaceError
complete_statement = _sqlite.complete_statement
sqlite_version = _sqlite.sqlite_version

# The first bytes of a plaintext SQLite file; an encrypted one starts with a random salt.
SQLITE_HEADER = b"SQLite format 3\x00"


class Connection(_sqlite.Connection):
    """A driver connection that remembers the key it was opened with (None: plaintext), so a
    copy of it (a backup) is keyed the same."""

    data_key: bytes | None = None


Cursor = _sqlite.Cursor


class KeyRejected(DatabaseError):
    """The key does not open the database file (a wrong key, or the file is not a database)."""


def key_pragma(key: bytes) -> str:
    """The PRAGMA (or ATTACH ... KEY) value of a raw key: no passphrase derivation."""
    return f"\"x'{key.hex()}'\""


def connect(database: str | Path, key: bytes | None = None, **kwargs) -> Connection:
    """A connection to `database`, keyed with `key` first thing when given. The key is checked
    with a cheap read at once, so a wrong key is KeyRejected here, not at a later query."""
    conn = _sqlite.connect(str(database), factory=Connection, **kwargs)
    try:
        # SQLCipher writes its own log lines to stderr on a wrong key; the app says it in words.
        conn.execute("PRAGMA cipher_log_level = NONE")
        if key is not None:
            conn.execute(f"PRAGMA key = {key_pragma(key)}")
            conn.data_key = key
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except DatabaseError as error:
                if "not a database" not in str(error):
                    raise
                raise KeyRejected(str(error)) from error
    except BaseException:
        conn.close()
        raise
    return conn


def is_plaintext_file(path: Path) -> bool:
    """Whether `path` starts like a plaintext SQLite database (False: missing, empty or
    encrypted)."""
    try:
        with Path(path).open("rb") as f:
            return f.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False
