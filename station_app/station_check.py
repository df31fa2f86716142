"""`station-app check`: named checks of a station, each a function returning its problems.

One more check is one more line in CHECKS: a `StationCheck(N_("name"), function)` where the
function takes the `CheckTarget` and returns a list of problems (empty: passed).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from station_app.backup import BACKUP_FOLDER, list_backups
from station_app.file_crypt import StoredFileUnreadable, read_stored_file
from station_app.i18n import N_, _
from station_app.store import Store
from station_app.store.cases import evidence_hashes
from station_app.store.chain import verify_chains
from station_app.store.documents import stored_file_hashes

BACKUP_AGE_WARNING_DAYS = 2


@dataclass(frozen=True)
class CheckTarget:
    """What the checks look at: the open database and the data folder it lives in."""

    store: Store
    data_dir: Path


@dataclass(frozen=True)
class StationCheck:
    name: str  # English source text, marked with N_; shown through _()
    run: Callable[[CheckTarget], list[str]]


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def database_integrity(target: CheckTarget) -> list[str]:
    verdict = target.store.integrity_check(thorough=True)
    if verdict == "ok":
        return []
    return [
        _("The database is damaged: {detail}").format(detail=line) for line in verdict.splitlines()
    ]


def _sha256_of(path: Path, key: bytes | None) -> str | None:
    """The SHA-256 of a stored file's plaintext (decrypted with the folder's key); None when
    it cannot be decrypted (changed, or another key's)."""
    try:
        return hashlib.sha256(read_stored_file(path, key)).hexdigest()
    except StoredFileUnreadable:
        return None


def _missing_or_changed(paths: dict[str, Path], what: str, key: bytes | None) -> list[str]:
    problems = []
    for sha, path in sorted(paths.items()):
        if not path.exists():
            problems.append(_("{what} {path} is missing.").format(what=what, path=path))
        elif _sha256_of(path, key) != sha:
            problems.append(
                _("{what} {path} has been changed or damaged.").format(what=what, path=path)
            )
    return problems


def document_files(target: CheckTarget) -> list[str]:
    from station_app.document_issuing import document_path

    paths = {sha: document_path(target.data_dir, sha) for sha in stored_file_hashes(target.store)}
    return _missing_or_changed(paths, _("Issued document"), target.store.key)


def evidence_files(target: CheckTarget) -> list[str]:
    from station_app.evidence_files import evidence_path

    folder = target.data_dir / "evidence"
    paths = {sha: evidence_path(folder, sha) for sha in evidence_hashes(target.store)}
    return _missing_or_changed(paths, _("Evidence file"), target.store.key)


def record_chains(target: CheckTarget) -> list[str]:
    """The audit log and the case events are whole: no row edited, deleted or slipped in."""
    return verify_chains(target.store)


def recent_backup(target: CheckTarget) -> list[str]:
    folder = target.data_dir / BACKUP_FOLDER
    backups = [b for b in list_backups(folder) if not b.before_migration]
    if not backups:
        return [
            _("There is no backup in {folder} yet. Run `station-app backup`.").format(folder=folder)
        ]
    age = (date.today() - backups[-1].made_at.date()).days
    if age > BACKUP_AGE_WARNING_DAYS:
        return [
            _("The newest backup ({path}) is {days} days old. Run `station-app backup`.").format(
                path=backups[-1].path, days=age
            )
        ]
    return []


CHECKS: list[StationCheck] = [
    StationCheck(N_("Database integrity"), database_integrity),
    StationCheck(N_("Issued documents"), document_files),
    StationCheck(N_("Evidence files"), evidence_files),
    StationCheck(N_("Audit log and case events unaltered"), record_chains),
    StationCheck(N_("Backups"), recent_backup),
]


def run_checks(target: CheckTarget, checks: list[StationCheck] | None = None) -> list[CheckOutcome]:
    """Every check, in order; the database's integrity first, since the others read it."""
    outcomes = []
    for check in checks or CHECKS:
        problems = check.run(target)
        outcomes.append(CheckOutcome(_(check.name), problems))
        if check.run is database_integrity and problems:
            break
    return outcomes
