"""Supervision work records (surveys, secret-shopper visits, product sampling): the rows, their
list, and the counts the statistics read (station_app/supervision.py says what they mean)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from station_app.ids import new_id, utc_now
from station_app.store.connection import Store

COLUMNS = ("done_on", "kind", "merchant_id", "subject", "findings", "result", "follow_up")


def insert_record(store: Store, values: dict, owner_station: str) -> str:
    """A new record with `values` (every one of COLUMNS); returns its id."""
    record_id = new_id()
    now = utc_now()
    store.execute(
        f"INSERT INTO supervision_records(id, {', '.join(COLUMNS)}, owner_station, created_at,"
        f" updated_at) VALUES ({', '.join('?' * (len(COLUMNS) + 4))})",
        (record_id, *(values[c] for c in COLUMNS), owner_station, now, now),
    )
    return record_id


def update_record(store: Store, record_id: str, changes: dict) -> None:
    if not changes:
        return
    assignments = ", ".join(f"{name} = ?" for name in changes)
    store.execute(
        f"UPDATE supervision_records SET {assignments}, updated_at = ? WHERE id = ?",
        (*changes.values(), utc_now(), record_id),
    )


_SELECT = """
    SELECT r.id, r.done_on, r.kind, r.merchant_id, COALESCE(m.name, '') AS merchant_name,
           r.subject, r.findings, r.result, r.follow_up, r.owner_station, r.updated_at
      FROM supervision_records r LEFT JOIN merchants m ON m.id = r.merchant_id
"""


def get_record(store: Store, record_id: str) -> dict | None:
    rows = store.query(_SELECT + " WHERE r.id = ? AND r.deleted = 0", (record_id,))
    return rows[0] if rows else None


def find_record_ids(store: Store, prefix: str) -> list[str]:
    """The ids of live records starting with `prefix` (a shortened id typed on the command line)."""
    return [
        row[0]
        for row in store.execute(
            "SELECT id FROM supervision_records WHERE deleted = 0 AND id >= ? AND id < ?"
            " ORDER BY id LIMIT 3",
            (prefix, prefix + "\U0010ffff"),
        )
    ]


def list_records(
    store: Store,
    first: date | None = None,
    last: date | None = None,
    stations: Sequence[str] | None = None,
    kind: str | None = None,
    limit: int = 5000,
) -> list[dict]:
    """Live records done from `first` to `last` (inclusive), newest first."""
    where = ["r.deleted = 0"]
    params: list[object] = []
    if first is not None:
        where.append("r.done_on >= ?")
        params.append(first.isoformat())
    if last is not None:
        where.append("r.done_on <= ?")
        params.append(last.isoformat())
    if stations is not None:
        where.append(f"r.owner_station IN ({', '.join('?' * len(stations))})")
        params += list(stations)
    if kind:
        where.append("r.kind = ?")
        params.append(kind)
    return store.query(
        _SELECT + f" WHERE {' AND '.join(where)} ORDER BY r.done_on DESC, r.local_id DESC LIMIT ?",
        (*params, limit),
    )


def counts_by_kind_and_result(
    store: Store, first: date, last: date, stations: Sequence[str] | None
) -> dict[tuple[str, str], int]:
    """(kind, result) -> the number of live records done in the period by `stations` (None:
    every station)."""
    scope, params = "", [first.isoformat(), last.isoformat()]
    if stations is not None:
        scope = f" AND owner_station IN ({', '.join('?' * len(stations))})"
        params += list(stations)
    rows = store.execute(
        "SELECT kind, result, count(*) FROM supervision_records"
        f" WHERE deleted = 0 AND done_on BETWEEN ? AND ?{scope} GROUP BY kind, result",
        params,
    )
    return {(row[0], row[1]): row[2] for row in rows}
