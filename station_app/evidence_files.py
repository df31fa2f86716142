"""Evidence files (photos and scans) stored once by their SHA-256 in the data folder."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

from station_app.atomic_files import atomic_file
from station_app.domain import Evidence
from station_app.i18n import _
from station_app.store import Store, StoreError
from station_app.store.cases import add_evidence_row

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


def evidence_path(evidence_dir: Path, sha256: str) -> Path:
    return evidence_dir / sha256[:2] / sha256


def store_evidence_file(evidence_dir: Path, source: Path) -> Evidence:
    """Copy a file into the content-addressed store (once per content) and describe it."""
    try:
        size = source.stat().st_size
    except OSError as error:
        raise StoreError(_("The file {name} cannot be read.").format(name=source.name)) from error
    if size > MAX_EVIDENCE_BYTES:
        raise StoreError(
            _(
                "The file {name} is {size} MB; evidence files may be at most {limit} MB. "
                "Scan or photograph it at a lower resolution."
            ).format(
                name=source.name, size=round(size / 1048576, 1), limit=MAX_EVIDENCE_BYTES // 1048576
            )
        )
    digest = hashlib.sha256()
    try:
        with atomic_file(evidence_dir) as pending, source.open("rb") as src:
            while block := src.read(1 << 20):
                digest.update(block)
                pending.file.write(block)
            sha = digest.hexdigest()
            target = evidence_path(evidence_dir, sha)
            if not target.exists():
                pending.commit(target)
    except OSError as error:
        raise StoreError(
            _("The file {name} could not be stored: {reason}").format(
                name=source.name, reason=error.strerror or error
            )
        ) from error
    mime = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
    return Evidence(sha256=sha, filename=source.name, size=size, mime=mime)


def attach_evidence(
    store: Store, evidence_dir: Path, case_id: str, source: Path, *, owner: str, note: str = ""
) -> Evidence:
    evidence = store_evidence_file(evidence_dir, source)
    evidence.note = note
    return add_evidence_row(store, case_id, evidence, owner)
