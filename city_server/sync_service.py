"""Push, pull and scope checks: the sync rules of the city server, over one DB connection.

A push batch is applied in the caller's transaction under one lock that also hands out the
server's sequence numbers, so changes commit in sequence order and a reader that has seen
number n has seen every number below it (no commit-order gap). The batch is planned in memory
first (scope, authority, conflicts), then written with a few bulk statements.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, bindparam, exists, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from city_server.db import (
    attachment_cases,
    batches,
    case_readers,
    changes,
    conflicts,
    is_postgresql,
    rejected,
    rows,
    server_state,
)
from city_server.errors import ApiError
from city_server.stations import Hierarchy, Station
from station_app.sync.protocol import (
    ATTACHMENT_FIELDS,
    NON_CONFLICTING_FIELDS,
    ROW_ID,
    SHA256_HEX,
    STATION_CODE,
    SYNC_TABLES,
    Change,
    PushBatch,
    canonical_json,
    combine_digests,
    row_digest,
    utc_now_text,
)

SEQUENCE_LOCK = 0x5354_5351  # "STSQ": the one lock of sequence assignment
_MISSING = object()


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def lock_sequence(conn: Connection) -> int:
    """Take the sequence lock for this transaction; returns the last number handed out."""
    if is_postgresql(conn.engine):
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEQUENCE_LOCK})
    # SQLite: every transaction began IMMEDIATE, so the writer holds the database already.
    return int(
        conn.execute(select(server_state.c.last_seq).where(server_state.c.id == 1)).scalar_one()
    )


def insert_ignoring_duplicates(conn: Connection, table, values: list[dict[str, Any]]) -> None:  # noqa: ANN001
    if not values:
        return
    dialect = postgresql if is_postgresql(conn.engine) else sqlite
    conn.execute(dialect.insert(table).on_conflict_do_nothing(), values)


def bulk_insert(conn: Connection, table, values: list[dict[str, Any]]) -> None:  # noqa: ANN001
    """Insert many rows through the driver's executemany: SQLAlchemy's per-row parameter
    processing costs more than the database's work for a batch of thousands."""
    if not values:
        return
    names = list(values[0])
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    quote = conn.dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join([marker] * len(names))})"
    )
    conn.exec_driver_sql(sql, [tuple(v[n] for n in names) for v in values])


@dataclass
class RowState:
    table: str
    row_id: str
    fields: dict[str, Any]
    versions: dict[str, list[Any]]
    version: int
    case_id: str | None
    owner_station: str | None
    scope_station: str | None
    public: bool
    removed: bool
    in_db: bool
    last_seq: int = 0
    fields_json: str | None = None  # the fields as stored, while unchanged since


class Rejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Plan:
    """What a batch will write, built in memory before one bulk write."""

    next_seq: int
    log: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    transfers: list[tuple[str, str, str]] = field(default_factory=list)  # case, old, new
    attachment_cases: list[dict[str, str]] = field(default_factory=list)
    accepted: int = 0

    def take_seq(self) -> int:
        self.next_seq += 1
        return self.next_seq


def _row_from_db(r: Any) -> RowState:
    return RowState(
        table=r["table_name"],
        row_id=r["row_id"],
        fields=json.loads(r["fields"]),
        versions=json.loads(r["field_versions"]),
        version=r["version"],
        case_id=r["case_id"],
        owner_station=r["owner_station"],
        scope_station=r["scope_station"],
        public=bool(r["public"]),
        removed=bool(r["removed"]),
        in_db=True,
        last_seq=r["last_seq"],
    )


