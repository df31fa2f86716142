"""The station's data folder: where it is, and making sure only one copy of the app uses it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import platformdirs
from filelock import FileLock, Timeout

from station_app.atomic_files import write_bytes_atomically
from station_app.backup import (
    BACKUP_FOLDER,
    FILE_FOLDERS,
    back_up,
    damaged_database_message,
    list_backups,
    stored_file_roots,
)
from station_app.data_key import (
    KEY_FILE,
    DataKeyProblem,
    create_folder_key,
    load_folder_key,
    read_folder_info,
    recovery_text,
)
from station_app.error_report import os_error_reason
from station_app.file_crypt import encrypt_stored_files, plaintext_stored_files
from station_app.i18n import _
from station_app.store import DATABASE_FILENAME, Store, StoreError, folder_key
from station_app.store.accounts import LOCAL_STATION_KEY
from station_app.store.driver import is_plaintext_file
from station_app.store.migration_progress import STEP_FILES, ProgressCallback, ProgressReporter
from station_app.store.online_backup import file_problem, opens_with_key

ENV_VARIABLE = "STATION_APP_DATA"
LOCK_FILENAME = "station.lock"
# Written once the station is set up: from then on a missing, empty or foreign station.db is
# damage to report, never a new station to create.
MARKER_FILENAME = "station.json"
# Set in the database once every stored file (evidence, documents, their backup copies) of an
# encrypted folder is encrypted too (file_crypt); a database restored from before lacks it.
FILES_ENCRYPTED_SETTING = "stored_files_encrypted"


class FolderInUse(StoreError):
    """Another copy of the app has this data folder open."""


class FolderUnreachable(StoreError):
    """The chosen data folder's disk or parent folder is not there (a USB stick not plugged in)."""


class DamagedDatabase(StoreError):
    """station.db of a set-up station is missing, empty or not a database: nothing may run."""


