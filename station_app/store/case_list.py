"""The case list: ids for a filter and sort order (sorted by SQL), rows fetched page by page."""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from station_app.domain import CaseKind, CaseStatus, Channel
from station_app.store import search_index
from station_app.store.connection import Store


class SortKey(StrEnum):
    """The columns the list can be sorted by; each has an index, so sorting stays fast."""

    RECEIVED = "received_at"
    CASE_NO = "case_no"
    KIND = "kind"
    CHANNEL = "channel"
    STATUS = "status"


# ORDER BY of each sort key (ascending); each matches one index of live cases (migration 3).
_ORDER_COLUMNS: dict[SortKey, tuple[str, ...]] = {
    SortKey.RECEIVED: ("c.received_at", "c.local_id"),
    SortKey.CASE_NO: ("c.number_year", "c.number_seq", "c.case_no"),
    SortKey.KIND: ("c.kind", "c.received_at", "c.local_id"),
    SortKey.CHANNEL: ("c.channel", "c.received_at", "c.local_id"),
    SortKey.STATUS: ("c.status", "c.received_at", "c.local_id"),
}

# A text search lists at most this many of its newest matches: a one-character query can match
# a tenth of a million cases, and nobody scrolls through that; the count says how many there are.
TEXT_MATCH_LIMIT = 10_000


@dataclass(frozen=True)
class CaseFilter:
    kind: CaseKind | None = None
    channel: Channel | None = None
    status: CaseStatus | None = None
    received_from: date | None = None
    received_to: date | None = None
    text: str = ""


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


def _from_and_where(case_filter: CaseFilter) -> tuple[str, str, list]:
    """FROM and WHERE for a filter. With text, the full-text index drives the query: it is
    joined first (CROSS JOIN keeps that order) and limited to its newest matches."""
    source = "cases c"
    clauses, params = ["c.deleted = 0"], []
    if case_filter.text.strip():
        matching = search_index.matching_local_ids_sql(case_filter.text)
        if matching is None:
            clauses.append("0")
        else:
            sql, match_params = matching
            source = (
                f"({sql} ORDER BY rowid DESC LIMIT {TEXT_MATCH_LIMIT}) AS hit "
                "CROSS JOIN cases c ON c.local_id = hit.rowid"
            )
            params.extend(match_params)
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
    return source, " AND ".join(clauses), params


def case_ids_query(
    case_filter: CaseFilter = CaseFilter(),
    sort: SortKey = SortKey.RECEIVED,
    descending: bool = True,
) -> tuple[str, list]:
    """The SQL and parameters of case_ids (also for EXPLAIN in the benchmarks)."""
    source, where, params = _from_and_where(case_filter)
    direction = "DESC" if descending else "ASC"
    order = ", ".join(f"{column} {direction}" for column in _ORDER_COLUMNS[sort])
    return f"SELECT c.local_id FROM {source} WHERE {where} ORDER BY {order}", params


def case_ids(
    store: Store,
    case_filter: CaseFilter = CaseFilter(),
    sort: SortKey = SortKey.RECEIVED,
    descending: bool = True,
) -> array:
    """Local ids of every case that passes the filter, in display order: 8 bytes per case."""
    cursor = store.execute(*case_ids_query(case_filter, sort, descending))
    ids = array("q")
    while chunk := cursor.fetchmany(50_000):
        ids.extend(row[0] for row in chunk)
    return ids


def case_rows(store: Store, local_ids: Sequence[int]) -> dict[int, CaseRow]:
    """The list columns of the given cases, keyed by local id."""
    if not local_ids:
        return {}
    marks = ",".join("?" * len(local_ids))
    cursor = store.execute(
        f"""SELECT c.local_id, c.case_no, c.received_at, c.kind, c.channel, c.status,
                   p.name, p.phone, c.merchant_name, c.amount_fen, c.category,
                   (SELECT count(*) FROM parties q
                     WHERE q.case_id = c.id AND q.role = 'complainant' AND q.deleted = 0)
              FROM cases c
              LEFT JOIN parties p ON p.local_id = (
                   SELECT local_id FROM parties
                    WHERE case_id = c.id AND role = 'complainant' AND deleted = 0
                    ORDER BY position LIMIT 1)
             WHERE c.local_id IN ({marks})""",
        tuple(local_ids),
    )
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
        )
        for row in cursor.fetchall()
    }


def search_cases(store: Store, query: str, limit: int = 50) -> list[CaseRow]:
    """The newest `limit` cases matching the query (name, phone digits, merchant, number, facts)."""
    matching = search_index.matching_local_ids_sql(query)
    if matching is None:
        return []
    sql, params = matching
    # The index holds live cases only, so it answers alone, newest first.
    ids = [row[0] for row in store.execute(f"{sql} ORDER BY rowid DESC LIMIT ?", (*params, limit))]
    rows = case_rows(store, ids)
    return [rows[i] for i in ids]


def count_cases(store: Store) -> int:
    return store.scalar("SELECT count(*) FROM cases WHERE deleted = 0")


def count_text_matches(store: Store, text: str) -> int:
    """How many live cases match a search text (the list shows at most TEXT_MATCH_LIMIT)."""
    matching = search_index.matching_local_ids_sql(text)
    if matching is None:
        return 0
    sql, params = matching
    return store.scalar(f"SELECT count(*) FROM ({sql})", params)
