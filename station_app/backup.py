"""Backups of a station: the database, its documents and evidence, rotated, and restored.

A backup folder (the data folder's `backups/`, a second drive, or `backup --to DIR`) holds:

    station-20261130-081502.db              one consistent copy of the database per backup
    station-20261130-081502-before-v6.db    the copy made before a migration from schema 6
    documents/ab/ab12….pdf                  the issued PDFs, and
    evidence/ab/ab12…                       the evidence files, both content-addressed

Files are named by the SHA-256 of their content and never change, so each backup copies
only the new ones; in an encrypted data folder they are encrypted (file_crypt) and copied as
they are, so they open with the same folder key after a restore.
Database copies are rotated: the newest of each of the last 14 days, 4 weeks and 12 months
are kept (with all of today's and the last 5 made before migrations); the files are kept,
since older copies name them.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from station_app.atomic_files import (
    TEMPORARY_PREFIX,
    copy_file_atomically,
    fsync_directory,
    remove_leftovers,
)
from station_app.file_crypt import encrypt_stored_files, plaintext_stored_files
from station_app.i18n import _
from station_app.store import DATABASE_FILENAME, Store, StoreError, driver, folder_key
from station_app.store.migrations import LATEST_VERSION, schema_version
from station_app.store.online_backup import (
    copy_database,
    copy_database_file,
    inspect_database_file,
)

log = logging.getLogger(__name__)

BACKUP_FOLDER = "backups"
SET_ASIDE_FOLDER = "set-aside"
FILE_FOLDERS = ("documents", "evidence")
SECOND_FOLDER_SETTING = "backup_second_folder"
# The rotation (`rotate`): the newest copy of each of the last 14 days, 4 weeks and 12 months
# that have one, and the last 5 made before migrations.
KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY, KEEP_BEFORE_MIGRATION = 14, 4, 12, 5

_BACKUP_NAME = re.compile(r"^station-(?:v\d+-)?(\d{8})-(\d{6})(?:-\d+)?(-before-v\d+)?\.db$")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BackupFile:
    path: Path
    made_at: datetime
    before_migration: bool


def list_backups(folder: Path) -> list[BackupFile]:
    """The database copies in a backup folder, oldest first."""
    found = []
    try:
        names = [p for p in folder.iterdir() if p.is_file()]
    except OSError:
        return []
    for path in names:
        match = _BACKUP_NAME.match(path.name)
        if not match:
            continue
        made_at = datetime.strptime(match.group(1) + match.group(2), "%Y%m%d%H%M%S")
        before = bool(match.group(3)) or path.name.startswith("station-v")
        found.append(BackupFile(path, made_at, before))
    return sorted(found, key=lambda b: (b.made_at, b.path.name))


def latest_backup(folder: Path) -> Path | None:
    backups = list_backups(folder)
    return backups[-1].path if backups else None


@dataclass
class BackupResult:
    path: Path
    seconds: float
    files_copied: int
    removed: list[Path] = field(default_factory=list)
    second_copy: Path | None = None
    warnings: list[str] = field(default_factory=list)


def _new_backup_path(folder: Path, suffix: str = "") -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"station-{stamp}{suffix}.db"
    counter = 1
    while path.exists():
        path = folder / f"station-{stamp}-{counter}{suffix}.db"
        counter += 1
    return path


def stored_file_roots(data_dir: Path) -> list[Path]:
    """The folders of a data folder's stored files (file_crypt), and of their backup copies."""
    return [base / name for base in (data_dir, data_dir / BACKUP_FOLDER) for name in FILE_FOLDERS]


def mirror_files(data_dir: Path, target: Path, progress: Progress | None = None) -> int:
    """Copy the documents and evidence files `target` does not have yet; how many were copied."""
    copied = 0
    for name in FILE_FOLDERS:
        source_root = data_dir / name
        if not source_root.is_dir():
            continue
        for source in sorted(source_root.rglob("*")):
            if not source.is_file() or source.name.startswith(TEMPORARY_PREFIX):
                continue
            copy = target / name / source.relative_to(source_root)
            if copy.exists() and copy.stat().st_size == source.stat().st_size:
                continue
            copy_file_atomically(source, copy)
            copied += 1
            if progress and copied % 50 == 0:
                progress(_("Copied {count} files").format(count=copied))
    return copied


