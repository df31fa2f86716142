"""The merchant registry as a clerk keeps it: find, register, correct, merge duplicates,
designations (消费维权示范店, 文明诚信经营户) with dates and revocation, the abnormal
operations list, and each merchant's complaint history. Every write goes through
Store.transaction(actor); registry changes are audited field by field, merged cases through
the cases' own audit triggers.

The city office also publishes an abnormal list and designations (reference data,
store.reference_data). They meet the registry's own like this: the city wins for its entries
(a merchant it lists is shown as listed, and only the city takes it off; its designations are
shown and cannot be revoked here), and the station's own listings and designations are kept
beside them, unchanged. A city entry names a merchant by its credit code, or (without one) by
its name, spaces ignored."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from station_app.domain import Merchant
from station_app.i18n import N_, _
from station_app.safe_input import InputRejected
from station_app.store.connection import Store
from station_app.store.merchants import (
    case_counts,
    insert_merchant,
    live_merchant_ids,
    mark_merged,
    merchant_cases,
    open_complaints,
    registry_audit,
    registry_row,
    repoint_cases,
    search_registry,
    update_registry,
)
from station_app.store.reference_data import city_abnormal_entry, city_designations_of
from station_app.validation import MAX_LEN, check_credit_code, check_phone, check_text

# A merchant with this many open complaints is pointed out on intake.
MANY_OPEN_COMPLAINTS = 3

DESIGNATION_KINDS = {
    "model_store": N_("Consumer-rights model store"),
    "honest_business": N_("Civilised and honest business"),
}

_TEXT_FIELDS = ("name", "uscc", "legal_rep", "address", "phone", "platform", "shop_url")
_LIMIT_KEYS = {"name": "merchant_name", "uscc": "id_number"}


class RegistryRefused(InputRejected):
    """A registry change that was refused; the message says why. Nothing was written."""


@dataclass
class Designation:
    kind: str
    granted: str  # ISO date
    until: str = ""  # ISO date or ''
    revoked: str = ""  # ISO date or ''
    reason: str = ""

    def active_on(self, day: date) -> bool:
        iso = day.isoformat()
        return (
            self.granted <= iso
            and (not self.until or iso <= self.until)
            and (not self.revoked or iso < self.revoked)
        )

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "granted": self.granted,
            "until": self.until,
            "revoked": self.revoked,
            "reason": self.reason,
        }


@dataclass
class RegistryEntry:
    merchant: Merchant
    abnormal_listed: bool = False
    abnormal_since: str = ""
    abnormal_note: str = ""
    designations: list[Designation] = field(default_factory=list)
    deleted: bool = False
    merged_into: str | None = None
    demo: bool = False
    cases: int = 0
    open_cases: int = 0
    # The city office's abnormal-list entry of this merchant ({since, note}) and designations.
    city_abnormal: dict | None = None
    city_designations: list[Designation] = field(default_factory=list)

    @property
    def on_abnormal_list(self) -> bool:
        """Listed by this station or by the city office."""
        return self.abnormal_listed or self.city_abnormal is not None

    @property
    def listed_since(self) -> str:
        if self.city_abnormal is not None and not self.abnormal_listed:
            return self.city_abnormal["since"]
        return self.abnormal_since

    def to_dict(self) -> dict:
        m = self.merchant
        return {
            "id": m.id,
            "name": m.name,
            "uscc": m.uscc,
            "legal_rep": m.legal_rep,
            "address": m.address,
            "phone": m.phone,
            "platform": m.platform,
            "shop_url": m.shop_url,
            "cluster_registered": m.cluster_registered,
            "abnormal_listed": self.abnormal_listed,
            "abnormal_since": self.abnormal_since,
            "abnormal_note": self.abnormal_note,
            "designations": [d.to_dict() for d in self.designations],
            "on_abnormal_list": self.on_abnormal_list,
            "city_abnormal": self.city_abnormal,
            "city_designations": [d.to_dict() for d in self.city_designations],
            "deleted": self.deleted,
            "merged_into": self.merged_into,
            "cases": self.cases,
            "open_cases": self.open_cases,
        }


def _designations(text: str) -> list[Designation]:
    try:
        items = json.loads(text or "[]")
    except ValueError:
        return []
    return [
        Designation(
            **{k: str(item.get(k, "")) for k in ("kind", "granted", "until", "revoked", "reason")}
        )
        for item in items
        if isinstance(item, dict)
    ]


def _entry(row: dict) -> RegistryEntry:
    return RegistryEntry(
        merchant=Merchant(
            id=row["id"],
            name=row["name"],
            uscc=row["uscc"],
            legal_rep=row["legal_rep"],
            address=row["address"],
            phone=row["phone"],
            platform=row["platform"],
            shop_url=row["shop_url"],
            cluster_registered=bool(row["cluster_registered"]),
        ),
        abnormal_listed=bool(row["abnormal_listed"]),
        abnormal_since=row["abnormal_since"],
        abnormal_note=row["abnormal_note"],
        designations=_designations(row["designations"]),
        deleted=bool(row["deleted"]),
        merged_into=row["merged_into"],
        demo=bool(row.get("demo", 0)),
        cases=row.get("cases", 0),
        open_cases=row.get("open_cases", 0),
    )


# --------------------------------------------------------------------------- reading


def _with_city(store: Store, entry: RegistryEntry) -> RegistryEntry:
    """The entry with the city office's listing and designations of the merchant."""
    m = entry.merchant
    found = city_abnormal_entry(store, m.uscc, m.name)
    entry.city_abnormal = (
        None if found is None else {"since": found["since"], "note": found["note"]}
    )
    entry.city_designations = [
        Designation(**{k: row[k] for k in ("kind", "granted", "until", "revoked", "reason")})
        for row in city_designations_of(store, m.uscc, m.name)
    ]
    return entry


