"""Keep the full-text index of cases in step with their rows, and query it.

The index (`case_search`, FTS5) has one column per searchable field (case number, people's
names, phones, merchant, facts) and is contentless: it stores no text, so removing a case's
entry needs the exact terms it was indexed with. `case_search_source` keeps, per case, the
normalized values that were indexed; the terms are cut from them again when the entry goes.
So `reindex_case` brings a case's entry in line with its current rows however those rows
changed (a form, the CLI, a pulled row or plain SQL), without being told the old values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from station_app.search_text import (
    DIGIT_COLUMNS,
    FIELD_SEPARATOR,
    KEY_FIELDS,
    QueryWord,
    SearchField,
    digit_grams,
    normalize,
    parse_query,
    split_digit_runs,
    words_expression,
)
from station_app.store import driver

UNIT = "\x1f"
# Separates the values of one field (several names) in case_search_source; normalized values
# are letters and digits only, so a space never occurs inside one.
VALUE_SEPARATOR = " "

COLUMNS: tuple[SearchField, ...] = tuple(SearchField)
_COLUMN_LIST = ", ".join(field.value for field in COLUMNS)

# The current values of each field, one row per live case.
_FIELDS_SQL = f"""
    SELECT c.local_id, c.case_no,
           (SELECT group_concat(name, '{UNIT}') FROM (SELECT p.name FROM parties p
             WHERE p.case_id = c.id AND p.deleted = 0 ORDER BY p.role DESC, p.position)) AS names,
           (SELECT group_concat(phone, '{UNIT}') FROM (SELECT p.phone FROM parties p
             WHERE p.case_id = c.id AND p.deleted = 0 ORDER BY p.role DESC, p.position)) AS phones,
           c.merchant_name, c.facts
      FROM cases c
"""


def _source(row: Sequence) -> tuple[str, ...]:
    """The normalized values of one case's fields, as stored in case_search_source."""
    _local_id, case_no, names, phones, merchant, facts = row

    def values(joined: str | None) -> str:
        parts = (normalize(part) for part in (joined or "").split(UNIT))
        return VALUE_SEPARATOR.join(part for part in parts if part)

    return (
        normalize(case_no or ""),
        values(names),
        values(phones),
        normalize(merchant or ""),
        normalize(facts or ""),
    )


def _column_terms(stored: str) -> str:
    """The terms of one column, cut from its stored normalized values by slicing only, so the
    same stored text always gives the same terms: each value's bigrams, then its last
    character alone (for one-character prefix queries); values apart by FIELD_SEPARATOR."""
    parts: list[str] = []
    for value in stored.split(VALUE_SEPARATOR):
        if not value:
            continue
        if parts:
            parts.append(FIELD_SEPARATOR)
        parts.extend(value[i : i + 2] for i in range(len(value) - 1))
        parts.append(value[-1])
    return " ".join(parts)


def _digit_terms(stored: Iterable[str]) -> str:
    """The 4-digit terms of every long digit run of the given stored columns, runs apart."""
    parts: list[str] = []
    for column in stored:
        for value in column.split(VALUE_SEPARATOR):
            for is_digits, run in split_digit_runs(value):
                if is_digits:
                    if parts:
                        parts.append(FIELD_SEPARATOR)
                    parts.extend(digit_grams(run))
    return " ".join(parts)


# The digits columns, each fed by the fields that search_text.DIGIT_COLUMNS maps to it.
DIGIT_COLUMN_NAMES: tuple[str, ...] = tuple(dict.fromkeys(DIGIT_COLUMNS.values()))


def _terms(source: Sequence[str]) -> tuple[str, ...]:
    """The terms of each index column: the text columns, then the digits columns."""
    by_field = dict(zip(COLUMNS, source, strict=True))
    digits = tuple(
        _digit_terms(by_field[f] for f in COLUMNS if DIGIT_COLUMNS[f] == name)
        for name in DIGIT_COLUMN_NAMES
    )
    return tuple(_column_terms(value) for value in source) + digits


_FTS_COLUMNS = ", ".join((*(f.value for f in COLUMNS), *DIGIT_COLUMN_NAMES))
_MARKS = ", ".join("?" * (len(COLUMNS) + len(DIGIT_COLUMN_NAMES)))
_INSERT_FTS = f"INSERT INTO case_search(rowid, {_FTS_COLUMNS}) VALUES (?, {_MARKS})"
_DELETE_FTS = (
    f"INSERT INTO case_search(case_search, rowid, {_FTS_COLUMNS}) VALUES ('delete', ?, {_MARKS})"
)
_INSERT_SOURCE = (
    f"INSERT INTO case_search_source(local_id, {_COLUMN_LIST}) VALUES (?, ?, ?, ?, ?, ?)"
)


def reindex_case(conn: driver.Connection, local_id: int) -> None:
    """Bring the index entry of one case in line with its current rows (case, parties,
    merchant name): a new case is added, a changed one re-indexed, a deleted or missing one
    removed. Whatever changed the rows, and however, no old value is needed."""
    old = conn.execute(
        f"SELECT {_COLUMN_LIST} FROM case_search_source WHERE local_id = ?", (local_id,)
    ).fetchone()
    row = conn.execute(
        _FIELDS_SQL + " WHERE c.local_id = ? AND c.deleted = 0", (local_id,)
    ).fetchone()
    new = None if row is None else _source(row)
    if old is not None and tuple(old) == new:
        return
    if old is not None:
        conn.execute(_DELETE_FTS, (local_id, *_terms(old)))
        conn.execute("DELETE FROM case_search_source WHERE local_id = ?", (local_id,))
    if new is not None:
        conn.execute(_INSERT_FTS, (local_id, *_terms(new)))
        conn.execute(_INSERT_SOURCE, (local_id, *new))


