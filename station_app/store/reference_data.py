"""Reference data from the city office as this station keeps it: one JSON document per kind
(reference_documents, filled by triggers from every pulled reference_data row, migration 18),
and the city's abnormal list and designations unpacked into rows."""

from __future__ import annotations

import json
from typing import Any

from station_app.city_reference import AUTHORITY, CATEGORIES, CityAuthority, city_authority
from station_app.classification import merged_classification
from station_app.store.connection import Store


def reference_document(store: Store, kind: str) -> Any | None:
    """The city's document of `kind` (parsed JSON), or None when none was received (or the
    database is of a schema before migration 18, as some tools open it)."""
    if not store.scalar(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'reference_documents'"
    ):
        return None
    text = store.scalar("SELECT content FROM reference_documents WHERE kind = ?", (kind,))
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def city_authority_here(store: Store) -> CityAuthority:
    """The city's acting bodies for this station (empty when the city published none)."""
    document = reference_document(store, AUTHORITY)
    if document is None:
        return CityAuthority({})
    code = store.get_setting("local_station_code") or ""
    parent = store.scalar(
        "SELECT parent_code FROM stations WHERE code = ? AND deleted = 0", (code,)
    )
    return city_authority(document, code, parent)


def _city_rows(store: Store, table: str, columns: str, uscc: str, name: str) -> list[dict]:
    """Rows of a city list that name a merchant: the same credit code, or (a row without one)
    the same name, spaces ignored. Two indexed lookups, not an OR over the whole list."""
    code = (uscc or "").replace(" ", "").upper()
    plain = (name or "").replace(" ", "").strip()
    rows = []
    if code:
        rows += store.query(f"SELECT {columns} FROM {table} WHERE uscc = ?", (code,))
    if plain:
        rows += store.query(f"SELECT {columns} FROM {table} WHERE name = ? AND uscc = ''", (plain,))
    return rows


def city_abnormal_entry(store: Store, uscc: str, name: str) -> dict | None:
    """The city's abnormal-list entry of a merchant (the earliest when several name it)."""
    rows = _city_rows(store, "city_abnormal_list", "uscc, name, since, note", uscc, name)
    return min(rows, key=lambda row: row["since"]) if rows else None


def city_designations_of(store: Store, uscc: str, name: str) -> list[dict]:
    """The city's designations of a merchant, matched like city_abnormal_entry."""
    rows = _city_rows(
        store, "city_designations", "kind, granted, until, revoked, reason", uscc, name
    )
    return sorted(rows, key=lambda row: (row["granted"], row["kind"]))


def station_classification(store: Store) -> dict[str, list[str]]:
    """The goods, services and natures in force here (classification.merged_classification)."""
    return merged_classification(reference_document(store, CATEGORIES))


def proposed_acting_settings(
    store: Store, station_code: str | None = None, parent_code: str | None = None
) -> dict[str, str]:
    """What to propose for a station's acting bodies from what this PC knows of the stations
    above it: the city office's authority document resolved for the station (its township's
    entry, the city's defaults), overridable values included. `station_code` and `parent_code`
    default to this PC's station and its parent; empty when nothing is known."""
    document = reference_document(store, AUTHORITY)
    if document is None:
        return {}
    code = station_code or store.get_setting("local_station_code") or ""
    if parent_code is None:
        parent_code = store.scalar(
            "SELECT parent_code FROM stations WHERE code = ? AND deleted = 0", (code,)
        )
    return dict(city_authority(document, code, parent_code).values)
