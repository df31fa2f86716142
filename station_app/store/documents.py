"""Issued documents: numbers allocated per station, kind and year, and one append-only row per
version of each document (the PDF itself lives in the data folder, named by its SHA-256)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from station_app.ids import new_id, utc_now
from station_app.store.connection import Store


@dataclass
class IssuedDocument:
    """One version of an issued document, as recorded."""

    case_id: str
    kind: str
    doc_no: str
    year: int
    seq: int | None  # None when the number is not the kind's own (a registration form's case no)
    version: int
    sha256: str
    size: int
    verification_code: str
    content_hash: str
    issued_at: str
    issued_by: str
    reason: str = ""
    superseded_by: str | None = None
    id: str = ""
    owner_station: str = ""
    case_no: str = ""  # filled when read
    # The facts typed when it was issued (held_at, place, materials, court, result ...).
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def current(self) -> bool:
        return self.superseded_by is None


def allocate_document_seq(store: Store, station_code: str, kind: str, year: int) -> int:
    """The next number of the station's kind and year. Call inside the issuing transaction: a
    failure rolls the counter back too, so numbers are gapless and never reused."""
    return store.scalar(
        "INSERT INTO document_counters(station_code, kind, year, last_seq) VALUES (?, ?, ?, 1) "
        "ON CONFLICT(station_code, kind, year) DO UPDATE SET last_seq = last_seq + 1 "
        "RETURNING last_seq",
        (station_code, kind, year),
    )


def insert_issued(store: Store, doc: IssuedDocument) -> IssuedDocument:
    doc.id = doc.id or new_id()
    now = utc_now()
    store.execute(
        """INSERT INTO issued_documents(id, case_id, kind, doc_no, year, seq, version, reason,
               sha256, size, verification_code, content_hash, issued_at, issued_by,
               owner_station, facts, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            doc.id,
            doc.case_id,
            doc.kind,
            doc.doc_no,
            doc.year,
            doc.seq,
            doc.version,
            doc.reason,
            doc.sha256,
            doc.size,
            doc.verification_code,
            doc.content_hash,
            doc.issued_at,
            doc.issued_by,
            doc.owner_station,
            json.dumps(doc.facts, ensure_ascii=False, sort_keys=True),
            now,
            now,
        ),
    )
    return doc


def mark_superseded(store: Store, old_id: str, new_id_: str) -> None:
    store.execute(
        "UPDATE issued_documents SET superseded_by = ?, updated_at = ? WHERE id = ?",
        (new_id_, utc_now(), old_id),
    )


_SELECT = """SELECT d.*, c.case_no AS case_no FROM issued_documents d
             JOIN cases c ON c.id = d.case_id WHERE d.deleted = 0"""
_FIELDS = set(IssuedDocument.__dataclass_fields__)


def _row(row: dict) -> IssuedDocument:
    values = {k: v for k, v in row.items() if k in _FIELDS}
    try:
        facts = json.loads(row.get("facts") or "{}")
    except ValueError:
        facts = {}  # a damaged value is no reason to hide the document
    values["facts"] = facts if isinstance(facts, dict) else {}
    return IssuedDocument(**values)


def current_document(store: Store, case_id: str, kind: str) -> IssuedDocument | None:
    """The newest version of the case's document of `kind` (None: never issued)."""
    rows = store.query(
        _SELECT + " AND d.case_id = ? AND d.kind = ? AND d.superseded_by IS NULL "
        "ORDER BY d.version DESC LIMIT 1",
        (case_id, kind),
    )
    return _row(rows[0]) if rows else None


def document_versions(store: Store, case_id: str, kind: str) -> list[IssuedDocument]:
    rows = store.query(
        _SELECT + " AND d.case_id = ? AND d.kind = ? ORDER BY d.version", (case_id, kind)
    )
    return [_row(r) for r in rows]


def case_documents(store: Store, case_id: str) -> list[IssuedDocument]:
    rows = store.query(_SELECT + " AND d.case_id = ? ORDER BY d.kind, d.version", (case_id,))
    return [_row(r) for r in rows]


def find_by_code(store: Store, code: str) -> list[IssuedDocument]:
    rows = store.query(
        _SELECT + " AND d.verification_code = ? ORDER BY d.issued_at", (code.strip().upper(),)
    )
    return [_row(r) for r in rows]


def stored_file_hashes(store: Store) -> list[str]:
    """The SHA-256 of every issued PDF on record (each names one frozen file)."""
    return [
        row[0]
        for row in store.execute("SELECT DISTINCT sha256 FROM issued_documents ORDER BY sha256")
    ]
