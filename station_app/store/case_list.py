"""The case list: ids for a filter and sort order (sorted by SQL), rows fetched page by page."""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from station_app.domain import CaseKind, CaseStatus, Channel
from station_app.search_text import FieldMatch, SearchField, match_in_fields
from station_app.store import search_index
from station_app.store.connection import Store
from station_app.store.search_index import TextQuery


class SortKey(StrEnum):
    """The columns the list can be sorted by; each has an index, so sorting stays fast."""

    RECEIVED = "received_at"
    CASE_NO = "case_no"
    KIND = "kind"
    CHANNEL = "channel"
    STATUS = "status"
    DEADLINE = "deadline"


# ORDER BY of each sort key (ascending); each matches one index of live cases (migration 3).
_ORDER_COLUMNS: dict[SortKey, tuple[str, ...]] = {
    SortKey.RECEIVED: ("c.received_at", "c.local_id"),
    SortKey.CASE_NO: ("c.number_year", "c.number_seq", "c.case_no"),
    SortKey.KIND: ("c.kind", "c.received_at", "c.local_id"),
    SortKey.CHANNEL: ("c.channel", "c.received_at", "c.local_id"),
    SortKey.STATUS: ("c.status", "c.received_at", "c.local_id"),
    # Cases with an open deadline by its date (index case_next_deadline_due), then the others
    # newest first; see _deadline_ids_query.
    SortKey.DEADLINE: ("n.due IS NULL", "n.due", "c.received_at DESC", "c.local_id"),
}

# A text search lists at most this many of its best matches (names, phones, numbers and
# merchants first, newest first within each): a one-character query can match a tenth of a
# million cases, and nobody scrolls through that; the count says how many there are. Reading
# fewer keeps every search within 20 ms at a million cases.
TEXT_MATCH_LIMIT = 2_000


@dataclass(frozen=True)
class CaseFilter:
    kind: CaseKind | None = None
    channel: Channel | None = None
    status: CaseStatus | None = None
    received_from: date | None = None
    received_to: date | None = None
    text: str = ""
    field: SearchField | None = None  # the field chooser beside the search box (None: all)

    def text_query(self) -> TextQuery:
        return TextQuery.parse(self.text, self.field)


@dataclass(frozen=True)
class CaseRow:
    local_id: int
    case_no: str
    received_at: str
    kind: CaseKind
    channel: Channel
    status: CaseStatus
    complainant: str
    phone: str
    merchant: str
    amount_fen: int | None
    category: str
    complainant_count: int
    next_due: date | None = None
    next_due_kind: str = ""
    match: FieldMatch | None = None  # where the list's search matched this case


_LIVE = "c.deleted = 0"


def _from_and_where(case_filter: CaseFilter) -> tuple[str, str, list, bool]:
    """FROM and WHERE for a filter, and whether a search ranks the rows (hit.tier). With
    text, the full-text index drives the query: its newest matches, best tier first, are
    joined first (CROSS JOIN keeps that order)."""
    source = "cases c"
    clauses, params = [_LIVE], []
    ranked = False
    if case_filter.text.strip():
        hits = search_index.ranked_hits_sql(case_filter.text_query(), TEXT_MATCH_LIMIT)
        if hits is None:
            clauses.append("0")
        else:
            sql, match_params = hits
            source = f"({sql}) AS hit CROSS JOIN cases c ON c.local_id = hit.rowid"
            params.extend(match_params)
            ranked = True
    if case_filter.kind:
        clauses.append("c.kind = ?")
        params.append(case_filter.kind.value)
    if case_filter.channel:
        clauses.append("c.channel = ?")
        params.append(case_filter.channel.value)
    if case_filter.status:
        clauses.append("c.status = ?")
        params.append(case_filter.status.value)
    if case_filter.received_from:
        clauses.append("c.received_at >= ?")
        params.append(case_filter.received_from.isoformat())
    if case_filter.received_to:
        clauses.append("c.received_at < ?")
        params.append(case_filter.received_to.isoformat() + " 99")
    return source, " AND ".join(clauses), params, ranked


def _deadline_ids_query(where: str, params: list, descending: bool) -> tuple[str, list]:
    """By deadline without a search: the cases with an open deadline read in the order of
    its index, then the cases without one, newest first. Each part is an index scan, so the
    list never sorts a million rows."""
    direction = "DESC" if descending else "ASC"
    order = f"ORDER BY n.due {direction}, n.case_local_id {direction}"
    if where == _LIVE:
        # Deleted cases have no deadlines (a trigger removes them): the index alone answers.
        with_deadline = f"SELECT n.case_local_id FROM case_next_deadline n {order}"
        with_params: list = []
    else:
        with_deadline = (
            "SELECT c.local_id FROM case_next_deadline n INDEXED BY case_next_deadline_due"
            f" CROSS JOIN cases c ON c.local_id = n.case_local_id WHERE {where} {order}"
        )
        with_params = list(params)
    without = (
        f"SELECT c.local_id FROM cases c WHERE {where} AND NOT EXISTS"
        " (SELECT 1 FROM case_next_deadline n WHERE n.case_local_id = c.local_id)"
        " ORDER BY c.received_at DESC, c.local_id DESC"
    )
    sql = f"SELECT * FROM ({with_deadline}) UNION ALL SELECT * FROM ({without})"
    return sql, [*with_params, *params]