def back_up(
    store: Store,
    data_dir: Path,
    *,
    to: Path | None = None,
    before_migration: bool = False,
    progress: Progress | None = None,
) -> BackupResult:
    """Back the station up into `to` (default: the data folder's backups), then rotate there."""
    folder = to or data_dir / BACKUP_FOLDER
    started = time.monotonic()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        remove_leftovers(folder)
        suffix = f"-before-v{schema_version(store.conn)}" if before_migration else ""
        target = _new_backup_path(folder, suffix)
        if progress:
            progress(_("Copying the database to {path}").format(path=target))
        copy_database(store.conn, target)
        if progress:
            progress(_("Copying documents and evidence files"))
        copied = mirror_files(data_dir, folder, progress)
        removed = rotate(folder)
    except OSError as error:
        raise StoreError(
            _("The backup to {folder} failed: {reason}. The station's data is unchanged.").format(
                folder=folder, reason=error.strerror or error
            )
        ) from error
    log.info(
        "backup %s made in %.1f s (%d files copied)", target, time.monotonic() - started, copied
    )
    return BackupResult(target, time.monotonic() - started, copied, removed)


def rotate(folder: Path, today: date | None = None) -> list[Path]:
    """Delete the database copies the rotation no longer keeps; the deleted paths.

    Kept: every copy made today, the newest of each of the last 14 days with a copy, of the
    last 4 weeks and of the last 12 months, and the last 5 made before migrations. So the
    newest copy (and an only copy) is always kept, whatever the clock says."""
    backups = list_backups(folder)
    regular = [b for b in backups if not b.before_migration]
    keep: set[Path] = set()
    by_day: dict[date, BackupFile] = {}
    by_week: dict[tuple[int, int], BackupFile] = {}
    by_month: dict[tuple[int, int], BackupFile] = {}
    for backup in regular:  # oldest first: the newest of each day, week or month wins
        by_day[backup.made_at.date()] = backup
        by_week[backup.made_at.isocalendar()[:2]] = backup
        by_month[(backup.made_at.year, backup.made_at.month)] = backup
    today = today or date.today()
    keep.update(b.path for b in regular if b.made_at.date() == today)  # pruned tomorrow
    keep.update(by_day[d].path for d in sorted(by_day)[-KEEP_DAILY:])
    keep.update(by_week[w].path for w in sorted(by_week)[-KEEP_WEEKLY:])
    keep.update(by_month[m].path for m in sorted(by_month)[-KEEP_MONTHLY:])
    keep.update(b.path for b in [b for b in backups if b.before_migration][-KEEP_BEFORE_MIGRATION:])
    if backups:
        keep.add(backups[-1].path)  # the newest, even one made before a migration
    removed = [b.path for b in backups if b.path not in keep]
    for path in removed:
        path.unlink(missing_ok=True)
    if removed:
        fsync_directory(folder)
    return removed


def daily_backup_due(data_dir: Path, today: date | None = None) -> bool:
    """No backup made today yet (the first start of each day makes one)."""
    today = today or date.today()
    return not any(
        b.made_at.date() == today and not b.before_migration
        for b in list_backups(data_dir / BACKUP_FOLDER)
    )


def daily_backup(store: Store, data_dir: Path, progress: Progress | None = None) -> BackupResult:
    """The day's backup in the data folder, copied to the second folder when one is set.

    A second folder that cannot be written (the USB stick is not plugged in) is a warning, not a
    failure: the backup in the data folder stands.
    """
    result = back_up(store, data_dir, progress=progress)
    second = store.get_setting(SECOND_FOLDER_SETTING)
    if second:
        try:
            copy = Path(second) / result.path.name
            if progress:
                progress(_("Copying the backup to {path}").format(path=second))
            copy_file_atomically(result.path, copy)
            mirror_files(data_dir, Path(second), progress)
            rotate(Path(second))
            result.second_copy = copy
        except OSError as error:
            result.warnings.append(
                _(
                    "The backup could not be copied to the second backup folder {folder} "
                    "({reason}). Plug in the backup drive and press 'Back up now' in the station "
                    "settings."
                ).format(folder=second, reason=error.strerror or error)
            )
    return result


# --------------------------------------------------------------------------- restore


class RestoreRefused(StoreError):
    """The backup is damaged, foreign or unusable; nothing was changed."""


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    set_aside: Path | None
    files_restored: int
    cases: int


