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
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    Connection,
    Text,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    text,
    tuple_,
    union,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from city_server.db import (
    attachment_cases,
    batches,
    case_readers,
    chain_breaks,
    chain_heads,
    changes,
    conflicts,
    is_postgresql,
    rejected,
    rows,
    server_state,
)
from city_server.errors import ApiError
from city_server.jsonio import Fragment, canonical_bytes, dumps, loads
from city_server.stations import (
    Hierarchy,
    Station,
    authenticate_many,
    authenticate_with,
    token_query,
)
from station_app import chain_hash
from station_app.sync.protocol import (
    ATTACHMENT_FIELDS,
    FIELD_NAME,
    NON_CONFLICTING_FIELDS,
    RESOLUTIONS_TABLE,
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

# Statements of every push and pull, built once: building a statement cost more than
# running it on a small batch (a station's day of work).
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_LAST_SEQ = select(server_state.c.last_seq).where(server_state.c.id == 1)
_SET_LAST_SEQ = (
    update(server_state).where(server_state.c.id == 1).values(last_seq=bindparam("last_seq"))
)
_PRIOR_BATCHES = select(batches).where(batches.c.batch_id.in_(bindparam("ids", expanding=True)))
_HEADS = select(
    chain_heads.c.table_name,
    chain_heads.c.station_code,
    chain_heads.c.owner_station,
    chain_heads.c.chain_seq,
    chain_heads.c.row_hash,
).where(
    tuple_(chain_heads.c.table_name, chain_heads.c.station_code, chain_heads.c.owner_station).in_(
        bindparam("keys", expanding=True)
    )
)


def _upserts(dialect) -> dict[str, Any]:  # noqa: ANN001
    heads = dialect.insert(chain_heads)
    return {
        "heads": heads.on_conflict_do_update(
            index_elements=[
                chain_heads.c.table_name,
                chain_heads.c.station_code,
                chain_heads.c.owner_station,
            ],
            set_={"chain_seq": heads.excluded.chain_seq, "row_hash": heads.excluded.row_hash},
        ),
        **{
            table.name: dialect.insert(table).on_conflict_do_nothing()
            for table in (case_readers, attachment_cases)
        },
    }


_UPSERTS = {"postgresql": _upserts(postgresql), "sqlite": _upserts(sqlite)}


def _upsert(conn: Connection, name: str):  # noqa: ANN202
    return _UPSERTS["postgresql" if is_postgresql(conn.engine) else "sqlite"][name]


def lock_sequence(conn: Connection) -> int:
    """Take the sequence lock for this transaction; returns the last number handed out."""
    if is_postgresql(conn.engine):
        conn.execute(_LOCK, {"key": SEQUENCE_LOCK})
    # SQLite: every transaction began IMMEDIATE, so the writer holds the database already.
    return int(conn.execute(_LAST_SEQ).scalar_one())


def insert_ignoring_duplicates(conn: Connection, table, values: list[dict[str, Any]]) -> None:  # noqa: ANN001
    if not values:
        return
    conn.execute(_upsert(conn, table.name), values)


def bulk_insert(conn: Connection, table, values: list[dict[str, Any]]) -> None:  # noqa: ANN001
    """Insert many rows given as dicts (see `bulk_insert_tuples`)."""
    if not values:
        return
    names = tuple(values[0])
    row_of = itemgetter(*names)
    bulk_insert_tuples(conn, table, names, [row_of(v) for v in values])


def bulk_insert_tuples(conn: Connection, table, names: Sequence[str], values: list[tuple]) -> None:  # noqa: ANN001
    """Insert many rows, each a tuple in the order of `names`, through the driver's COPY
    (PostgreSQL) or executemany (SQLite): SQLAlchemy's per-row parameter processing costs
    more than the database's work for a batch of thousands."""
    if not values:
        return
    quote = conn.dialect.identifier_preparer.quote
    columns = ", ".join(quote(n) for n in names)
    if is_postgresql(conn.engine):
        # COPY: one stream instead of a statement per row.
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {quote(table.name)} ({columns}) FROM STDIN") as copy_in:
            write = copy_in.write_row
            for v in values:
                write(v)
        return
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({', '.join([marker] * len(names))})"
    conn.exec_driver_sql(sql, values)


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
    # The case's number in the order cases reached the server (see db.rows): a case's rows
    # and entries are indexed by it, not by its random id.
    case_key: int | None = None


class Rejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ChainBroken(Rejected):
    """An entry of the record that breaks its station's hash chain: refused, and the chain
    is marked broken for the city office (chain_breaks)."""

    def __init__(self, reason: str, owner: str | None, seq: int | None) -> None:
        super().__init__(f"hash chain broken: {reason}")
        self.owner = owner
        self.seq = seq


ChainKey = tuple[str, str, str]  # table, pushing station, the rows' owner station


class ChainHeads:
    """The last entry of each chain, read once per group of batches; the new heads are
    written with the group."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.known: dict[ChainKey, tuple[int, str] | None] = {}
        self.dirty: set[ChainKey] = set()

    def preload(self, keys: Iterable[ChainKey]) -> None:
        """The heads of many chains in one query (every chain a group's batches continue):
        read one by one, a group of 100 stations' pushes made 100 round trips while it held
        the sequence lock."""
        wanted = sorted(set(keys) - self.known.keys())
        for start in range(0, len(wanted), 300):
            part = wanted[start : start + 300]
            for key in part:
                self.known[key] = None
            found = self.conn.execute(_HEADS, {"keys": part})
            for table, station, owner, seq, digest in found:
                key = (table, station, owner)
                self.known[key] = (int(seq), digest)

    def get(self, key: ChainKey) -> tuple[int, str] | None:
        if key not in self.known:
            table, station, owner = key
            found = self.conn.execute(
                select(chain_heads.c.chain_seq, chain_heads.c.row_hash).where(
                    chain_heads.c.table_name == table,
                    chain_heads.c.station_code == station,
                    chain_heads.c.owner_station == owner,
                )
            ).first()
            self.known[key] = (int(found[0]), found[1]) if found else None
        return self.known[key]

    def write(self) -> None:
        if not self.dirty:
            return
        values = []
        for key in sorted(self.dirty):
            head = self.known[key]
            assert head is not None
            values.append(
                {
                    "table_name": key[0],
                    "station_code": key[1],
                    "owner_station": key[2],
                    "chain_seq": head[0],
                    "row_hash": head[1],
                }
            )
        # One statement for all (new heads inserted, known ones moved on; the driver sends
        # many rows in one statement): a group of many stations' pushes wrote each head with
        # a statement of its own, under the lock.
        self.conn.execute(_upsert(self.conn, "heads"), values)
        self.dirty.clear()

    def update(self, new: dict[ChainKey, tuple[int, str]]) -> None:
        self.known.update(new)
        self.dirty |= set(new)


def _chain_reason(problem: str, table: str, owner: str, seq: int, head: int) -> str:
    entry = f"{table} entry {seq} of station {owner}"
    if problem == chain_hash.CHANGED:
        return f"{entry} was changed after it was sealed (its content does not match its hash)"
    if problem == chain_hash.MISSING:
        return f"{table} entries {head + 1} to {seq - 1} of station {owner} are missing before entry {seq}"
    if problem == chain_hash.TWICE:
        return f"{entry} is on the server already with other content (the server's chain ends at {head})"
    return (
        f"{entry} does not follow entry {head} of its chain"
        " (an entry was inserted, removed or changed)"
    )


# The columns of an entry of the order of events (`changes`), as a plan holds them.
LOG_COLUMNS = (
    "seq",
    "table_name",
    "row_id",
    "op",
    "fields",
    "origin_station",
    "scope_station",
    "owner_station",
    "case_id",
    "public",
    "row_version",
    "txid",
    "case_key",
)
# The columns of `rows`, as a group writes them.
ROW_COLUMNS = (
    "table_name",
    "row_id",
    "case_id",
    "owner_station",
    "scope_station",
    "public",
    "fields",
    "field_versions",
    "version",
    "last_seq",
    "removed",
    "case_key",
)


@dataclass
class Plan:
    """What a batch will write, built in memory before one bulk write."""

    next_seq: int
    log: list[tuple] = field(default_factory=list)  # entries of `changes`, as LOG_COLUMNS
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    breaks: list[dict[str, Any]] = field(default_factory=list)
    transfers: list[tuple[str, str, str]] = field(default_factory=list)  # case, old, new
    attachment_cases: list[dict[str, str]] = field(default_factory=list)
    # Conflicts the owner station resolved (RESOLUTIONS_TABLE rows): closed when written.
    resolutions: list[dict[str, Any]] = field(default_factory=list)
    accepted: int = 0

    def take_seq(self) -> int:
        self.next_seq += 1
        return self.next_seq


def _row_from_db(r: Any) -> RowState:
    return RowState(
        table=r["table_name"],
        row_id=r["row_id"],
        fields=loads(r["fields"]),
        versions=loads(r["field_versions"]),
        version=r["version"],
        case_id=r["case_id"],
        owner_station=r["owner_station"],
        scope_station=r["scope_station"],
        public=bool(r["public"]),
        removed=bool(r["removed"]),
        in_db=True,
        last_seq=r["last_seq"],
        case_key=r["case_key"],
    )


RowKey = tuple[str, str]  # table, row id: the primary key of `rows`


_ROWS_BY_IDS: dict[int, Any] = {}


def _rows_by_ids(tables: int):  # noqa: ANN202
    """PostgreSQL: the rows of `tables` tables (parameters t0, t1, …) by lists of row ids
    (ids0, ids1, …: the ids joined by commas, which no row id holds), built once per number
    of tables. One text, not an array parameter: the driver quotes an array's thousands of
    elements one by one in Python."""
    statement = _ROWS_BY_IDS.get(tables)
    if statement is None:
        parts = [
            select(rows).where(
                rows.c.table_name == bindparam(f"t{i}"),
                rows.c.row_id
                == func.any(func.string_to_array(bindparam(f"ids{i}", type_=Text), ",")),
            )
            for i in range(tables)
        ]
        statement = _ROWS_BY_IDS[tables] = parts[0] if tables == 1 else union_all(*parts)
    return statement


_JSON_IDS = func.json_each(bindparam("ids")).table_valued("value")
_ROWS_BY_JSON_IDS = select(rows).where(
    rows.c.table_name == bindparam("t"), rows.c.row_id.in_(select(_JSON_IDS.c.value))
)


def load_rows(conn: Connection, keys: Iterable[RowKey]) -> dict[RowKey, RowState]:
    """Rows by their primary key (table, row id): one range of the key's index per table."""
    found: dict[RowKey, RowState] = {}
    by_table: dict[str, list[str]] = {}
    for table, row_id in keys:
        by_table.setdefault(table, []).append(row_id)
    tables = sorted(by_table)
    if not tables:
        return found
    if is_postgresql(conn.engine):
        # One statement, the ids of each table as one text: one round trip, and no statement
        # of thousands of placeholders to parse and plan.
        params: dict[str, Any] = {
            f"ids{i}": ",".join(sorted(set(by_table[t]))) for i, t in enumerate(tables)
        }
        params.update((f"t{i}", table) for i, table in enumerate(tables))
        chunks = [(_rows_by_ids(len(tables)), params)]
    else:
        # SQLite: one statement per table, the ids as one JSON array (no statement of
        # hundreds of placeholders to build for every 500 ids).
        chunks = [
            (_ROWS_BY_JSON_IDS, {"t": table, "ids": dumps(sorted(set(by_table[table])))})
            for table in tables
        ]
    for query, params in chunks:
        for r in conn.execute(query, params).mappings():
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
    """Plans one batch in memory (scope, authority, per-field merge) over a cache of rows;
    `GroupApplier` writes the plans of several batches at once."""

    def __init__(
        self,
        conn: Connection,
        station: Station,
        batch: PushBatch,
        last_seq: int,
        hierarchy: Hierarchy,
        shared: dict[RowKey, RowState],
        known: set[RowKey],
        heads: ChainHeads,
        *,
        loaded: bool = False,
    ):
        """`loaded`: the rows the batch reads are in `shared` already (GroupApplier.preload)."""
        self.conn = conn
        self.heads = heads
        # Heads advanced by this batch (taken by the group once the batch is planned whole),
        # and by the station transaction being checked.
        self.batch_heads: dict[ChainKey, tuple[int, str]] = {}
        self.chain_staged: dict[ChainKey, tuple[int, str]] = {}
        self.station = station
        self.batch = batch
        self.hierarchy = hierarchy
        # Rows this batch changes go to `local` until the batch is accepted whole.
        self.local: dict[RowKey, RowState] = {}
        self.shared = shared
        if not loaded:
            _load_into(conn, shared, known, _wanted(batch))
        self.plan = Plan(next_seq=last_seq)
        self.dirty: set[RowKey] = set()

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
                before = self._cached(("cases", case_id))  # as before this transaction
                if (
                    before is not None
                    and not before.removed
                    and before.owner_station != case.owner_station
                ):
                    # Escalated in this same station transaction, which moves the case's
                    # rows along: they are judged by the owner that escalated it.
                    return before.owner_station or "", case_id
            return case.owner_station or "", case_id
        if rule.case_field is not None and change.table not in ("audit_log", RESOLUTIONS_TABLE):
            raise Rejected(f"a {change.table} row must name its case ({rule.case_field})")
        if current is not None and not current.removed and current.owner_station:
            return current.owner_station, None
        named = change.fields.get(rule.station_field) if rule.station_field else None
        owner = named or change.fields.get("owner_station")
        if not isinstance(owner, str) or not owner:
            raise Rejected("the row names no owner station")
        return owner, None

    # -- applying ----------------------------------------------------------------------

    def plan_all(self) -> None:
        groups: list[list[tuple[int, Change]]] = []
        for index, change in enumerate(self.batch.changes):
            if groups and groups[-1][0][1].txid == change.txid:
                groups[-1].append((index, change))
            else:
                groups.append([(index, change)])
        for group in groups:
            self._apply_group(group)

    def result(self) -> dict[str, Any]:
        """The answer, once written (the conflicts have their ids)."""
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

    def _cached(self, key: RowKey) -> RowState | None:
        """A row as this batch has it so far (its accepted transactions over the group's)."""
        state = self.local.get(key)
        return state if state is not None else self.shared.get(key)

    def _apply_group(self, group: list[tuple[int, Change]]) -> None:
        staged: dict[RowKey, RowState | None] = {}
        staged_get, local_get, shared_get = staged.get, self.local.get, self.shared.get

        def lookup(key: RowKey) -> RowState | None:
            state = staged_get(key, _MISSING)
            if state is not _MISSING:
                return state
            state = local_get(key)
            return state if state is not None else shared_get(key)

        mark = (
            len(self.plan.log),
            len(self.plan.conflicts),
            len(self.plan.transfers),
            len(self.plan.attachment_cases),
            len(self.plan.resolutions),
        )
        failed: tuple[int, str] | None = None
        # The record's entries first: a transaction refused for another reason still moves
        # its chain on (its entries are set aside whole, with the reason), so that the
        # station's next entries follow them.
        self.chain_staged = {}
        for index, change in group:
            if change.table not in chain_hash.CHAINED_COLUMNS:
                continue
            try:
                self._check_chain(change, lookup((change.table, change.row_id)))
            except ChainBroken as broken:
                failed = (index, broken.reason)
                self.plan.breaks.append(
                    {
                        "station_code": self.station.code,
                        "owner_station": broken.owner,
                        "table_name": change.table,
                        "row_id": change.row_id,
                        "chain_seq": broken.seq,
                        "batch_id": self.batch.batch_id,
                        "reason": broken.reason,
                        "created_at": utc_now_text(),
                    }
                )
                break
        if failed is None:
            self.batch_heads.update(self.chain_staged)
            for index, change in group:
                try:
                    self._apply_change(change, lookup, staged)
                except Rejected as rejection:
                    failed = (index, rejection.reason)
                    break
        if failed is None:
            for key, state in staged.items():
                if state is not None:
                    self.local[key] = state
                    self.dirty.add(key)
            self.plan.accepted += len(group)
            return
        # One station transaction is accepted or set aside whole.
        del self.plan.log[mark[0] :]
        del self.plan.conflicts[mark[1] :]
        del self.plan.transfers[mark[2] :]
        del self.plan.attachment_cases[mark[3] :]
        del self.plan.resolutions[mark[4] :]
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

        public = rule.public
        if change.table == RESOLUTIONS_TABLE and not live:
            public = self._resolution(change, lookup)
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
                public=public,
                removed=False,
                in_db=current is not None and current.in_db,
                case_key=current.case_key if current is not None else None,
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
            if state.case_key is None:  # the case reaches the server now
                state.case_key = seq
        elif rule.case_field is not None and case_id is not None:
            case = lookup(("cases", case_id))
            state.owner_station = _code(state.fields.get("owner_station")) or owner
            state.scope_station = case.owner_station
            state.case_key = case.case_key
        else:
            state.case_key = None
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
            (
                seq,
                change.table,
                change.row_id,
                "insert" if change.op == "insert" and not live else change.op,
                self._logged_fields(state, change, applied),
                self.station.code,
                state.scope_station,
                state.owner_station,
                case_id,
                state.public if change.table == RESOLUTIONS_TABLE else rule.public,
                state.version,
                change.txid[:80],
                state.case_key,
            )
        )

    def _resolution(self, change: Change, lookup) -> bool:  # noqa: ANN001
        """Check a conflict resolution (only the station that owns the record resolves its
        conflicts, and the row names the record's case) and plan the closing of the server's
        conflict records of the value it names as lost; returns whether the row is public
        (as the record is)."""
        fields = change.fields
        table, row_id, name = fields.get("table_name"), fields.get("row_id"), fields.get("field")
        if not (
            isinstance(table, str)
            and table in SYNC_TABLES
            and table != RESOLUTIONS_TABLE
            and isinstance(row_id, str)
            and ROW_ID.fullmatch(row_id)
            and isinstance(name, str)
            and FIELD_NAME.fullmatch(name)
            and isinstance(fields.get("lost_station"), str)
        ):
            raise Rejected("a conflict resolution must name a synced record, a field and a station")
        record = lookup((table, row_id))
        if record is None or record.removed:
            raise Rejected(
                f"the record of this conflict ({table} row {row_id}) is not on the server"
            )
        if SYNC_TABLES[table].case_field is not None:
            case = lookup(("cases", record.case_id)) if record.case_id else None
            owner, case_id = (case.owner_station if case else None), record.case_id
        else:
            owner, case_id = record.owner_station, None
        if owner != self.station.code:
            raise Rejected(
                f"only the owner station {owner} resolves the conflicts of {table} row {row_id}"
            )
        if fields.get("case_id") != case_id:
            raise Rejected(f"{table} row {row_id} belongs to case {case_id}, not to another")
        self.plan.resolutions.append(
            {
                "id": change.row_id,
                "table_name": table,
                "row_id": row_id,
                "field": name,
                "lost_station": fields["lost_station"],
                "lost": _json_value(fields.get("lost_value")),
                "chosen": fields.get("chosen_value"),
            }
        )
        return SYNC_TABLES[table].public

    def _check_chain(self, change: Change, current: RowState | None) -> None:
        """An entry of the record must continue its station's hash chain on the server: its
        content matches its hash, its number follows the last one without a gap and its link
        is the last entry's hash. An entry sent again as stored passes (a repeated batch)."""
        table, fields = change.table, change.fields
        owner = fields.get("owner_station")
        owner = owner if isinstance(owner, str) else None
        if change.op != "insert":
            raise ChainBroken(
                f"{table} entries are never changed or removed after they are written", owner, None
            )
        seq, digest = fields.get("chain_seq"), fields.get("row_hash")
        key: ChainKey = (table, self.station.code, owner or "")
        head = self.chain_staged.get(key) or self.batch_heads.get(key) or self.heads.get(key)
        if seq is None and digest is None and fields.get("prev_hash") is None:
            if head is None:
                return  # a station that has not sealed its record yet (before the chain)
            raise ChainBroken(
                f"{table} row {change.row_id} of station {owner} has no seal, though the"
                f" station's chain is at entry {head[0]}",
                owner,
                None,
            )
        if (
            type(seq) is not int
            or not isinstance(digest, str)
            or not SHA256_HEX.fullmatch(digest)
            or owner is None
        ):
            raise ChainBroken(
                f"{table} row {change.row_id} carries no valid chain number and hash", owner, None
            )
        if (
            current is not None
            and not current.removed
            and current.fields.get("row_hash") == digest
            and chain_hash.row_hash(table, fields) == digest
            and head is not None
            and seq <= head[0]
        ):
            return  # sent again, as stored
        head_seq, head_hash = head or (0, chain_hash.GENESIS)
        problem = chain_hash.link_problem(table, fields, head_seq, head_hash)
        if problem is not None:
            raise ChainBroken(_chain_reason(problem, table, owner, seq, head_seq), owner, seq)
        self.chain_staged[key] = (seq, digest)

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

    # -- writing (GroupApplier.flush) --------------------------------------------------

    def _transfer(self, case_id: str, old_owner: str, new_owner: str) -> None:
        """Escalation: the case's rows move into the new owner's scope and are sent to it
        again (its cursor is past their first entries); the old owner keeps reading them."""
        conn = self.conn
        insert_ignoring_duplicates(
            conn, case_readers, [{"case_id": case_id, "station_code": old_owner}]
        )
        case_key = conn.execute(_CASE_KEY, {"case_id": case_id}).scalar_one()
        of_case = (rows.c.case_id == case_id,) + (
            () if case_key is None else (rows.c.case_key == case_key,)
        )
        conn.execute(update(rows).where(*of_case).values(scope_station=new_owner))
        found = (
            conn.execute(
                select(rows).where(*of_case, rows.c.removed.is_(False)).order_by(rows.c.last_seq)
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
                    "case_key": case_key,
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


_CODES: dict[str, bool] = {}  # text -> is it a station code (station codes are few)


def _code(value: Any) -> str | None:
    """A station code from a row's fields, or None when the field holds something else."""
    if not isinstance(value, str):
        return None
    known = _CODES.get(value)
    if known is None:
        known = STATION_CODE.fullmatch(value) is not None
        if len(_CODES) < 10_000:
            _CODES[value] = known
    return value if known else None


def _json_value(text: Any) -> Any:
    """A value a station keeps as JSON text (a text that is not JSON: itself)."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def close_conflicts(conn: Connection, station_code: str, resolutions: list[dict[str, Any]]) -> int:
    """Mark resolved the open conflict records of each resolution's lost value (its table,
    row, field, station and value); returns how many."""
    closed = 0
    now = utc_now_text()
    for item in resolutions:
        found = conn.execute(
            select(conflicts.c.id, conflicts.c.lost).where(
                conflicts.c.table_name == item["table_name"],
                conflicts.c.row_id == item["row_id"],
                conflicts.c.field == item["field"],
                conflicts.c.lost_station == item["lost_station"],
                conflicts.c.resolved_at.is_(None),
            )
        ).all()
        ids = [r.id for r in found if _json_value(r.lost) == item["lost"]]
        if not ids:
            continue
        chosen = item["chosen"]
        conn.execute(
            update(conflicts)
            .where(conflicts.c.id.in_(ids))
            .values(
                resolved_by=station_code,
                resolved_at=now,
                resolution_note=(
                    f"resolved at station {station_code} (resolution {item['id']}); value chosen:"
                    f" {chosen if chosen is not None else 'null'}"
                )[:2000],
            )
        )
        closed += len(ids)
    return closed


def _versions_json(versions: dict[str, list[Any]]) -> str:
    if len(versions) == 1 and "" in versions:  # a row as inserted: one change set every field
        seq, station = versions[""]
        if isinstance(station, str) and STATION_CODE.fullmatch(station):  # nothing to escape
            return f'{{"":[{int(seq)},"{station}"]}}'
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
    changed = False
    for index, change in enumerate(batch.changes):
        origin = change.origin_station or station.code
        if origin != station.code:
            raise ApiError(
                403,
                "wrong_origin",
                f"change {index} comes from station {origin}: a station pushes only its own writes",
            )
        if change.origin_station and change.txid:
            fixed.append(change)
            continue
        changed = True
        txid = change.txid or f"{batch.batch_id}#{index}"
        fixed.append(Change(**{**change.__dict__, "origin_station": origin, "txid": txid}))
    return PushBatch(batch.batch_id, batch.station, tuple(fixed)) if changed else batch


def _wanted(batch: PushBatch) -> set[RowKey]:
    """The rows a batch reads: its own, and the case each names."""
    wanted = {(c.table, c.row_id) for c in batch.changes}
    wanted |= {("cases", c) for c in (_case_of(ch, None) for ch in batch.changes) if c}
    for c in batch.changes:
        if c.table == RESOLUTIONS_TABLE:  # the record whose conflict it resolves
            table, row_id = c.fields.get("table_name"), c.fields.get("row_id")
            if table in SYNC_TABLES and isinstance(row_id, str) and ROW_ID.fullmatch(row_id):
                wanted.add((table, row_id))
    return wanted


def _chains(station: Station, batch: PushBatch) -> set[ChainKey]:
    """The hash chains whose heads a batch's entries of the record are checked against."""
    out = set()
    for change in batch.changes:
        if change.table in chain_hash.CHAINED_COLUMNS:
            owner = change.fields.get("owner_station")
            out.add((change.table, station.code, owner if isinstance(owner, str) else ""))
    return out


def _load_into(
    conn: Connection, cache: dict[RowKey, RowState], known: set[RowKey], wanted: set[RowKey]
) -> None:
    """Rows by key into the cache, each key read once (`known`); then the cases of rows named
    only by id (an update or delete of a party)."""
    new = wanted - known
    if not new:
        return
    found = load_rows(conn, new)
    known |= new
    cache.update(found)
    missing = {("cases", r.case_id) for r in found.values() if r.case_id} - known
    if missing:
        cache.update(load_rows(conn, missing))
        known |= missing


_CASE_KEY = select(rows.c.case_key).where(
    rows.c.table_name == "cases", rows.c.row_id == bindparam("case_id")
)

_UPDATE_ROWS = (
    update(rows)
    .where(rows.c.table_name == bindparam("k_table"), rows.c.row_id == bindparam("k_row"))
    .values({c: bindparam(c) for c in ROW_COLUMNS if c not in ("table_name", "row_id")})
)


class GroupApplier:
    """Several batches in one transaction under one hold of the sequence lock: their rows are
    read in one query, planned one after the other over a shared cache (a batch sees the
    rows of the batches before it), and written with one statement per table. A batch that
    moves a case (escalation) is written at once, since the move reads the case's rows."""

    def __init__(
        self, conn: Connection, hierarchy: Hierarchy, *, record_batches: bool = True
    ) -> None:
        self.conn = conn
        self.hierarchy = hierarchy
        self.record_batches = record_batches  # False: the server's own writes
        self.last_seq = lock_sequence(conn)
        self.cache: dict[RowKey, RowState] = {}
        self.known: set[RowKey] = set()
        self.dirty: set[RowKey] = set()
        self.pending: list[tuple[BatchApplier, str, dict[str, Any]]] = []
        self.heads = ChainHeads(conn)
        self.preloaded: set[int] = set()  # id() of the batches whose rows are in the cache

    def preload(self, batches: Iterable[tuple[Station, PushBatch]]) -> None:
        """The rows and the chain heads that these batches read, each in one query."""
        wanted: set[RowKey] = set()
        chains: set[ChainKey] = set()
        for station, batch in batches:
            wanted |= _wanted(batch)
            chains |= _chains(station, batch)
            self.preloaded.add(id(batch))
        _load_into(self.conn, self.cache, self.known, wanted)
        self.heads.preload(chains)

    def add(self, station: Station, batch: PushBatch, content_hash: str) -> dict[str, Any]:
        """Plan a batch (an ApiError leaves nothing of it); its answer is filled in when the
        group is written."""
        applier = BatchApplier(
            self.conn,
            station,
            batch,
            self.last_seq,
            self.hierarchy,
            self.cache,
            self.known,
            self.heads,
            loaded=id(batch) in self.preloaded,
        )
        applier.plan_all()
        self.heads.update(applier.batch_heads)
        self.cache.update(applier.local)
        self.dirty |= applier.dirty
        self.last_seq = applier.plan.next_seq
        answer: dict[str, Any] = {}
        self.pending.append((applier, content_hash, answer))
        if applier.plan.transfers:
            self.flush()
        return answer

    def flush(self) -> None:
        if not self.pending:
            return
        conn = self.conn
        new_rows: list[tuple] = []
        old_rows: list[dict[str, Any]] = []
        for key in self.dirty:
            state = self.cache[key]
            values = (
                state.table,
                state.row_id,
                state.case_id,
                state.owner_station,
                state.scope_station,
                state.public,
                state.fields_json or dumps(state.fields),
                _versions_json(state.versions),
                state.version,
                state.last_seq,
                state.removed,
                state.case_key,
            )
            if state.in_db:
                old_rows.append(dict(zip(ROW_COLUMNS, values, strict=True)))
            else:
                new_rows.append(values)
            state.in_db = True
        self.dirty.clear()
        bulk_insert_tuples(conn, rows, ROW_COLUMNS, new_rows)
        if old_rows:
            conn.execute(
                _UPDATE_ROWS,
                [{**v, "k_table": v["table_name"], "k_row": v["row_id"]} for v in old_rows],
            )
        plans = [applier.plan for applier, _, _ in self.pending]
        bulk_insert_tuples(
            conn, changes, LOG_COLUMNS, [entry for plan in plans for entry in plan.log]
        )
        for plan in plans:
            for record in plan.conflicts:
                record["id"] = conn.execute(
                    conflicts.insert().values(**record)
                ).inserted_primary_key[0]
        for applier, _, _ in self.pending:
            if applier.plan.resolutions:
                close_conflicts(conn, applier.station.code, applier.plan.resolutions)
        refused = [record for plan in plans for record in plan.rejected]
        if refused:
            conn.execute(rejected.insert(), refused)
        breaks = [record for plan in plans for record in plan.breaks]
        if breaks:
            conn.execute(chain_breaks.insert(), breaks)
        self.heads.write()
        insert_ignoring_duplicates(
            conn,
            attachment_cases,
            _unique([item for plan in plans for item in plan.attachment_cases]),
        )
        for applier, _, _ in self.pending:
            for case_id, old_owner, new_owner in applier.plan.transfers:
                applier._transfer(case_id, old_owner, new_owner)  # noqa: SLF001
            self.last_seq = max(self.last_seq, applier.plan.next_seq)
        conn.execute(_SET_LAST_SEQ, {"last_seq": self.last_seq})
        now = utc_now_text()
        stored = []
        for applier, content_hash, answer in self.pending:
            answer.update(applier.result())
            stored.append(
                {
                    "batch_id": applier.batch.batch_id,
                    "station_code": applier.station.code,
                    "content_hash": content_hash,
                    "result": dumps(answer),
                    "received_at": now,
                }
            )
        if self.record_batches:
            conn.execute(batches.insert(), stored)
        self.pending.clear()


def _hash_of(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(content)).hexdigest()


def push_group(
    conn: Connection, items: Sequence[tuple[Station | str | None, PushBatch, int]]
) -> list[dict[str, Any] | Exception]:
    """Several push batches, of any stations, in the caller's one transaction: one hold of
    the sequence lock and one commit (one WAL flush) for all. Each item is (station, or the
    token to authenticate, batch, protocol version); a batch that is refused (ApiError)
    leaves nothing and its exception takes its place in the answer. A batch seen before
    returns its first answer (duplicate: true)."""
    out: list[dict[str, Any] | Exception | None] = [None] * len(items)
    ready: list[tuple[int, Station, PushBatch, str]] = []
    stations_of = authenticate_many(conn, [w for w, _, _ in items if not isinstance(w, Station)])
    for index, (who, batch, protocol_version) in enumerate(items):
        try:
            station = who if isinstance(who, Station) else stations_of[who]
            if isinstance(station, ApiError):
                raise station
            batch = normalise_batch(batch, station, protocol_version)
            ready.append((index, station, batch, _hash_of(batch.to_json())))
        except ApiError as error:
            out[index] = error
    # Read before the lock: the lock is held only for the batches' own rows and writes.
    hierarchy = Hierarchy.load(conn)
    group = GroupApplier(conn, hierarchy)
    ids = sorted({batch.batch_id for _, _, batch, _ in ready})
    prior = {
        r["batch_id"]: r
        for start in range(0, len(ids), 500)
        for r in conn.execute(_PRIOR_BATCHES, {"ids": ids[start : start + 500]}).mappings()
    }
    group.preload((station, batch) for _, station, batch, _ in ready if batch.batch_id not in prior)
    in_group: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for index, station, batch, content_hash in ready:
        try:
            seen = prior.get(batch.batch_id)
            if seen is not None:
                out[index] = _duplicate(seen, station, batch, content_hash)
                continue
            if batch.batch_id in in_group:
                code, first_hash, answer = in_group[batch.batch_id]
                if code != station.code or first_hash != content_hash:
                    raise _reused(batch)
                out[index] = answer  # filled when written; marked a duplicate below
                continue
            answer = group.add(station, batch, content_hash)
            in_group[batch.batch_id] = (station.code, content_hash, answer)
            out[index] = answer
        except ApiError as error:
            out[index] = error
    group.flush()
    # A batch sent twice within one group: the second answer is the first one, as a duplicate.
    firsts: set[str] = set()
    for index, (_, batch, _) in enumerate(items):
        answer = out[index]
        if isinstance(answer, dict) and not answer.get("duplicate"):
            if batch.batch_id in firsts:
                out[index] = {**answer, "duplicate": True}
            firsts.add(batch.batch_id)
    return out  # type: ignore[return-value]


def _reused(batch: PushBatch) -> ApiError:
    return ApiError(
        409,
        "batch_reused",
        f"batch {batch.batch_id} was applied before with other content; a new batch needs a new id",
    )


def _duplicate(prior: Any, station: Station, batch: PushBatch, content_hash: str) -> dict[str, Any]:
    stored_hash = prior["content_hash"]
    if stored_hash != content_hash:
        # Batches stored before the hash was taken with orjson: the standard library's text
        # (they differ only in how a float with an exponent is written).
        slow = hashlib.sha256(canonical_json(batch.to_json()).encode("utf-8")).hexdigest()
        if stored_hash == slow:
            content_hash = slow
    if prior["station_code"] != station.code or stored_hash != content_hash:
        raise _reused(batch)
    result = loads(prior["result"])
    result["duplicate"] = True
    return result


def push(
    conn: Connection, station: Station, batch: PushBatch, protocol_version: int
) -> dict[str, Any]:
    """Apply a batch in the caller's transaction; a batch seen before returns its first answer."""
    (answer,) = push_group(conn, [(station, batch, protocol_version)])
    if isinstance(answer, Exception):
        raise answer
    return answer


# -- reading ------------------------------------------------------------------------------


def _scope_filter(table, station: Station, hierarchy: Hierarchy):  # noqa: ANN001, ANN202
    if station.level == "city":
        return None
    visible = sorted(hierarchy.visible(station))
    readers = select(case_readers.c.case_id).where(case_readers.c.station_code.in_(visible))
    return or_(
        table.c.public.is_(True), table.c.scope_station.in_(visible), table.c.case_id.in_(readers)
    )


_PULL_STATEMENTS: dict[tuple[int, int], Any] = {}  # (stations, cases read) -> statement


def _pull_statement(visible: int, read_cases: int):  # noqa: ANN202
    """The pull of a non-city station, built once per shape (how many stations it sees, how
    many cases it still reads, up to 50: one index range each) with bound parameters: the
    first `limit` sequence numbers in its scope after the cursor, as a union of index range
    scans (its own stations' entries, public entries, the cases it still reads), each
    stopping after `limit` (one scan of the whole log filtered row by row read every other
    station's history on each pull), and then their entries. Building the statement cost
    more than running it."""
    key = (visible, min(read_cases, 51))
    statement = _PULL_STATEMENTS.get(key)
    if statement is not None:
        return statement
    window = (changes.c.seq > bindparam("after"), changes.c.seq <= bindparam("horizon"))

    def first(*where):  # noqa: ANN002, ANN202
        sub = (
            select(changes.c.seq)
            .where(*window, *where)
            .order_by(changes.c.seq)
            .limit(bindparam("limit"))
        ).subquery()
        return select(sub.c.seq)

    parts = [first(changes.c.scope_station == bindparam(f"s{i}")) for i in range(visible)]
    parts.append(first(changes.c.public))  # as the partial index says it: "WHERE public"
    if read_cases <= 50:
        parts += [first(changes.c.case_key == bindparam(f"c{i}")) for i in range(read_cases)]
    else:
        parts.append(first(changes.c.case_key.in_(bindparam("cases", expanding=True))))
    seqs = union(*parts).subquery()
    statement = (
        select(changes)
        .where(changes.c.seq.in_(select(seqs.c.seq)))
        .order_by(changes.c.seq)
        .limit(bindparam("limit"))
    )
    if len(_PULL_STATEMENTS) < 1000:
        _PULL_STATEMENTS[key] = statement
    return statement


_CITY_PULL = (
    select(changes)
    .where(changes.c.seq > bindparam("after"), changes.c.seq <= bindparam("horizon"))
    .order_by(changes.c.seq)
    .limit(bindparam("limit"))
)
# The keys of the cases that these stations still read (db.rows: a case's entries are
# indexed by its key).
_READ_CASES = select(rows.c.case_key).where(
    rows.c.table_name == "cases",
    rows.c.row_id.in_(
        select(case_readers.c.case_id).where(
            case_readers.c.station_code.in_(bindparam("codes", expanding=True))
        )
    ),
)
_HORIZON_COLUMNS = (
    select(server_state.c.last_seq).where(server_state.c.id == 1).scalar_subquery(),
    *Hierarchy.mark_columns(),
)
_HORIZON = select(*_HORIZON_COLUMNS)
# A station's token, its station, the horizon and the hierarchy's mark: a pull's first round
# trip (a station pulls a page every few seconds while it catches up).
_TOKEN_AND_HORIZON = token_query().add_columns(
    *(column.label(f"horizon_{i}") for i, column in enumerate(_HORIZON_COLUMNS))
)


def pull(
    conn: Connection, station: Station, after: int, limit: int, *, raw_fields: bool = False
) -> dict[str, Any]:
    """The changes in the station's scope after a cursor, in the server's order.

    The horizon is read first: every number up to it is committed (numbers are handed out
    and committed one transaction at a time), so the cursor may move up to it safely.
    `raw_fields`: each change's fields as the stored JSON text (an orjson.Fragment), for an
    answer written by orjson without parsing them.
    """
    # The horizon and whether the cached hierarchy still holds, in one round trip.
    horizon, *mark = conn.execute(_HORIZON).one()
    return _pull_after(conn, station, int(horizon), tuple(mark), after, limit, raw_fields)


def pull_for_token(
    conn: Connection, token: str | None, after: int, limit: int, *, raw_fields: bool = False
) -> dict[str, Any]:
    """`pull` for the station of a token, authenticated in the same round trip as the
    horizon is read (ApiError when the token is refused)."""
    station, row = authenticate_with(conn, token, _TOKEN_AND_HORIZON)
    horizon, *mark = (row[f"horizon_{i}"] for i in range(len(_HORIZON_COLUMNS)))
    return _pull_after(conn, station, int(horizon), tuple(mark), after, limit, raw_fields)


def _pull_after(
    conn: Connection,
    station: Station,
    horizon: int,
    mark: tuple,
    after: int,
    limit: int,
    raw_fields: bool,
) -> dict[str, Any]:
    params: dict[str, Any] = {"after": after, "horizon": horizon, "limit": limit + 1}
    if station.level == "city":
        query = _CITY_PULL
    else:
        visible = sorted(Hierarchy.load(conn, mark).visible(station))
        read_cases = sorted(
            {
                key
                for key in conn.execute(_READ_CASES, {"codes": visible}).scalars()
                if key is not None
            }
        )
        params.update((f"s{i}", code) for i, code in enumerate(visible))
        if len(read_cases) <= 50:
            params.update((f"c{i}", case_key) for i, case_key in enumerate(read_cases))
        else:
            params["cases"] = read_cases
        query = _pull_statement(len(visible), len(read_cases))
    found = conn.execute(query, params).all()
    has_more = len(found) > limit
    found = found[:limit]
    if has_more:
        next_cursor = found[-1].seq
    else:
        next_cursor = max(horizon, after)
    read = Fragment if raw_fields else loads
    return {
        "changes": [
            {
                "seq": r.seq,
                "table": r.table_name,
                "row_id": r.row_id,
                "op": r.op,
                "fields": read(r.fields),
                "origin_station": r.origin_station,
                "owner_station": r.owner_station,
                "case_id": r.case_id,
                "row_version": r.row_version,
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


def list_chain_breaks(conn: Connection, station_code: str | None = None) -> list[dict[str, Any]]:
    """The entries refused for breaking their station's hash chain, oldest first."""
    query = select(chain_breaks).order_by(chain_breaks.c.id)
    if station_code is not None:
        query = query.where(chain_breaks.c.station_code == station_code)
    return [dict(r) for r in conn.execute(query).mappings()]


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
