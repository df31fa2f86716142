"""Correcting a registered case: the one path used by `station-app case edit` and the 更正 form.

The changes come in the JSON shape of `case add` (only the keys that change). They are laid over
the case as it is, and the resulting case is checked with the intake rules (intake.py). A case
another station owns is refused, naming the owner. The changed columns and parties are written
in one transaction under the user's name, so the audit log (field, old → new, who, when) and the
outbox (one field-level update per changed row) follow through their triggers; a timeline event
records the correction, and the search index and the deadlines follow at once. The result names
the issued documents that print a changed field: they need a corrected version.

Rules of a correction:
- complainants are edited in place by their id (from `case show --json`); a listed complainant
  without an id is added; one left out of the list is removed (a tombstone, never deleted);
- the agent and the merchant take the keys given over their present values;
- a masked phone or ID number as `case show` prints it (138****6721) leaves the value as it is;
- the type of case cannot change (it decides the procedure and the case number stays);
- the time received may change only with a reason, within the year of the case number, and not
  to after a step already recorded: it moves every deadline of the case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from station_app.case_clock import CaseDeadline
from station_app.case_json import case_from_dict, case_to_dict, deadline_to_dict
from station_app.document_fields import printed_fields_changed
from station_app.domain import Case, CaseEvent, PartyRole, User
from station_app.i18n import _
from station_app.intake import blocking_problems, check_case_data
from station_app.store import due
from station_app.store.case_edits import (
    insert_party,
    intake_columns,
    live_party_columns,
    log_merchant_changes,
    merchant_details_equal,
    merchant_for_details,
    party_columns,
    remove_party,
    update_party,
)
from station_app.store.case_events import add_event, find_progress, list_events, update_case
from station_app.store.cases import get_case
from station_app.store.connection import Store
from station_app.store.documents import case_documents
from station_app.store.merchants import get_merchant
from station_app.store.reference_data import station_classification
from station_app.validation import Problem, Severity, field_label, mask_id_number, mask_phone
from station_app.workflow import CORRECTION_EVENT, ownership_refusal

# The keys of the case JSON a correction may change ("kind" is accepted only unchanged).
EDITABLE_KEYS = (
    "channel",
    "received_at",
    "work_order_no",
    "work_order_due",
    "complainants",
    "agent",
    "anonymous",
    "merchant",
    "goods_or_service",
    "category",
    "problem_nature",
    "purchase_date",
    "purchase_place",
    "amount",
    "request",
    "facts",
    "consent_publish",
    "consent_mediation",
    "consent_entrusted",
)
# Keys of the edit that are not case fields: why the correction is made, and the clerk's
# confirmation of a credit code that fails its check (as in `case add`).
REASON_KEY = "reason"
OTHER_KEYS = ("kind", REASON_KEY, "override_uscc_warning")
# The scalar fields compared one by one (people and the merchant are compared by their keys).
_SCALAR_KEYS = tuple(k for k in EDITABLE_KEYS if k not in ("complainants", "agent", "merchant"))
PERSON_KEYS = ("name", "gender", "phone", "address", "id_type", "id_number")
MERCHANT_KEYS = (
    "name",
    "uscc",
    "legal_rep",
    "address",
    "phone",
    "platform",
    "shop_url",
    "cluster_registered",
)
_MASKS = {"phone": mask_phone, "id_number": mask_id_number}


class CaseEditRejected(Exception):
    """Nothing was saved: `problems` says why (the fields as in intake, e.g. complainants[0].phone)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(p.message for p in self.problems))


@dataclass(frozen=True)
class FieldChange:
    """One corrected field: its path in the case JSON and the values before and after (phones
    and ID numbers masked: the audit log holds them in full)."""

    path: str
    old: Any
    new: Any

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.path, "old": self.old, "new": self.new}

    def label(self, kind: str | None = None) -> str:
        return field_label(self.path, kind)


@dataclass(frozen=True)
class AffectedDocument:
    """An issued document that prints a corrected field: it needs a corrected version."""

    kind: str
    doc_no: str
    version: int
    fields: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "doc_no": self.doc_no,
            "version": self.version,
            "fields": list(self.fields),
        }