def load_rows(conn: Connection, row_ids: Iterable[str]) -> dict[tuple[str, str], RowState]:
    found: dict[tuple[str, str], RowState] = {}
    ids = sorted(set(row_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for r in conn.execute(select(rows).where(rows.c.row_id.in_(chunk))).mappings():
            found[(r["table_name"], r["row_id"])] = _row_from_db(r)
    return found


def _case_of(change: Change, current: RowState | None) -> str | None:
    rule = SYNC_TABLES[change.table]
    if rule.case_field is None:
        return None
    if change.table == "cases":
        return change.row_id
    value = change.fields.get(rule.case_field)
    if value is None and current is not None:
        value = current.case_id
    if value is None:
        value = change.case_id
    return value if isinstance(value, str) and ROW_ID.fullmatch(value) else None


class BatchApplier:
    def __init__(self, conn: Connection, station: Station, batch: PushBatch, last_seq: int):
        self.conn = conn
        self.station = station
        self.batch = batch
        self.hierarchy = Hierarchy.load(conn)
        wanted = {c.row_id for c in batch.changes}
        wanted |= {c for c in (_case_of(ch, None) for ch in batch.changes) if c}
        self.cache = load_rows(conn, wanted)
        # The cases of rows the batch names only by id (an update or delete of a party).
        missing = {r.case_id for r in self.cache.values() if r.case_id} - wanted
        self.cache.update(load_rows(conn, missing))
        self.plan = Plan(next_seq=last_seq)
        self.dirty: set[tuple[str, str]] = set()

    # -- scope and authority ------------------------------------------------------------

    def _forbid(self, change: Change, owner: str) -> ApiError:
        return ApiError(
            403,
            "out_of_scope",
            f"station {self.station.code} may not write {change.table} row {change.row_id}: "
            f"it belongs to station {owner}",
        )

    def _owner_of(self, change: Change, current: RowState | None, staged) -> tuple[str, str | None]:  # noqa: ANN001
        """(owner station, case id) whose authority covers this change."""
        rule = SYNC_TABLES[change.table]
        case_id = _case_of(change, current)
        if rule.case_field is not None and case_id is not None:
            if change.table == "cases":
                case = current
                if case is None or case.removed:
                    owner = change.fields.get("owner_station")
                    if not isinstance(owner, str) or not owner:
                        raise Rejected("a new case must name its owner station")
                    return owner, case_id
            else:
                case = staged(("cases", case_id))
                if case is None or case.removed:
                    raise Rejected(
                        f"case {case_id} is not known to the server; send the case first"
                    )
                before = self.cache.get(("cases", case_id))  # as before this transaction
                if (
                    before is not None
                    and not before.removed
                    and before.owner_station != case.owner_station
                ):
                    # Escalated in this same station transaction, which moves the case's
                    # rows along: they are judged by the owner that escalated it.
                    return before.owner_station or "", case_id
            return case.owner_station or "", case_id
        if rule.case_field is not None and change.table != "audit_log":
            raise Rejected(f"a {change.table} row must name its case ({rule.case_field})")
        if current is not None and not current.removed and current.owner_station:
            return current.owner_station, None
        named = change.fields.get(rule.station_field) if rule.station_field else None
        owner = named or change.fields.get("owner_station")
        if not isinstance(owner, str) or not owner:
            raise Rejected("the row names no owner station")
        return owner, None

    # -- applying ----------------------------------------------------------------------

    def apply(self) -> dict[str, Any]:
        groups: list[list[tuple[int, Change]]] = []
        for index, change in enumerate(self.batch.changes):
            if groups and groups[-1][0][1].txid == change.txid:
                groups[-1].append((index, change))
            else:
                groups.append([(index, change)])
        for group in groups:
            self._apply_group(group)
        self._write()
        return {
            "batch_id": self.batch.batch_id,
            "accepted": self.plan.accepted,
            "conflicts": [self._conflict_json(c) for c in self.plan.conflicts],
            "rejected": [
                {
                    "index": r["change_index"],
                    "table": r["table_name"],
                    "row_id": r["row_id"],
                    "reason": r["reason"],
                }
                for r in self.plan.rejected
            ],
            "duplicate": False,
            "last_seq": self.plan.next_seq,
        }

    def _apply_group(self, group: list[tuple[int, Change]]) -> None:
        staged: dict[tuple[str, str], RowState | None] = {}

        def lookup(key: tuple[str, str]) -> RowState | None:
            if key in staged:
                return staged[key]
            return self.cache.get(key)

        mark = (
            len(self.plan.log),
            len(self.plan.conflicts),
            len(self.plan.transfers),
            len(self.plan.attachment_cases),
        )
        failed: tuple[int, str] | None = None
        for index, change in group:
            try:
                self._apply_change(change, lookup, staged)
            except Rejected as rejection:
                failed = (index, rejection.reason)
                break
        if failed is None:
            for key, state in staged.items():
                if state is not None:
                    self.cache[key] = state
                    self.dirty.add(key)
            self.plan.accepted += len(group)
            return
        # One station transaction is accepted or set aside whole.
        del self.plan.log[mark[0] :]
        del self.plan.conflicts[mark[1] :]
        del self.plan.transfers[mark[2] :]
        del self.plan.attachment_cases[mark[3] :]
        failed_index, reason = failed
        for index, change in group:
            why = (
                reason
                if index == failed_index
                else (f"set aside with change {failed_index} of the same transaction: {reason}")
            )
            self.plan.rejected.append(
                {
                    "station_code": self.station.code,
                    "batch_id": self.batch.batch_id,
                    "change_index": index,
                    "table_name": change.table,
                    "row_id": change.row_id,
                    "reason": why,
                    "change": dumps(change.to_json()),
                    "created_at": utc_now_text(),
                }
            )

    def _apply_change(self, change: Change, lookup, staged) -> None:  # noqa: ANN001
        rule = SYNC_TABLES[change.table]
        key = (change.table, change.row_id)
        current = lookup(key)
        # Reference data written at a station (a holiday file imported locally) stays local:
        # set aside, so that it never blocks the station's queue.
        if rule.city_only and self.station.level != "city":
            raise Rejected(
                f"only the city office publishes {change.table}; the local copy stays local"
            )
        owner, case_id = self._owner_of(change, current, lookup)
        if owner not in self.hierarchy.by_code:
            raise Rejected(f"station {owner} is not known to the server")
        if not self.hierarchy.can_write(self.station, owner) and not rule.shared_write:
            if case_id is not None:
                raise self._forbid(change, owner)
            raise Rejected(f"{change.table} row {change.row_id} belongs to station {owner}")
        live = current is not None and not current.removed

        if change.op == "delete":
            if rule.append_only:
                raise Rejected(f"{change.table} rows are never deleted")
            if not live:
                raise Rejected(f"{change.table} row {change.row_id} is not on the server")
        if change.op == "update" and not live:
            raise Rejected(
                f"{change.table} row {change.row_id} is not on the server; it is sent whole on repair"
            )

        fields = change.fields
        if change.table == "cases" and live:
            new_status = fields.get("status", _MISSING)
            if (
                new_status is not _MISSING
                and new_status != current.fields.get("status")
                and self.station.code != owner
            ):
                raise Rejected(
                    "only the case's owner station changes its status; escalate the case to act on it"
                )
            new_owner = fields.get("owner_station", _MISSING)
            if new_owner is not _MISSING and new_owner != current.owner_station:
                if self.station.code != owner and self.station.level != "city":
                    raise ApiError(
                        403,
                        "not_owner",
                        f"only the owner station {owner} can escalate case {change.row_id}",
                    )
                if not isinstance(new_owner, str) or new_owner not in self.hierarchy.by_code:
                    raise Rejected(
                        f"case {change.row_id} cannot go to unknown station {new_owner!r}"
                    )
                self.plan.transfers.append((change.row_id, owner, new_owner))
        elif live and rule.case_field is None:
            new_owner = fields.get("owner_station", _MISSING)
            if new_owner is not _MISSING and new_owner != current.owner_station:
                if not isinstance(new_owner, str) or not self.hierarchy.can_write(
                    self.station, new_owner
                ):
                    raise Rejected(
                        f"{change.table} row {change.row_id} cannot go to station {new_owner}"
                    )

        seq = self.plan.take_seq()
        if change.op == "delete":
            state = copy.deepcopy(current)
            state.removed = True
            applied: dict[str, Any] = {}
        elif not live:
            state = RowState(
                table=change.table,
                row_id=change.row_id,
                fields=dict(fields),
                versions={"": [seq, self.station.code]},  # "": every field
                version=0,
                case_id=case_id,
                owner_station=None,
                scope_station=None,
                public=rule.public,
                removed=False,
                in_db=current is not None and current.in_db,
            )
            applied = dict(fields)
        else:
            state = copy.deepcopy(current)
            state.fields_json = None
            applied = self._merge(change, state, owner, case_id, seq)
            state.fields.update(applied)
            for name in applied:
                state.versions[name] = [seq, self.station.code]
        if change.op != "delete" and not applied and live:
            self.plan.next_seq -= 1  # nothing new: no entry in the order of events
            staged[key] = state
            return

        state.version += 1
        state.last_seq = seq
        state.case_id = case_id
        if change.table == "cases":
            state.owner_station = _code(state.fields.get("owner_station")) or owner
            state.scope_station = state.owner_station
        elif rule.case_field is not None and case_id is not None:
            state.owner_station = _code(state.fields.get("owner_station")) or owner
            state.scope_station = lookup(("cases", case_id)).owner_station
        else:
            named = _code(state.fields.get(rule.station_field)) if rule.station_field else None
            state.owner_station = _code(state.fields.get("owner_station")) or named or owner
            state.scope_station = named or state.owner_station
        staged[key] = state
        sha_field = ATTACHMENT_FIELDS.get(change.table)
        sha256 = state.fields.get(sha_field) if sha_field else None
        if case_id and isinstance(sha256, str) and SHA256_HEX.fullmatch(sha256):
            self.plan.attachment_cases.append(
                {"sha256": state.fields[sha_field], "case_id": case_id}
            )
        self.plan.log.append(
            {
                "seq": seq,
                "table_name": change.table,
                "row_id": change.row_id,
                "op": "insert" if change.op == "insert" and not live else change.op,
                "fields": self._logged_fields(state, change, applied),
                "origin_station": self.station.code,
                "scope_station": state.scope_station,
                "owner_station": state.owner_station,
                "case_id": case_id,
                "public": rule.public,
                "row_version": state.version,
                "txid": change.txid[:80],
            }
        )

    def _merge(
        self, change: Change, state: RowState, owner: str, case_id: str | None, seq: int
    ) -> dict[str, Any]:
        """The fields of an update that apply, field by field against the base value; a
        same-field conflict between two stations goes the owner's way and is recorded."""
        rule = SYNC_TABLES[change.table]
        applied: dict[str, Any] = {}
        for name, value in change.fields.items():
            have = state.fields.get(name, _MISSING)
            if have is not _MISSING and have == value and type(have) is type(value):
                continue
            last_writer = (state.versions.get(name) or state.versions.get("") or [0, None])[1]
            if (
                have is _MISSING
                or rule.append_only
                or name in NON_CONFLICTING_FIELDS
                or last_writer == self.station.code
                or (change.op == "update" and name in change.base and change.base[name] == have)
            ):
                applied[name] = value
                continue
            record = {
                "table_name": change.table,
                "row_id": change.row_id,
                "field": name,
                "case_id": case_id,
                "owner_station": owner,
                "batch_id": self.batch.batch_id,
                "created_at": utc_now_text(),
            }
            if self.station.code == owner:
                applied[name] = value
                record.update(
                    kept=dumps(value),
                    lost=dumps(have),
                    kept_station=self.station.code,
                    lost_station=last_writer or "",
                )
            else:
                record.update(
                    kept=dumps(have),
                    lost=dumps(value),
                    kept_station=last_writer or owner,
                    lost_station=self.station.code,
                )
            self.plan.conflicts.append(record)
        return applied

    # -- writing -----------------------------------------------------------------------

    def _write(self) -> None:
        conn = self.conn
        new_rows, old_rows = [], []
        for key in self.dirty:
            state = self.cache[key]
            values = {
                "table_name": state.table,
                "row_id": state.row_id,
                "case_id": state.case_id,
                "owner_station": state.owner_station,
                "scope_station": state.scope_station,
                "public": state.public,
                "fields": state.fields_json or dumps(state.fields),
                "field_versions": _versions_json(state.versions),
                "version": state.version,
                "last_seq": state.last_seq,
                "removed": state.removed,
            }
            (old_rows if state.in_db else new_rows).append(values)
            state.in_db = True
        if new_rows:
            bulk_insert(conn, rows, new_rows)
        if old_rows:
            conn.execute(
                update(rows)
                .where(
                    rows.c.table_name == bindparam("k_table"), rows.c.row_id == bindparam("k_row")
                )
                .values(
                    {c: bindparam(c) for c in old_rows[0] if c not in ("table_name", "row_id")}
                ),
                [{**v, "k_table": v["table_name"], "k_row": v["row_id"]} for v in old_rows],
            )
        if self.plan.log:
            bulk_insert(conn, changes, self.plan.log)
        for record in self.plan.conflicts:
            record["id"] = conn.execute(conflicts.insert().values(**record)).inserted_primary_key[0]
        if self.plan.rejected:
            conn.execute(rejected.insert(), self.plan.rejected)
        insert_ignoring_duplicates(conn, attachment_cases, _unique(self.plan.attachment_cases))
        for case_id, old_owner, new_owner in self.plan.transfers:
            self._transfer(case_id, old_owner, new_owner)
        conn.execute(
            update(server_state).where(server_state.c.id == 1).values(last_seq=self.plan.next_seq)
        )

    def _transfer(self, case_id: str, old_owner: str, new_owner: str) -> None:
        """Escalation: the case's rows move into the new owner's scope and are sent to it
        again (its cursor is past their first entries); the old owner keeps reading them."""
        conn = self.conn
        insert_ignoring_duplicates(
            conn, case_readers, [{"case_id": case_id, "station_code": old_owner}]
        )
        conn.execute(update(rows).where(rows.c.case_id == case_id).values(scope_station=new_owner))
        found = (
            conn.execute(
                select(rows)
                .where(rows.c.case_id == case_id, rows.c.removed.is_(False))
                .order_by(rows.c.last_seq)
            )
            .mappings()
            .all()
        )
        entries = []
        for r in found:
            entries.append(
                {
                    "seq": self.plan.take_seq(),
                    "table_name": r["table_name"],
                    "row_id": r["row_id"],
                    "op": "insert",
                    "fields": r["fields"],
                    "origin_station": self.station.code,
                    "scope_station": new_owner,
                    "owner_station": r["owner_station"],
                    "case_id": case_id,
                    "public": False,
                    "row_version": r["version"],
                    "txid": f"transfer:{case_id}"[:80],
                }
            )
        if entries:
            bulk_insert(conn, changes, entries)

    @staticmethod
    def _logged_fields(state: RowState, change: Change, applied: dict[str, Any]) -> str:
        if change.op != "insert":
            return dumps(applied)
        state.fields_json = dumps(state.fields)
        return state.fields_json

    @staticmethod
    def _conflict_json(record: dict[str, Any]) -> dict[str, Any]:
        return {
            "conflict_id": record["id"],
            "table": record["table_name"],
            "row_id": record["row_id"],
            "field": record["field"],
            "kept": json.loads(record["kept"]),
            "lost": json.loads(record["lost"]),
            "kept_station": record["kept_station"],
            "lost_station": record["lost_station"],
            "case_id": record["case_id"],
            "resolved": False,
        }


def _code(value: Any) -> str | None:
    """A station code from a row's fields, or None when the field holds something else."""
    return value if isinstance(value, str) and STATION_CODE.fullmatch(value) else None


def _versions_json(versions: dict[str, list[Any]]) -> str:
    if len(versions) == 1 and "" in versions:  # a row as inserted: one change set every field
        seq, station = versions[""]
        return f'{{"":[{int(seq)},{json.dumps(station)}]}}'
    return dumps(versions)


def _unique(items: list[dict[str, str]]) -> list[dict[str, str]]:
    seen, out = set(), []
    for item in items:
        key = tuple(sorted(item.items()))
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def normalise_batch(batch: PushBatch, station: Station, protocol_version: int) -> PushBatch:
    """Fill what an older protocol did not send; refuse a batch that is not the station's."""
    if batch.station != station.code:
        raise ApiError(
            403,
            "wrong_station",
            f"this token belongs to station {station.code}, the batch names {batch.station}",
        )
    fixed = []
    for index, change in enumerate(batch.changes):
        origin = change.origin_station or station.code
        if origin != station.code:
            raise ApiError(
                403,
                "wrong_origin",
                f"change {index} comes from station {origin}: a station pushes only its own writes",
            )
        txid = change.txid or f"{batch.batch_id}#{index}"
        fixed.append(Change(**{**change.__dict__, "origin_station": origin, "txid": txid}))
    return PushBatch(batch.batch_id, batch.station, tuple(fixed))


def push(
    conn: Connection, station: Station, batch: PushBatch, protocol_version: int
) -> dict[str, Any]:
    """Apply a batch in the caller's transaction; a batch seen before returns its first answer."""
    batch = normalise_batch(batch, station, protocol_version)
    content_hash = hashlib.sha256(canonical_json(batch.to_json()).encode("utf-8")).hexdigest()
    last_seq = lock_sequence(conn)
    prior = (
        conn.execute(select(batches).where(batches.c.batch_id == batch.batch_id)).mappings().first()
    )
    if prior is not None:
        if prior["station_code"] != station.code or prior["content_hash"] != content_hash:
            raise ApiError(
                409,
                "batch_reused",
                f"batch {batch.batch_id} was applied before with other content; "
                "a new batch needs a new id",
            )
        result = json.loads(prior["result"])
        result["duplicate"] = True
        return result
    result = BatchApplier(conn, station, batch, last_seq).apply()
    conn.execute(
        batches.insert().values(
            batch_id=batch.batch_id,
            station_code=station.code,
            content_hash=content_hash,
            result=dumps(result),
            received_at=utc_now_text(),
        )
    )
    return result


# -- reading ------------------------------------------------------------------------------


def _scope_filter(table, station: Station, hierarchy: Hierarchy):  # noqa: ANN001, ANN202
    if station.level == "city":
        return None
    visible = sorted(hierarchy.visible(station))
    readers = select(case_readers.c.case_id).where(case_readers.c.station_code.in_(visible))
    return or_(
        table.c.public.is_(True), table.c.scope_station.in_(visible), table.c.case_id.in_(readers)
    )


def pull(conn: Connection, station: Station, after: int, limit: int) -> dict[str, Any]:
    """The changes in the station's scope after a cursor, in the server's order.

    The horizon is read first: every number up to it is committed (numbers are handed out
    and committed one transaction at a time), so the cursor may move up to it safely.
    """
    horizon = int(
        conn.execute(select(server_state.c.last_seq).where(server_state.c.id == 1)).scalar_one()
    )
    hierarchy = Hierarchy.load(conn)
    query = select(changes).where(changes.c.seq > after, changes.c.seq <= horizon)
    scope = _scope_filter(changes, station, hierarchy)
    if scope is not None:
        query = query.where(scope)
    found = conn.execute(query.order_by(changes.c.seq).limit(limit + 1)).mappings().all()
    has_more = len(found) > limit
    found = found[:limit]
    if has_more:
        next_cursor = found[-1]["seq"]
    else:
        next_cursor = max(horizon, after)
    return {
        "changes": [
            {
                "seq": r["seq"],
                "table": r["table_name"],
                "row_id": r["row_id"],
                "op": r["op"],
                "fields": json.loads(r["fields"]),
                "origin_station": r["origin_station"],
                "owner_station": r["owner_station"],
                "case_id": r["case_id"],
                "row_version": r["row_version"],
            }
            for r in found
        ],
        "next_cursor": next_cursor,
        "has_more": has_more,
    }


def scope_rows_query(station: Station, hierarchy: Hierarchy, table: str):  # noqa: ANN201
    query = select(rows).where(rows.c.table_name == table, rows.c.removed.is_(False))
    scope = _scope_filter(rows, station, hierarchy)
    return query if scope is None else query.where(scope)


def checksum(
    conn: Connection, station: Station, tables: dict[str, Sequence[str]]
) -> dict[str, Any]:
    hierarchy = Hierarchy.load(conn)
    out = {}
    for table, names in tables.items():
        query = scope_rows_query(station, hierarchy, table).with_only_columns(
            rows.c.row_id, rows.c.fields
        )
        digests = (
            row_digest(table, r.row_id, json.loads(r.fields), names) for r in conn.execute(query)
        )
        count, digest = combine_digests(digests)
        out[table] = {"count": count, "hash": digest}
    return out


def scope_rows(
    conn: Connection, station: Station, table: str, after: str, limit: int
) -> dict[str, Any]:
    hierarchy = Hierarchy.load(conn)
    query = scope_rows_query(station, hierarchy, table).where(rows.c.row_id > after)
    found = conn.execute(query.order_by(rows.c.row_id).limit(limit + 1)).mappings().all()
    has_more = len(found) > limit
    found = found[:limit]
    return {
        "rows": [
            {"row_id": r["row_id"], "fields": json.loads(r["fields"]), "last_seq": r["last_seq"]}
            for r in found
        ],
        "next_after": found[-1]["row_id"] if has_more else None,
        "has_more": has_more,
    }


def can_read_case(conn: Connection, station: Station, hierarchy: Hierarchy, case_id: str) -> bool:
    if station.level == "city":
        return True
    visible = sorted(hierarchy.visible(station))
    owned = conn.execute(
        select(rows.c.row_id).where(
            rows.c.table_name == "cases",
            rows.c.row_id == case_id,
            rows.c.scope_station.in_(visible),
        )
    ).first()
    if owned is not None:
        return True
    return bool(
        conn.execute(
            select(
                exists().where(
                    and_(
                        case_readers.c.case_id == case_id, case_readers.c.station_code.in_(visible)
                    )
                )
            )
        ).scalar()
    )


def read_row(conn: Connection, station: Station, table: str, row_id: str) -> dict[str, Any]:
    found = (
        conn.execute(select(rows).where(rows.c.table_name == table, rows.c.row_id == row_id))
        .mappings()
        .first()
    )
    if found is None:
        raise ApiError(404, "not_found", f"no {table} row {row_id} on the server")
    hierarchy = Hierarchy.load(conn)
    allowed = (
        station.level == "city"
        or found["public"]
        or found["scope_station"] in hierarchy.visible(station)
        or (
            found["case_id"] is not None
            and can_read_case(conn, station, hierarchy, found["case_id"])
        )
    )
    if not allowed:
        raise ApiError(
            403,
            "out_of_scope",
            f"station {station.code} may not read {table} row {row_id}: "
            f"it belongs to station {found['scope_station']}",
        )
    return {
        "table": table,
        "row_id": row_id,
        "fields": json.loads(found["fields"]),
        "owner_station": found["owner_station"],
        "case_id": found["case_id"],
        "row_version": found["version"],
        "last_seq": found["last_seq"],
        "removed": bool(found["removed"]),
    }


def list_conflicts(
    conn: Connection, station: Station, after: int, limit: int
) -> list[dict[str, Any]]:
    """Conflicts for review at the owner station (a township also sees its villages')."""
    query = select(conflicts).where(conflicts.c.id > after)
    if station.level != "city":
        visible = sorted(Hierarchy.load(conn).visible(station))
        query = query.where(conflicts.c.owner_station.in_(visible))
    found = conn.execute(query.order_by(conflicts.c.id).limit(limit)).mappings().all()
    return [
        {
            "conflict_id": r["id"],
            "table": r["table_name"],
            "row_id": r["row_id"],
            "field": r["field"],
            "kept": json.loads(r["kept"]),
            "lost": json.loads(r["lost"]),
            "kept_station": r["kept_station"],
            "lost_station": r["lost_station"],
            "case_id": r["case_id"],
            "resolved": r["resolved_at"] is not None,
        }
        for r in found
    ]


def resolve_conflict(conn: Connection, station: Station, conflict_id: int, note: str) -> None:
    found = conn.execute(select(conflicts).where(conflicts.c.id == conflict_id)).mappings().first()
    if found is None:
        raise ApiError(404, "not_found", f"no conflict {conflict_id}")
    if station.code != found["owner_station"] and station.level != "city":
        raise ApiError(
            403,
            "not_owner",
            f"only the owner station {found['owner_station']} reviews conflict {conflict_id}",
        )
    conn.execute(
        update(conflicts)
        .where(conflicts.c.id == conflict_id)
        .values(resolved_by=station.code, resolved_at=utc_now_text(), resolution_note=note)
    )


def list_rejected(
    conn: Connection, station: Station, after: int, limit: int
) -> list[dict[str, Any]]:
    found = (
        conn.execute(
            select(rejected)
            .where(rejected.c.station_code == station.code, rejected.c.id > after)
            .order_by(rejected.c.id)
            .limit(limit)
        )
        .mappings()
        .all()
    )
    return [
        {
            "id": r["id"],
            "batch_id": r["batch_id"],
            "index": r["change_index"],
            "table": r["table_name"],
            "row_id": r["row_id"],
            "reason": r["reason"],
            "change": json.loads(r["change"]),
        }
        for r in found
    ]