def search(store: Store, text: str = "", limit: int = 200) -> list[RegistryEntry]:
    """Live merchants whose name, credit code or address contains `text`."""
    return [_with_city(store, _entry(row)) for row in search_registry(store, text, limit)]


def get_entry(store: Store, merchant_id: str) -> RegistryEntry | None:
    row = registry_row(store, merchant_id)
    if row is None:
        return None
    row["cases"], row["open_cases"] = case_counts(store, [merchant_id]).get(merchant_id, (0, 0))
    return _with_city(store, _entry(row))


def find_entry(store: Store, key: str) -> RegistryEntry:
    """The merchant with this id, credit code, or exact name; refused when none or several."""
    key = key.strip()
    if not key:
        raise RegistryRefused(_("Name a merchant: its id, credit code or name."))
    entry = get_entry(store, key)
    if entry is not None:
        return entry
    matches = [
        e for e in search(store, key) if e.merchant.uscc == key.upper() or e.merchant.name == key
    ]
    if not matches:
        raise RegistryRefused(_("No merchant matches “{key}”.").format(key=key))
    if len(matches) > 1:
        raise RegistryRefused(
            _("{n} merchants match “{key}”; name one by its id.").format(n=len(matches), key=key)
        )
    return matches[0]


def history(store: Store, merchant_id: str) -> list[dict]:
    """The merchant's cases, newest first (open ones marked by their status)."""
    return merchant_cases(store, merchant_id)


def audit_trail(store: Store, merchant_id: str) -> list[dict]:
    return registry_audit(store, merchant_id)


# --------------------------------------------------------------------------- duplicates

_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "[": "(", "]": ")"})


def normalised_name(name: str) -> str:
    """The name with width folded (全角/半角), brackets of every kind made one, and spaces
    removed: names that differ only there are the same merchant."""
    text = unicodedata.normalize("NFKC", name).translate(_BRACKETS)
    return re.sub(r"\s+", "", text).casefold()


def duplicate_groups(store: Store) -> list[list[RegistryEntry]]:
    """Groups of live merchants that look like one: the same credit code, or names equal once
    normalised. Oldest first within each group (the one to keep by default)."""
    rows = live_merchant_ids(store)
    parent: dict[str, str] = {row["id"]: row["id"] for row in rows}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first_by_key: dict[tuple[str, str], str] = {}
    for row in rows:
        keys = [("name", normalised_name(row["name"]))]
        if row["uscc"]:
            keys.append(("uscc", row["uscc"].upper()))
        for key in keys:
            if key in first_by_key:
                a, b = root(first_by_key[key]), root(row["id"])
                if a != b:
                    parent[b] = a
            else:
                first_by_key[key] = row["id"]
    groups: dict[str, list[str]] = {}
    for row in rows:
        groups.setdefault(root(row["id"]), []).append(row["id"])
    result = []
    for ids in groups.values():
        if len(ids) > 1:
            entries = [get_entry(store, i) for i in ids]
            result.append([e for e in entries if e is not None])
    return result