@dataclass
class CaseEditResult:
    case_no: str
    kind: str
    changes: list[FieldChange]
    documents: list[AffectedDocument]
    warnings: list[Problem] = field(default_factory=list)
    saved: bool = False
    deadlines: list[CaseDeadline] = field(default_factory=list)

    def to_dict(self, today: date) -> dict[str, Any]:
        return {
            "case_no": self.case_no,
            "saved": self.saved,
            "changes": [c.to_dict() for c in self.changes],
            "documents_to_correct": [d.to_dict() for d in self.documents],
            "warnings": [p.message for p in self.warnings],
            "deadlines": [deadline_to_dict(d, today) for d in self.deadlines],
        }


# --------------------------------------------------------------------------- the case as data


def editable_data(case: Case, *, reveal: bool = True) -> dict[str, Any]:
    """The case's registration data in the `case add` shape, with the ids of its parties and
    merchant: what the 更正 form is filled with. Phones and ID numbers in full only with
    `reveal` (log it); masked, they are kept as they are when saved unchanged."""
    shown = case_to_dict(case, reveal=reveal)
    data = {key: shown[key] for key in ("kind", *EDITABLE_KEYS)}  # a fresh dict: no copy needed
    for person, party in zip(data["complainants"], case.complainants, strict=True):
        person["id"] = party.id
    if case.agent is not None:
        data["agent"]["id"] = case.agent.id
    return data


def _keep_masked(old: Mapping[str, Any] | None, key: str, value: Any) -> bool:
    """Whether `value` is the masked form of the old value (as `case show` prints it)."""
    if old is None or key not in _MASKS or not isinstance(value, str) or not value:
        return False
    present = old.get(key) or ""
    return value != present and value == _MASKS[key](present)


def _merge_person(old: Mapping[str, Any] | None, given: Any) -> Any:
    if not isinstance(given, dict):
        return given  # validation names the wrong shape
    merged = dict(old or {})
    for key, value in given.items():
        if not _keep_masked(old, key, value):
            merged[key] = value
    return merged


def _merge_complainants(old: list[dict[str, Any]], given: Any, problems: list[Problem]) -> Any:
    if not isinstance(given, list):
        return given
    by_id = {person["id"]: person for person in old}
    merged = []
    for index, item in enumerate(given):
        party_id = item.get("id") if isinstance(item, dict) else None
        if party_id:
            if party_id not in by_id:
                problems.append(
                    Problem(
                        f"complainants[{index}]",
                        Severity.ERROR,
                        _(
                            "{who}: this case has no complainant with the id {id}. Take the ids "
                            "from `case show --json`, or leave the id out to add a complainant."
                        ).format(who=field_label(f"complainants[{index}]"), id=party_id),
                        "unknown_party",
                    )
                )
                continue
            merged.append(_merge_person(by_id[party_id], item))
        else:
            merged.append(_merge_person(None, item) if isinstance(item, dict) else item)
    return merged


def _merge_merchant(old: Mapping[str, Any] | None, given: Any) -> Any:
    if not isinstance(given, dict):
        return given
    chosen = given.get("id")
    if chosen and chosen != (old or {}).get("id"):
        return dict(given)  # another registry entry, chosen by its id
    merged = dict(old or {})
    merged.update(given)
    return merged


def _merged_data(
    current: dict[str, Any], edits: Mapping[str, Any], problems: list[Problem]
) -> dict[str, Any]:
    merged = dict(current)  # the values replaced below are new objects: `current` stays as it is
    # A credit code kept as it was was confirmed when the case was registered.
    merged["override_uscc_warning"] = True
    for key, value in edits.items():
        if key == "kind":
            if value != current["kind"]:
                problems.append(
                    Problem(
                        "kind",
                        Severity.ERROR,
                        _(
                            "The type of a registered case cannot be changed: it decides the "
                            "procedure and the case number. Register a new case of the right "
                            "type and close this one with a note."
                        ),
                        "kind_fixed",
                    )
                )
        elif key in (REASON_KEY, "override_uscc_warning"):
            continue
        elif key not in EDITABLE_KEYS:
            problems.append(
                Problem(
                    key,
                    Severity.ERROR,
                    _(
                        "“{key}” cannot be corrected here. Give only the fields that change, "
                        "with the keys of `case add`."
                    ).format(key=key),
                    "not_editable",
                )
            )
        elif key == "complainants":
            merged[key] = _merge_complainants(current["complainants"], value, problems)
        elif key == "agent":
            merged[key] = None if value is None else _merge_person(current["agent"], value)
        elif key == "merchant":
            merged[key] = None if value is None else _merge_merchant(current["merchant"], value)
        else:
            merged[key] = value
    old_code = ((current.get("merchant") or {}).get("uscc") or "").strip().upper()
    new_merchant = merged.get("merchant")
    new_code = str((new_merchant or {}).get("uscc") or "").strip().upper()
    if new_code != old_code:
        merged["override_uscc_warning"] = bool(edits.get("override_uscc_warning"))
    return merged


