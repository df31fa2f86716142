"""The hash chain of the tamper-evident record, without SQL or Qt: what a chained row's hash
covers and how one row follows the one before it. The station's store (store/chain.py) seals
and checks its rows with it; the city server checks the rows that arrive by sync with it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import orjson

# The columns each chained table's hash covers, in this order (version 1 of the chain; a later
# column is not covered unless the chain gets a new version).
CHAINED_COLUMNS: dict[str, tuple[str, ...]] = {
    "audit_log": (
        "id",
        "owner_station",
        "created_at",
        "updated_at",
        "deleted",
        "at",
        "actor",
        "case_id",
        "table_name",
        "row_id",
        "field",
        "old_value",
        "new_value",
        "kind",
        "origin",
        "chain_seq",
        "prev_hash",
    ),
    "case_events": (
        "id",
        "case_id",
        "action",
        "from_status",
        "to_status",
        "occurred_at",
        "actor",
        "actor_role",
        "note",
        "details",
        "owner_station",
        "created_at",
        "updated_at",
        "deleted",
        "chain_seq",
        "prev_hash",
    ),
}
# The prev_hash of a station's first row.
GENESIS = "0" * 64

# What `link_problem` finds wrong with a row.
CHANGED = "changed"  # its content no longer matches its hash
MISSING = "missing"  # numbers are missing before it
TWICE = "twice"  # its number was taken already
NOT_FOLLOWING = "not_following"  # its link is not the hash of the row before it


def row_hash(table: str, row: Mapping[str, object]) -> str:
    """The SHA-256 (hex) of a chained row's content, its number and previous hash included:
    of the JSON text `json.dumps(content, ensure_ascii=False, separators=(",", ":"))` in
    UTF-8. orjson writes the same bytes for strings, 64-bit integers, booleans and null,
    several times faster (the city server checks every entry a station sends); a float (its
    exponent is written differently) or a larger integer is written by the standard library."""
    values = [row.get(column) for column in CHAINED_COLUMNS[table]]
    content = [table, 1, values]
    data = None
    if float not in map(type, values):
        try:
            data = orjson.dumps(content)
        except TypeError:  # an integer beyond 64 bits
            data = None
    if data is None:
        data = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def link_problem(
    table: str, row: Mapping[str, object], head_seq: int, head_hash: str
) -> str | None:
    """What is wrong with `row` as the next row of a chain whose last row is number
    `head_seq` with hash `head_hash` (0 and GENESIS: an empty chain); None if it follows."""
    if row_hash(table, row) != row.get("row_hash"):
        return CHANGED
    seq = int(row["chain_seq"])  # type: ignore[call-overload]
    if seq <= head_seq:
        return TWICE
    if seq > head_seq + 1:
        return MISSING
    if row.get("prev_hash") != head_hash:
        return NOT_FOLLOWING
    return None
