"""Opening the station database: the file is checked before anything is written to it, the
schema is migrated (after a backup), and at every commit the derived state (search index,
deadlines, hash chains) is brought up to date (store.derived)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from station_app.store import connection
from station_app.store.connection import (
    ORIGIN_LOCAL,
    ORIGIN_MIGRATION,
    StoreError,
    explain_sqlite_error,
)
from station_app.store.derived import drain, rebuild_after_migration, rebuild_weight
from station_app.store.migration_progress import ProgressCallback, ProgressReporter
from station_app.store.migrations import (
    LATEST_VERSION,
    migrate_to_latest,
    pending_migrations,
    refuse_unknown_database,
    schema_version,
)


class Store(connection.Store):
    """The station database, opened: `Store(path)` checks and migrates it; with
    `migrate=False` it is opened as it is (backups, checks, older schemas). Either way every
    commit keeps the derived state. `before_migration` backs the database up before a pending
    migration (default: a copy of the database in `backup_dir`). `progress` (default
    `Store.default_migration_progress`, which the command line sets) hears how a migration
    goes: the backup, each migration, the rebuild of the derived state."""

    default_migration_progress: ProgressCallback | None = None

    def __init__(
        self,
        path: Path | str,
        *,
        migrate: bool = True,
        backup_dir: Path | None = None,
        before_migration: Callable[[connection.Store], None] | None = None,
        progress: ProgressCallback | None = None,
    ):
        self._migrate_on_open = migrate
        self._before_migration = before_migration
        self._progress = progress or Store.default_migration_progress
        super().__init__(path, backup_dir=backup_dir)

    def _check_file(self) -> None:
        if self._migrate_on_open:
            refuse_unknown_database(self, self.backup_dir)

    def _opened(self) -> None:
        if not self._migrate_on_open:
            return
        try:
            before = schema_version(self.conn)
        except sqlite3.DatabaseError as error:
            raise StoreError(explain_sqlite_error(error, self.backup_dir, self.path)) from error
        self._origin = ORIGIN_MIGRATION
        upgrading = 0 < before < LATEST_VERSION
        reporter = ProgressReporter(None, 1)
        if upgrading:  # the backup, each migration, the derived state
            pending = pending_migrations(before)
            reporter = ProgressReporter(
                self._progress,
                1 + pending + 1,
                [1.0] * (1 + pending) + [rebuild_weight(before, pending)],
            )
        try:
            migrate_to_latest(
                self,
                backup_dir=self.backup_dir,
                before_migration=self._before_migration,
                progress=reporter,
            )
            if before < LATEST_VERSION:
                rebuild_after_migration(self, before, progress=reporter)
            if upgrading:
                reporter.finish()
        finally:
            reporter.close()
            self._origin = ORIGIN_LOCAL

    def _update_derived(self) -> None:
        drain(self)
