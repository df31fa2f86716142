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
            f"SELECT {_COLUMNS}, deleted, merged_into FROM merchants WHERE id = ? AND demo = 0",
            (merchant.id,),
        )
        if rows and rows[0]["deleted"] and rows[0]["merged_into"]:
            # merged into another entry since the clerk chose it: the kept entry takes the case
            kept = store.query(
                f"SELECT {_COLUMNS} FROM merchants WHERE id = ? AND deleted = 0",
                (rows[0]["merged_into"],),
            )
            rows = kept or rows
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


# --------------------------------------------------------------------------- the registry

REGISTRY_COLUMNS = (
    "id, name, uscc, legal_rep, address, phone, platform, shop_url, cluster_registered,"
    " abnormal_listed, abnormal_since, abnormal_note, designations, merged_into, deleted,"
    " demo, owner_station, created_at, updated_at"
)
EDITABLE_COLUMNS = (
    "name",
    "uscc",
    "legal_rep",
    "address",
    "phone",
    "platform",
    "shop_url",
    "cluster_registered",
    "abnormal_listed",
    "abnormal_since",
    "abnormal_note",
    "designations",
)


def registry_row(store: Store, merchant_id: str) -> dict | None:
    """Every registry column of one merchant (deleted ones included), or None."""
    rows = store.query(f"SELECT {REGISTRY_COLUMNS} FROM merchants WHERE id = ?", (merchant_id,))
    return rows[0] if rows else None


def search_registry(store: Store, text: str, limit: int = 200) -> list[dict]:
    """Live merchants whose name, credit code or address contains `text` (all when empty),
    each with its count of cases and of open cases."""
    text = text.strip()
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    where = "m.deleted = 0"
    params: list = []
    if text:
        where += (
            " AND (m.name LIKE ? ESCAPE '\\' OR m.uscc LIKE ? ESCAPE '\\'"
            " OR m.address LIKE ? ESCAPE '\\')"
        )
        params += [f"%{escaped}%"] * 3
    rows = store.query(
        f"SELECT {', '.join('m.' + c.strip() for c in REGISTRY_COLUMNS.split(','))}"
        f" FROM merchants m WHERE {where} ORDER BY m.name, m.local_id LIMIT ?",
        (*params, limit),
    )
    counts = case_counts(store, [row["id"] for row in rows])
    for row in rows:
        row["cases"], row["open_cases"] = counts.get(row["id"], (0, 0))
    return rows


def case_counts(store: Store, merchant_ids: list[str]) -> dict[str, tuple[int, int]]:
    """(all cases, open cases) of each merchant, live cases only."""
    result: dict[str, tuple[int, int]] = {}
    for start in range(0, len(merchant_ids), 500):
        chunk = merchant_ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for row in store.query(
            "SELECT merchant_id, count(*) AS n,"
            " sum(CASE WHEN status != 'closed' THEN 1 ELSE 0 END) AS open"
            f" FROM cases WHERE deleted = 0 AND merchant_id IN ({marks}) GROUP BY merchant_id",
            tuple(chunk),
        ):
            result[row["merchant_id"]] = (row["n"], row["open"] or 0)
    return result


def open_complaints(store: Store, merchant_id: str, except_case: str | None = None) -> int:
    """The merchant's complaints that are not closed yet (other than `except_case`). The `+`
    keeps SQLite on the merchant index (the kind index would read every complaint)."""
    rows = store.query(
        "SELECT count(*) AS n FROM cases WHERE deleted = 0 AND merchant_id = ?"
        " AND +kind = 'complaint' AND +status != 'closed' AND id IS NOT ?",
        (merchant_id, except_case),
    )
    return rows[0]["n"]


def merchant_cases(store: Store, merchant_id: str) -> list[dict]:
    """The merchant's cases, newest first: number, received, kind, status, complainant's
    request."""
    return store.query(
        "SELECT id, case_no, received_at, kind, status, request FROM cases"
        " WHERE deleted = 0 AND merchant_id = ? ORDER BY received_at DESC, local_id DESC",
        (merchant_id,),
    )


def live_merchant_ids(store: Store) -> list[dict]:
    """id, name and credit code of every live merchant (for finding duplicates)."""
    return store.query(
        "SELECT id, name, uscc, local_id FROM merchants WHERE deleted = 0 ORDER BY local_id"
    )


def update_registry(
    store: Store, merchant_id: str, changes: dict, *, actor: str, station_code: str
) -> None:
    """Set the changed columns of one registry entry and audit each change (old, new)."""
    if not changes:
        return
    old = registry_row(store, merchant_id) or {}
    columns = ", ".join(f"{name} = ?" for name in changes)
    store.execute(
        f"UPDATE merchants SET {columns}, updated_at = ? WHERE id = ?",
        (*changes.values(), utc_now(), merchant_id),
    )
    audit_registry(
        store,
        merchant_id,
        [(field, old.get(field), value) for field, value in changes.items()],
        actor=actor,
        station_code=station_code,
    )


def audit_registry(
    store: Store,
    merchant_id: str,
    changes: list[tuple[str, object, object]],
    *,
    actor: str,
    station_code: str,
    case_id: str | None = None,
) -> None:
    """Audit rows of the merchant fields that changed (field, old, new): by the registry, or
    by a case's correction (`case_id`, the case it was corrected for)."""
    now = utc_now()
    store.conn.executemany(
        "INSERT INTO audit_log(id, owner_station, created_at, updated_at, at, actor, case_id,"
        " table_name, row_id, field, old_value, new_value, kind)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 'merchants', ?, ?, ?, ?, 'change')",
        [
            (
                new_id(),
                station_code,
                now,
                now,
                now,
                actor,
                case_id,
                merchant_id,
                field,
                None if old is None else str(old),
                None if new is None else str(new),
            )
            for field, old, new in changes
        ],
    )


def registry_audit(store: Store, merchant_id: str) -> list[dict]:
    """The registry entry's audit rows, oldest first."""
    return store.query(
        "SELECT at, actor, field, old_value, new_value FROM audit_log"
        " WHERE table_name = 'merchants' AND row_id = ? AND case_id IS NULL ORDER BY local_id",
        (merchant_id,),
    )


def repoint_cases(store: Store, from_id: str, to_id: str) -> int:
    """Link every case of merchant `from_id` to `to_id` (the cases' own triggers audit it);
    returns how many moved."""
    ids = [
        row["id"] for row in store.query("SELECT id FROM cases WHERE merchant_id = ?", (from_id,))
    ]
    if ids:
        store.execute(
            "UPDATE cases SET merchant_id = ?, updated_at = ? WHERE merchant_id = ?",
            (to_id, utc_now(), from_id),
        )
    return len(ids)


def mark_merged(store: Store, merchant_id: str, into_id: str) -> None:
    """A tombstone naming the kept entry: the row stays so that sync carries the removal."""
    store.execute(
        "UPDATE merchants SET deleted = 1, merged_into = ?, updated_at = ? WHERE id = ?",
        (into_id, utc_now(), merchant_id),
    )
