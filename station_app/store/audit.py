"""The audit log: who changed which field (written by triggers, see migrations.install_audit_log)
and who was shown a full ID number or phone number (written here)."""

from __future__ import annotations

from dataclasses import dataclass

from station_app.ids import new_id, utc_now
from station_app.store.connection import Store

# The personal data a reveal shows in full, by column of parties.
REVEALED_FIELDS = ("id_number", "phone")


@dataclass(frozen=True)
class AuditEntry:
    at: str
    actor: str
    table_name: str
    row_id: str
    field: str
    old_value: str | None
    new_value: str | None
    kind: str


def log_reveal(
    store: Store, case_id: str, *, actor: str, station_code: str, fields=REVEALED_FIELDS
) -> int:
    """Record that `actor` was shown the case's parties' full ID numbers and phones: one
    'reveal' row per party and field that holds a value. Returns how many rows."""
    now = utc_now()
    rows = []
    for party in store.query(
        "SELECT id, id_number, phone FROM parties WHERE case_id = ? AND deleted = 0"
        " ORDER BY role DESC, position",
        (case_id,),
    ):
        for name in fields:
            if party[name]:
                rows.append(
                    (new_id(), station_code, now, now, now, actor, case_id, party["id"], name)
                )
    with store.transaction(actor=actor):
        store.conn.executemany(
            "INSERT INTO audit_log(id, owner_station, created_at, updated_at, at, actor, case_id,"
            " table_name, row_id, field, kind) VALUES (?, ?, ?, ?, ?, ?, ?, 'parties', ?, ?,"
            " 'reveal')",
            rows,
        )
    return len(rows)


def _log_export(
    store: Store, *, actor: str, station_code: str, field: str, what: str, table: str = "cases"
) -> None:
    """One 'reveal' row for personal data taken out of the app in a file (no case of its own):
    `field` the column shown in full ('*': the whole records), `what` the file and how much;
    `table` what was shown (the cases, or 'station' for the data folder's recovery key)."""
    now = utc_now()
    with store.transaction(actor=actor):
        store.execute(
            "INSERT INTO audit_log(id, owner_station, created_at, updated_at, at, actor, case_id,"
            " table_name, row_id, field, new_value, kind) VALUES (?, ?, ?, ?, ?, ?, NULL,"
            " ?, '*', ?, ?, 'reveal')",
            (new_id(), station_code, now, now, now, actor, table, field, what),
        )


def log_list_export(store: Store, *, actor: str, station_code: str, cases: int, path: str) -> None:
    """Record that `actor` exported a list of `cases` cases with whole phone numbers to `path`:
    one 'reveal' row for the export, like a reveal on screen."""
    _log_export(
        store,
        actor=actor,
        station_code=station_code,
        field="phone",
        what=f"export of {cases} cases to {path}",
    )


def log_bundle_export(
    store: Store, *, actor: str, station_code: str, changes: int, cases: int, path: str
) -> None:
    """Record that `actor` wrote a USB bundle of `changes` changes touching `cases` cases (names,
    phones and ID numbers in full) to `path`."""
    _log_export(
        store,
        actor=actor,
        station_code=station_code,
        field="*",
        what=f"USB bundle of {changes} changes of {cases} cases to {path}",
    )


def log_backup_export(
    store: Store, *, actor: str, station_code: str, cases: int, path: str
) -> None:
    """Record that `actor` copied the whole station (`cases` cases, every party's data) to a
    backup outside the data folder, at `path`."""
    _log_export(
        store,
        actor=actor,
        station_code=station_code,
        field="*",
        what=f"backup of {cases} cases to {path}",
    )


def log_recovery_key_shown(store: Store, *, actor: str, station_code: str) -> None:
    """Record that `actor` was shown the data folder's recovery key (`station-app key show`):
    one 'reveal' row, no case of its own."""
    _log_export(
        store,
        actor=actor,
        station_code=station_code,
        field="recovery_key",
        what="recovery key shown",
        table="station",
    )


def audit_entries(store: Store, case_id: str) -> list[AuditEntry]:
    """Every audit row of a case, oldest first."""
    return [
        AuditEntry(
            at=row["at"],
            actor=row["actor"],
            table_name=row["table_name"],
            row_id=row["row_id"],
            field=row["field"],
            old_value=row["old_value"],
            new_value=row["new_value"],
            kind=row["kind"],
        )
        for row in store.query(
            "SELECT at, actor, table_name, row_id, field, old_value, new_value, kind"
            " FROM audit_log WHERE case_id = ? AND deleted = 0 ORDER BY at, local_id",
            (case_id,),
        )
    ]