def read_marker(data_dir: Path) -> dict | None:
    """The marker of a set-up station ({"station_code": ...}), or None."""
    try:
        marker = json.loads((data_dir / MARKER_FILENAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def station_lives_here(data_dir: Path) -> bool:
    """The folder has held a set-up station (its marker, a backup, a document or evidence)."""
    if (data_dir / MARKER_FILENAME).exists() or list_backups(data_dir / BACKUP_FOLDER):
        return True
    return any(any((data_dir / name).glob("*/*")) for name in FILE_FOLDERS)


def check_database_file(data_dir: Path) -> None:
    """Stop every command on a damaged station.db, before SQLite may write a schema over it.

    Missing or empty is a new station only in a folder that never held one (an interrupted
    first set-up leaves an empty file, with nothing in it to lose).
    """
    check_folder_reachable(data_dir)
    database = data_dir / DATABASE_FILENAME
    encrypted = (data_dir / KEY_FILE).exists()
    problem = file_problem(database, encrypted=encrypted)
    if problem is None and encrypted and not is_plaintext_file(database):
        # Random bytes and an encrypted database look alike: the folder's key tells them
        # apart (its check value was verified, so a file it does not open is damaged).
        # DataKeyMissing when this PC has no key for the folder.
        if not opens_with_key(database, folder_key(data_dir)):
            problem = "not_sqlite"
    if problem is None:
        return
    if problem in ("missing", "empty") and not station_lives_here(data_dir):
        return
    raise DamagedDatabase(damaged_database_message(data_dir, problem))


def _users_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("station-app", appauthor=False))


def default_data_dir() -> Path:
    """STATION_APP_DATA if set, else the user's data folder for the app."""
    override = os.environ.get(ENV_VARIABLE)
    if override:
        return Path(override)
    return _users_data_dir()


def _missing_part(path: Path) -> Path | None:
    """The outermost folder of `path` that does not exist, when more than `path` itself is
    missing (its parent too), else None."""
    missing = None
    for folder in [path, *path.parents]:
        if folder.exists():
            break
        missing = folder
    return missing if missing is not None and missing != path else None


def check_folder_reachable(path: Path) -> None:
    """Refuse a chosen data folder whose parent is missing: it is on a USB stick, an external
    or network disk that is not there now. Making the whole path would set up an empty new
    station beside the real one. Only the user's own data folder is made with its parents."""
    if path.exists() or path == _users_data_dir():
        return
    missing = _missing_part(path)
    if missing is not None:
        raise FolderUnreachable(
            _(
                "The data folder {path} cannot be found: {missing} does not exist. If the data "
                "is on a USB stick or an external disk, plug it in and start the program again; "
                "to set up a new station there, make the folder {parent} first."
            ).format(path=path, missing=missing, parent=path.parent)
        )


class DataFolder:
    """An opened data folder: holds the single-instance lock until closed."""

    def __init__(self, path: Path):
        self.path = Path(path)
        check_folder_reachable(self.path)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(
                _("The data folder {path} cannot be created: {reason}").format(
                    path=self.path, reason=os_error_reason(error)
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
        return self.path / BACKUP_FOLDER

    @property
    def marker(self) -> dict | None:
        return read_marker(self.path)

    def open_store(self, progress: ProgressCallback | None = None) -> Store:
        """A new connection (one per thread), migrated to the current schema (after a backup
        of the database, documents and evidence; `progress` hears how that goes); the
        station's marker written once set up."""
        check_database_file(self.path)
        store = Store(
            self.database_path,
            backup_dir=self.backup_dir,
            before_migration=self._back_up_before_migration,
            progress=progress,
        )
        try:
            self._encrypt_stored_files(store, progress or Store.default_migration_progress)
            if self.marker is None:
                self.mark_station(store)
        except BaseException:
            store.close()
            raise
        return store

    def _encrypt_stored_files(self, store: Store, progress: ProgressCallback | None) -> None:
        """In an encrypted folder, encrypt the stored files still in plaintext (those stored
        before the folder had a key or before files were encrypted), once: each file
        atomically, so a PC switched off in the middle goes on at the next start. A plaintext
        folder (the demo, `init --unencrypted`) keeps plaintext files."""
        if store.key is None or store.get_setting(FILES_ENCRYPTED_SETTING) == "1":
            return
        files = plaintext_stored_files(stored_file_roots(self.path))
        failed: list[Path] = []
        if files:
            reporter = ProgressReporter(progress, 1)
            try:
                reporter.begin(STEP_FILES, len(files))
                _done, failed = encrypt_stored_files(
                    files, store.key, lambda done, total: reporter.part(done / total)
                )
                reporter.finish()
            finally:
                reporter.close()
        if not failed:
            store.set_setting(FILES_ENCRYPTED_SETTING, "1")

    def key_problem(self) -> str | None:
        """Why the folder's encrypted database cannot be opened on this PC (its key is not in
        the keyring, or a wrong one is), in words for the user; None when it can be, or when
        the folder's database is not encrypted."""
        try:
            if read_folder_info(self.path) is not None:
                load_folder_key(self.path)
        except DataKeyProblem as problem:
            return str(problem)
        return None

    def new_station_key(self, *, required: bool = False) -> str | None:
        """For a station being set up: the recovery key of the folder's key, made now, before
        the database, so that the database is encrypted from its first page (shown again if
        an earlier set-up stopped before the station was saved). None when the station is set
        up already, when a plaintext database is here from before (it is encrypted later, by
        `station-app key create`), or when the PC has no secure keyring and not `required`
        (else DataKeyProblem, which says so)."""
        if self.marker is not None:
            return None
        try:
            if read_folder_info(self.path) is not None:
                return recovery_text(load_folder_key(self.path))
            database = self.database_path
            if database.exists() and database.stat().st_size > 0:
                return None
            return create_folder_key(self.path)
        except DataKeyProblem:
            if required:
                raise
            return None

    def mark_station(self, store: Store) -> None:
        """Write the marker once the database holds a set-up station."""
        code = store.get_setting(LOCAL_STATION_KEY)
        if code is None:
            return
        marker = {"station_code": code, "database": DATABASE_FILENAME}
        try:
            write_bytes_atomically(
                self.path / MARKER_FILENAME, json.dumps(marker, ensure_ascii=False).encode()
            )
        except OSError as error:
            raise StoreError(
                _("The data folder {path} cannot be written: {reason}").format(
                    path=self.path, reason=error.strerror or error
                )
            ) from error

    def _back_up_before_migration(self, store: Store) -> None:
        back_up(store, self.path, before_migration=True)

    def close(self) -> None:
        self._lock.release()

    def __enter__(self) -> DataFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