def duplicates_of(store: Store, merchant_id: str) -> list[RegistryEntry]:
    """The other live merchants that look like this one."""
    for group in duplicate_groups(store):
        if any(e.merchant.id == merchant_id for e in group):
            return [e for e in group if e.merchant.id != merchant_id]
    return []


# --------------------------------------------------------------------------- checking


def _check_date(value: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise RegistryRefused(
            _("{field}: “{value}” is not a date; write it as 2026-03-15.").format(
                field=label, value=value
            )
        ) from None


def check_details(details: dict, *, keep_code_warning: bool = False) -> dict:
    """The merchant's details checked as intake checks them; RegistryRefused names what is
    wrong. Returns the cleaned values."""
    clean: dict = {}
    for key in _TEXT_FIELDS:
        value = details.get(key, "")
        if not isinstance(value, str):
            raise RegistryRefused(_("{field} must be written as text.").format(field=key))
        problem = check_text(f"merchant.{key}", value, MAX_LEN[_LIMIT_KEYS.get(key, key)])
        if problem is not None:
            raise RegistryRefused(problem.message)
        clean[key] = value.strip()
    if not clean["name"]:
        raise RegistryRefused(_("The merchant's name is empty. Enter the name on its licence."))
    if clean["uscc"]:
        clean["uscc"] = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", clean["uscc"])).upper()
        message, blocking = check_credit_code(clean["uscc"])
        if message is not None and (blocking or not keep_code_warning):
            raise RegistryRefused(message)
    if clean["phone"]:
        message = check_phone(clean["phone"])
        if message is not None:
            raise RegistryRefused(message)
    clean["cluster_registered"] = int(bool(details.get("cluster_registered", False)))
    return clean


# --------------------------------------------------------------------------- writing


def create(
    store: Store, details: dict, *, actor: str, station_code: str, keep_code_warning: bool = False
) -> RegistryEntry:
    clean = check_details(details, keep_code_warning=keep_code_warning)
    merchant = Merchant(**{**clean, "cluster_registered": bool(clean["cluster_registered"])})
    with store.transaction(actor):
        insert_merchant(store, merchant, station_code)
    entry = get_entry(store, merchant.id)
    assert entry is not None
    return entry


def _live(store: Store, merchant_id: str) -> RegistryEntry:
    entry = get_entry(store, merchant_id)
    if entry is None:
        raise RegistryRefused(_("No merchant with the id {id}.").format(id=merchant_id))
    if entry.deleted:
        raise RegistryRefused(
            _("Merchant “{name}” was merged into another entry and cannot be changed.").format(
                name=entry.merchant.name
            )
        )
    return entry


def edit(
    store: Store,
    merchant_id: str,
    details: dict,
    *,
    actor: str,
    station_code: str,
    keep_code_warning: bool = False,
) -> RegistryEntry:
    """Correct a merchant's details (the fields given; the others stay). Cases keep the name
    they were registered with; the registry shows the corrected details."""
    entry = _live(store, merchant_id)
    current = entry.to_dict()
    merged = {key: details.get(key, current[key]) for key in (*_TEXT_FIELDS, "cluster_registered")}
    clean = check_details(merged, keep_code_warning=keep_code_warning)
    current["cluster_registered"] = int(current["cluster_registered"])
    changes = {k: v for k, v in clean.items() if current[k] != v}
    with store.transaction(actor):
        update_registry(store, merchant_id, changes, actor=actor, station_code=station_code)
    return get_entry(store, merchant_id)  # type: ignore[return-value]


def set_abnormal(
    store: Store,
    merchant_id: str,
    listed: bool,
    *,
    since: str = "",
    note: str = "",
    actor: str,
    station_code: str,
) -> RegistryEntry:
    """Put the merchant on the abnormal operations list (since a date, why) or take it off."""
    entry = _live(store, merchant_id)
    if not listed and entry.city_abnormal is not None:
        raise RegistryRefused(
            _(
                "Merchant “{name}” is on the city office's abnormal operations list (since "
                "{since}); only the city office takes it off. Nothing was saved."
            ).format(name=entry.merchant.name, since=entry.city_abnormal["since"] or "?")
        )
    since = _check_date(since, _("Listed since")) if listed else ""
    problem = check_text("abnormal_note", note, 500)
    if problem is not None:
        raise RegistryRefused(problem.message)
    if listed and not since:
        since = date.today().isoformat()
    changes = {
        "abnormal_listed": int(listed),
        "abnormal_since": since,
        "abnormal_note": note.strip() if listed else "",
    }
    old = {
        "abnormal_listed": int(entry.abnormal_listed),
        "abnormal_since": entry.abnormal_since,
        "abnormal_note": entry.abnormal_note,
    }
    changes = {k: v for k, v in changes.items() if old[k] != v}
    with store.transaction(actor):
        update_registry(store, merchant_id, changes, actor=actor, station_code=station_code)
    return get_entry(store, merchant_id)  # type: ignore[return-value]


def _save_designations(
    store: Store, entry: RegistryEntry, items: list[Designation], actor: str, station_code: str
) -> RegistryEntry:
    text = json.dumps([d.to_dict() for d in items], ensure_ascii=False)
    with store.transaction(actor):
        update_registry(
            store,
            entry.merchant.id,
            {"designations": text},
            actor=actor,
            station_code=station_code,
        )
    return get_entry(store, entry.merchant.id)  # type: ignore[return-value]


def add_designation(
    store: Store,
    merchant_id: str,
    kind: str,
    granted: str,
    until: str = "",
    *,
    actor: str,
    station_code: str,
) -> RegistryEntry:
    entry = _live(store, merchant_id)
    if kind not in DESIGNATION_KINDS:
        raise RegistryRefused(
            _("Unknown designation “{kind}”; choose one of: {kinds}.").format(
                kind=kind, kinds=", ".join(DESIGNATION_KINDS)
            )
        )
    granted = _check_date(granted, _("Granted on"))
    if not granted:
        raise RegistryRefused(_("Give the date the designation was granted."))
    until = _check_date(until, _("Valid until"))
    if until and until < granted:
        raise RegistryRefused(_("The designation cannot end before it was granted."))
    items = [*entry.designations, Designation(kind=kind, granted=granted, until=until)]
    return _save_designations(store, entry, items, actor, station_code)


def revoke_designation(
    store: Store,
    merchant_id: str,
    index: int,
    revoked: str,
    reason: str,
    *,
    actor: str,
    station_code: str,
) -> RegistryEntry:
    """Revoke the merchant's designation number `index` (0-based) from a date, with a reason;
    the designation stays on record."""
    entry = _live(store, merchant_id)
    if len(entry.designations) <= index < len(entry.designations) + len(entry.city_designations):
        raise RegistryRefused(
            _("This designation was granted by the city office; only the city office changes it.")
        )
    if not 0 <= index < len(entry.designations):
        raise RegistryRefused(_("The merchant has no such designation."))
    item = entry.designations[index]
    if item.revoked:
        raise RegistryRefused(_("This designation was already revoked."))
    revoked = _check_date(revoked, _("Revoked on")) or date.today().isoformat()
    if revoked < item.granted:
        raise RegistryRefused(_("A designation cannot be revoked before it was granted."))
    if not reason.strip():
        raise RegistryRefused(_("Give the reason for the revocation."))
    items = list(entry.designations)
    items[index] = Designation(item.kind, item.granted, item.until, revoked, reason.strip())
    return _save_designations(store, entry, items, actor, station_code)


@dataclass
class MergeResult:
    kept: RegistryEntry
    removed_id: str
    cases_moved: int


def merge(
    store: Store, keep_id: str, remove_id: str, *, actor: str, station_code: str
) -> MergeResult:
    """Merge merchant `remove_id` into `keep_id`: its cases are re-pointed to the kept entry
    (audited by the cases' triggers), details the kept entry lacks are taken over, the
    designations are joined and an abnormal listing carries over; the removed entry stays as a
    tombstone naming the kept one, so sync carries the removal."""
    if keep_id == remove_id:
        raise RegistryRefused(_("A merchant cannot be merged with itself."))
    keep = _live(store, keep_id)
    remove = _live(store, remove_id)
    if keep.merchant.uscc and remove.merchant.uscc and keep.merchant.uscc != remove.merchant.uscc:
        raise RegistryRefused(
            _(
                "The two merchants have different credit codes ({a} and {b}): they are not the "
                "same business. Nothing was merged."
            ).format(a=keep.merchant.uscc, b=remove.merchant.uscc)
        )
    if keep.demo != remove.demo:
        raise RegistryRefused(
            _("A sample (demo) merchant and a real one cannot be merged. Nothing was merged.")
        )
    kept = keep.to_dict()
    gone = remove.to_dict()
    changes: dict = {}
    for key in ("uscc", "legal_rep", "address", "phone", "platform", "shop_url"):
        if not kept[key] and gone[key]:
            changes[key] = gone[key]
    if gone["cluster_registered"] and not kept["cluster_registered"]:
        changes["cluster_registered"] = 1
    if remove.abnormal_listed and not keep.abnormal_listed:
        changes.update(
            abnormal_listed=1,
            abnormal_since=remove.abnormal_since,
            abnormal_note=remove.abnormal_note,
        )
    if remove.designations:
        joined = [*keep.designations]
        joined += [d for d in remove.designations if d not in joined]
        changes["designations"] = json.dumps([d.to_dict() for d in joined], ensure_ascii=False)
    with store.transaction(actor):
        moved = repoint_cases(store, remove_id, keep_id)
        update_registry(store, keep_id, changes, actor=actor, station_code=station_code)
        mark_merged(store, remove_id, keep_id)
        from station_app.store.merchants import audit_registry

        audit_registry(
            store,
            remove_id,
            [("merged_into", None, keep_id), ("deleted", 0, 1)],
            actor=actor,
            station_code=station_code,
        )
        audit_registry(
            store,
            keep_id,
            [("merged_from", None, f"{remove_id} ({moved})")],
            actor=actor,
            station_code=station_code,
        )
    result = get_entry(store, keep_id)
    assert result is not None
    return MergeResult(kept=result, removed_id=remove_id, cases_moved=moved)


# --------------------------------------------------------------------------- intake


def _registered_id(store: Store, merchant: Merchant) -> str:
    """The live registry entry a typed merchant will be linked to: the same credit code."""
    code = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", merchant.uscc or "")).upper()
    if not code:
        return ""
    found = [e for e in search(store, code, 5) if e.merchant.uscc == code]
    return found[0].merchant.id if found else ""


def intake_warnings(
    store: Store, merchant: Merchant | None, *, except_case: str | None = None
) -> list[str]:
    """What a clerk registering a case against this merchant should know: the abnormal list,
    several open complaints (not counting `except_case`, the case just registered). Warnings
    only; the case is registered all the same."""
    if merchant is None:
        return []
    merchant_id = merchant.id or _registered_id(store, merchant)
    entry = get_entry(store, merchant_id) if merchant_id else None
    if entry is None:
        # Not in this station's registry yet: the city office's list may still name it.
        code = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", merchant.uscc or "")).upper()
        listed = city_abnormal_entry(store, code, merchant.name)
        if listed is None:
            return []
        return [
            _("Merchant “{name}” is on the abnormal operations list (since {since}).").format(
                name=merchant.name, since=listed["since"] or "?"
            )
        ]
    if entry.deleted and entry.merged_into:
        entry = get_entry(store, entry.merged_into) or entry
    warnings = []
    if entry.on_abnormal_list:
        warnings.append(
            _("Merchant “{name}” is on the abnormal operations list (since {since}).").format(
                name=entry.merchant.name, since=entry.listed_since or "?"
            )
        )
    count = open_complaints(store, entry.merchant.id, except_case)
    if count >= MANY_OPEN_COMPLAINTS:
        warnings.append(
            _("Merchant “{name}” already has {n} open complaints.").format(
                name=entry.merchant.name, n=count
            )
        )
    return warnings
