"""Apply changes pulled from the city server: the one path by which remote rows enter the store.

Every change is written inside a transaction whose origin is the station that made it
(remote_origin), so the triggers never queue it for the outbox (no echo to the server), the
audit log names its origin, and the store re-indexes and recomputes the deadlines of every case
it touches before COMMIT, like any other write. A whole page of changes is applied in one
transaction: all or nothing, so sync advances its cursor only after a page is stored.

Rules (architecture.md, sync design points 5, 6, 8 and 13):
- A pulled value never overwrites a local change that has not been pushed yet (a field named
  by a pending outbox entry of the row): the local value stays and stays pending, and the
  pulled value is kept in sync_conflicts for a person to review. Nothing is silently lost.
- A pulled change this station made itself (its own earlier value, echoed back in the
  server's order) never makes a conflict with a newer local edit: the local edit wins quietly.
- Fields of a pulled row that this version has no column for are kept (sync_extra_fields)
  and sent back with the row, never dropped (point 10).
- `updated_at` is never a conflicting field; append-only records (events, audit, sessions,
  visits) are inserted once and never conflict.
- One writer of cases.status: the owner station. A pulled status change of a case this station
  owns, made by another station, is refused (a city officer acting on another station's case
  escalates it first: escalation moves the ownership).
- row_versions keeps the server's version of each row, which the outbox sends back as the
  version a later local edit started from.

Natural keys, decided before two stations meet:
- usernames are unique city-wide: a pulled user whose name belongs to another local user is
  refused with its reason (the city office renames one of them); password hashes of local
  accounts never leave the PC (migration 8's triggers), only city-managed accounts' do;
- a holiday year has one schedule, the city office's: a pulled schedule replaces the local
  row of the same year (taking the city's id);
- merchants created twice offline (the same credit code, or no code and the same name and
  address) stay two rows here; the city server keeps the first as the merchant of record and
  both are found by intake (store.merchants), which prefers the older row;
- case and document numbers carry the station code (per-station counters, never synced), so
  no two stations can make the same number.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from station_app.i18n import _
from station_app.ids import utc_now
from station_app.store import driver
from station_app.store.connection import Store, remote_origin
from station_app.store.migrations import SYNCABLE_TABLES

# Rows that are never changed once written: a pulled copy is inserted once.
APPEND_ONLY = (
    "case_events",
    "audit_log",
    "mediation_sessions",
    "follow_ups",
    "conflict_resolutions",
)
# Columns that are this PC's own and never taken from a pulled row.
_LOCAL_COLUMNS = ("local_id", "demo")
# Fields whose pulled value never conflicts with a local one.
_NEVER_CONFLICT = ("updated_at",)


@dataclass(frozen=True)
class RemoteChange:
    """One change as the server sends it: the row's fields (all of them for an insert, the
    changed ones for an update), the server's version and the station that made it."""

    table: str
    row_id: str
    op: str  # 'insert', 'update' or 'delete'
    values: Mapping[str, Any]
    version: int
    station: str


@dataclass
class ApplyResult:
    applied: int = 0
    # (table, row_id, field) of pulled values kept aside because a local change is pending.
    conflicts: list[tuple[str, str, str]] = field(default_factory=list)
    # Changes refused, with the reason (sync sets them aside; they never block the page).
    rejected: list[tuple[RemoteChange, str]] = field(default_factory=list)


def apply_remote_changes(store: Store, changes: Iterable[RemoteChange]) -> ApplyResult:
    """Apply a page of pulled changes in one transaction (see the module's rules)."""
    result = ApplyResult()
    local_station = store.get_setting("local_station_code")
    versions: list[tuple[str, str, int]] = []
    with store.transaction():
        for change in changes:
            if change.table not in SYNCABLE_TABLES or change.op not in (
                "insert",
                "update",
                "delete",
            ):
                result.rejected.append((change, _("unknown table or operation")))
                continue
            # One change this database refuses (a constraint) is set aside with the reason;
            # it never blocks the page.
            store.conn.execute("SAVEPOINT remote_change")
            try:
                with store.transaction(origin=remote_origin(change.station)):
                    reason = _apply(store, change, local_station, result)
            except driver.IntegrityError as error:
                store.conn.execute("ROLLBACK TO remote_change")
                reason = _("this database refuses it: {reason}").format(reason=error)
            store.conn.execute("RELEASE remote_change")
            if reason is None:
                result.applied += 1
                versions.append((change.table, change.row_id, change.version))
            else:
                result.rejected.append((change, reason))
        remember_versions(store, versions)
    return result


