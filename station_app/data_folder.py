"""The station's data folder: where it is, and making sure only one copy of the app uses it."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from filelock import FileLock, Timeout

from station_app.i18n import _
from station_app.store import DATABASE_FILENAME, Store, StoreError

ENV_VARIABLE = "STATION_APP_DATA"
LOCK_FILENAME = "station.lock"


class FolderInUse(StoreError):
    """Another copy of the app has this data folder open."""


def default_data_dir() -> Path:
    """STATION_APP_DATA if set, else the user's data folder for the app."""
    override = os.environ.get(ENV_VARIABLE)
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir("station-app", appauthor=False))


class DataFolder:
    """An opened data folder: holds the single-instance lock until closed."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(
                _("The data folder {path} cannot be created: {reason}").format(
                    path=self.path, reason=error.strerror or error
                )
            ) from error
        self._lock = FileLock(str(self.path / LOCK_FILENAME))
        try:
            self._lock.acquire(timeout=0)
        except Timeout as error:
            raise FolderInUse(
                _(
                    "station-app is already running with this data folder ({path}). "
                    "Switch to the open window instead of starting it again."
                ).format(path=self.path)
            ) from error
        except OSError as error:
            raise StoreError(
                _("The data folder {path} cannot be used: {reason}").format(
                    path=self.path, reason=error.strerror or error
                )
            ) from error

    @property
    def database_path(self) -> Path:
        return self.path / DATABASE_FILENAME

    @property
    def evidence_dir(self) -> Path:
        return self.path / "evidence"

    @property
    def backup_dir(self) -> Path:
        return self.path / "backups"

    def open_store(self) -> Store:
        """A new connection (one per thread), migrated to the current schema."""
        return Store(self.database_path, backup_dir=self.backup_dir)

    def close(self) -> None:
        self._lock.release()

    def __enter__(self) -> DataFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
