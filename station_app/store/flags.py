"""The queries behind the signs of non-genuine consumption (flags.py): other cases whose
complainants share a phone, an address or an identity with this case's complainants.

Each query takes many values at once (every member of a joint complaint) and reads only
indexed rows: parties_phone for phones, parties_address_key and parties_id_number (migration 6)
for addresses and ID numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from station_app.store.connection import Store

# The kinds of case counted as filings (a consultation is not a complaint).
FILING_KINDS = ("complaint", "report")
# An address compared without its spaces (ASCII and ideographic). The same expression is
# used by the query and by the suggested index, so SQLite can use the index.
ADDRESS_KEY_SQL = "replace(replace(address, ' ', ''), '\u3000', '')"
# One query's IN list stays far below SQLite's limit of bound parameters.
_CHUNK = 400
# A phone or address shared by thousands of parties (a typo'd hotline, a market's address)
# is reported with the first rows found; the flag says "at least".
ROW_LIMIT = 2000


@dataclass(frozen=True)
class PartyHit:
    """A complainant of another case: who, and the case."""

    name: str
    phone: str
    address_key: str
    id_number: str
    case_id: str
    case_no: str
    received_at: str


def address_key(address: str) -> str:
    """The address as ADDRESS_KEY_SQL compares it."""
    return address.replace(" ", "").replace("\u3000", "")


@dataclass(frozen=True)
class CasePerson:
    name: str
    phone: str
    address: str
    id_number: str


def case_complainants(store: Store, case_id: str) -> list[CasePerson]:
    return [
        CasePerson(*row)
        for row in store.execute(
            "SELECT name, phone, address, id_number FROM parties"
            " WHERE case_id = ? AND role = 'complainant' AND deleted = 0"
            " ORDER BY position, local_id",
            (case_id,),
        )
    ]


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


_HIT_COLUMNS = (
    f"p.name, p.phone, {ADDRESS_KEY_SQL.replace('address', 'p.address')}, p.id_number,"
    " c.id, c.case_no, c.received_at"
)
# CROSS JOIN makes SQLite read the parties by their index first: left to choose, it may read
# every complaint by kind when the IN list is long (no ANALYZE statistics).
_PARTIES_FIRST = "parties p CROSS JOIN cases c ON c.id = p.case_id"
_KINDS = ", ".join(f"'{kind}'" for kind in FILING_KINDS)
_LIVE = (
    f"p.role = 'complainant' AND p.deleted = 0 AND c.deleted = 0 AND c.kind IN ({_KINDS})"
    " AND p.case_id != ?"
)


def has_index(store: Store, name: str) -> bool:
    return bool(
        store.scalar("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (name,))
    )


def _hits(store: Store, sql: str, params: Iterable) -> list[PartyHit]:
    return [PartyHit(*row) for row in store.execute(sql, tuple(params)).fetchmany(ROW_LIMIT)]


def parties_with_phones(store: Store, phones: Sequence[str], exclude_case: str) -> list[PartyHit]:
    """Complainants of other filed cases with one of `phones` (index parties_phone)."""
    hits: list[PartyHit] = []
    for chunk in _chunks(sorted(set(p for p in phones if p))):
        marks = ", ".join("?" for _ in chunk)
        hits += _hits(
            store,
            f"SELECT {_HIT_COLUMNS} FROM {_PARTIES_FIRST}"
            f" WHERE p.phone IN ({marks}) AND p.phone != '' AND {_LIVE}",
            (*chunk, exclude_case),
        )
    return hits


def parties_with_addresses(store: Store, keys: Sequence[str], exclude_case: str) -> list[PartyHit]:
    """Complainants of other filed cases whose address (without spaces) is one of `keys`."""
    hits: list[PartyHit] = []
    key_sql = ADDRESS_KEY_SQL.replace("address", "p.address")
    for chunk in _chunks(sorted(set(k for k in keys if k))):
        marks = ", ".join("?" for _ in chunk)
        hits += _hits(
            store,
            f"SELECT {_HIT_COLUMNS} FROM {_PARTIES_FIRST}"
            f" WHERE {key_sql} IN ({marks}) AND p.address != '' AND {_LIVE}",
            (*chunk, exclude_case),
        )
    return hits


def filings_of_people(
    store: Store,
    id_numbers: Sequence[str],
    phones: Sequence[str],
    received_from: str,
    received_to: str,
    exclude_case: str,
) -> list[PartyHit]:
    """Complainants of other filed cases received between the two moments ("YYYY-MM-DD
    HH:MM") with one of `id_numbers` or one of `phones` (the caller matches names)."""
    hits: list[PartyHit] = []
    window = "c.received_at >= ? AND c.received_at <= ?"
    # Without the ID-number index, the cases of the window are read first (cases_live_kind)
    # and their parties looked up (parties_case): a few weeks of cases, not every party.
    source = (
        _PARTIES_FIRST
        if has_index(store, "parties_id_number")
        else "cases c CROSS JOIN parties p ON p.case_id = c.id"
    )
    for chunk in _chunks(sorted(set(n for n in id_numbers if n))):
        marks = ", ".join("?" for _ in chunk)
        hits += _hits(
            store,
            f"SELECT {_HIT_COLUMNS} FROM {source}"
            f" WHERE p.id_number IN ({marks}) AND p.id_number != '' AND {_LIVE} AND {window}",
            (*chunk, exclude_case, received_from, received_to),
        )
    for chunk in _chunks(sorted(set(p for p in phones if p))):
        marks = ", ".join("?" for _ in chunk)
        hits += _hits(
            store,
            f"SELECT {_HIT_COLUMNS} FROM {_PARTIES_FIRST}"
            f" WHERE p.phone IN ({marks}) AND p.phone != '' AND {_LIVE} AND {window}",
            (*chunk, exclude_case, received_from, received_to),
        )
    return hits
