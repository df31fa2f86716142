"""Read and write the complainants of a joint complaint: members, amounts, representatives."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from station_app.domain import IdType
from station_app.ids import new_id, utc_now
from station_app.money import from_fen, to_fen
from station_app.store import search_index
from station_app.store.connection import Store


@dataclass(frozen=True)
class NewMember:
    """One complainant to add to a case (already checked)."""

    name: str
    phone: str
    id_number: str
    claimed: Decimal
    address: str = ""
    representative: bool = False


@dataclass(frozen=True)
class StoredMember:
    """One complainant of a case as stored, with their amounts."""

    party_id: str
    position: int
    name: str
    phone: str
    id_number: str
    address: str
    claimed: Decimal | None
    recovered: Decimal | None
    representative: bool


def list_members(store: Store, case_id: str) -> list[StoredMember]:
    """The case's complainants in their order."""
    return [
        StoredMember(
            party_id=row[0],
            position=row[1],
            name=row[2],
            phone=row[3],
            id_number=row[4],
            address=row[5],
            claimed=from_fen(row[6]),
            recovered=from_fen(row[7]),
            representative=bool(row[8]),
        )
        for row in store.execute(
            "SELECT id, position, name, phone, id_number, address, claimed_fen, recovered_fen,"
            " representative FROM parties"
            " WHERE case_id = ? AND role = 'complainant' AND deleted = 0"
            " ORDER BY position, local_id",
            (case_id,),
        )
    ]


def add_members(
    store: Store, case_local_id: int, case_id: str, owner: str, members: Sequence[NewMember]
) -> list[str]:
    """Add complainants after the case's last one, keeping the search index right; returns
    their party ids. Runs inside the caller's transaction."""
    now = utc_now()
    last = store.scalar(
        "SELECT MAX(position) FROM parties WHERE case_id = ? AND role = 'complainant'",
        (case_id,),
    )
    position = -1 if last is None else last
    ids = []
    for member in members:
        position += 1
        party_id = new_id()
        store.execute(
            "INSERT INTO parties(id, case_id, role, position, name, phone, address, id_type,"
            " id_number, claimed_fen, representative, owner_station, created_at, updated_at)"
            " VALUES (?, ?, 'complainant', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                party_id,
                case_id,
                position,
                member.name,
                member.phone,
                member.address,
                IdType.RESIDENT_ID.value if member.id_number else IdType.NONE.value,
                member.id_number,
                to_fen(member.claimed),
                int(member.representative),
                owner,
                now,
                now,
            ),
        )
        ids.append(party_id)
    search_index.reindex_case(store.conn, case_local_id)
    return ids


def set_representatives(store: Store, case_id: str, party_ids: Iterable[str]) -> None:
    """Make exactly `party_ids` the case's representatives (others lose the mark); only rows
    that change are written, so the audit log shows who was elected and who stood down."""
    chosen = list(party_ids)
    marks = ", ".join("?" for _ in chosen)
    now = utc_now()
    store.execute(
        "UPDATE parties SET representative = 0, updated_at = ?"
        f" WHERE case_id = ? AND representative != 0 AND id NOT IN ({marks})",
        (now, case_id, *chosen),
    )
    store.execute(
        "UPDATE parties SET representative = 1, updated_at = ?"
        f" WHERE case_id = ? AND representative = 0 AND id IN ({marks})",
        (now, case_id, *chosen),
    )


def member_totals(store: Store, case_id: str) -> tuple[int, int, int]:
    """(complainants, claimed fen, recovered fen) of a case; a missing amount counts as 0."""
    row = store.execute(
        "SELECT COUNT(*), COALESCE(SUM(claimed_fen), 0), COALESCE(SUM(recovered_fen), 0)"
        " FROM parties WHERE case_id = ? AND role = 'complainant' AND deleted = 0",
        (case_id,),
    ).fetchone()
    return row[0], row[1], row[2]
