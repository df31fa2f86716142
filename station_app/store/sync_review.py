"""Reviewing sync conflicts: the two values of a field that two stations changed, and the
person's choice between them.

A conflict (store.sync_apply, store.sync_state.finish_batch) keeps the value this PC has
(`local_value`) beside the other station's (`remote_value`). Choosing one writes it to the row
in an ordinary local transaction of the person who chose, so the outbox sends it to the city
server like any edit (and the audit log names the person); the conflict is then marked
resolved. Keeping the value the row already has writes nothing but the mark.

Only the owner station reviews (architecture.md, sync point 5): the owner of a case's record
is the case's owner station (escalation moves it), of any other record its owner_station. A
conflict recorded at another station (its edit lost to the owner's, which the server kept
with both values) is shown there for information only and cannot be resolved there; it is not
counted among the conflicts to review. It stays open in sync_conflicts until the owner
resolves it: if the case is escalated to this station first, the conflict becomes this
station's to review.

The review travels: the same transaction writes a conflict_resolutions row (migration 21),
which the outbox sends like any edit. It names the value that lost on the server and its
station (sync_conflicts.lost_here says which side that is), the station whose value was kept
and the value chosen. The city server marks its conflict records of that lost value resolved
(only the record's owner may send one); every station that receives the row marks its own
open conflicts of that lost value resolved (a trigger, whatever path brought the row), so an
information-only notice closes when the owner's review is pulled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from station_app.i18n import _
from station_app.ids import new_id, utc_now
from station_app.store.connection import Store, StoreError
from station_app.store.migrations import SYNCABLE_TABLES
from station_app.store.sync_apply import record_owner

KEEP_LOCAL = "local"
KEEP_REMOTE = "remote"


@dataclass(frozen=True)
class Conflict:
    """One open conflict, with the case it belongs to (case_no, or None) and the row's
    present value of the field."""

    conflict_id: int
    table: str
    row_id: str
    field: str
    local_value: Any
    remote_value: Any
    remote_station: str
    received_at: str
    case_no: str | None
    current_value: Any
    # The station that reviews it (None: its record is gone), and whether that is this one.
    owner_station: str | None = None
    reviewable: bool = True


def _value(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _columns(store: Store, table: str) -> list[str]:
    if table not in SYNCABLE_TABLES:
        return []
    return [row["name"] for row in store.query(f"PRAGMA table_info({table})")]


def _case_no(store: Store, table: str, row_id: str, columns: list[str]) -> str | None:
    if table == "cases":
        return store.scalar("SELECT case_no FROM cases WHERE id = ?", (row_id,))
    if "case_id" in columns:
        return store.scalar(
            f"SELECT c.case_no FROM {table} t JOIN cases c ON c.id = t.case_id WHERE t.id = ?",
            (row_id,),
        )
    return None


def _current(store: Store, table: str, row_id: str, field: str, columns: list[str]) -> Any:
    if field not in columns:
        return None
    return store.scalar(f"SELECT {field} FROM {table} WHERE id = ?", (row_id,))


def _owner(store: Store, table: str, row_id: str, columns: list[str]) -> str | None:
    if not columns:
        return None
    return record_owner(store, table, row_id)


def conflicts_to_review(store: Store) -> int:
    """How many open conflicts this station reviews (it owns their records): one query per
    table that has any (the status bar asks after every change)."""
    local = store.get_setting("local_station_code")
    total = 0
    for (table,) in store.execute(
        "SELECT DISTINCT table_name FROM sync_conflicts WHERE resolved = 0"
    ).fetchall():
        columns = _columns(store, table)
        if table == "cases":
            join, owner = "", "t.owner_station"
        elif "case_id" in columns:
            join, owner = " JOIN cases c ON c.id = t.case_id", "c.owner_station"
        elif "owner_station" in columns:
            join, owner = "", "t.owner_station"
        else:
            continue
        sql = (
            f"SELECT count(*) FROM sync_conflicts s JOIN {table} t ON t.id = s.row_id{join}"
            f" WHERE s.resolved = 0 AND s.table_name = ? AND {owner} = ?"
        )
        total += int(store.scalar(sql, (table, local)))
    return total


def open_conflicts(store: Store) -> list[Conflict]:
    """The open conflicts, oldest first: the ones this station reviews (reviewable), and the
    ones recorded here whose owner station reviews them (for information)."""
    rows = store.query(
        "SELECT local_id, table_name, row_id, field, local_value, remote_value, remote_station,"
        " received_at FROM sync_conflicts WHERE resolved = 0 ORDER BY local_id"
    )
    local = store.get_setting("local_station_code")
    found = []
    for row in rows:
        table, row_id, field = row["table_name"], row["row_id"], row["field"]
        columns = _columns(store, table)
        owner = _owner(store, table, row_id, columns)
        found.append(
            Conflict(
                conflict_id=row["local_id"],
                table=table,
                row_id=row_id,
                field=field,
                local_value=_value(row["local_value"]),
                remote_value=_value(row["remote_value"]),
                remote_station=row["remote_station"],
                received_at=row["received_at"],
                case_no=_case_no(store, table, row_id, columns),
                current_value=_current(store, table, row_id, field, columns),
                owner_station=owner,
                reviewable=owner is not None and owner == local,
            )
        )
    return found


def resolve_conflict(store: Store, conflict_id: int, keep: str, *, actor: str) -> bool:
    """Keep one value of a conflict (KEEP_LOCAL or KEEP_REMOTE) and mark it resolved, in one
    transaction of `actor`. Returns whether the row changed (then the change goes to the
    outbox and syncs). StoreError when the conflict is gone or its record can no longer
    take the value."""
    if keep not in (KEEP_LOCAL, KEEP_REMOTE):
        raise ValueError(f"keep must be {KEEP_LOCAL!r} or {KEEP_REMOTE!r}, not {keep!r}")
    with store.transaction(actor):
        rows = store.query(
            "SELECT table_name, row_id, field, local_value, remote_value, remote_station,"
            " lost_here FROM sync_conflicts WHERE local_id = ? AND resolved = 0",
            (conflict_id,),
        )
        if not rows:
            raise StoreError(
                _(
                    "This conflict was already resolved (perhaps on another window). Nothing was changed."
                )
            )
        row = rows[0]
        table, row_id, field = row["table_name"], row["row_id"], row["field"]
        columns = _columns(store, table)
        if field not in columns or field in ("id", "local_id", "updated_at"):
            raise StoreError(
                _(
                    "The field {field} of this record cannot be set here. Nothing was changed."
                ).format(field=field)
            )
        exists = store.scalar(f"SELECT count(*) FROM {table} WHERE id = ?", (row_id,))
        if not exists:
            raise StoreError(
                _("The record of this conflict no longer exists. Nothing was changed.")
            )
        owner = _owner(store, table, row_id, columns)
        local = store.get_setting("local_station_code")
        if owner != local:
            raise StoreError(
                _(
                    "Station {owner} owns this record and reviews this conflict; both values "
                    "are kept at the city office for it. Nothing was changed here."
                ).format(owner=owner)
            )
        chosen = _value(row["local_value"] if keep == KEEP_LOCAL else row["remote_value"])
        if isinstance(chosen, (dict, list)):
            chosen = json.dumps(chosen, ensure_ascii=False)
        current = _current(store, table, row_id, field, columns)
        changed = current != chosen
        if changed:
            stamp = (
                ", updated_at = strftime('%Y-%m-%dT%H:%M:%fZ')" if "updated_at" in columns else ""
            )
            store.execute(f"UPDATE {table} SET {field} = ?{stamp} WHERE id = ?", (chosen, row_id))
        resolution = _record_resolution(store, row, local, keep, actor, columns)
        store.execute(
            "UPDATE sync_conflicts SET resolved = 1, resolution_id = ? WHERE local_id = ?",
            (resolution, conflict_id),
        )
    return changed


def _record_resolution(
    store: Store, row: dict[str, Any], local: str, keep: str, actor: str, columns: list[str]
) -> str:
    """Write the conflict_resolutions row of a review (queued for the server by the outbox
    triggers; its own trigger closes the other open conflicts here of the same lost value)."""
    table, row_id = row["table_name"], row["row_id"]
    if row["lost_here"] == 1:
        lost_station, lost_value, kept_station = local, row["local_value"], row["remote_station"]
    else:
        # 0, or unknown (kept before migration 21 for a record gone then): this station owns
        # the record now, so the other station's value is the one the server set aside.
        lost_station, lost_value, kept_station = row["remote_station"], row["remote_value"], local
    if table == "cases":
        case_id = row_id
    elif "case_id" in columns:
        case_id = store.scalar(f"SELECT case_id FROM {table} WHERE id = ?", (row_id,))
    else:
        case_id = None
    resolution = new_id()
    now = utc_now()
    store.execute(
        "INSERT INTO conflict_resolutions(id, table_name, row_id, field, case_id, lost_station,"
        " lost_value, kept_station, chosen_value, resolved_by, owner_station, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            resolution,
            table,
            row_id,
            row["field"],
            case_id,
            lost_station,
            lost_value,
            kept_station,
            row["local_value"] if keep == KEEP_LOCAL else row["remote_value"],
            actor,
            local,
            now,
            now,
        ),
    )
    return resolution
