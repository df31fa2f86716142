"""Read and write a case's workflow record: its events, mediation sessions, agreement and
follow-up visits, and the workflow columns of the case row."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from station_app.case_clock import ClockEvent, ClockFacts
from station_app.domain import (
    Agreement,
    AgreementTerm,
    CaseEvent,
    CaseKind,
    CaseStatus,
    FollowUp,
    FollowUpParty,
    MediationMode,
    MediationSession,
    Satisfaction,
    TermType,
)
from station_app.ids import new_id, utc_now
from station_app.money import from_fen, to_fen
from station_app.store.connection import Store

# The columns of a case row that the workflow reads.
_CASE_COLUMNS = (
    "local_id, id, case_no, kind, status, received_at, owner_station, work_order_due,"
    " accepted_on, closed_on, amount_recovered_fen, dispatched_at, arrived_at, promise_minutes,"
    " merged_into, report_extended, escalated_from, anonymous"
)


@dataclass
class CaseProgress:
    """A case row as the workflow sees it: identity, status, owner and the workflow columns."""

    local_id: int
    id: str
    case_no: str
    kind: CaseKind
    status: CaseStatus
    received_at: str
    owner_station: str
    work_order_due: date | None
    accepted_on: date | None
    closed_on: date | None
    amount_recovered: Decimal | None
    dispatched_at: str | None
    arrived_at: str | None
    promise_minutes: int | None
    merged_into: str | None
    report_extended: bool
    escalated_from: str | None
    anonymous: bool

    @property
    def received_on(self) -> date:
        return date.fromisoformat(self.received_at[:10])

    def clock_facts(self) -> ClockFacts:
        return ClockFacts(
            kind=self.kind,
            received=self.received_on,
            work_order_due=self.work_order_due,
            report_extended=self.report_extended,
            anonymous=self.anonymous,
        )


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _progress(row: tuple) -> CaseProgress:
    return CaseProgress(
        local_id=row[0],
        id=row[1],
        case_no=row[2],
        kind=CaseKind(row[3]),
        status=CaseStatus(row[4]),
        received_at=row[5],
        owner_station=row[6],
        work_order_due=_date(row[7]),
        accepted_on=_date(row[8]),
        closed_on=_date(row[9]),
        amount_recovered=from_fen(row[10]),
        dispatched_at=row[11],
        arrived_at=row[12],
        promise_minutes=row[13],
        merged_into=row[14],
        report_extended=bool(row[15]),
        escalated_from=row[16],
        anonymous=bool(row[17]),
    )


def find_progress(store: Store, key: str) -> CaseProgress | None:
    """A live case by its number or id."""
    row = store.execute(
        f"SELECT {_CASE_COLUMNS} FROM cases WHERE (case_no = ? OR id = ?) AND deleted = 0",
        (key, key),
    ).fetchone()
    return None if row is None else _progress(row)


def progress_by_local_id(store: Store, local_id: int) -> CaseProgress | None:
    row = store.execute(
        f"SELECT {_CASE_COLUMNS} FROM cases WHERE local_id = ? AND deleted = 0", (local_id,)
    ).fetchone()
    return None if row is None else _progress(row)


def update_case(store: Store, case_id: str, changes: dict[str, Any]) -> None:
    """Set workflow columns of a case (status, dates, owner ...) and its updated_at."""
    if not changes:
        return
    columns = ", ".join(f"{name} = ?" for name in changes)
    store.execute(
        f"UPDATE cases SET {columns}, updated_at = ? WHERE id = ?",
        (*changes.values(), utc_now(), case_id),
    )


# --------------------------------------------------------------------------- events


def add_event(store: Store, case_id: str, event: CaseEvent) -> CaseEvent:
    now = utc_now()
    event.id = event.id or new_id()
    event.created_at = now
    store.execute(
        "INSERT INTO case_events(id, case_id, action, from_status, to_status, occurred_at, actor,"
        " actor_role, note, details, owner_station, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            event.id,
            case_id,
            str(event.action),
            event.from_status.value,
            event.to_status.value,
            event.occurred_at,
            event.actor,
            event.actor_role,
            event.note,
            json.dumps(event.details, ensure_ascii=False, sort_keys=True),
            event.owner_station,
            now,
            now,
        ),
    )
    return event


def list_events(store: Store, case_id: str) -> list[CaseEvent]:
    """The case's events in the order they were recorded."""
    return [
        CaseEvent(
            action=row["action"],
            from_status=CaseStatus(row["from_status"]),
            to_status=CaseStatus(row["to_status"]),
            occurred_at=row["occurred_at"],
            actor=row["actor"],
            actor_role=row["actor_role"],
            note=row["note"],
            details=json.loads(row["details"] or "{}"),
            id=row["id"],
            owner_station=row["owner_station"],
            created_at=row["created_at"],
        )
        for row in store.query(
            "SELECT * FROM case_events WHERE case_id = ? AND deleted = 0"
            " ORDER BY created_at, local_id",
            (case_id,),
        )
    ]


