"""Writing a correction of a registered case: only the changed columns of the case row, parties
edited in place by id (added, or removed as tombstones), and the merchant registry entry the
case links to. The audit log and the outbox follow through their triggers."""

from __future__ import annotations

from typing import Any

from station_app.domain import Case, Merchant, Party
from station_app.ids import new_id, utc_now
from station_app.money import to_fen
from station_app.store.connection import Store
from station_app.store.merchants import audit_registry, get_merchant, insert_merchant

# The columns of a party that a correction may change (role and position included: an agent
# stays an agent, and the complainants keep the order the clerk gave).
PARTY_COLUMNS = ("role", "position", "name", "gender", "phone", "address", "id_type", "id_number")
_MERCHANT_DETAILS = (
    "name",
    "uscc",
    "legal_rep",
    "address",
    "phone",
    "platform",
    "shop_url",
    "cluster_registered",
)


def intake_columns(case: Case) -> dict[str, Any]:
    """The case row's registration columns as stored (the columns add_case writes from intake)."""
    return {
        "kind": case.kind.value,
        "channel": case.channel.value,
        "received_at": case.received_at.strftime("%Y-%m-%d %H:%M"),
        "work_order_no": case.work_order_no,
        "work_order_due": case.work_order_due.isoformat() if case.work_order_due else None,
        "merchant_id": (case.merchant.id or None) if case.merchant else None,
        "merchant_name": case.merchant.name if case.merchant else "",
        "goods_or_service": case.goods_or_service.value if case.goods_or_service else None,
        "category": case.category,
        "problem_nature": case.problem_nature,
        "purchase_date": case.purchase_date.isoformat() if case.purchase_date else None,
        "purchase_place": case.purchase_place,
        "amount_fen": to_fen(case.amount),
        "request": case.request,
        "facts": case.facts,
        "consent_publish": int(case.consent_publish),
        "consent_mediation": int(case.consent_mediation),
        "consent_entrusted": int(case.consent_entrusted),
        "anonymous": int(case.anonymous),
    }


def party_columns(party: Party, position: int) -> dict[str, Any]:
    return {
        "role": party.role.value,
        "position": position,
        "name": party.name,
        "gender": party.gender.value,
        "phone": party.phone,
        "address": party.address,
        "id_type": party.id_type.value,
        "id_number": party.id_number,
    }


def live_party_columns(store: Store, case_id: str) -> dict[str, dict[str, Any]]:
    """The case's live parties' columns by party id."""
    rows = store.query(
        f"SELECT id, {', '.join(PARTY_COLUMNS)} FROM parties WHERE case_id = ? AND deleted = 0",
        (case_id,),
    )
    return {row.pop("id"): row for row in rows}


def update_party(store: Store, party_id: str, changes: dict[str, Any]) -> None:
    """Set the changed columns of one party (in place: sync sees an update of the same row)."""
    if not changes:
        return
    columns = ", ".join(f"{name} = ?" for name in changes)
    store.execute(
        f"UPDATE parties SET {columns}, updated_at = ? WHERE id = ?",
        (*changes.values(), utc_now(), party_id),
    )


def insert_party(store: Store, case_id: str, party: Party, position: int, owner: str) -> Party:
    now = utc_now()
    party.id = party.id or new_id()
    values = {"id": party.id, "case_id": case_id, **party_columns(party, position)}
    values.update(owner_station=owner, created_at=now, updated_at=now)
    store.execute(
        f"INSERT INTO parties({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})",
        tuple(values.values()),
    )
    return party


def remove_party(store: Store, party_id: str) -> None:
    """A tombstone: the row stays (sync carries the removal), lists and documents skip it."""
    store.execute(
        "UPDATE parties SET deleted = 1, updated_at = ? WHERE id = ? AND deleted = 0",
        (utc_now(), party_id),
    )


def merchant_details_equal(a: Merchant | None, b: Merchant | None) -> bool:
    if a is None or b is None:
        return (a is None or not a.name) and (b is None or not b.name)
    return all(getattr(a, key) == getattr(b, key) for key in _MERCHANT_DETAILS)


def merchant_for_details(store: Store, merchant: Merchant, owner_station: str) -> Merchant:
    """The registry entry with exactly these details, registered as new when there is none.

    A correction never changes a registry entry in place: other cases link to it, and their
    documents must not change behind them. With `merchant.id` given (chosen from the registry)
    that entry is used as it is.
    """
    if merchant.id:
        found = get_merchant(store, merchant.id)
        if found is not None:
            return found
    rows = store.query(
        "SELECT id FROM merchants WHERE deleted = 0 AND demo = 0 AND name = ? AND uscc = ? AND legal_rep = ?"
        " AND address = ? AND phone = ? AND platform = ? AND shop_url = ?"
        " AND cluster_registered = ? LIMIT 1",
        (
            merchant.name,
            merchant.uscc,
            merchant.legal_rep,
            merchant.address,
            merchant.phone,
            merchant.platform,
            merchant.shop_url,
            int(merchant.cluster_registered),
        ),
    )
    if rows:
        found = get_merchant(store, rows[0]["id"])
        assert found is not None
        return found
    return insert_merchant(store, merchant, owner_station)


def log_merchant_changes(
    store: Store,
    case_id: str,
    merchant_id: str,
    changes: list[tuple[str, Any, Any]],
    *,
    actor: str,
    station_code: str,
) -> None:
    """Audit rows for the merchant details a correction changed for this case (field, old,
    new): the case row's trigger records only the link and the name."""
    audit_registry(
        store, merchant_id, changes, actor=actor, station_code=station_code, case_id=case_id
    )