# --------------------------------------------------------------------------- the plan


@dataclass
class _Plan:
    old: Case
    new: Case
    local_id: int
    owner_station: str
    changes: list[FieldChange]
    documents: list[AffectedDocument]
    warnings: list[Problem]
    reason: str


def _shown(key: str, value: Any) -> Any:
    if key in _MASKS and isinstance(value, str):
        return _MASKS[key](value)
    return value


def _person_changes(prefix: str, old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    return [
        FieldChange(f"{prefix}.{key}", _shown(key, old[key]), _shown(key, new[key]))
        for key in PERSON_KEYS
        if old[key] != new[key]
    ]


def _changes(old: Case, new: Case) -> list[FieldChange]:
    before = case_to_dict(old, reveal=True)
    after = case_to_dict(new, reveal=True)
    changes = [
        FieldChange(key, before[key], after[key])
        for key in _SCALAR_KEYS
        if before[key] != after[key]
    ]
    old_people = {
        p.id: (i, person)
        for i, (p, person) in enumerate(zip(old.complainants, before["complainants"], strict=True))
    }
    kept: set[str] = set()
    for index, (party, person) in enumerate(
        zip(new.complainants, after["complainants"], strict=True)
    ):
        if party.id in old_people:
            kept.add(party.id)
            changes += _person_changes(f"complainants[{index}]", old_people[party.id][1], person)
        else:
            changes.append(FieldChange(f"complainants[{index}]", None, party.name))
    for party_id, (index, person) in old_people.items():
        if party_id not in kept:
            changes.append(FieldChange(f"complainants[{index}]", person["name"], None))
    if before["agent"] and after["agent"]:
        changes += _person_changes("agent", before["agent"], after["agent"])
    elif before["agent"] or after["agent"]:
        changes.append(
            FieldChange(
                "agent",
                before["agent"]["name"] if before["agent"] else None,
                after["agent"]["name"] if after["agent"] else None,
            )
        )
    old_merchant = before["merchant"] or {}
    new_merchant = after["merchant"] or {}
    for key in MERCHANT_KEYS:
        if old_merchant.get(key) != new_merchant.get(key):
            changes.append(
                FieldChange(f"merchant.{key}", old_merchant.get(key), new_merchant.get(key))
            )
    return changes


def _received_problems(
    store: Store, old: Case, new: Case, reason: str, case_id: str
) -> list[Problem]:
    if new.received_at == old.received_at:
        return []
    problems = []
    label = field_label("received_at")
    if not reason:
        problems.append(
            Problem(
                REASON_KEY,
                Severity.ERROR,
                _(
                    "{field}: a change moves every deadline of the case, so give the reason for "
                    "the correction (for example what the transfer notice says)."
                ).format(field=label),
                "reason_required",
            )
        )
    if new.received_at.year != old.received_at.year:
        problems.append(
            Problem(
                "received_at",
                Severity.ERROR,
                _(
                    "{field}: the case number {number} carries the year {year}; a correction "
                    "cannot move the receipt into another year. Register the case again instead."
                ).format(field=label, number=old.case_no, year=old.received_at.year),
                "year_fixed",
            )
        )
    steps = [e for e in list_events(store, case_id) if e.action != CORRECTION_EVENT]
    if steps:
        first = min(steps, key=lambda e: e.occurred_on)
        if new.received_at.date() > first.occurred_on:
            problems.append(
                Problem(
                    "received_at",
                    Severity.ERROR,
                    _(
                        "{field}: {value} is after a step already recorded ({day}). A case is "
                        "received before anything is done with it."
                    ).format(
                        field=label,
                        value=new.received_at.strftime("%Y-%m-%d %H:%M"),
                        day=first.occurred_on.isoformat(),
                    ),
                    "date_order",
                )
            )
    return problems


def _link_merchant(store: Store, old: Case, new: Case) -> None:
    """Decide which registry entry the corrected case names (read only; see _write)."""
    if new.merchant is None or not new.merchant.name:
        new.merchant = None
        return
    chosen = new.merchant.id
    if old.merchant is not None and chosen in ("", old.merchant.id):
        if merchant_details_equal(old.merchant, new.merchant):
            new.merchant = old.merchant
            return
        new.merchant.id = ""  # details changed: an entry with exactly these details
        return
    found = get_merchant(store, chosen) if chosen else None
    if found is not None:
        new.merchant = found
    else:
        new.merchant.id = ""


def _plan(
    store: Store,
    case_key: str,
    edits: Mapping[str, Any],
    *,
    user: User,
    station_code: str,
    today: date,
) -> _Plan:
    if not isinstance(edits, Mapping):
        raise CaseEditRejected(
            [
                Problem(
                    "",
                    Severity.ERROR,
                    _("The corrections must be a JSON object of the fields that change."),
                    "not_object",
                )
            ]
        )
    progress = find_progress(store, case_key.strip())
    old = get_case(store, case_key.strip()) if progress is not None else None
    if progress is None or old is None:
        raise CaseEditRejected(
            [
                Problem(
                    "",
                    Severity.ERROR,
                    _("No case numbered {number}.").format(number=case_key),
                    "no_case",
                )
            ]
        )
    refusal = ownership_refusal(progress.owner_station, role=user.role, station_code=station_code)
    if refusal is not None:
        raise CaseEditRejected([Problem("", Severity.ERROR, refusal, "not_owner")])

    problems: list[Problem] = []
    reason = edits.get(REASON_KEY)
    if reason is not None and not isinstance(reason, str):
        problems.append(
            Problem(
                REASON_KEY, Severity.ERROR, _("The reason must be written as text."), "wrong_type"
            )
        )
        reason = ""
    reason = (reason or "").strip()
    current = editable_data(old)
    merged = _merged_data(current, edits, problems)
    found = check_case_data(merged, today=today, classification=station_classification(store))
    problems += blocking_problems(merged, found)
    if problems:
        raise CaseEditRejected(problems)
    warnings = [p for p in found if p.severity is Severity.WARNING and p not in problems]

    new = case_from_dict(merged)
    new.id, new.case_no, new.status = old.id, old.case_no, old.status
    for party, person in zip(new.complainants, merged["complainants"] or [], strict=True):
        party.id = person.get("id") or ""
    if new.agent is not None:
        new.agent.id = old.agent.id if old.agent is not None else ""
    _link_merchant(store, old, new)
    problems += _received_problems(store, old, new, reason, old.id)
    if problems:
        raise CaseEditRejected(problems)

    changes = _changes(old, new)
    paths = [c.path for c in changes]
    documents = []
    for doc in case_documents(store, old.id):
        if doc.superseded_by is None:
            printed = printed_fields_changed(doc.kind, paths)
            if printed:
                documents.append(
                    AffectedDocument(doc.kind, doc.doc_no, doc.version, tuple(printed))
                )
    return _Plan(
        old=old,
        new=new,
        local_id=progress.local_id,
        owner_station=progress.owner_station,
        changes=changes,
        documents=documents,
        warnings=warnings,
        reason=reason,
    )


def _result(plan: _Plan, *, saved: bool, deadlines: list[CaseDeadline]) -> CaseEditResult:
    return CaseEditResult(
        case_no=plan.old.case_no,
        kind=plan.old.kind.value,
        changes=plan.changes,
        documents=plan.documents,
        warnings=plan.warnings,
        saved=saved,
        deadlines=deadlines,
    )


def preview_edit(
    store: Store,
    case_key: str,
    edits: Mapping[str, Any],
    *,
    user: User,
    station_code: str,
    today: date,
) -> CaseEditResult:
    """What `edit_case` would change and which issued documents it makes outdated; nothing is
    written. Raises CaseEditRejected as edit_case would."""
    plan = _plan(store, case_key, edits, user=user, station_code=station_code, today=today)
    return _result(plan, saved=False, deadlines=[])


# --------------------------------------------------------------------------- writing


def _write_parties(store: Store, plan: _Plan) -> None:
    case_id = plan.old.id
    present = live_party_columns(store, case_id)
    wanted = [(party, position) for position, party in enumerate(plan.new.complainants)]
    if plan.new.agent is not None:
        plan.new.agent.role = PartyRole.AGENT
        wanted.append((plan.new.agent, 0))
    keep: set[str] = set()
    for party, position in wanted:
        columns = party_columns(party, position)
        if party.id and party.id in present:
            keep.add(party.id)
            before = present[party.id]
            update_party(store, party.id, {k: v for k, v in columns.items() if before[k] != v})
        else:
            party.id = ""
            insert_party(store, case_id, party, position, plan.owner_station)
    for party_id in present:
        if party_id not in keep:
            remove_party(store, party_id)


def _write_merchant(store: Store, plan: _Plan, *, actor: str, station_code: str) -> None:
    new, old = plan.new, plan.old
    if new.merchant is None or new.merchant is old.merchant:
        return
    if not new.merchant.id or get_merchant(store, new.merchant.id) is None:
        new.merchant = merchant_for_details(store, new.merchant, station_code)
    details = [
        (c.path.removeprefix("merchant."), c.old, c.new)
        for c in plan.changes
        if c.path.startswith("merchant.") and c.path != "merchant.name"
    ]
    if details:
        log_merchant_changes(
            store, old.id, new.merchant.id, details, actor=actor, station_code=station_code
        )


def edit_case(
    store: Store,
    case_key: str,
    edits: Mapping[str, Any],
    *,
    user: User,
    station_code: str,
    today: date,
    now: datetime,
) -> CaseEditResult:
    """Correct the case numbered (or with the id) `case_key` as `user` working at
    `station_code`. Raises CaseEditRejected with every problem, having written nothing; an edit
    that changes nothing writes nothing and returns saved=False."""
    with store.transaction(actor=user.username):
        plan = _plan(store, case_key, edits, user=user, station_code=station_code, today=today)
        if not plan.changes:
            return _result(plan, saved=False, deadlines=[])
        _write_merchant(store, plan, actor=user.username, station_code=station_code)
        before = intake_columns(plan.old)
        after = intake_columns(plan.new)
        update_case(store, plan.old.id, {k: v for k, v in after.items() if before[k] != v})
        _write_parties(store, plan)
        add_event(
            store,
            plan.old.id,
            CaseEvent(
                action=CORRECTION_EVENT,
                from_status=plan.old.status,
                to_status=plan.old.status,
                occurred_at=now.strftime("%Y-%m-%d %H:%M"),
                actor=user.username,
                actor_role=user.role.value,
                note=plan.reason,
                details={
                    "changes": [c.to_dict() for c in plan.changes],
                    "documents": [d.to_dict() for d in plan.documents],
                },
                owner_station=station_code,
            ),
        )
    # The store re-indexed the case and recomputed its stored deadlines before COMMIT.
    deadlines = due.stored_deadlines(store, [plan.local_id]).get(plan.local_id, [])
    return _result(plan, saved=True, deadlines=deadlines)


def masked_fields(data: Mapping[str, Any]) -> dict[str, str]:
    """The masked phones and ID numbers of `editable_data(case, reveal=False)`, by field path
    (complainants[0].phone): left as they are, they are no problem (kept when saved)."""
    people = [(f"complainants[{i}]", p) for i, p in enumerate(data.get("complainants") or [])]
    if data.get("agent"):
        people.append(("agent", data["agent"]))
    return {
        f"{prefix}.{key}": person[key]
        for prefix, person in people
        for key in _MASKS
        if isinstance(person, Mapping) and person.get(key)
    }