def clock_events(events: list[CaseEvent]) -> list[ClockEvent]:
    return [ClockEvent(e.action, e.occurred_on, e.details) for e in events]


# --------------------------------------------------------------------------- mediation sessions


def add_session(
    store: Store, case_id: str, session: MediationSession, owner: str
) -> MediationSession:
    now = utc_now()
    session.id = session.id or new_id()
    store.execute(
        "INSERT INTO mediation_sessions(id, case_id, held_at, place, mode, mediators, recorder,"
        " attendees, complainant_statement, merchant_statement, result, note, owner_station,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            session.id,
            case_id,
            session.held_at,
            session.place,
            session.mode.value,
            json.dumps(session.mediators, ensure_ascii=False),
            session.recorder,
            json.dumps(session.attendees, ensure_ascii=False),
            session.complainant_statement,
            session.merchant_statement,
            session.result,
            session.note,
            owner,
            now,
            now,
        ),
    )
    return session


def list_sessions(store: Store, case_id: str) -> list[MediationSession]:
    return [
        MediationSession(
            held_at=row["held_at"],
            mode=MediationMode(row["mode"]),
            place=row["place"],
            mediators=json.loads(row["mediators"]),
            recorder=row["recorder"],
            attendees=json.loads(row["attendees"]),
            complainant_statement=row["complainant_statement"],
            merchant_statement=row["merchant_statement"],
            result=row["result"],
            note=row["note"],
            id=row["id"],
        )
        for row in store.query(
            "SELECT * FROM mediation_sessions WHERE case_id = ? AND deleted = 0"
            " ORDER BY held_at, local_id",
            (case_id,),
        )
    ]


# --------------------------------------------------------------------------- agreements


def terms_to_json(terms: list[AgreementTerm]) -> str:
    return json.dumps(
        [
            {
                "type": term.type.value,
                "amount": None if term.amount is None else f"{term.amount:.2f}",
                "description": term.description,
            }
            for term in terms
        ],
        ensure_ascii=False,
    )


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def add_agreement(store: Store, case_id: str, agreement: Agreement, owner: str) -> Agreement:
    now = utc_now()
    agreement.id = agreement.id or new_id()
    store.execute(
        "INSERT INTO agreements(id, case_id, agreed_on, performed_on_spot, terms,"
        " amount_recovered_fen, performance_due, performed_on, owner_station, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            agreement.id,
            case_id,
            agreement.agreed_on.isoformat(),
            int(agreement.performed_on_spot),
            terms_to_json(agreement.terms),
            to_fen(agreement.amount_recovered),
            _iso(agreement.performance_due),
            _iso(agreement.performed_on),
            owner,
            now,
            now,
        ),
    )
    return agreement


def update_agreement(store: Store, case_id: str, changes: dict[str, Any]) -> None:
    columns = ", ".join(f"{name} = ?" for name in changes)
    store.execute(
        f"UPDATE agreements SET {columns}, updated_at = ? WHERE case_id = ? AND deleted = 0",
        (*changes.values(), utc_now(), case_id),
    )


# The agreement's wording besides its terms lives in the events that recorded it: `agree`
# gives it, each `amend-agreement` replaces the entries it names (never changed afterwards, so
# every version stays on record with who wrote it).
AGREEMENT_WORDING_ACTIONS = ("agree", "amend-agreement")
AGREEMENT_WORDING_KEYS = ("dispute", "performance", "mediators")


