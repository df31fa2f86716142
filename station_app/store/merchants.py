"""The merchant registry: find for autocomplete, reuse or register on intake."""

from __future__ import annotations

from station_app.domain import Merchant
from station_app.ids import new_id, utc_now
from station_app.store.connection import Store

_COLUMNS = "id, name, uscc, legal_rep, address, phone, platform, shop_url, cluster_registered"


def _merchant(row: dict) -> Merchant:
    return Merchant(
        id=row["id"],
        name=row["name"],
        uscc=row["uscc"],
        legal_rep=row["legal_rep"],
        address=row["address"],
        phone=row["phone"],
        platform=row["platform"],
        shop_url=row["shop_url"],
        cluster_registered=bool(row["cluster_registered"]),
    )


def get_merchant(store: Store, merchant_id: str) -> Merchant | None:
    rows = store.query(f"SELECT {_COLUMNS} FROM merchants WHERE id = ?", (merchant_id,))
    return _merchant(rows[0]) if rows else None


def find_merchants(store: Store, text: str, limit: int = 15) -> list[Merchant]:
    """Merchants whose name starts with `text` first, then those containing it; for autocomplete."""
    text = text.strip()
    if not text:
        return []
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = store.query(
        f"SELECT {_COLUMNS} FROM merchants WHERE deleted = 0 AND name >= ? AND name < ? "
        "ORDER BY name LIMIT ?",
        (text, text + "\U0010ffff", limit),
    )
    if len(rows) < limit:
        seen = {row["id"] for row in rows}
        more = store.query(
            f"SELECT {_COLUMNS} FROM merchants WHERE deleted = 0 AND name LIKE ? ESCAPE '\\' "
            "ORDER BY name LIMIT ?",
            (f"%{escaped}%", limit),
        )
        rows += [row for row in more if row["id"] not in seen][: limit - len(rows)]
    return [_merchant(row) for row in rows]


def resolve_merchant(store: Store, merchant: Merchant, owner_station: str) -> Merchant:
    """The registry entry for this merchant: the given id, the same credit code, or the same
    name and address (the oldest entry when a merchant was registered twice, e.g. by two
    stations offline); registered as new when none matches. A real case never takes a demo
    merchant (it would point at a row that is never synced). Call inside a transaction."""
    if merchant.id:
        rows = store.query(
            f"SELECT {_COLUMNS} FROM merchants WHERE id = ? AND demo = 0", (merchant.id,)
        )
        if rows:
            return _merchant(rows[0])
    if merchant.uscc:
        rows = store.query(
            f"SELECT {_COLUMNS} FROM merchants WHERE uscc = ? AND deleted = 0 AND demo = 0"
            " ORDER BY local_id LIMIT 1",
            (merchant.uscc,),
        )
        if rows:
            return _merchant(rows[0])
    rows = store.query(
        f"SELECT {_COLUMNS} FROM merchants WHERE name = ? AND address = ? AND deleted = 0"
        " AND demo = 0 ORDER BY local_id LIMIT 1",
        (merchant.name, merchant.address),
    )
    if rows:
        return _merchant(rows[0])
    return insert_merchant(store, merchant, owner_station)


def insert_merchant(store: Store, merchant: Merchant, owner_station: str) -> Merchant:
    """Register `merchant` as a new registry entry owned by `owner_station` (it gets its id)."""
    now = utc_now()
    merchant.id = new_id()
    store.execute(
        f"INSERT INTO merchants({_COLUMNS}, owner_station, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            merchant.id,
            merchant.name,
            merchant.uscc,
            merchant.legal_rep,
            merchant.address,
            merchant.phone,
            merchant.platform,
            merchant.shop_url,
            int(merchant.cluster_registered),
            owner_station,
            now,
            now,
        ),
    )
    return merchant
