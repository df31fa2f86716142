"""The JSON shape of a case, shared by `case add --json`, `case show --json` and the intake form."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from station_app.case_clock import CaseDeadline
from station_app.domain import (
    Agreement,
    Case,
    CaseEvent,
    CaseKind,
    Channel,
    FollowUp,
    Gender,
    GoodsOrService,
    IdType,
    MediationSession,
    Merchant,
    Party,
    PartyRole,
)
from station_app.money import is_blank, parse_yuan
from station_app.validation import mask_id_number, mask_phone, normalize_phone

RECEIVED_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")


def parse_received_at(value: str) -> datetime:
    text = value.strip()
    if len(text) == 16 and text[10] == " " and text[:4].isdigit() and text[5:7].isdigit():
        try:  # the common form, read fast (a bulk load reads millions)
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    for fmt in RECEIVED_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
    raise ValueError(f"not a date and time: {value!r}")


def _text(data: dict, key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value).strip()


def _optional_date(data: dict, key: str) -> date | None:
    value = _text(data, key)
    return date.fromisoformat(value) if value else None


def party_from_dict(data: dict, role: PartyRole) -> Party:
    phone = _text(data, "phone")
    id_number = _text(data, "id_number").upper()
    return Party(
        name=_text(data, "name"),
        role=role,
        gender=Gender(_text(data, "gender")),
        phone=normalize_phone(phone) if phone else "",
        address=_text(data, "address"),
        id_type=IdType(_text(data, "id_type") or (IdType.RESIDENT_ID if id_number else "")),
        id_number=id_number,
    )


def case_from_dict(data: dict[str, Any]) -> Case:
    """Build a Case from validated JSON data (see validation.validate_case)."""
    merchant_data = data.get("merchant") or {}
    merchant = None
    if _text(merchant_data, "name"):
        merchant = Merchant(
            id=_text(merchant_data, "id"),
            name=_text(merchant_data, "name"),
            uscc=_text(merchant_data, "uscc").upper(),
            legal_rep=_text(merchant_data, "legal_rep"),
            address=_text(merchant_data, "address"),
            phone=_text(merchant_data, "phone"),
            platform=_text(merchant_data, "platform"),
            shop_url=_text(merchant_data, "shop_url"),
            cluster_registered=bool(merchant_data.get("cluster_registered")),
        )
    amount = data.get("amount")
    agent = data.get("agent")
    return Case(
        kind=CaseKind(_text(data, "kind")),
        channel=Channel(_text(data, "channel")),
        received_at=parse_received_at(_text(data, "received_at")),
        complainants=[
            party_from_dict(p, PartyRole.COMPLAINANT) for p in data.get("complainants") or []
        ],
        agent=party_from_dict(agent, PartyRole.AGENT) if agent and _text(agent, "name") else None,
        merchant=merchant,
        work_order_no=_text(data, "work_order_no"),
        work_order_due=_optional_date(data, "work_order_due"),
        goods_or_service=GoodsOrService(data["goods_or_service"])
        if data.get("goods_or_service")
        else None,
        category=_text(data, "category"),
        problem_nature=_text(data, "problem_nature"),
        purchase_date=_optional_date(data, "purchase_date"),
        purchase_place=_text(data, "purchase_place"),
        amount=None if is_blank(amount) else parse_yuan(amount),
        request=_text(data, "request"),
        facts=str(data.get("facts") or "").strip(),
        consent_publish=bool(data.get("consent_publish")),
        consent_mediation=bool(data.get("consent_mediation")),
        consent_entrusted=bool(data.get("consent_entrusted")),
        anonymous=bool(data.get("anonymous")),
    )


def party_to_dict(party: Party, *, reveal: bool) -> dict[str, Any]:
    return {
        "id": party.id,
        "name": party.name,
        "gender": party.gender.value,
        "phone": party.phone if reveal else mask_phone(party.phone),
        "address": party.address,
        "id_type": party.id_type.value,
        "id_number": party.id_number if reveal else mask_id_number(party.id_number),
    }


def case_to_dict(case: Case, *, reveal: bool = False) -> dict[str, Any]:
    """A case as JSON; phones and ID numbers are masked unless `reveal` is set."""
    merchant = case.merchant
    return {
        "id": case.id,
        "case_no": case.case_no,
        "kind": case.kind.value,
        "channel": case.channel.value,
        "status": case.status.value,
        "received_at": case.received_at.strftime("%Y-%m-%d %H:%M"),
        "work_order_no": case.work_order_no,
        "work_order_due": case.work_order_due.isoformat() if case.work_order_due else None,
        "complainants": [party_to_dict(p, reveal=reveal) for p in case.complainants],
        "agent": party_to_dict(case.agent, reveal=reveal) if case.agent else None,
        "merchant": None
        if merchant is None
        else {
            "id": merchant.id,
            "name": merchant.name,
            "uscc": merchant.uscc,
            "legal_rep": merchant.legal_rep,
            "address": merchant.address,
            "phone": merchant.phone,
            "platform": merchant.platform,
            "shop_url": merchant.shop_url,
            "cluster_registered": merchant.cluster_registered,
        },
        "goods_or_service": case.goods_or_service.value if case.goods_or_service else None,
        "category": case.category,
        "problem_nature": case.problem_nature,
        "purchase_date": case.purchase_date.isoformat() if case.purchase_date else None,
        "purchase_place": case.purchase_place,
        "amount": None if case.amount is None else f"{case.amount:.2f}",
        "request": case.request,
        "facts": case.facts,
        "consent_publish": case.consent_publish,
        "consent_mediation": case.consent_mediation,
        "consent_entrusted": case.consent_entrusted,
        "anonymous": case.anonymous,
        "evidence": [
            {
                "sha256": e.sha256,
                "filename": e.filename,
                "size": e.size,
                "mime": e.mime,
                "note": e.note,
            }
            for e in case.evidence
        ],
        "owner_station": case.owner_station,
        "created_by": case.created_by,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
    }


# --------------------------------------------------------------------------- workflow record


@dataclass
class CaseRecord:
    """A case's workflow record besides its registration data (see case_actions.case_record)."""

    workflow: dict[str, Any]
    events: list[CaseEvent] = field(default_factory=list)
    deadlines: list[CaseDeadline] = field(default_factory=list)
    sessions: list[MediationSession] = field(default_factory=list)
    agreement: Agreement | None = None
    follow_ups: list[FollowUp] = field(default_factory=list)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _yuan(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def event_to_dict(event: CaseEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "action": str(event.action),
        "from_status": event.from_status.value,
        "to_status": event.to_status.value,
        "occurred_at": event.occurred_at,
        "actor": event.actor,
        "actor_role": event.actor_role,
        "station": event.owner_station,
        "note": event.note,
        "details": event.details,
        "recorded_at": event.created_at,
    }


def deadline_to_dict(deadline: CaseDeadline, today: date) -> dict[str, Any]:
    return {
        "kind": deadline.kind.value,
        "label": deadline.label,
        "start": deadline.start.isoformat(),
        "due": _iso(deadline.due),
        "met_on": _iso(deadline.met_on),
        "paused_since": _iso(deadline.paused_since),
        "overdue": deadline.is_overdue(today),
        "met_late": deadline.is_met_late(),
        "warnings": list(deadline.warnings),
    }


def agreement_to_dict(agreement: Agreement) -> dict[str, Any]:
    return {
        "id": agreement.id,
        "agreed_on": agreement.agreed_on.isoformat(),
        "terms": [
            {"type": t.type.value, "amount": _yuan(t.amount), "description": t.description}
            for t in agreement.terms
        ],
        "performed_on_spot": agreement.performed_on_spot,
        "amount_recovered": _yuan(agreement.amount_recovered),
        "performance_due": _iso(agreement.performance_due),
        "performed_on": _iso(agreement.performed_on),
        "judicial_applied_on": _iso(agreement.judicial_applied_on),
        "judicial_confirmed_on": _iso(agreement.judicial_confirmed_on),
        "court_name": agreement.court_name,
        "court_transfer_on": _iso(agreement.court_transfer_on),
        "dispute": agreement.dispute,
        "performance": agreement.performance,
        "mediators": list(agreement.mediators),
    }


def case_record_to_dict(record: CaseRecord, today: date) -> dict[str, Any]:
    """The workflow keys `case show --json` adds to case_to_dict's: "workflow" (dates, owner
    history, on-site response, amount recovered), "events", "deadlines", "sessions",
    "agreement" and "follow_ups"."""
    return {
        "workflow": record.workflow,
        "events": [event_to_dict(e) for e in record.events],
        "deadlines": [deadline_to_dict(d, today) for d in record.deadlines],
        "sessions": [
            {
                "id": s.id,
                "held_at": s.held_at,
                "mode": s.mode.value,
                "place": s.place,
                "mediators": s.mediators,
                "recorder": s.recorder,
                "attendees": s.attendees,
                "complainant_statement": s.complainant_statement,
                "merchant_statement": s.merchant_statement,
                "result": s.result,
                "note": s.note,
            }
            for s in record.sessions
        ],
        "agreement": agreement_to_dict(record.agreement) if record.agreement else None,
        "follow_ups": [
            {
                "id": f.id,
                "visited_on": f.visited_on.isoformat(),
                "party": f.party.value,
                "satisfaction": f.satisfaction.value,
                "note": f.note,
            }
            for f in record.follow_ups
        ],
    }
