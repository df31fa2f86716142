"""The record of ledger imports (migration 16): each batch, the cases it made and the merchants
it registered; the audit entry naming the import as each case's origin; and the undo of a batch
as one step, refused when a case of it was changed since."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from station_app.ids import new_id, utc_now
from station_app.store.connection import Store

# The audit field that names an imported case's origin (kind 'change', table 'cases').
IMPORT_AUDIT_FIELD = "ledger_import"
UNDO_AUDIT_FIELD = "ledger_import_undone"


@dataclass(frozen=True)
class ImportBatch:
    id: str
    file_name: str
    sheet: str
    imported_at: str
    imported_by: str
    case_count: int
    undone_at: str | None
    undone_by: str | None


@dataclass(frozen=True)
class ImportedCase:
    case_id: str
    row_number: int
    ledger_no: str


def last_merchant_local_id(store: Store) -> int:
    return store.scalar("SELECT COALESCE(MAX(local_id), 0) FROM merchants")


def record_batch(
    store: Store,
    *,
    batch_id: str,
    file_name: str,
    sheet: str,
    actor: str,
    station_code: str,
    cases: Sequence[ImportedCase],
    merchants_after_local_id: int,
) -> None:
    """Record the batch, its cases (as they stand now) and the merchants registered since
    `merchants_after_local_id`, and audit each case's origin. Inside the import's transaction."""
    conn = store.conn
    now = utc_now()
    conn.execute(
        "INSERT INTO ledger_imports(id, file_name, sheet, imported_at, imported_by, case_count)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (batch_id, file_name, sheet, now, actor, len(cases)),
    )
    conn.executemany(
        "INSERT INTO ledger_import_cases(batch_id, case_id, row_number, ledger_no,"
        " case_updated_at, events)"
        " SELECT ?, c.id, ?, ?, c.updated_at,"
        " (SELECT count(*) FROM case_events e WHERE e.case_id = c.id)"
        " FROM cases c WHERE c.id = ?",
        [(batch_id, c.row_number, c.ledger_no, c.case_id) for c in cases],
    )
    conn.execute(
        "INSERT INTO ledger_import_merchants(batch_id, merchant_id)"
        " SELECT ?, id FROM merchants WHERE local_id > ?",
        (batch_id, merchants_after_local_id),
    )
    conn.executemany(
        "INSERT INTO audit_log(id, owner_station, created_at, updated_at, at, actor, case_id,"
        " table_name, row_id, field, new_value, kind) VALUES (?, ?, ?, ?, ?, ?, ?, 'cases', ?,"
        f" '{IMPORT_AUDIT_FIELD}', ?, 'change')",
        [
            (
                new_id(),
                station_code,
                now,
                now,
                now,
                actor,
                c.case_id,
                c.case_id,
                f"{file_name} / {sheet} / {c.row_number} ({batch_id})",
            )
            for c in cases
        ],
    )


def _batch(row: dict) -> ImportBatch:
    return ImportBatch(**row)


def list_batches(store: Store) -> list[ImportBatch]:
    """Every import, newest first."""
    return [
        _batch(row)
        for row in store.query(
            "SELECT id, file_name, sheet, imported_at, imported_by, case_count, undone_at,"
            " undone_by FROM ledger_imports ORDER BY imported_at DESC, rowid DESC"
        )
    ]


def active_batches_of(store: Store, file_name: str, sheet: str) -> list[ImportBatch]:
    """Imports of the same file name and sheet that were not undone (a second import of a
    ledger would add its cases twice)."""
    return [
        _batch(row)
        for row in store.query(
            "SELECT id, file_name, sheet, imported_at, imported_by, case_count, undone_at,"
            " undone_by FROM ledger_imports WHERE file_name = ? AND sheet = ?"
            " AND undone_at IS NULL ORDER BY imported_at",
            (file_name, sheet),
        )
    ]


def get_batch(store: Store, key: str) -> ImportBatch | None:
    """The batch with this id (or a unique start of it)."""
    rows = store.query(
        "SELECT id, file_name, sheet, imported_at, imported_by, case_count, undone_at,"
        " undone_by FROM ledger_imports WHERE id = ? OR id LIKE ? ESCAPE '\\' LIMIT 2",
        (key, key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"),
    )
    return _batch(rows[0]) if len(rows) == 1 else None


def changed_cases(store: Store, batch_id: str) -> list[str]:
    """Case numbers of the batch's cases changed since the import: the case row, a party or
    its history (a new event) changed, or the case was deleted."""
    return [
        row["case_no"]
        for row in store.query(
            "SELECT c.case_no FROM ledger_import_cases l JOIN cases c ON c.id = l.case_id"
            " WHERE l.batch_id = ? AND (c.updated_at != l.case_updated_at OR c.deleted != 0"
            "  OR (SELECT count(*) FROM case_events e WHERE e.case_id = c.id) != l.events"
            "  OR EXISTS (SELECT 1 FROM parties p WHERE p.case_id = c.id"
            "             AND p.updated_at > l.case_updated_at))"
            " ORDER BY c.case_no",
            (batch_id,),
        )
    ]


def batch_case_ids(store: Store, batch_id: str) -> list[str]:
    return [
        row[0]
        for row in store.execute(
            "SELECT case_id FROM ledger_import_cases WHERE batch_id = ?", (batch_id,)
        )
    ]


def undo_batch(store: Store, batch_id: str, *, actor: str, station_code: str) -> int:
    """Tombstone the batch's cases and the merchants it registered that no other live case
    names, and mark it undone; returns the number of cases. Inside the caller's transaction
    (the store keeps search index, deadlines and figures; sync carries the tombstones)."""
    conn = store.conn
    now = utc_now()
    case_ids = batch_case_ids(store, batch_id)
    conn.execute(
        "UPDATE cases SET deleted = 1, updated_at = ?"
        " WHERE id IN (SELECT case_id FROM ledger_import_cases WHERE batch_id = ?)",
        (now, batch_id),
    )
    conn.execute(
        "UPDATE merchants SET deleted = 1, updated_at = ? WHERE deleted = 0"
        " AND id IN (SELECT merchant_id FROM ledger_import_merchants WHERE batch_id = ?)"
        " AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.merchant_id = merchants.id"
        "                 AND c.deleted = 0)",
        (now, batch_id),
    )
    conn.executemany(
        "INSERT INTO audit_log(id, owner_station, created_at, updated_at, at, actor, case_id,"
        " table_name, row_id, field, new_value, kind) VALUES (?, ?, ?, ?, ?, ?, ?, 'cases', ?,"
        f" '{UNDO_AUDIT_FIELD}', ?, 'change')",
        [
            (new_id(), station_code, now, now, now, actor, case_id, case_id, batch_id)
            for case_id in case_ids
        ],
    )
    conn.execute(
        "UPDATE ledger_imports SET undone_at = ?, undone_by = ? WHERE id = ?",
        (now, actor, batch_id),
    )
    return len(case_ids)


def imported_case_rows(store: Store, batch_id: str) -> list[dict]:
    """(case number, row number, ledger number, status) of the batch's cases, by row."""
    return store.query(
        "SELECT c.case_no, l.row_number, l.ledger_no, c.status, c.deleted"
        " FROM ledger_import_cases l JOIN cases c ON c.id = l.case_id"
        " WHERE l.batch_id = ? ORDER BY l.row_number",
        (batch_id,),
    )
