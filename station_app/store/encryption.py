"""Encrypting a plaintext database file in place with SQLCipher (sqlcipher_export): a station
set up before the database was encrypted at rest, its backups, an old backup restored.

The encrypted copy is written beside the file and checked (integrity, the rows of every table)
before it takes the file's name; the plaintext file is kept aside only until then, and removed.
A plaintext file is never left behind once its encrypted copy is in place.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from station_app.atomic_files import fsync_directory
from station_app.store import driver

log = logging.getLogger(__name__)

ENCRYPTING_SUFFIX = ".encrypting"  # the encrypted copy being written
PLAINTEXT_SUFFIX = ".plaintext"  # the plaintext file, set aside while the copy takes its place


class EncryptionFailed(Exception):
    """The encrypted copy did not check out; the plaintext file is unchanged."""


def _row_counts(conn: driver.Connection, schema: str = "main") -> dict[str, int]:
    names = [
        row[0]
        for row in conn.execute(
            f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' "
            "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name"
        )
    ]
    return {
        name: conn.execute(f'SELECT count(*) FROM {schema}."{name}"').fetchone()[0]
        for name in names
    }


def _export(source: Path, target: Path, key: bytes) -> dict[str, int]:
    """Write the encrypted copy of `source` to `target`; returns the source's row counts."""
    target.unlink(missing_ok=True)
    plain = driver.connect(source, None, isolation_level=None)
    try:
        counts = _row_counts(plain)
        user_version = plain.execute("PRAGMA user_version").fetchone()[0]
        plain.execute(
            f"ATTACH DATABASE ? AS encrypted KEY {driver.key_pragma(key)}", (str(target),)
        )
        try:
            # Not synced at each of the export's many statements: the file is synced once,
            # whole, before it replaces the plaintext one (_sync).
            plain.execute("PRAGMA encrypted.synchronous = OFF")
            plain.execute("PRAGMA encrypted.journal_mode = OFF")
            plain.execute("SELECT sqlcipher_export('encrypted')")
            plain.execute(f"PRAGMA encrypted.user_version = {int(user_version)}")
        finally:
            plain.execute("DETACH DATABASE encrypted")
    finally:
        plain.close()
    return counts


def _sync(path: Path) -> None:
    # Read-write: Windows flushes a file only through a handle that may write.
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check(target: Path, key: bytes, counts: dict[str, int]) -> None:
    conn = driver.connect(target, key, isolation_level=None)
    try:
        verdict = [row[0] for row in conn.execute("PRAGMA integrity_check(5)")]
        if verdict != ["ok"]:
            raise EncryptionFailed("; ".join(verdict))
        found = _row_counts(conn)
        if found != counts:
            differ = sorted(n for n in set(found) | set(counts) if found.get(n) != counts.get(n))
            raise EncryptionFailed(f"row counts differ in {', '.join(differ)}")
    finally:
        conn.close()


def encrypt_file(path: Path, key: bytes) -> bool:
    """Encrypt the plaintext database `path` with `key`, in place. False (nothing changed)
    when another connection still has it open (its -wal is there): the next opening does it.
    EncryptionFailed (nothing changed) when the encrypted copy does not check out."""
    path = Path(path)
    target = path.with_name(path.name + ENCRYPTING_SUFFIX)
    try:
        counts = _export(path, target, key)
        _check(target, key, counts)
        _sync(target)
        wal = path.with_name(path.name + "-wal")
        if wal.exists():
            log.info("%s is still open elsewhere; it is encrypted at the next start", path)
            return False
        aside = path.with_name(path.name + PLAINTEXT_SUFFIX)
        os.replace(path, aside)
        path.with_name(path.name + "-shm").unlink(missing_ok=True)
        os.replace(target, path)
        fsync_directory(path.parent)
        aside.unlink()
        fsync_directory(path.parent)
    except driver.Error as error:
        raise EncryptionFailed(str(error)) from error
    finally:
        target.unlink(missing_ok=True)
    log.info("%s encrypted at rest", path)
    return True


def finish_interrupted_encryption(path: Path) -> None:
    """After a crash in the middle of `encrypt_file`: the plaintext file set aside goes back
    if the encrypted one never took its place, and is removed if it did."""
    path = Path(path)
    aside = path.with_name(path.name + PLAINTEXT_SUFFIX)
    if not aside.exists():
        return
    if path.exists() and not driver.is_plaintext_file(path):
        aside.unlink()
    elif not path.exists():
        os.replace(aside, path)
    fsync_directory(path.parent)


def encrypt_plaintext_files(folder: Path, key: bytes) -> list[Path]:
    """Encrypt every plaintext database file (*.db) in `folder` (the backups made before the
    station was encrypted); returns the files encrypted. One that fails is left as it is."""
    done = []
    for file in sorted(Path(folder).glob("*.db")) if Path(folder).is_dir() else []:
        if not driver.is_plaintext_file(file):
            continue
        try:
            if encrypt_file(file, key):
                done.append(file)
        except (EncryptionFailed, OSError):
            log.warning("could not encrypt the backup %s", file, exc_info=True)
    return done