def _columns(store: Store, table: str) -> list[str]:
    # Asked for every pulled change: kept per connection and schema version (a migration
    # or a new column changes PRAGMA schema_version).
    version = store.conn.execute("PRAGMA schema_version").fetchone()[0]
    key = (id(store.conn), version, table)
    found = _COLUMNS_SEEN.get(key)
    if found is None:
        found = [
            row[1]
            for row in store.execute(f"PRAGMA table_info({table})")
            if row[1] not in _LOCAL_COLUMNS
        ]
        if len(_COLUMNS_SEEN) > 256:
            _COLUMNS_SEEN.clear()
        _COLUMNS_SEEN[key] = found
    return found


_COLUMNS_SEEN: dict[tuple[int, int, str], list[str]] = {}


def _pending_fields(store: Store, table: str, row_id: str) -> dict[str, Any] | None:
    """The fields of the row changed here and not pushed yet, with their local values; None
    when the row itself was made here and not pushed (all of it is pending)."""
    pending: dict[str, Any] = {}
    for op, new_values in store.execute(
        "SELECT op, new_values FROM outbox WHERE table_name = ? AND row_id = ? ORDER BY seq",
        (table, row_id),
    ):
        if op == "insert":
            return None
        if new_values:
            pending.update(json.loads(new_values))
    for name in _NEVER_CONFLICT:
        pending.pop(name, None)
    return pending


def _apply(
    store: Store, change: RemoteChange, local_station: str | None, result: ApplyResult
) -> str | None:
    """Write one change; returns the reason it was refused, or None."""
    table = change.table
    columns = _columns(store, table)
    values = {k: v for k, v in change.values.items() if k in columns and k != "id"}
    unknown = {
        k: v
        for k, v in change.values.items()
        if k not in columns and k not in _LOCAL_COLUMNS and k != "id"
    }
    if unknown and change.op != "delete":
        # Architecture point 10: fields this version has no column for are kept, not dropped
        # (and sent back untouched with the row: store.sync_state).
        keep_unknown_fields(store, table, change.row_id, unknown)
    existing = store.query(f"SELECT * FROM {table} WHERE id = ?", (change.row_id,))
    if table in APPEND_ONLY:
        if change.op != "insert":
            return _("{table} rows are never changed").format(table=table)
        if not existing:
            _insert(store, table, change.row_id, values)
        return None
    if change.op == "delete":
        if existing:
            pending = _pending_fields(store, table, change.row_id)
            if pending is None or pending:
                return _("the row has local changes that were not sent yet")
            store.execute(f"DELETE FROM {table} WHERE id = ?", (change.row_id,))
        return None
    if not existing:
        if change.op == "update":
            return _("an update of a row this station does not have")
        return _insert_new(store, table, change.row_id, values)
    row = existing[0]
    if (
        table == "cases"
        and "status" in values
        and values["status"] != row["status"]
        and row["owner_station"] == local_station
        and change.station != local_station
    ):
        return _("only the station that owns a case changes its status; escalate it first")
    pending = _pending_fields(store, table, change.row_id)
    if pending is None:
        pending = {name: row[name] for name in columns}
    to_write = {}
    for name, value in values.items():
        if name in pending and name not in _NEVER_CONFLICT:
            # This station's own earlier value coming back: the pending local edit is newer.
            if value != row[name] and change.station != local_station:
                _keep_conflict(store, change, name, row[name], value)
                result.conflicts.append((table, change.row_id, name))
            continue
        if value != row[name]:
            to_write[name] = value
    if to_write:
        assignments = ", ".join(f"{name} = ?" for name in to_write)
        store.execute(
            f"UPDATE {table} SET {assignments} WHERE id = ?",
            (*to_write.values(), change.row_id),
        )
    return None


def _insert(store: Store, table: str, row_id: str, values: Mapping[str, Any]) -> None:
    names = ["id", *values]
    marks = ", ".join("?" * len(names))
    store.execute(
        f"INSERT INTO {table}({', '.join(names)}) VALUES ({marks})", (row_id, *values.values())
    )