def check_backup(backup: Path, station_code: str | None, key: bytes | None = None) -> int:
    """Refuse a backup that is damaged, not a station's, from a newer app or another station.
    `key` is the data folder's (a backup of an encrypted station is encrypted with it).
    Returns the number of cases it holds."""
    try:
        report = inspect_database_file(backup, key=key)
    except driver.KeyRejected as error:
        raise RestoreRefused(
            _(
                "{path} is encrypted with another data folder's key: it is not a backup of this "
                "station. Nothing was changed."
            ).format(path=backup)
        ) from error
    except Exception as error:  # driver.DatabaseError and OSError alike: refuse, never crash
        raise RestoreRefused(
            _("{path} cannot be read as a backup ({reason}). Nothing was changed.").format(
                path=backup, reason=error
            )
        ) from error
    if report.verdict == "missing":
        raise RestoreRefused(_("There is no file {path}.").format(path=backup))
    if report.verdict != "ok":
        raise RestoreRefused(
            _(
                "The backup {path} is damaged ({detail}). Nothing was changed; choose an older "
                "backup."
            ).format(path=backup, detail=report.verdict.splitlines()[0])
        )
    if report.schema_version == 0 or report.station_code is None:
        raise RestoreRefused(
            _("{path} is not a backup of a set-up station. Nothing was changed.").format(
                path=backup
            )
        )
    if report.schema_version > LATEST_VERSION:
        raise RestoreRefused(
            _(
                "The backup {path} was made by a newer version of station-app. Nothing was "
                "changed; install the newest version first."
            ).format(path=backup)
        )
    if station_code is not None and report.station_code != station_code:
        raise RestoreRefused(
            _(
                "The backup {path} belongs to station {found}, not to this station ({expected}). "
                "Nothing was changed."
            ).format(path=backup, found=report.station_code, expected=station_code)
        )
    return report.cases


def restore(
    data_dir: Path, backup: Path, station_code: str | None, progress: Progress | None = None
) -> RestoreResult:
    """Put `backup` in place of the station database; the current one is kept aside.

    The caller holds the data folder's lock (the app must be closed). `station_code` is the
    station the folder belongs to (from its marker); a backup of another station is refused.
    """
    backup = backup.resolve()
    key = folder_key(data_dir)
    cases = check_backup(backup, station_code, key)
    database = data_dir / DATABASE_FILENAME
    set_aside = None
    try:
        if database.exists():
            aside_dir = data_dir / SET_ASIDE_FOLDER
            aside_dir.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            set_aside = aside_dir / f"station-before-restore-{stamp}.db"
            # The -wal goes with its database, under the same new name, so the pair stays whole.
            for suffix in ("-wal", "-shm", ""):
                part = data_dir / f"{DATABASE_FILENAME}{suffix}"
                if part.exists():
                    part.rename(aside_dir / f"{set_aside.name}{suffix}")
            fsync_directory(aside_dir)
            fsync_directory(data_dir)
        if progress:
            progress(_("Copying the backup {path}").format(path=backup))
        copy_database_file(backup, database, key)
        files = mirror_files(backup.parent, data_dir, progress)
        if key is not None:
            # Files of a backup made before they were encrypted come back encrypted.
            encrypt_stored_files(plaintext_stored_files(stored_file_roots(data_dir)), key)
    except OSError as error:
        raise StoreError(
            _("The restore failed: {reason}. The previous database is kept in {aside}.").format(
                reason=error.strerror or error, aside=set_aside or "-"
            )
        ) from error
    return RestoreResult(backup, set_aside, files, cases)


def way_back(data_dir: Path) -> str:
    """How to get a damaged station back: the newest backup and the command that restores it."""
    folder = data_dir / BACKUP_FOLDER
    newest = latest_backup(folder)
    if newest is None:
        return _(
            "No backup was found in {folder}. Do not set up the station again: ask the city "
            "office for help; they can restore the station from a backup drive or the server."
        ).format(folder=folder)
    return _(
        'Close the app and restore the newest backup: station-app restore "{backup}" '
        "(the damaged file is kept aside). Backups are in {folder}."
    ).format(backup=newest, folder=folder)


def damaged_database_message(data_dir: Path, problem: str) -> str:
    """What the clerk reads when station.db is missing, empty or not a database."""
    database = data_dir / DATABASE_FILENAME
    what = {
        "missing": _("The station database {path} is missing."),
        "empty": _("The station database {path} is empty (0 bytes), as a power cut can leave it."),
    }.get(problem, _("The station database {path} is damaged: it is not a database file."))
    return (
        what.format(path=database)
        + " "
        + _("Nothing was changed and nothing can be saved until it is restored.")
        + " "
        + way_back(data_dir)
    )
