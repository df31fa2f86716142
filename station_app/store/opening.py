"""Opening the station database: the file is checked before anything is written to it, the
schema is migrated (after a backup), and at every commit the derived state (search index,
deadlines, hash chains) is brought up to date (store.derived)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from station_app.store import connection, driver, encryption
from station_app.store.connection import (
    ORIGIN_LOCAL,
    ORIGIN_MIGRATION,
    DataKeyMissing,
    StoreError,
    explain_sqlite_error,
)
from station_app.store.derived import drain, rebuild_after_migration, rebuild_weight
from station_app.store.migration_progress import ProgressCallback, ProgressReporter
from station_app.store.migrations import (
    LATEST_VERSION,
    migrate_to_latest,
    missing_versions,
    refuse_unknown_database,
    schema_version,
)

log = logging.getLogger(__name__)

# `Store(path, key=FOLDER_KEY)`: the key of the data folder the database is in (none when the
# folder has no data-key.json: a plaintext database, as a demo or a development folder).
FOLDER_KEY = object()


def folder_key(folder: Path) -> bytes | None:
    """The key of the data folder `folder` from this PC's keyring, or None when the folder's
    database is not to be encrypted. DataKeyMissing when the keyring has no key (or a wrong
    one) for it."""
    from station_app import data_key  # the OS keyring is loaded only for a keyed folder

    try:
        if data_key.read_folder_info(folder) is None:
            return None
        return data_key.load_folder_key(folder)
    except data_key.DataKeyProblem as problem:
        raise DataKeyMissing(str(problem)) from problem


class Store(connection.Store):
    """The station database, opened: `Store(path)` checks and migrates it; with
    `migrate=False` it is opened as it is (backups, checks, older schemas). Either way every
    commit keeps the derived state. `before_migration` backs the database up before a pending
    migration (default: a copy of the database in `backup_dir`). `progress` (default
    `Store.default_migration_progress`, which the command line sets) hears how a migration
    goes: the backup, each migration, the rebuild of the derived state.

    `key` (default: the data folder's, see `folder_key`) encrypts the database at rest. A
    plaintext database opened with a key is migrated, then encrypted in place (with the
    backups made before, store.encryption); with `migrate=False` it is opened as it is."""

    default_migration_progress: ProgressCallback | None = None

    def __init__(
        self,
        path: Path | str,
        *,
        migrate: bool = True,
        backup_dir: Path | None = None,
        before_migration: Callable[[connection.Store], None] | None = None,
        progress: ProgressCallback | None = None,
        key: bytes | None | object = FOLDER_KEY,
    ):
        path = Path(path)
        if key is FOLDER_KEY:
            key = folder_key(path.parent)
        self._migrate_on_open = migrate
        self._before_migration = before_migration
        self._progress = progress or Store.default_migration_progress
        self._encrypt_with: bytes | None = None
        if key is not None:
            try:
                encryption.finish_interrupted_encryption(path)
            except OSError as error:
                raise StoreError(str(error)) from error
            if driver.is_plaintext_file(path):
                # Opened as it is; encrypted once migrated (_opened).
                self._encrypt_with, key = key if migrate else None, None
        super().__init__(path, backup_dir=backup_dir, key=key)

    def _check_file(self) -> None:
        if self._migrate_on_open:
            refuse_unknown_database(self, self.backup_dir)

    def _opened(self) -> None:
        if not self._migrate_on_open:
            return
        try:
            before = schema_version(self.conn)
            missing = missing_versions(self.conn)
        except driver.DatabaseError as error:
            raise StoreError(explain_sqlite_error(error, self.backup_dir, self.path)) from error
        self._origin = ORIGIN_MIGRATION
        upgrading = before > 0 and bool(missing)
        # The derived state is rebuilt for every migration applied now, the first of them
        # perhaps below the schema version (a migration merged after a later one).
        since = missing[0] - 1 if missing else LATEST_VERSION
        reporter = ProgressReporter(None, 1)
        if upgrading:  # the backup, each migration, the derived state
            pending = len(missing)
            reporter = ProgressReporter(
                self._progress,
                1 + pending + 1,
                [1.0] * (1 + pending) + [rebuild_weight(since, pending)],
            )
        try:
            migrate_to_latest(
                self,
                backup_dir=self.backup_dir,
                before_migration=self._before_migration,
                progress=reporter,
            )
            if missing:
                rebuild_after_migration(self, since, progress=reporter)
            if upgrading:
                reporter.finish()
        finally:
            reporter.close()
            self._origin = ORIGIN_LOCAL
        if self._encrypt_with is not None:
            self._encrypt(self._encrypt_with)

    def _encrypt(self, key: bytes) -> None:
        """The post-migration step that encrypts a plaintext database (and the plaintext
        backups beside it) in place, then reopens it with its key. Not a migration: a
        migration must not call live code, and this one replaces the file."""
        self.conn.close()
        try:
            encryption.encrypt_file(self.path, key)
        except (encryption.EncryptionFailed, OSError):
            # The plaintext database is unchanged and works on; the next opening tries again.
            log.warning("encrypting %s failed", self.path, exc_info=True)
        encrypted = not driver.is_plaintext_file(self.path)
        self._connect(key if encrypted else None)
        self._set_up_connection()
        if encrypted:
            encryption.encrypt_plaintext_files(self.backup_dir, key)

    def _update_derived(self) -> None:
        drain(self)