def _insert_new(store: Store, table: str, row_id: str, values: Mapping[str, Any]) -> str | None:
    """Insert a row this station does not have, by the natural-key rules of the module."""
    if table == "users":
        # A local account of another station arrives without its password hash: it cannot
        # log in on this PC (verify_password refuses an empty hash).
        values = {"password_hash": "", **values}
        taken = store.scalar(
            "SELECT id FROM users WHERE username = ? AND id != ?", (values.get("username"), row_id)
        )
        if taken is not None:
            return _("the user name {name} is already used by a user of this station").format(
                name=values.get("username")
            )
    if table == "holiday_schedules":
        local = store.scalar(
            "SELECT id FROM holiday_schedules WHERE year = ? AND id != ?",
            (values.get("year"), row_id),
        )
        if local is not None:
            # The city office's schedule of the year replaces the one imported here.
            assignments = ", ".join(f"{name} = ?" for name in values)
            store.execute(
                f"UPDATE holiday_schedules SET id = ?, {assignments} WHERE id = ?",
                (row_id, *values.values(), local),
            )
            return None
    _insert(store, table, row_id, values)
    return None


def keep_unknown_fields(store: Store, table: str, row_id: str, fields: Mapping[str, Any]) -> None:
    """Merge `fields` into the row's kept unknown fields (sync_extra_fields, migration 10)."""
    known = store.scalar(
        "SELECT fields FROM sync_extra_fields WHERE table_name = ? AND row_id = ?",
        (table, row_id),
    )
    merged = {**(json.loads(known) if known else {}), **fields}
    store.execute(
        "INSERT INTO sync_extra_fields(table_name, row_id, fields) VALUES (?, ?, ?)"
        " ON CONFLICT(table_name, row_id) DO UPDATE SET fields = excluded.fields",
        (table, row_id, json.dumps(merged, ensure_ascii=False, sort_keys=True)),
    )


def forget_unknown_row(store: Store, table: str, row_id: str) -> None:
    """Forget a row of a table this version does not have, deleted on the server."""
    store.execute(
        "DELETE FROM sync_extra_fields WHERE table_name = ? AND row_id = ?", (table, row_id)
    )


def unknown_fields(store: Store, table: str, row_id: str) -> dict[str, Any]:
    """The fields of a pulled row that this version has no column for."""
    known = store.scalar(
        "SELECT fields FROM sync_extra_fields WHERE table_name = ? AND row_id = ?",
        (table, row_id),
    )
    return json.loads(known) if known else {}


def _keep_conflict(
    store: Store, change: RemoteChange, name: str, local_value: Any, remote_value: Any
) -> None:
    # Which value will lose on the server once the local one is pushed: the owner's wins.
    owner = record_owner(store, change.table, change.row_id)
    store.execute(
        "INSERT INTO sync_conflicts(table_name, row_id, field, local_value, remote_value,"
        " remote_station, received_at, lost_here) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            change.table,
            change.row_id,
            name,
            None if local_value is None else json.dumps(local_value, ensure_ascii=False),
            None if remote_value is None else json.dumps(remote_value, ensure_ascii=False),
            change.station,
            utc_now(),
            0 if owner is not None and owner == store.get_setting("local_station_code") else 1,
        ),
    )


def record_owner(store: Store, table: str, row_id: str) -> str | None:
    """The station that owns a record and reviews its conflicts: its case's owner station
    for a case's row, else the row's owner_station (None: not here)."""
    columns = _columns(store, table)
    if table == "cases":
        return store.scalar("SELECT owner_station FROM cases WHERE id = ?", (row_id,))
    if "case_id" in columns:
        return store.scalar(
            f"SELECT c.owner_station FROM {table} t JOIN cases c ON c.id = t.case_id"
            " WHERE t.id = ?",
            (row_id,),
        )
    if "owner_station" in columns:
        return store.scalar(f"SELECT owner_station FROM {table} WHERE id = ?", (row_id,))
    return None


def remember_versions(store: Store, versions: Iterable[tuple[str, str, int]]) -> None:
    """Keep the server's version of rows, (table, row_id, version): after a pull, and after
    the server acknowledged a push. A later local edit of the row is queued with it as the
    version it started from (outbox.row_version)."""
    with store.transaction():
        store.conn.executemany(
            "INSERT INTO row_versions(table_name, row_id, version) VALUES (?, ?, ?)"
            " ON CONFLICT(table_name, row_id) DO UPDATE"
            " SET version = max(version, excluded.version)",
            list(versions),
        )


def pending_conflicts(store: Store) -> list[dict[str, Any]]:
    """Pulled values kept aside for review, oldest first."""
    return store.query(
        "SELECT table_name, row_id, field, local_value, remote_value, remote_station,"
        " received_at FROM sync_conflicts WHERE resolved = 0 ORDER BY local_id"
    )