def case_ids_query(
    case_filter: CaseFilter = CaseFilter(),
    sort: SortKey = SortKey.RECEIVED,
    descending: bool = True,
) -> tuple[str, list]:
    """The SQL and parameters of case_ids (also for EXPLAIN in the benchmarks)."""
    source, where, params, ranked = _from_and_where(case_filter)
    if sort is SortKey.DEADLINE and not ranked:
        return _deadline_ids_query(where, params, descending)
    direction = "DESC" if descending else "ASC"
    order = [
        column if column.endswith(("DESC", "NULL")) else f"{column} {direction}"
        for column in _ORDER_COLUMNS[sort]
    ]
    if ranked:
        order.insert(0, "hit.tier")
    if sort is SortKey.DEADLINE:
        source += " LEFT JOIN case_next_deadline n ON n.case_local_id = c.local_id"
    return f"SELECT c.local_id FROM {source} WHERE {where} ORDER BY {', '.join(order)}", params


def case_ids(
    store: Store,
    case_filter: CaseFilter = CaseFilter(),
    sort: SortKey = SortKey.RECEIVED,
    descending: bool = True,
) -> array:
    """Local ids of every case that passes the filter, in display order: 8 bytes per case.
    A search lists its best matches first (names, phones, numbers and merchants before
    words of the facts), each group in the chosen order."""
    cursor = store.execute(*case_ids_query(case_filter, sort, descending))
    ids = array("q")
    while chunk := cursor.fetchmany(50_000):
        ids.extend(row[0] for row in chunk)
    return ids


def case_rows(
    store: Store, local_ids: Sequence[int], text_query: TextQuery | None = None
) -> dict[int, CaseRow]:
    """The list columns of the given cases, keyed by local id; with a search, each row also
    says where the search matched."""
    if not local_ids:
        return {}
    marks = ",".join("?" * len(local_ids))
    cursor = store.execute(
        f"""SELECT c.local_id, c.case_no, c.received_at, c.kind, c.channel, c.status,
                   p.name, p.phone, c.merchant_name, c.amount_fen, c.category,
                   (SELECT count(*) FROM parties q
                     WHERE q.case_id = c.id AND q.role = 'complainant' AND q.deleted = 0),
                   n.due, n.kind
              FROM cases c
              LEFT JOIN parties p ON p.local_id = (
                   SELECT local_id FROM parties
                    WHERE case_id = c.id AND role = 'complainant' AND deleted = 0
                    ORDER BY position LIMIT 1)
              LEFT JOIN case_next_deadline n ON n.case_local_id = c.local_id
             WHERE c.local_id IN ({marks})""",
        tuple(local_ids),
    )
    rows = cursor.fetchall()
    matches: dict[int, FieldMatch | None] = {}
    if text_query is not None and text_query.words:
        fields = search_index.indexed_fields(store.conn, [row[0] for row in rows])
        for local_id, (case_no, names, phones, merchant, facts) in fields.items():
            values = {
                SearchField.CASE_NO: [case_no],
                SearchField.NAMES: names,
                SearchField.PHONES: phones,
                SearchField.MERCHANT: [merchant],
                SearchField.FACTS: [facts],
            }
            matches[local_id] = match_in_fields(values, text_query.words)
    return {
        row[0]: CaseRow(
            local_id=row[0],
            case_no=row[1],
            received_at=row[2],
            kind=CaseKind(row[3]),
            channel=Channel(row[4]),
            status=CaseStatus(row[5]),
            complainant=row[6] or "",
            phone=row[7] or "",
            merchant=row[8],
            amount_fen=row[9],
            category=row[10],
            complainant_count=row[11],
            next_due=date.fromisoformat(row[12]) if row[12] else None,
            next_due_kind=row[13] or "",
            match=matches.get(row[0]),
        )
        for row in rows
    }


def search_cases(
    store: Store, query: str, limit: int = 50, field: SearchField | None = None
) -> list[CaseRow]:
    """The best `limit` cases matching the query (name, phone digits, merchant, number,
    facts; `姓名:张` or `field` confines it to one field): matches in a case number, name,
    phone or merchant first, then matches in the facts, newest first within each."""
    text_query = TextQuery.parse(query, field)
    hits = search_index.ranked_hits_sql(text_query, limit)
    if hits is None:
        return []
    sql, params = hits
    ids = [row[0] for row in store.execute(sql, params)]
    rows = case_rows(store, ids, text_query)
    return [rows[i] for i in ids]


def count_cases(store: Store) -> int:
    return store.scalar("SELECT count(*) FROM cases WHERE deleted = 0")


def count_text_matches(store: Store, text: str, field: SearchField | None = None) -> int:
    """How many live cases match a search text (the list shows at most TEXT_MATCH_LIMIT)."""
    matching = search_index.matching_local_ids_sql(text, field)
    if matching is None:
        return 0
    sql, params = matching
    return store.scalar(f"SELECT count(*) FROM ({sql})", params)
