"""The station's sync bookkeeping in SQL (migration 10): the only SQL of station_app.sync.

- sync_state: key/value state of sync (server address, pull cursor, last success, clock).
- sync_batches: the push batch in flight, kept *before* it is sent, with its UUID and the
  exact body: after a crash or a cut connection the same batch is sent again, which the
  server answers as a duplicate (idempotent push). Outbox entries are removed only when the
  server's answer is stored, in the same transaction.
- sync_rejected: changes set aside with their reason (refused by the server at push, or by
  this PC at pull); they never block the queue and stay visible in the status.
- sync_extra_fields: fields of pulled rows this version has no column for (kept by
  store.sync_apply and sent back with the row).
- sync_files: attachments the server has confirmed whole.
- sync_row_digests, sync_digest_totals, sync_digest_dirty (migration 14): the scope checksum
  kept as rows change (scope_checksum).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from station_app.i18n import _
from station_app.ids import utc_now
from station_app.store import driver
from station_app.store.connection import Store, remote_origin
from station_app.store.migrations import SYNCABLE_TABLES
from station_app.store.sync_apply import (
    ApplyResult,
    RemoteChange,
    apply_remote_changes,
    forget_unknown_row,
    keep_unknown_fields,
    record_owner,
    remember_versions,
    unknown_fields,
)
from station_app.store.sync_review import conflicts_to_review

# Columns never compared with the server: this PC's own, and local users' password hashes
# (which never leave the PC, migration 8).
_LOCAL_COLUMNS = ("local_id", "demo")
_PRIVATE_COLUMNS = {"users": ("password_hash",)}
# Stop filling a batch past this many bytes of outbox text (the server takes 16 MB a request).
MAX_BATCH_TEXT_BYTES = 4 * 1024 * 1024

CURSOR = "pull_cursor"
SERVER_URL = "server_url"
CA_FILE = "ca_file"
STATION = "station_code"
LAST_SUCCESS = "last_success"
LAST_ATTEMPT = "last_attempt"
LAST_ERROR = "last_error"
CLOCK_OFFSET = "clock_offset_seconds"
SERVER_TIME = "server_time"
NARROW_UNTIL = "narrow_until_seq"
LAST_FULL_CHECKSUM = "last_full_checksum"
CONFLICT_CURSOR = "conflict_cursor"
# The origin (store.connection.remote_origin) of removals by a repair resync.
REPAIR_ORIGIN = "city-repair"


# -- key / value state ------------------------------------------------------------------------


def get_state(store: Store, key: str, default: str | None = None) -> str | None:
    value = store.scalar("SELECT value FROM sync_state WHERE key = ?", (key,))
    return default if value is None else value


def set_state(store: Store, **values: str | int | float | None) -> None:
    """Set (or with None remove) keys of the sync state, in one transaction."""
    with store.transaction():
        for key, value in values.items():
            if value is None:
                store.execute("DELETE FROM sync_state WHERE key = ?", (key,))
            else:
                store.execute(
                    "INSERT INTO sync_state(key, value) VALUES (?, ?)"
                    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, str(value)),
                )


def all_state(store: Store) -> dict[str, str]:
    return {r["key"]: r["value"] for r in store.query("SELECT key, value FROM sync_state")}


# -- the outbox, batches in flight ------------------------------------------------------------


@dataclass(frozen=True)
class OutboxEntry:
    seq: int
    table: str
    row_id: str
    op: str
    fields: dict[str, Any]
    base: dict[str, Any]
    row_version: int
    txid: str
    origin_station: str
    case_id: str | None
    owner_station: str | None
    changed_at: str


def pending_count(store: Store) -> int:
    return int(store.scalar("SELECT count(*) FROM outbox"))


def read_outbox(
    store: Store, *, max_changes: int, one_transaction_until: int = 0, after_seq: int = 0
) -> list[OutboxEntry]:
    """The oldest outbox entries for the next batch: at most `max_changes`, never cutting a
    station transaction in two (unless one is larger than a batch), and at most about
    MAX_BATCH_TEXT_BYTES of text. Entries up to seq `one_transaction_until` go one
    transaction a batch (to find the one the server refuses whole)."""
    rows = store.query(
        "SELECT seq, table_name, row_id, op, new_values, old_values, row_version, txid,"
        " origin_station, changed_at FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
        (after_seq, max_changes + 1),
    )
    if not rows:
        return []
    picked: list[dict[str, Any]] = []
    size = 0
    for row in rows[:max_changes]:
        size += len(row["new_values"] or "") + len(row["old_values"] or "")
        if picked and (size > MAX_BATCH_TEXT_BYTES):
            break
        picked.append(row)
    narrow = rows[0]["seq"] <= one_transaction_until
    if narrow:
        picked = [r for r in picked if r["txid"] == rows[0]["txid"]]
    elif len(picked) < len(rows):
        # Do not cut the last transaction, unless it is all there is.
        last_txid = picked[-1]["txid"]
        whole = [r for r in picked if r["txid"] != last_txid]
        if whole and last_txid is not None:
            picked = whole
    # Most stations never keep an unknown field: then no insert needs a look for them.
    extra = bool(store.scalar("SELECT EXISTS (SELECT 1 FROM sync_extra_fields)"))
    return [_entry(store, row, extra=extra) for row in picked]


def _entry(store: Store, row: Mapping[str, Any], *, extra: bool = True) -> OutboxEntry:
    table, row_id, op = row["table_name"], row["row_id"], row["op"]
    new_values = orjson.loads(row["new_values"]) if row["new_values"] else {}
    old_values = orjson.loads(row["old_values"]) if row["old_values"] else {}
    if op == "insert" and extra:
        # Fields this version does not know, kept from the server, go back untouched.
        new_values = {**unknown_fields(store, table, row_id), **new_values}
    whole = new_values if op == "insert" else {**old_values, **new_values}
    case_id = row_id if table == "cases" else whole.get("case_id")
    owner = whole.get("owner_station")
    if op != "insert" and (owner is None or (case_id is None and table != "cases")):
        local = _local_row(store, table, row_id)
        if local:
            owner = owner or local.get("owner_station")
            case_id = case_id or local.get("case_id")
    return OutboxEntry(
        seq=row["seq"],
        table=table,
        row_id=row_id,
        op=op,
        fields=new_values if op != "delete" else {},
        base=old_values if op == "update" else {},
        row_version=row["row_version"] or 0,
        txid=row["txid"] or "",
        origin_station=row["origin_station"] or "",
        case_id=case_id if isinstance(case_id, str) else None,
        owner_station=owner if isinstance(owner, str) else None,
        changed_at=row["changed_at"] or "",
    )


def _local_row(store: Store, table: str, row_id: str) -> dict[str, Any] | None:
    found = store.query(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
    return found[0] if found else None


def batch_in_flight(store: Store) -> dict[str, Any] | None:
    """The batch kept before sending and not yet answered: {batch_id, first_seq, last_seq,
    body} (body: the exact JSON text sent)."""
    found = store.query(
        "SELECT batch_id, first_seq, last_seq, body FROM sync_batches ORDER BY first_seq LIMIT 1"
    )
    return found[0] if found else None


def batch_by_id(store: Store, batch_id: str) -> dict[str, Any] | None:
    found = store.query(
        "SELECT batch_id, first_seq, last_seq, body FROM sync_batches WHERE batch_id = ?",
        (batch_id,),
    )
    return found[0] if found else None


def batches_kept(store: Store) -> list[dict[str, Any]]:
    """Every batch kept and not yet answered (sent, or written to a USB bundle), in order."""
    return store.query(
        "SELECT batch_id, first_seq, last_seq, body FROM sync_batches ORDER BY first_seq"
    )


def keep_batch(store: Store, batch_id: str, first_seq: int, last_seq: int, body: str) -> None:
    """Keep the batch before it is sent (a crash after this resends the same UUID)."""
    with store.transaction():
        store.execute(
            "INSERT INTO sync_batches(batch_id, first_seq, last_seq, body, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (batch_id, first_seq, last_seq, body, utc_now()),
        )


def drop_batch(store: Store, batch_id: str) -> None:
    """Forget a batch the server refused whole (its entries stay in the outbox)."""
    with store.transaction():
        store.execute("DELETE FROM sync_batches WHERE batch_id = ?", (batch_id,))


@dataclass(frozen=True)
class SetAside:
    table: str
    row_id: str
    op: str
    change: Mapping[str, Any]
    reason: str


@dataclass(frozen=True)
class PushConflict:
    """A same-field conflict the server reported for a pushed change."""

    table: str
    row_id: str
    field: str
    local_value: Any
    remote_value: Any
    remote_station: str
    # Which value lost on the server: this station's (local_value) or the other's.
    lost_here: bool = False


def finish_batch(
    store: Store,
    batch_id: str,
    *,
    set_aside: Iterable[SetAside] = (),
    conflicts: Iterable[PushConflict] = (),
    fixes: Iterable[RemoteChange] = (),
) -> ApplyResult:
    """Store the server's answer to a batch in one transaction: its outbox entries go, the
    refused changes are set aside with their reason, conflicts are kept for review, and the
    values the server kept over ours (`fixes`) are applied as pulled changes."""
    with store.transaction():
        batch = store.query(
            "SELECT first_seq, last_seq FROM sync_batches WHERE batch_id = ?", (batch_id,)
        )
        if batch:
            store.execute(
                "DELETE FROM outbox WHERE seq BETWEEN ? AND ?",
                (batch[0]["first_seq"], batch[0]["last_seq"]),
            )
            store.execute("DELETE FROM sync_batches WHERE batch_id = ?", (batch_id,))
        now = utc_now()
        for item in set_aside:
            store.execute(
                "INSERT INTO sync_rejected(direction, batch_id, table_name, row_id, op, change,"
                " reason, at) VALUES ('push', ?, ?, ?, ?, ?, ?, ?)",
                (
                    batch_id,
                    item.table,
                    item.row_id,
                    item.op,
                    json.dumps(item.change, ensure_ascii=False),
                    item.reason,
                    now,
                ),
            )
        for c in conflicts:
            store.execute(
                "INSERT INTO sync_conflicts(table_name, row_id, field, local_value,"
                " remote_value, remote_station, received_at, lost_here)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    c.table,
                    c.row_id,
                    c.field,
                    _json_or_null(c.local_value),
                    _json_or_null(c.remote_value),
                    c.remote_station,
                    now,
                    int(c.lost_here),
                ),
            )
        return apply_remote_changes(store, list(fixes))


def keep_owner_conflicts(
    store: Store, conflicts: Iterable[PushConflict], *, cursor: int, station: str
) -> int:
    """Keep the conflicts the server holds for the review of `station`, and the cursor of
    the server's conflict list, in one transaction. Kept: those whose record this station
    owns now, its own value kept (another station's lost to it) or two other stations'
    values (a township's kept over the city's on a village's case, say); a conflict kept
    here already (from the answer to a push) is not kept twice. Returns how many were new."""
    new = 0
    with store.transaction():
        for c in conflicts:
            if c.remote_station == station or record_owner(store, c.table, c.row_id) != station:
                continue
            lost = _json_or_null(c.remote_value)
            if store.scalar(
                "SELECT 1 FROM sync_conflicts WHERE table_name = ? AND row_id = ? AND field = ?"
                " AND remote_station = ? AND remote_value IS ?",
                (c.table, c.row_id, c.field, c.remote_station, lost),
            ):
                continue
            store.execute(
                "INSERT INTO sync_conflicts(table_name, row_id, field, local_value,"
                " remote_value, remote_station, received_at, lost_here)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                (
                    c.table,
                    c.row_id,
                    c.field,
                    _json_or_null(c.local_value),
                    lost,
                    c.remote_station,
                    utc_now(),
                ),
            )
            new += 1
        store.execute(
            "INSERT INTO sync_state(key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (CONFLICT_CURSOR, str(cursor)),
        )
    return new


def set_aside_entries(store: Store, entries: Iterable[tuple[int, SetAside]]) -> None:
    """Take outbox entries (by seq) out of the queue, kept with their reason, at once."""
    with store.transaction():
        now = utc_now()
        for seq, item in entries:
            store.execute("DELETE FROM outbox WHERE seq = ?", (seq,))
            store.execute(
                "INSERT INTO sync_rejected(direction, table_name, row_id, op, change, reason, at)"
                " VALUES ('push', ?, ?, ?, ?, ?, ?)",
                (
                    item.table,
                    item.row_id,
                    item.op,
                    json.dumps(item.change, ensure_ascii=False),
                    item.reason,
                    now,
                ),
            )


def _json_or_null(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


# -- pull ---------------------------------------------------------------------------------------


def local_tables() -> tuple[str, ...]:
    return SYNCABLE_TABLES


def apply_page(
    store: Store,
    changes: list[RemoteChange],
    *,
    cursor: int,
    foreign: Iterable[tuple[str, str, Mapping[str, Any] | None]] = (),
) -> ApplyResult:
    """Apply one pulled page and advance the cursor, in ONE transaction: a page is stored
    whole with its cursor or not at all. `foreign`: rows of tables this version does not
    have (table, row id, fields), kept untouched, in the page's order; fields None: the row
    was deleted on the server, and is forgotten here (a reference document the city deleted
    goes with it, migration 21). Changes this PC refuses are set aside."""
    with store.transaction():
        echoes, changes = _own_echoes(store, changes)
        result = apply_remote_changes(store, changes)
        if echoes:
            remember_versions(store, [(c.table, c.row_id, c.version) for c in echoes])
            result.applied += len(echoes)
        for table, row_id, fields in foreign:
            if fields is None:
                forget_unknown_row(store, table, row_id)
            else:
                keep_unknown_fields(store, table, row_id, fields)
        _set_aside_pulled(store, result)
        store.execute(
            "INSERT INTO sync_state(key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (CURSOR, str(cursor)),
        )
    return result


# Rows read at once when looking for this station's own changes coming back.
_ECHO_READ = 500


def _own_echoes(
    store: Store, changes: list[RemoteChange]
) -> tuple[list[RemoteChange], list[RemoteChange]]:
    """Split a pulled page into this station's own changes coming back that would change
    nothing here (the row holds every pulled value already, or an own delete of a row that
    is gone), and the rest, in order. An echo only needs its server version remembered: the
    first pull after a first push is mostly echoes, and each read in bulk instead of being
    applied one by one makes it several times cheaper. A row that another change of the
    same page touches is never counted as an echo (the page's order then matters)."""
    local = store.get_setting("local_station_code")
    own = [c for c in changes if c.station == local and c.table in SYNCABLE_TABLES]
    if not own:
        return [], changes
    others = {(c.table, c.row_id) for c in changes if c.station != local}
    seen: dict[tuple[str, str], int] = {}
    for c in own:
        seen[c.table, c.row_id] = seen.get((c.table, c.row_id), 0) + 1
    by_table: dict[str, list[str]] = {}
    for c in own:
        key = (c.table, c.row_id)
        if key not in others and seen[key] == 1:
            by_table.setdefault(c.table, []).append(c.row_id)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for table, ids in by_table.items():
        for start in range(0, len(ids), _ECHO_READ):
            part = ids[start : start + _ECHO_READ]
            cursor = store.execute(
                f"SELECT * FROM {table} WHERE id IN ({', '.join('?' * len(part))})", tuple(part)
            )
            names = [d[0] for d in cursor.description]
            for values in cursor.fetchall():
                row = dict(zip(names, values, strict=True))
                rows[table, row["id"]] = row
    echoes, rest = [], []
    for c in changes:
        key = (c.table, c.row_id)
        if c.station != local or key in others or seen.get(key, 0) != 1:
            rest.append(c)
            continue
        row = rows.get(key)
        if c.op == "delete":
            same = row is None
        else:
            same = row is not None and all(
                name in row and name not in _LOCAL_COLUMNS and row[name] == value
                for name, value in c.values.items()
                if name != "id"
            )
        (echoes if same else rest).append(c)
    return echoes, rest


def _set_aside_pulled(store: Store, result: ApplyResult) -> None:
    now = utc_now()
    for change, reason in result.rejected:
        store.execute(
            "INSERT INTO sync_rejected(direction, table_name, row_id, op, change, reason, at)"
            " VALUES ('pull', ?, ?, ?, ?, ?, ?)",
            (
                change.table,
                change.row_id,
                change.op,
                json.dumps(
                    {"values": dict(change.values), "station": change.station},
                    ensure_ascii=False,
                ),
                reason,
                now,
            ),
        )


def apply_repair(store: Store, changes: list[RemoteChange]) -> ApplyResult:
    """Apply rows of a repair resync (the server's current rows), in one transaction."""
    with store.transaction():
        result = apply_remote_changes(store, changes)
        _set_aside_pulled(store, result)
    return result


def remove_local_only(store: Store, table: str, row_ids: Iterable[str]) -> int:
    """Remove rows of a repair resync that the server does not have in this station's scope
    (removed there, or never sent by the station that made them), in one transaction; returns
    how many went. A row with local work not yet pushed (an outbox entry, or an insert the
    server refused and that is set aside) is never removed, nor a row the database keeps
    (append-only records, a case whose events remain). A copy of each removed row is kept
    with the set-aside records (direction pull, op delete), so nothing is lost."""
    removed = 0
    reason = _(
        "removed by the repair: the city office's server does not have this record in this "
        "station's records; a copy is kept here"
    )
    with store.transaction(origin=remote_origin(REPAIR_ORIGIN)):
        for row_id in row_ids:
            if store.scalar(
                "SELECT 1 FROM outbox WHERE table_name = ? AND row_id = ? UNION ALL"
                " SELECT 1 FROM sync_rejected WHERE direction = 'push' AND table_name = ?"
                " AND row_id = ? LIMIT 1",
                (table, row_id, table, row_id),
            ):
                continue
            found = store.query(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
            if not found or _keeps_the_pc_working(store, table, found[0]):
                continue
            copy = {k: v for k, v in found[0].items() if k not in _LOCAL_COLUMNS}
            if table in _PRIVATE_COLUMNS:
                copy = {k: v for k, v in copy.items() if k not in _PRIVATE_COLUMNS[table]}
            store.conn.execute("SAVEPOINT remove_local_only")
            try:
                store.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
            except driver.IntegrityError:
                # Append-only, or rows of other tables still point at it: it stays.
                store.conn.execute("ROLLBACK TO remove_local_only")
                store.conn.execute("RELEASE remove_local_only")
                continue
            store.conn.execute("RELEASE remove_local_only")
            store.execute(
                "INSERT INTO sync_rejected(direction, table_name, row_id, op, change, reason, at)"
                " VALUES ('pull', ?, ?, 'delete', ?, ?, ?)",
                (table, row_id, json.dumps(copy, ensure_ascii=False), reason, utc_now()),
            )
            removed += 1
    return removed


def _keeps_the_pc_working(store: Store, table: str, row: Mapping[str, Any]) -> bool:
    """This station's own row and its own users' accounts: never removed by a repair (the
    app could no longer open); the city office puts them right on the server."""
    local = store.get_setting("local_station_code")
    if table == "stations":
        return row["code"] == local
    if table == "users":
        return row["station_code"] == local
    return False


# -- the scope checksum -------------------------------------------------------------------------


def checksum_fields(store: Store, table: str) -> list[str]:
    """The fields of `table` compared with the server's (not the local or private ones)."""
    private = _PRIVATE_COLUMNS.get(table, ())
    return [
        row[1]
        for row in store.execute(f"PRAGMA table_info({table})")
        if row[1] not in _LOCAL_COLUMNS and row[1] not in private and row[1] != "id"
    ]


def checksum_rows(
    store: Store, table: str, *, only_dirty: bool = False
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(row id, row) of the rows of `table` the server should have: not demo rows, not rows
    whose insert the server refused (set aside), not this PC's audit of pulled changes.
    Meaningful when the outbox is empty. `only_dirty`: only the rows written since their
    digest was kept (sync_digest_dirty)."""
    columns = {row[1] for row in store.execute(f"PRAGMA table_info({table})")}
    conditions = [
        "NOT EXISTS (SELECT 1 FROM sync_rejected r WHERE r.direction = 'push'"
        f" AND r.op = 'insert' AND r.table_name = '{table}' AND r.row_id = t.id)",
    ]
    if only_dirty:
        conditions.append(
            f"t.id IN (SELECT row_id FROM sync_digest_dirty WHERE table_name = '{table}')"
        )
    if "demo" in columns:
        conditions.append("t.demo = 0")
    if "case_id" in columns:
        conditions.append("NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = t.case_id AND c.demo)")
    if "origin" in columns:
        # The audit of pulled changes written here is this PC's own record, never sent.
        conditions.append("t.origin = 'local'")
    cursor = store.execute(f"SELECT * FROM {table} t WHERE {' AND '.join(conditions)}")
    names = [d[0] for d in cursor.description]
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        yield row["id"], row


_DIGEST_MODULUS = 1 << 128


def scope_checksum(
    store: Store,
    table: str,
    fields: list[str],
    digest: Callable[[str, str, Mapping[str, Any], list[str]], int],
    *,
    full: bool = False,
) -> tuple[int, str]:
    """Count and hash (sum modulo 2**128 of `digest` over checksum_rows, as
    sync.protocol.combine_digests makes it) of `table`, from the kept digests: only the rows
    written since (marked by the triggers of migration 14) are read again. `full`, a table
    never counted, or other fields: every row is read and the kept digests made anew."""
    names = json.dumps(fields)
    with store.transaction():
        kept = store.query(
            "SELECT fields, row_count, digest_sum FROM sync_digest_totals WHERE table_name = ?",
            (table,),
        )
        if full or not kept or kept[0]["fields"] != names:
            fresh = {
                row_id: digest(table, row_id, row, fields)
                for row_id, row in checksum_rows(store, table)
            }
            store.execute("DELETE FROM sync_row_digests WHERE table_name = ?", (table,))
            count, total = 0, 0
        else:
            fresh = {
                row_id: digest(table, row_id, row, fields)
                for row_id, row in checksum_rows(store, table, only_dirty=True)
            }
            count, total = int(kept[0]["row_count"]), int(kept[0]["digest_sum"], 16)
            for old in store.query(
                "SELECT d.digest FROM sync_row_digests d JOIN sync_digest_dirty m"
                " ON m.table_name = d.table_name AND m.row_id = d.row_id"
                " WHERE d.table_name = ?",
                (table,),
            ):
                count -= 1
                total -= int(old["digest"], 16)
            store.execute(
                "DELETE FROM sync_row_digests WHERE table_name = ? AND row_id IN"
                " (SELECT row_id FROM sync_digest_dirty WHERE table_name = ?)",
                (table, table),
            )
        store.conn.executemany(
            "INSERT INTO sync_row_digests(table_name, row_id, digest) VALUES (?, ?, ?)",
            [(table, row_id, f"{value:032x}") for row_id, value in fresh.items()],
        )
        count += len(fresh)
        total = (total + sum(fresh.values())) % _DIGEST_MODULUS
        store.execute("DELETE FROM sync_digest_dirty WHERE table_name = ?", (table,))
        store.execute(
            "INSERT INTO sync_digest_totals(table_name, fields, row_count, digest_sum)"
            " VALUES (?, ?, ?, ?) ON CONFLICT(table_name) DO UPDATE SET fields = excluded.fields,"
            " row_count = excluded.row_count, digest_sum = excluded.digest_sum",
            (table, names, count, f"{total:032x}"),
        )
    return count, f"{total:032x}"


def row_ids(store: Store, table: str) -> set[str]:
    return {r[0] for r in store.execute(f"SELECT id FROM {table}")}


# -- attachments --------------------------------------------------------------------------------


def attachments(store: Store) -> list[dict[str, Any]]:
    """Every attachment the station's rows name: {sha256, size, filename, kind}, where kind
    is 'evidence' or 'document' (issued PDF). Demo rows' files are not sent."""
    return store.query(
        "SELECT DISTINCT e.sha256, e.size, e.filename, 'evidence' AS kind FROM evidence e"
        " WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = e.case_id AND c.demo)"
        " UNION SELECT DISTINCT sha256, size, doc_no || '.pdf', 'document' FROM issued_documents"
        " ORDER BY 1"
    )


def files_confirmed(store: Store) -> set[str]:
    return {r[0] for r in store.execute("SELECT sha256 FROM sync_files")}


def confirm_file(store: Store, sha256: str) -> None:
    with store.transaction():
        store.execute(
            "INSERT OR IGNORE INTO sync_files(sha256, uploaded_at) VALUES (?, ?)",
            (sha256, utc_now()),
        )


# -- status -------------------------------------------------------------------------------------


def status_counts(store: Store) -> dict[str, int]:
    return {
        "pending": pending_count(store),
        "conflicts": conflicts_to_review(store),
        "rejected": int(store.scalar("SELECT count(*) FROM sync_rejected")),
        "in_flight": int(store.scalar("SELECT count(*) FROM sync_batches")),
    }


def rejected_records(store: Store, limit: int = 50) -> list[dict[str, Any]]:
    return store.query(
        "SELECT direction, table_name, row_id, op, reason, at FROM sync_rejected"
        " ORDER BY local_id DESC LIMIT ?",
        (limit,),
    )


@dataclass(frozen=True)
class SetAsideRecord:
    """One record set aside, for the list in the app: refused by the server at push
    (direction 'push'), refused by this PC at pull ('pull'), or removed by a repair (a copy:
    direction 'pull', op 'delete'). `case_no`: the case it belongs to, when known."""

    record_id: int
    direction: str
    table: str
    row_id: str
    op: str
    reason: str
    at: str
    case_no: str | None
    change: dict[str, Any]


def set_aside_records(store: Store, limit: int = 500) -> list[SetAsideRecord]:
    """The set-aside records, newest first, with the case each belongs to."""
    found = []
    for row in store.query(
        "SELECT local_id, direction, table_name, row_id, op, change, reason, at"
        " FROM sync_rejected ORDER BY local_id DESC LIMIT ?",
        (limit,),
    ):
        try:
            change = json.loads(row["change"])
        except ValueError:
            change = {}
        if not isinstance(change, dict):
            change = {}
        values = change.get("fields") or change.get("values") or change
        values = values if isinstance(values, dict) else {}
        case_id = (
            row["row_id"]
            if row["table_name"] == "cases"
            else change.get("case_id") or values.get("case_id")
        )
        case_no = values.get("case_no") if row["table_name"] == "cases" else None
        if case_no is None and isinstance(case_id, str):
            case_no = store.scalar("SELECT case_no FROM cases WHERE id = ?", (case_id,))
        found.append(
            SetAsideRecord(
                record_id=row["local_id"],
                direction=row["direction"],
                table=row["table_name"],
                row_id=row["row_id"],
                op=row["op"],
                reason=row["reason"],
                at=row["at"],
                case_no=case_no if isinstance(case_no, str) else None,
                change=change,
            )
        )
    return found