def _agreement_wording(store: Store, case_id: str) -> dict[str, Any]:
    wording: dict[str, Any] = {}
    for row in store.query(
        "SELECT details FROM case_events WHERE case_id = ? AND deleted = 0"
        " AND action IN (?, ?) ORDER BY created_at, local_id",
        (case_id, *AGREEMENT_WORDING_ACTIONS),
    ):
        details = json.loads(row["details"] or "{}")
        wording.update({k: details[k] for k in AGREEMENT_WORDING_KEYS if k in details})
    return wording


def get_agreement(store: Store, case_id: str) -> Agreement | None:
    rows = store.query("SELECT * FROM agreements WHERE case_id = ? AND deleted = 0", (case_id,))
    if not rows:
        return None
    row = rows[0]
    wording = _agreement_wording(store, case_id)
    mediators = wording.get("mediators")
    return Agreement(
        agreed_on=date.fromisoformat(row["agreed_on"]),
        terms=[
            AgreementTerm(
                type=TermType(term["type"]),
                amount=None if term.get("amount") is None else Decimal(term["amount"]),
                description=term.get("description", ""),
            )
            for term in json.loads(row["terms"])
        ],
        performed_on_spot=bool(row["performed_on_spot"]),
        amount_recovered=from_fen(row["amount_recovered_fen"]),
        performance_due=_date(row["performance_due"]),
        performed_on=_date(row["performed_on"]),
        judicial_applied_on=_date(row["judicial_applied_on"]),
        judicial_confirmed_on=_date(row["judicial_confirmed_on"]),
        court_name=row["court_name"],
        court_transfer_on=_date(row["court_transfer_on"]),
        id=row["id"],
        dispute=str(wording.get("dispute") or ""),
        performance=str(wording.get("performance") or ""),
        mediators=[str(m) for m in mediators] if isinstance(mediators, list) else [],
    )


# --------------------------------------------------------------------------- follow-ups


def add_follow_up(store: Store, case_id: str, visit: FollowUp, owner: str) -> FollowUp:
    now = utc_now()
    visit.id = visit.id or new_id()
    store.execute(
        "INSERT INTO follow_ups(id, case_id, visited_on, party, satisfaction, note,"
        " owner_station, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            visit.id,
            case_id,
            visit.visited_on.isoformat(),
            visit.party.value,
            visit.satisfaction.value,
            visit.note,
            owner,
            now,
            now,
        ),
    )
    return visit


def list_follow_ups(store: Store, case_id: str) -> list[FollowUp]:
    return [
        FollowUp(
            visited_on=date.fromisoformat(row["visited_on"]),
            party=FollowUpParty(row["party"]),
            satisfaction=Satisfaction(row["satisfaction"]),
            note=row["note"],
            id=row["id"],
        )
        for row in store.query(
            "SELECT * FROM follow_ups WHERE case_id = ? AND deleted = 0"
            " ORDER BY visited_on, local_id",
            (case_id,),
        )
    ]


# --------------------------------------------------------------------------- parties


def complainant_ids(store: Store, case_id: str) -> list[str]:
    """The ids of the case's complainants in their order (position)."""
    return [
        row[0]
        for row in store.execute(
            "SELECT id FROM parties WHERE case_id = ? AND role = 'complainant' AND deleted = 0"
            " ORDER BY position, local_id",
            (case_id,),
        )
    ]


def set_party_amounts(
    store: Store, party_id: str, *, claimed: Decimal | None, recovered: Decimal | None
) -> None:
    changes: dict[str, Any] = {}
    if claimed is not None:
        changes["claimed_fen"] = to_fen(claimed)
    if recovered is not None:
        changes["recovered_fen"] = to_fen(recovered)
    if changes:
        columns = ", ".join(f"{name} = ?" for name in changes)
        store.execute(
            f"UPDATE parties SET {columns}, updated_at = ? WHERE id = ?",
            (*changes.values(), utc_now(), party_id),
        )


def move_case_rows(store: Store, case_id: str, owner: str) -> None:
    """Give the case's own editable rows (parties, evidence, agreement) to its new owner, so
    the station it was escalated to may change them; records written by a station (events,
    sessions, visits, audit) stay its own."""
    now = utc_now()
    for table in ("parties", "evidence", "agreements"):
        store.execute(
            f"UPDATE {table} SET owner_station = ?, updated_at = ?"
            " WHERE case_id = ? AND owner_station IS NOT ?",
            (owner, now, case_id, owner),
        )
