"""What each workflow action takes (its JSON payload), as data, and reading it with messages a
clerk can act on. The effects of the actions are in case_actions.py."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from station_app.case_json import parse_received_at
from station_app.domain import (
    AgreementTerm,
    ContactResult,
    ContactWay,
    CourtOutcome,
    FollowUpParty,
    MediationMode,
    PromiseArea,
    Satisfaction,
    SuspensionReason,
    TermType,
)
from station_app.i18n import N_, _
from station_app.money import MoneyError, parse_yuan, shown
from station_app.workflow import REFUSAL_GROUNDS, TERMINATION_GROUNDS, Action, Ground

MAX_TEXT = 20_000


class FieldType(Enum):
    TEXT = "text"
    BOOL = "bool"
    DATE = "date"  # YYYY-MM-DD
    DATETIME = "datetime"  # YYYY-MM-DD HH:MM
    MOMENT = "moment"  # a date, or a date and time
    MONEY = "money"  # yuan, as a string like "1299.50"
    CHOICE = "choice"
    GROUND = "ground"  # the item number of a legal ground
    NAMES = "names"  # a list of names (or one text with names separated by 、 , ;)
    TERMS = "terms"  # the terms of an agreement
    MEMBERS = "members"  # amounts of each complainant of a joint complaint


@dataclass(frozen=True)
class Field:
    key: str
    type: FieldType
    label: str  # marked with N_(), translated when shown
    required: bool = False
    choices: tuple[str, ...] = ()
    grounds: tuple[Ground, ...] = ()


def _text(key: str, label: str, required: bool = False) -> Field:
    return Field(key, FieldType.TEXT, label, required)


def _choice(key: str, label: str, enum: type[Enum], required: bool = True) -> Field:
    return Field(key, FieldType.CHOICE, label, required, tuple(str(m.value) for m in enum))


NOTE = _text("note", N_("Note"))
OCCURRED_AT = Field("occurred_at", FieldType.MOMENT, N_("Date"))

# What the printed agreement (调解协议书) says besides its terms; the agree action asks for them
# and amend-agreement completes or changes them.
DISPUTE = _text("dispute", N_("The dispute and each side's responsibility"))
PERFORMANCE = _text("performance", N_("How it is performed"))
PERFORMANCE_DUE = Field("performance_due", FieldType.DATE, N_("To be performed by"))
MEDIATORS = Field("mediators", FieldType.NAMES, N_("Mediators"))

# The payload of each action. Every action takes a note and (unless it has a date of its own)
# the date or time the step happened, "occurred_at", which is today when left out.
ACTION_FIELDS: dict[Action, tuple[Field, ...]] = {
    Action.ACCEPT: (OCCURRED_AT, NOTE),
    Action.REFUSE: (
        Field("ground", FieldType.GROUND, N_("Ground"), True, grounds=REFUSAL_GROUNDS),
        OCCURRED_AT,
        NOTE,
    ),
    Action.START_MEDIATION: (
        Field("complainant_consents", FieldType.BOOL, N_("Complainant consents"), True),
        Field("merchant_consents", FieldType.BOOL, N_("Merchant consents"), True),
        Field("entrusted", FieldType.BOOL, N_("Entrusted to the consumer association")),
        _choice("mode", N_("Mode"), MediationMode),
        OCCURRED_AT,
        NOTE,
    ),
    Action.SUSPEND: (_choice("reason", N_("Reason"), SuspensionReason), OCCURRED_AT, NOTE),
    Action.RESUME: (OCCURRED_AT, NOTE),
    Action.RECORD_SESSION: (
        Field("held_at", FieldType.DATETIME, N_("Time of the session"), True),
        _text("place", N_("Place")),
        _choice("mode", N_("Mode"), MediationMode),
        Field("mediators", FieldType.NAMES, N_("Mediators"), True),
        _text("recorder", N_("Recorder")),
        Field("attendees", FieldType.NAMES, N_("Attendees")),
        _text("complainant_statement", N_("Complainant's statement")),
        _text("merchant_statement", N_("Merchant's statement")),
        _text("result", N_("Result")),
        NOTE,
    ),
    # How and by when it is performed are required unless it was performed on the spot.
    Action.AGREE: (
        Field("terms", FieldType.TERMS, N_("Terms"), True),
        Field("amount_recovered", FieldType.MONEY, N_("Amount recovered"), True),
        dataclasses.replace(DISPUTE, required=True),
        Field("performed_on_spot", FieldType.BOOL, N_("Performed on the spot")),
        PERFORMANCE,
        PERFORMANCE_DUE,
        dataclasses.replace(MEDIATORS, required=True),
        Field("agreed_on", FieldType.DATE, N_("Date of the agreement")),
        Field("members", FieldType.MEMBERS, N_("Amounts of each complainant")),
        NOTE,
    ),
    # Completes or changes what an agreement says; only the entries given change.
    Action.AMEND_AGREEMENT: (
        DISPUTE,
        Field("terms", FieldType.TERMS, N_("Terms")),
        PERFORMANCE,
        PERFORMANCE_DUE,
        MEDIATORS,
        _text("reason", N_("Why it is amended"), True),
        OCCURRED_AT,
    ),
    Action.TERMINATE: (
        Field("ground", FieldType.GROUND, N_("Ground"), True, grounds=TERMINATION_GROUNDS),
        OCCURRED_AT,
        NOTE,
    ),
    Action.WITHDRAW: (OCCURRED_AT, NOTE),
    Action.CLOSE: (OCCURRED_AT, NOTE),
    Action.ESCALATE: (
        _text("to_station", N_("Higher station"), True),
        _text("reason", N_("Reason"), True),
        OCCURRED_AT,
        NOTE,
    ),
    Action.FOLLOW_UP: (
        _choice("party", N_("Party visited"), FollowUpParty),
        _choice("satisfaction", N_("Satisfaction"), Satisfaction),
        Field("visited_on", FieldType.DATE, N_("Date of the visit")),
        NOTE,
    ),
    Action.DISPATCH: (
        Field("at", FieldType.DATETIME, N_("Time"), True),
        _choice("area", N_("Where the scene is"), PromiseArea, required=False),
        NOTE,
    ),
    Action.ARRIVE: (Field("at", FieldType.DATETIME, N_("Time"), True), NOTE),
    Action.RECORD_PERFORMANCE: (
        Field("performed_on", FieldType.DATE, N_("Date performed"), True),
        NOTE,
    ),
    Action.JUDICIAL_APPLY: (
        Field("applied_on", FieldType.DATE, N_("Date of the application"), True),
        _text("court_name", N_("Court"), True),
        NOTE,
    ),
    Action.JUDICIAL_CONFIRM: (
        Field("confirmed_on", FieldType.DATE, N_("Date of the confirmation"), True),
        NOTE,
    ),
    Action.TRANSFER_COURT: (
        Field("transferred_on", FieldType.DATE, N_("Date of the transfer"), True),
        _text("court_name", N_("Court"), True),
        NOTE,
    ),
    Action.COURT_OUTCOME: (
        _choice("outcome", N_("Outcome"), CourtOutcome),
        Field("decided_on", FieldType.DATE, N_("Date of the outcome"), True),
        _text("court_case_no", N_("Court's case number")),
        NOTE,
    ),
    Action.START_CHECK: (OCCURRED_AT, NOTE),
    Action.EXTEND: (_text("note", N_("Reason for the extension"), True), OCCURRED_AT),
    Action.OPEN_CASE: (OCCURRED_AT, NOTE),
    Action.NOT_OPEN: (OCCURRED_AT, NOTE),
    Action.NOTIFY_RESULT: (OCCURRED_AT, NOTE),
    Action.MERGE: (_text("into", N_("Earlier report"), True), OCCURRED_AT, NOTE),
    Action.ANSWER: (_text("answer", N_("Answer"), True), OCCURRED_AT),
    Action.NOTE: (_text("note", N_("Note"), True), OCCURRED_AT),
    Action.CONTACT: (
        _choice("way", N_("Way of contact"), ContactWay),
        _choice("result", N_("Result of the attempt"), ContactResult),
        OCCURRED_AT,
        NOTE,
    ),
}

# The key that holds the day or time an action happened, where it is not "occurred_at".
WHEN_KEYS: dict[Action, str] = {
    Action.RECORD_SESSION: "held_at",
    Action.AGREE: "agreed_on",
    Action.FOLLOW_UP: "visited_on",
    Action.DISPATCH: "at",
    Action.ARRIVE: "at",
    Action.RECORD_PERFORMANCE: "performed_on",
    Action.JUDICIAL_APPLY: "applied_on",
    Action.JUDICIAL_CONFIRM: "confirmed_on",
    Action.TRANSFER_COURT: "transferred_on",
    Action.COURT_OUTCOME: "decided_on",
}


def when_key(action: Action) -> str:
    return WHEN_KEYS.get(action, "occurred_at")


def field_name(spec: Field) -> str:
    return _("{label} ({key})").format(label=_(spec.label), key=spec.key)


@dataclass(frozen=True)
class Member:
    """Amounts of one complainant of a joint complaint, by their position (1 = first)."""

    position: int
    claimed: Decimal | None
    recovered: Decimal | None


def _money(value: Any, name: str, problems: list[str]) -> Decimal | None:
    try:
        return parse_yuan(value)
    except MoneyError as refused:
        problems.append(_("{field}: {problem}").format(field=name, problem=refused.message))
        return None


def _show(value: Any) -> str:
    """A value from the payload as the clerk wrote it, cut short (a pasted page, a 5,000-digit
    number) so that the message stays readable."""
    if isinstance(value, str):
        return f"“{shown(value, 60)}”"
    if value is None:
        return "null"
    return shown(value, 60) if not isinstance(value, bool) else str(value).lower()


def _parse_date(value: Any, name: str, problems: list[str]) -> date | None:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    problems.append(
        _("{field}: {value} is not a date. Write it as YYYY-MM-DD, for example 2026-05-04.").format(
            field=name, value=_show(value)
        )
    )
    return None


def _parse_datetime(value: Any, name: str, problems: list[str]) -> datetime | None:
    if isinstance(value, str):
        try:
            return parse_received_at(value)
        except ValueError:
            pass
    problems.append(
        _(
            "{field}: {value} is not a date and time. Write it as YYYY-MM-DD HH:MM, for "
            "example 2026-05-04 14:30."
        ).format(field=name, value=_show(value))
    )
    return None


def _parse_names(value: Any, name: str, problems: list[str]) -> list[str] | None:
    if isinstance(value, str):
        names = [part.strip() for part in re.split(r"[、,，;；\n]", value)]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        names = [v.strip() for v in value]
    else:
        problems.append(
            _('{field}: give the names as a list, for example ["李明", "王芳"].').format(field=name)
        )
        return None
    return [n for n in names if n]


def _parse_terms(value: Any, name: str, problems: list[str]) -> list[AgreementTerm] | None:
    if not isinstance(value, list) or not value:
        problems.append(
            _(
                "{field}: list what was agreed, for example "
                '[{{"type": "refund", "amount": "1299.50", "description": "退还货款"}}].'
            ).format(field=name)
        )
        return None
    kinds = ", ".join(t.value for t in TermType)
    terms: list[AgreementTerm] = []
    for n, item in enumerate(value, start=1):
        where = _("{field}, term {n}").format(field=name, n=n)
        if not isinstance(item, dict):
            problems.append(
                _("{where}: a term is an object with “type”, “amount” and “description”.").format(
                    where=where
                )
            )
            continue
        unknown = sorted(set(item) - {"type", "amount", "description"})
        if unknown:
            problems.append(
                _(
                    "{where}: unknown entry {keys}; a term has “type”, “amount” and “description”."
                ).format(where=where, keys=", ".join(_show(k) for k in unknown))
            )
            continue
        try:
            term_type = TermType(item.get("type"))
        except ValueError:
            problems.append(
                _("{where}: the type {value} is unknown; use one of {choices}.").format(
                    where=where, value=_show(item.get("type")), choices=kinds
                )
            )
            continue
        amount = None
        if item.get("amount") not in (None, ""):
            amount = _money(item["amount"], where, problems)
            if amount is None:
                continue
        description = item.get("description") or ""
        if not isinstance(description, str):
            problems.append(_("{where}: the description must be text.").format(where=where))
            continue
        if term_type in (TermType.REFUND, TermType.COMPENSATION) and amount is None:
            problems.append(
                _("{where}: a refund or a compensation needs its amount.").format(where=where)
            )
            continue
        if not description.strip():
            # The description is what the printed agreement says the term is.
            problems.append(
                _(
                    "{where}: describe what was agreed in “description”, for example 退还货款; "
                    "it is printed on the agreement."
                ).format(where=where)
            )
            continue
        terms.append(AgreementTerm(term_type, amount, description.strip()))
    return terms


def _parse_members(value: Any, name: str, problems: list[str]) -> list[Member] | None:
    if not isinstance(value, list):
        problems.append(
            _(
                "{field}: give a list such as "
                '[{{"party": 1, "claimed": "500", "recovered": "300"}}], where “party” is the '
                "complainant's number in the case (1 = the first)."
            ).format(field=name)
        )
        return None
    members: list[Member] = []
    for n, item in enumerate(value, start=1):
        where = _("{field}, entry {n}").format(field=name, n=n)
        position = item.get("party") if isinstance(item, dict) else None
        if isinstance(position, bool) or not isinstance(position, int) or position < 1:
            problems.append(
                _(
                    "{where}: “party” must be the complainant's number in the case (1 = the first)."
                ).format(where=where)
            )
            continue
        claimed = recovered = None
        if item.get("claimed") not in (None, ""):
            claimed = _money(item["claimed"], where, problems)
        if item.get("recovered") not in (None, ""):
            recovered = _money(item["recovered"], where, problems)
        members.append(Member(position, claimed, recovered))
    return members


def parse_payload(action: Action, payload: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The payload's values, checked and converted; and every problem found."""
    problems: list[str] = []
    specs = {spec.key: spec for spec in ACTION_FIELDS[action]}
    unknown = sorted(set(payload) - set(specs))
    if unknown:
        problems.append(
            _("Unknown entries {keys} for “{action}”. It takes: {allowed}.").format(
                keys=", ".join(_show(k) for k in unknown),
                action=action.value,
                allowed=", ".join(specs) or "—",
            )
        )
    values: dict[str, Any] = {}
    for key, spec in specs.items():
        raw = payload.get(key)
        name = field_name(spec)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if spec.required:
                problems.append(_("{field} is required.").format(field=name))
            continue
        value = _parse_value(spec, raw, name, problems)
        if value is not None:
            values[key] = value
    return values, problems