# FTS5's default 'automerge': while a bulk load writes, the index merges its segments as it
# grows (otherwise the load would leave many for upkeep). Saves merge nothing (migration 12).
_BULK_AUTOMERGE = 4


def _automerge(conn: driver.Connection) -> int:
    row = conn.execute("SELECT v FROM case_search_config WHERE k = 'automerge'").fetchone()
    return _BULK_AUTOMERGE if row is None else int(row[0])


def _set_automerge(conn: driver.Connection, value: int) -> None:
    conn.execute("INSERT INTO case_search(case_search, rank) VALUES ('automerge', ?)", (value,))


def index_all_cases(
    conn: driver.Connection,
    *,
    after_local_id: int = 0,
    progress: Callable[[float], None] | None = None,
) -> int:
    """Index every live case with local_id > after_local_id that is not indexed yet (a bulk
    load of new cases, merging the index as it grows); returns how many were added.
    `progress` hears the part done (0 … 1) after each batch."""
    saved = _automerge(conn)
    if saved != _BULK_AUTOMERGE:
        _set_automerge(conn, _BULK_AUTOMERGE)
    count = _index_all_cases(conn, after_local_id, progress)
    if saved != _BULK_AUTOMERGE:  # (a failed load rolls the setting back with its rows)
        _set_automerge(conn, saved)
    return count


def _index_all_cases(
    conn: driver.Connection, after_local_id: int, progress: Callable[[float], None] | None
) -> int:
    total = 0
    if progress is not None:
        total = conn.execute(
            "SELECT count(*) FROM cases WHERE local_id > ? AND deleted = 0", (after_local_id,)
        ).fetchone()[0]
    cursor = conn.execute(
        _FIELDS_SQL + " WHERE c.local_id > ? AND c.deleted = 0"
        " AND c.local_id NOT IN (SELECT local_id FROM case_search_source WHERE local_id > ?)"
        " ORDER BY c.local_id",
        (after_local_id, after_local_id),
    )
    count = 0
    while rows := cursor.fetchmany(5000):
        sources = [(row[0], *_source(row)) for row in rows]
        conn.executemany(_INSERT_FTS, [(s[0], *_terms(s[1:])) for s in sources])
        conn.executemany(_INSERT_SOURCE, sources)
        count += len(rows)
        if progress is not None and total:
            progress(count / total)
    return count


def rebuild_index(conn: driver.Connection, progress: Callable[[float], None] | None = None) -> int:
    """Empty the index and index every live case again; returns how many."""
    conn.execute("INSERT INTO case_search(case_search) VALUES ('delete-all')")
    conn.execute("DELETE FROM case_search_source")
    return index_all_cases(conn, progress=progress)


# --------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class TextQuery:
    """A search as typed, parsed once: its words and the field chosen beside the box."""

    words: tuple[QueryWord, ...]

    @classmethod
    def parse(cls, text: str, field: SearchField | None = None) -> TextQuery:
        return cls(tuple(parse_query(text, field)))

    @property
    def restricted(self) -> bool:
        """Whether every word is confined to one field (then there is nothing to rank)."""
        return all(word.field is not None for word in self.words)


def matching_local_ids_sql(
    query: str | TextQuery, field: SearchField | None = None
) -> tuple[str, tuple] | None:
    """A sub-select of the local ids (`rowid`) of cases matching the query, or None if it has
    no terms."""
    text_query = query if isinstance(query, TextQuery) else TextQuery.parse(query, field)
    expression = words_expression(text_query.words)
    if expression is None:
        return None
    return "SELECT rowid FROM case_search WHERE case_search MATCH ?", (expression,)


def ranked_hits_sql(text_query: TextQuery, limit: int) -> tuple[str, tuple] | None:
    """A sub-select of (rowid, tier) of the newest `limit` matches, best tier first: tier 0
    when every word is found in a case number, name, phone or merchant, tier 1 when some
    word is found only in the facts. None when the query has no terms."""
    everywhere = words_expression(text_query.words)
    if everywhere is None:
        return None
    key = None if text_query.restricted else words_expression(text_query.words, KEY_FIELDS)
    newest = "SELECT rowid, {tier} AS tier FROM case_search WHERE case_search MATCH ?"
    newest += f" ORDER BY rowid DESC LIMIT {limit}"
    if key is None:
        return newest.format(tier=0), (everywhere,)
    # The newest matches in the key fields (tier 0) and the newest matches anywhere (tier 1
    # unless also in tier 0); each read stops at `limit`, so a query matching many cases
    # reads little. When more than `limit` cases match, a facts-only match older than the
    # newest `limit` may be left out of the list (the count still includes it).
    return (
        "SELECT rowid, min(tier) AS tier FROM ("
        f" SELECT * FROM ({newest.format(tier=0)}) UNION ALL"
        f" SELECT * FROM ({newest.format(tier=1)}))"
        f" GROUP BY rowid ORDER BY tier, rowid DESC LIMIT {limit}",
        (key, everywhere),
    )


def indexed_fields(conn: driver.Connection, local_ids: Iterable[int]) -> dict[int, tuple]:
    """The current field values of the given cases, for showing where a search matched:
    local id -> (case_no, names list, phones list, merchant, facts)."""
    ids = list(local_ids)
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    result: dict[int, tuple] = {}
    for row in conn.execute(_FIELDS_SQL + f" WHERE c.local_id IN ({marks})", ids):
        local_id, case_no, names, phones, merchant, facts = row
        result[local_id] = (
            case_no or "",
            [n for n in (names or "").split(UNIT) if n],
            [p for p in (phones or "").split(UNIT) if p],
            merchant or "",
            facts or "",
        )
    return result
