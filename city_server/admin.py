"""What the city office does from the command line: reference data, city-managed users and
USB bundles. Server writes enter the same order of events as pushed changes."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from city_server import attachments as attachment_store
from city_server.db import attachments, rows
from city_server.errors import ApiError
from city_server.stations import Hierarchy, Station, station_secret
from city_server.sync_service import GroupApplier, pull, push
from station_app.passwords import hash_password
from station_app.sync.protocol import (
    ATTACHMENT_FIELDS,
    MAX_PULL_LIMIT,
    REFERENCE_KINDS,
    TO_SERVER,
    TO_STATION,
    Bundle,
    BundleError,
    Change,
    PushBatch,
    make_bundle,
    open_bundle,
    read_bundle_manifest,
    utc_now_text,
)

# The origin of rows the city office writes from the command line (reference data, users).
SERVER_STATION = Station("CITY-SERVER", "city office server", "city", None)
USER_ROLES = ("clerk", "officer", "city", "admin")


def server_write(conn: Connection, changes: list[Change]) -> dict[str, Any]:
    """Apply changes written by the city office itself, as one transaction."""
    batch_id = str(uuid.uuid4())
    txid = f"server:{batch_id}"
    batch = PushBatch(
        batch_id,
        SERVER_STATION.code,
        tuple(
            Change(**{**c.__dict__, "txid": txid, "origin_station": SERVER_STATION.code})
            for c in changes
        ),
    )
    # A copy: the loaded hierarchy is shared by the process's requests.
    hierarchy = Hierarchy({**Hierarchy.load(conn).by_code, SERVER_STATION.code: SERVER_STATION})
    group = GroupApplier(conn, hierarchy, record_batches=False)
    result = group.add(SERVER_STATION, batch, "")
    group.flush()
    if result["rejected"]:
        raise ValueError("; ".join(r["reason"] for r in result["rejected"]))
    return result


def _existing(conn: Connection, table: str, where: dict[str, Any]) -> dict[str, Any] | None:
    """The live row of `table` whose fields match `where` (a natural key), if any."""
    for r in conn.execute(
        select(rows.c.row_id, rows.c.fields).where(
            rows.c.table_name == table, rows.c.removed.is_(False)
        )
    ):
        fields = json.loads(r.fields)
        if all(fields.get(k) == v for k, v in where.items()):
            return {"row_id": r.row_id, "fields": fields}
    return None


def _upsert(conn: Connection, table: str, key: dict[str, Any], fields: dict[str, Any]) -> str:
    now = utc_now_text()
    found = _existing(conn, table, key)
    if found is None:
        row_id = str(uuid.uuid4())
        full = {"id": row_id, "created_at": now, "updated_at": now, "deleted": 0, **fields}
        server_write(conn, [Change(table=table, row_id=row_id, op="insert", fields=full)])
        return row_id
    changed = {k: v for k, v in fields.items() if found["fields"].get(k) != v}
    if changed:
        changed["updated_at"] = now
        base = {k: found["fields"].get(k) for k in changed}
        server_write(
            conn,
            [Change(table=table, row_id=found["row_id"], op="update", fields=changed, base=base)],
        )
    return found["row_id"]


def set_reference(conn: Connection, kind: str, path: Path) -> str:
    """Publish reference data to every station: holiday schedules become holiday_schedules
    rows (one per year, checked like the station checks them); the other kinds are JSON
    documents in reference_data, one row per kind."""
    if kind not in REFERENCE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(REFERENCE_KINDS)}")
    if kind == "holidays":
        from station_app.workdays import parse_holiday_file, schedule_to_json

        schedule = parse_holiday_file(path)
        year = json.loads(schedule_to_json(schedule)).get("year")
        return _upsert(
            conn,
            "holiday_schedules",
            {"year": year},
            {
                "year": year,
                "schedule": schedule_to_json(schedule),
                "source": path.name,
                "owner_station": SERVER_STATION.code,
            },
        )
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{path}: not a JSON file ({error})") from error
    from station_app.city_reference import reference_problems
    from station_app.merchant_registry import DESIGNATION_KINDS

    problems = reference_problems(kind, content, tuple(DESIGNATION_KINDS))
    if problems:
        raise ValueError(f"{path}: not a valid {kind} document: " + "; ".join(problems[:20]))
    return _upsert(
        conn,
        "reference_data",
        {"kind": kind},
        {
            "kind": kind,
            "content": json.dumps(content, ensure_ascii=False, sort_keys=True),
            "owner_station": SERVER_STATION.code,
        },
    )


def remove_reference(conn: Connection, kind: str, year: int | None = None) -> bool:
    """Take reference data back from every station: the document of `kind`, or (holidays)
    the schedule of `year`. It goes at each station's next pull (a deleted row of the order of
    events); returns False when nothing of the kind (or year) is published."""
    if kind not in REFERENCE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(REFERENCE_KINDS)}")
    if (kind == "holidays") != (year is not None):
        raise ValueError("a year names the holiday schedule to remove, and only that")
    table, key = (
        ("holiday_schedules", {"year": year})
        if kind == "holidays"
        else ("reference_data", {"kind": kind})
    )
    found = _existing(conn, table, key)
    if found is None:
        return False
    server_write(conn, [Change(table=table, row_id=found["row_id"], op="delete")])
    return True


def add_user(
    conn: Connection, username: str, display_name: str, role: str, station: str, password: str
) -> str:
    """A city-managed account: its password hash travels to the station it belongs to."""
    if role not in USER_ROLES:
        raise ValueError(f"role must be one of {', '.join(USER_ROLES)}")
    if station not in Hierarchy.load(conn).by_code:
        raise ValueError(f"no station {station}")
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
    return _upsert(
        conn,
        "users",
        {"username": username},
        {
            "username": username,
            "display_name": display_name,
            "role": role,
            "station_code": station,
            "password_hash": hash_password(password),
            "active": 1,
            "owner_station": station,
        },
    )


# -- USB bundles --------------------------------------------------------------------------


def import_bundle(conn: Connection, data: bytes) -> dict[str, Any]:
    """Apply a station's bundle in the caller's transaction: verified whole, then each batch
    as if pushed (a batch imported before is a no-op). Any refusal rejects the whole bundle."""
    manifest = read_bundle_manifest(data)
    code = manifest.get("station")
    hierarchy = Hierarchy.load(conn)
    if not isinstance(code, str) or code not in hierarchy.by_code:
        raise BundleError(f"the bundle names station {code!r}, which the server does not know")
    station = hierarchy.by_code[code]
    if station.revoked:
        raise BundleError(f"station {code} is revoked; its bundle is not accepted")
    bundle: Bundle = open_bundle(
        data, secret=station_secret(conn, code), station=code, direction=TO_SERVER
    )
    results = []
    for batch in bundle.batches:
        try:
            results.append(push(conn, station, batch, bundle.manifest["protocol"]))
        except ApiError as error:
            raise BundleError(f"batch {batch.batch_id}: {error.message}") from error
    new_files = 0
    for sha256, content in bundle.attachments.items():
        new_files += attachment_store.store_whole(conn, station, sha256, content)
    return {
        "station": code,
        "batches": len(results),
        "duplicates": sum(1 for r in results if r.get("duplicate")),
        "accepted": sum(r["accepted"] for r in results if not r.get("duplicate")),
        "conflicts": sum(len(r["conflicts"]) for r in results if not r.get("duplicate")),
        "rejected": sum(len(r["rejected"]) for r in results if not r.get("duplicate")),
        "attachments_new": new_files,
    }


def export_bundle(conn: Connection, code: str, after: int = 0) -> bytes:
    """A bundle of the changes in a station's scope after `after` (the station's cursor),
    with the attachments they name, for the station to import."""
    hierarchy = Hierarchy.load(conn)
    if code not in hierarchy.by_code:
        raise ValueError(f"no station {code}")
    station = hierarchy.by_code[code]
    collected: list[dict[str, Any]] = []
    cursor = after
    while True:
        page = pull(conn, station, cursor, MAX_PULL_LIMIT)
        collected.extend(page["changes"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    files: dict[str, bytes] = {}
    for change in collected:
        sha_field = ATTACHMENT_FIELDS.get(change["table"])
        sha256 = change["fields"].get(sha_field) if sha_field else None
        if isinstance(sha256, str) and sha256 not in files:
            found = conn.execute(
                select(attachments.c.complete).where(attachments.c.sha256 == sha256)
            ).scalar()
            if found:
                files[sha256] = b"".join(attachment_store.read_content(conn, sha256))
    return make_bundle(
        station=code,
        direction=TO_STATION,
        secret=station_secret(conn, code),
        changes=collected,
        attachments=files,
        after=after,
        until=cursor,
    )
