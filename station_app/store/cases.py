"""Write and read cases with their parties, merchant and evidence."""

from __future__ import annotations

from datetime import date, datetime

from station_app.domain import (
    Case,
    CaseKind,
    CaseStatus,
    Channel,
    Evidence,
    Gender,
    GoodsOrService,
    IdType,
    Merchant,
    Party,
    PartyRole,
)
from station_app.i18n import _
from station_app.ids import new_id, utc_now
from station_app.money import from_fen, to_fen
from station_app.numbering import format_case_no
from station_app.store.connection import Store, StoreError
from station_app.store.merchants import get_merchant, resolve_merchant


def allocate_case_no(store: Store, station_code: str, year: int) -> str:
    """The next number of the station's year. Runs inside the case's own transaction, so a
    failed save rolls the counter back too: numbers are gapless and never reused."""
    seq = store.scalar(
        "INSERT INTO case_counters(station_code, year, last_seq) VALUES (?, ?, 1) "
        "ON CONFLICT(station_code, year) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq",
        (station_code, year),
    )
    return format_case_no(station_code, year, seq)


def add_case(store: Store, case: Case, *, station_code: str, created_by: str) -> Case:
    """Register a new case: number, merchant and parties in one transaction (the store adds
    its search entry and deadlines before COMMIT)."""
    now = utc_now()
    with store.transaction(actor=created_by or None):
        if case.merchant is not None and case.merchant.name:
            case.merchant = resolve_merchant(store, case.merchant, station_code)
        case.id = new_id()
        case.case_no = allocate_case_no(store, station_code, case.received_at.year)
        case.owner_station = station_code
        case.created_by = created_by
        case.created_at = case.updated_at = now
        store.execute(
            """INSERT INTO cases(id, case_no, kind, channel, status, received_at, work_order_no,
                   work_order_due, merchant_id, merchant_name, goods_or_service, category,
                   problem_nature, purchase_date, purchase_place, amount_fen, request, facts,
                   consent_publish, consent_mediation, consent_entrusted, anonymous, created_by,
                   owner_station, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                case.id,
                case.case_no,
                case.kind.value,
                case.channel.value,
                case.status.value,
                case.received_at.strftime("%Y-%m-%d %H:%M"),
                case.work_order_no,
                case.work_order_due.isoformat() if case.work_order_due else None,
                case.merchant.id if case.merchant else None,
                case.merchant.name if case.merchant else "",
                case.goods_or_service.value if case.goods_or_service else None,
                case.category,
                case.problem_nature,
                case.purchase_date.isoformat() if case.purchase_date else None,
                case.purchase_place,
                to_fen(case.amount),
                case.request,
                case.facts,
                int(case.consent_publish),
                int(case.consent_mediation),
                int(case.consent_entrusted),
                int(case.anonymous),
                created_by,
                station_code,
                now,
                now,
            ),
        )
        people = [(p, i) for i, p in enumerate(case.complainants)]
        if case.agent is not None:
            case.agent.role = PartyRole.AGENT
            people.append((case.agent, 0))
        for party, position in people:
            _insert_party(store, case.id, party, position, station_code, now)
    return case


def _insert_party(
    store: Store, case_id: str, party: Party, position: int, owner: str, now: str
) -> None:
    party.id = party.id or new_id()
    store.execute(
        "INSERT INTO parties(id, case_id, role, position, name, gender, phone, address, id_type,"
        " id_number, owner_station, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            party.id,
            case_id,
            party.role.value,
            position,
            party.name,
            party.gender.value,
            party.phone,
            party.address,
            party.id_type.value,
            party.id_number,
            owner,
            now,
            now,
        ),
    )


def add_evidence_row(store: Store, case_id: str, evidence: Evidence, owner: str) -> Evidence:
    now = utc_now()
    evidence.id = evidence.id or new_id()
    with store.transaction():
        store.execute(
            "INSERT INTO evidence(id, case_id, sha256, filename, size, mime, note, owner_station,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                evidence.id,
                case_id,
                evidence.sha256,
                evidence.filename,
                evidence.size,
                evidence.mime,
                evidence.note,
                owner,
                now,
                now,
            ),
        )
    return evidence


def delete_case(store: Store, case_id: str) -> None:
    """Tombstone a case (rows are never removed, so sync can carry the deletion)."""
    now = utc_now()
    with store.transaction():
        local_id = store.scalar(
            "SELECT local_id FROM cases WHERE id = ? AND deleted = 0", (case_id,)
        )
        if local_id is None:
            raise StoreError(_("This case does not exist or was already deleted."))
        store.execute("UPDATE cases SET deleted = 1, updated_at = ? WHERE id = ?", (now, case_id))


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def get_case(store: Store, key: str) -> Case | None:
    """A case by its number (RC-MT-2026-00017) or its id, with parties and evidence."""
    rows = store.query(
        "SELECT * FROM cases WHERE (case_no = ? OR id = ?) AND deleted = 0", (key, key)
    )
    if not rows:
        return None
    row = rows[0]
    case = Case(
        id=row["id"],
        case_no=row["case_no"],
        kind=CaseKind(row["kind"]),
        channel=Channel(row["channel"]),
        status=CaseStatus(row["status"]),
        received_at=datetime.strptime(row["received_at"], "%Y-%m-%d %H:%M"),
        work_order_no=row["work_order_no"],
        work_order_due=_date(row["work_order_due"]),
        goods_or_service=GoodsOrService(row["goods_or_service"])
        if row["goods_or_service"]
        else None,
        category=row["category"],
        problem_nature=row["problem_nature"],
        purchase_date=_date(row["purchase_date"]),
        purchase_place=row["purchase_place"],
        amount=from_fen(row["amount_fen"]),
        request=row["request"],
        facts=row["facts"],
        consent_publish=bool(row["consent_publish"]),
        consent_mediation=bool(row["consent_mediation"]),
        consent_entrusted=bool(row["consent_entrusted"]),
        anonymous=bool(row["anonymous"]),
        owner_station=row["owner_station"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
    if row["merchant_id"]:
        case.merchant = get_merchant(store, row["merchant_id"])
    if case.merchant is None and row["merchant_name"]:
        case.merchant = Merchant(name=row["merchant_name"])
    for p in store.query(
        "SELECT * FROM parties WHERE case_id = ? AND deleted = 0 ORDER BY role DESC, position",
        (case.id,),
    ):
        party = Party(
            id=p["id"],
            name=p["name"],
            role=PartyRole(p["role"]),
            gender=Gender(p["gender"]),
            phone=p["phone"],
            address=p["address"],
            id_type=IdType(p["id_type"]),
            id_number=p["id_number"],
        )
        if party.role is PartyRole.AGENT:
            case.agent = party
        else:
            case.complainants.append(party)
    case.evidence = [
        Evidence(
            id=e["id"],
            sha256=e["sha256"],
            filename=e["filename"],
            size=e["size"],
            mime=e["mime"],
            note=e["note"],
        )
        for e in store.query(
            "SELECT * FROM evidence WHERE case_id = ? AND deleted = 0 ORDER BY created_at",
            (case.id,),
        )
    ]
    return case


def evidence_hashes(store: Store) -> list[str]:
    """The SHA-256 of every evidence file a live evidence row names."""
    return [
        row[0]
        for row in store.execute(
            "SELECT DISTINCT sha256 FROM evidence WHERE deleted = 0 ORDER BY sha256"
        )
    ]