def _parse_value(spec: Field, raw: Any, name: str, problems: list[str]) -> Any:
    kind = spec.type
    if kind is FieldType.TEXT:
        if not isinstance(raw, str):
            problems.append(_("{field} must be text.").format(field=name))
            return None
        if len(raw) > MAX_TEXT:
            problems.append(
                _("{field} is {length} characters long; at most {limit} fit.").format(
                    field=name, length=len(raw), limit=MAX_TEXT
                )
            )
            return None
        return raw.strip()
    if kind is FieldType.BOOL:
        if not isinstance(raw, bool):
            problems.append(_("{field} must be true or false.").format(field=name))
            return None
        return raw
    if kind is FieldType.DATE:
        return _parse_date(raw, name, problems)
    if kind is FieldType.DATETIME:
        return _parse_datetime(raw, name, problems)
    if kind is FieldType.MOMENT:
        if isinstance(raw, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
            return _parse_date(raw, name, problems)
        return _parse_datetime(raw, name, problems)
    if kind is FieldType.MONEY:
        return _money(raw, name, problems)
    if kind is FieldType.CHOICE:
        if raw not in spec.choices:
            problems.append(
                _("{field}: {value} is not one of {choices}.").format(
                    field=name, value=_show(raw), choices=", ".join(spec.choices)
                )
            )
            return None
        return raw
    if kind is FieldType.GROUND:
        item = int(raw) if isinstance(raw, str) and raw.strip().isdigit() else raw
        numbers = [g.item for g in spec.grounds]
        if isinstance(item, bool) or item not in numbers:
            problems.append(
                _(
                    "{field}: {value} is not a ground; choose a number from {first} to {last}."
                ).format(field=name, value=_show(raw), first=numbers[0], last=numbers[-1])
            )
            return None
        return next(g for g in spec.grounds if g.item == item)
    if kind is FieldType.NAMES:
        return _parse_names(raw, name, problems)
    if kind is FieldType.TERMS:
        return _parse_terms(raw, name, problems)
    if kind is FieldType.MEMBERS:
        return _parse_members(raw, name, problems)
    raise AssertionError(f"unhandled field type {kind}")  # pragma: no cover
