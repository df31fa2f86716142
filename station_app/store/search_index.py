"""Keep the full-text index of cases in step with their rows, and query it."""

from __future__ import annotations

import sqlite3

from station_app.search_text import index_text, match_expression

UNIT = "\x1f"

_FIELDS_SQL = f"""
    SELECT c.local_id, c.case_no, c.merchant_name, c.facts,
           (SELECT group_concat(p.name || '{UNIT}' || p.phone, '{UNIT}')
              FROM parties p WHERE p.case_id = c.id AND p.deleted = 0) AS people
      FROM cases c
"""


def _terms(row: tuple) -> str:
    _local_id, case_no, merchant_name, facts, people = row
    fields = [case_no, merchant_name, *(people.split(UNIT) if people else []), facts]
    return index_text(fields)


def _current_terms(conn: sqlite3.Connection, local_id: int) -> str | None:
    row = conn.execute(
        _FIELDS_SQL + " WHERE c.local_id = ? AND c.deleted = 0", (local_id,)
    ).fetchone()
    return None if row is None else _terms(row)


def index_case(conn: sqlite3.Connection, local_id: int) -> None:
    """Add a case to the index as its rows are now (see reindex_case)."""
    terms = _current_terms(conn, local_id)
    if terms is not None:
        conn.execute("INSERT INTO case_search(rowid, terms) VALUES (?, ?)", (local_id, terms))


def reindex_case(conn: sqlite3.Connection, local_id: int) -> None:
    """Make the index entry of a case match its rows as they are now (called by the store
    for every dirty case before COMMIT, store/derived.py).

    The index is contentless, so removing the old entry needs the terms it was made with:
    they are computed from the case's search fields as they were before the transaction's
    first change, which the dirty-queue triggers kept in dirty_cases.
    """
    old = conn.execute(
        "SELECT was_indexed, case_no, merchant_name, facts, people FROM dirty_cases"
        " WHERE case_local_id = ?",
        (local_id,),
    ).fetchone()
    indexed = conn.execute("SELECT 1 FROM case_search WHERE rowid = ?", (local_id,)).fetchone()
    if old is not None and old[0] and indexed:
        conn.execute(
            "INSERT INTO case_search(case_search, rowid, terms) VALUES ('delete', ?, ?)",
            (local_id, _terms((local_id, *old[1:]))),
        )
    index_case(conn, local_id)


def rebuild_index(conn: sqlite3.Connection) -> int:
    """Empty the index and index every live case again; returns how many."""
    conn.execute("INSERT INTO case_search(case_search) VALUES ('delete-all')")
    return index_all_cases(conn)


def index_all_cases(conn: sqlite3.Connection, *, after_local_id: int = 0) -> int:
    """Index every live case with local_id > after_local_id; returns how many."""
    cursor = conn.execute(
        _FIELDS_SQL + " WHERE c.local_id > ? AND c.deleted = 0 ORDER BY c.local_id",
        (after_local_id,),
    )
    count = 0
    while rows := cursor.fetchmany(5000):
        conn.executemany(
            "INSERT INTO case_search(rowid, terms) VALUES (?, ?)",
            [(row[0], _terms(row)) for row in rows],
        )
        count += len(rows)
    return count


def matching_local_ids_sql(query: str) -> tuple[str, tuple] | None:
    """A sub-select of the local ids of cases matching `query`, or None if it has no terms."""
    expression = match_expression(query)
    if expression is None:
        return None
    return "SELECT rowid FROM case_search WHERE case_search MATCH ?", (expression,)
