"""Supervision work records (监督工作记录): satisfaction surveys, secret-shopper visits (暗访)
and product sampling (抽检), each with its day, the merchant (from the registry), findings, a
result (合格 / 不合格 / 待定) and the follow-up; recorded, corrected and listed here, and
counted in the statistics (statistics.compute_figures reads `supervision_counts`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from station_app import merchant_registry as reg
from station_app.domain import SupervisionKind, SupervisionResult
from station_app.i18n import N_, _
from station_app.safe_input import InputRejected, parse_day
from station_app.store import Store
from station_app.store import supervision as records_store

TEXT_LIMITS = {"subject": 200, "findings": 4000, "follow_up": 2000}
FIELD_LABELS = {
    "done_on": N_("Date"),
    "kind": N_("Kind of work"),
    "merchant": N_("Merchant"),
    "subject": N_("Subject (goods, service or place)"),
    "findings": N_("Findings"),
    "result": N_("Outcome"),
    "follow_up": N_("Follow-up"),
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class SupervisionRefused(Exception):
    """The record was not saved; `problems` say what to correct, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class SupervisionRecord:
    id: str
    done_on: str
    kind: str
    merchant_id: str
    merchant_name: str
    subject: str
    findings: str
    result: str
    follow_up: str
    owner_station: str

    @classmethod
    def from_row(cls, row: dict) -> SupervisionRecord:
        return cls(
            id=row["id"],
            done_on=row["done_on"],
            kind=row["kind"],
            merchant_id=row["merchant_id"] or "",
            merchant_name=row["merchant_name"],
            subject=row["subject"],
            findings=row["findings"],
            result=row["result"],
            follow_up=row["follow_up"],
            owner_station=row["owner_station"],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "done_on": self.done_on,
            "kind": self.kind,
            "merchant_id": self.merchant_id or None,
            "merchant": self.merchant_name,
            "subject": self.subject,
            "findings": self.findings,
            "result": self.result,
            "follow_up": self.follow_up,
            "owner_station": self.owner_station,
        }


def _checked(store: Store, values: dict[str, Any], *, whole: bool) -> dict[str, Any]:
    """The columns to write from the values given (a whole record, or the changes of one);
    SupervisionRefused lists every problem."""
    problems: list[str] = []
    unknown = sorted(set(values) - set(FIELD_LABELS))
    if unknown:
        problems.append(
            _("Unknown entries {keys}; a record has {allowed}.").format(
                keys=", ".join(unknown), allowed=", ".join(FIELD_LABELS)
            )
        )
    columns: dict[str, Any] = {}
    for key in ("done_on", "kind", "result"):
        if whole and not str(values.get(key) or "").strip():
            problems.append(_("{field} is required.").format(field=_(FIELD_LABELS[key])))
    if str(values.get("done_on") or "").strip():
        try:
            day = parse_day(values["done_on"], _(FIELD_LABELS["done_on"]))
        except InputRejected as error:
            problems.append(str(error))
        else:
            if day > date.today():
                problems.append(
                    _("{field}: {day} is in the future.").format(
                        field=_(FIELD_LABELS["done_on"]), day=day.isoformat()
                    )
                )
            columns["done_on"] = day.isoformat()
    for key, enum in (("kind", SupervisionKind), ("result", SupervisionResult)):
        raw = str(values.get(key) or "").strip()
        if not raw:
            continue
        if raw not in {member.value for member in enum}:
            problems.append(
                _("{field}: “{value}” is not one of {choices}.").format(
                    field=_(FIELD_LABELS[key]),
                    value=raw,
                    choices=", ".join(member.value for member in enum),
                )
            )
        else:
            columns[key] = raw
    if "merchant" in values:
        key = str(values.get("merchant") or "").strip()
        if not key:
            columns["merchant_id"] = None
        else:
            try:
                columns["merchant_id"] = reg.find_entry(store, key).merchant.id
            except reg.RegistryRefused as error:
                problems.append(
                    _("{field}: {problem}").format(field=_(FIELD_LABELS["merchant"]), problem=error)
                )
    elif whole:
        columns["merchant_id"] = None
    for key, limit in TEXT_LIMITS.items():
        if key not in values and not whole:
            continue
        text = values.get(key) or ""
        if not isinstance(text, str):
            problems.append(_("{field} must be text.").format(field=_(FIELD_LABELS[key])))
            continue
        text = text.strip()
        if len(text) > limit:
            problems.append(
                _("{field} is {length} characters long; at most {limit} fit.").format(
                    field=_(FIELD_LABELS[key]), length=len(text), limit=limit
                )
            )
        elif _CONTROL.search(text):
            problems.append(
                _("{field} holds a control character; type it again.").format(
                    field=_(FIELD_LABELS[key])
                )
            )
        columns[key] = text
    if problems:
        raise SupervisionRefused(problems)
    return columns


def add_record(store: Store, values: dict[str, Any], *, actor: str, station_code: str) -> str:
    """Record one piece of supervision work done by this station; returns its id."""
    with store.transaction(actor):
        columns = _checked(store, values, whole=True)
        return records_store.insert_record(store, columns, station_code)


def edit_record(
    store: Store, record_id: str, changes: dict[str, Any], *, actor: str, station_code: str
) -> SupervisionRecord:
    """Correct the given fields of a record this station made (every change is audited)."""
    with store.transaction(actor):
        record = find_record(store, record_id)
        if record.owner_station != station_code:
            raise SupervisionRefused(
                [
                    _("This record belongs to station {owner}; only it may correct it.").format(
                        owner=record.owner_station
                    )
                ]
            )
        columns = _checked(store, changes, whole=False)
        current = {
            "done_on": record.done_on,
            "kind": record.kind,
            "merchant_id": record.merchant_id or None,
            "subject": record.subject,
            "findings": record.findings,
            "result": record.result,
            "follow_up": record.follow_up,
        }
        records_store.update_record(
            store, record.id, {k: v for k, v in columns.items() if current[k] != v}
        )
        return find_record(store, record.id)


def find_record(store: Store, key: str) -> SupervisionRecord:
    """The record with this id, or the one whose id starts with `key`."""
    key = key.strip()
    row = records_store.get_record(store, key) if key else None
    if row is None and len(key) >= 6:
        ids = records_store.find_record_ids(store, key)
        if len(ids) == 1:
            row = records_store.get_record(store, ids[0])
    if row is None:
        raise SupervisionRefused([_("No supervision record has the id “{key}”.").format(key=key)])
    return SupervisionRecord.from_row(row)


def list_records(
    store: Store,
    first: date | None = None,
    last: date | None = None,
    *,
    stations: list[str] | None = None,
    kind: str | None = None,
) -> list[SupervisionRecord]:
    return [
        SupervisionRecord.from_row(row)
        for row in records_store.list_records(store, first, last, stations, kind)
    ]
