"""Records of the case book: stations, users, merchants, cases and their parties."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from station_app.i18n import N_, _


class StationLevel(StrEnum):
    VILLAGE = "village"
    TOWNSHIP = "township"
    CITY = "city"


class Role(StrEnum):
    CLERK = "clerk"
    OFFICER = "officer"
    CITY = "city"
    ADMIN = "admin"


class CaseKind(StrEnum):
    COMPLAINT = "complaint"
    REPORT = "report"
    CONSULTATION = "consultation"


class Channel(StrEnum):
    PHONE = "phone"
    WALK_IN = "walk_in"
    LETTER = "letter"
    PLATFORM_12315 = "platform_12315"
    TRANSFER_12345 = "transfer_12345"
    OTHER = "other"


class CaseStatus(StrEnum):
    """Where a case stands; which statuses a kind passes through is in workflow.TRANSITIONS."""

    REGISTERED = "registered"
    # complaints
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    MEDIATING = "mediating"
    SUSPENDED = "suspended"
    AGREED = "agreed"
    TERMINATED = "terminated"
    WITHDRAWN = "withdrawn"
    # reports
    CHECKING = "checking"
    CASE_OPENED = "case_opened"
    NOT_OPENED = "not_opened"
    RESULT_NOTIFIED = "result_notified"
    MERGED = "merged"
    # consultations
    ANSWERED = "answered"
    # every kind
    CLOSED = "closed"


class PartyRole(StrEnum):
    COMPLAINANT = "complainant"
    AGENT = "agent"


class Gender(StrEnum):
    UNKNOWN = ""
    MALE = "male"
    FEMALE = "female"


class IdType(StrEnum):
    NONE = ""
    RESIDENT_ID = "resident_id"
    PASSPORT = "passport"
    OTHER = "other"


class GoodsOrService(StrEnum):
    GOODS = "goods"
    SERVICE = "service"


class MediationMode(StrEnum):
    ON_SITE = "on_site"
    PHONE = "phone"
    VIDEO = "video"


class SuspensionReason(StrEnum):
    """Why mediation is suspended (the 60-day clock pauses meanwhile; workflow.py)."""

    RECUSAL = "recusal"
    APPRAISAL = "appraisal"
    TESTING = "testing"
    OTHER = "other"


class PromiseArea(StrEnum):
    """Where a scene is, for the public on-site promise (15 minutes in town, 30 in the
    townships): a property of the place, not of the station that goes there."""

    TOWN = "town"
    TOWNSHIP = "township"


class CourtOutcome(StrEnum):
    """How the court's pre-litigation mediation (诉前调解) of a transferred dispute ended."""

    MEDIATED = "mediated"  # settled in the court's pre-litigation mediation
    FILED = "filed"  # not settled: the court filed the case (立案)
    WITHDRAWN = "withdrawn"  # the complainant withdrew


class TermType(StrEnum):
    """What one term of a mediation agreement gives the consumer."""

    REFUND = "refund"
    REPLACEMENT = "replacement"
    REPAIR = "repair"
    COMPENSATION = "compensation"
    OTHER = "other"


class FollowUpParty(StrEnum):
    COMPLAINANT = "complainant"
    MERCHANT = "merchant"


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"
    BASICALLY = "basically"
    UNSATISFIED = "unsatisfied"


class ContactWay(StrEnum):
    """How the station tried to reach the business of a case."""

    PHONE = "phone"
    PLATFORM_MESSAGE = "platform_message"  # a message through the online shop's platform
    VISIT = "visit"
    LETTER = "letter"


class ContactResult(StrEnum):
    """What one attempt to reach the business came to; an online shop that stays
    unreachable may be proposed for the abnormal operations list (abnormal_proposals.py)."""

    REACHED = "reached"
    UNREACHABLE = "unreachable"
    REFUSED = "refused"  # reached, but it refused to take part


class SupervisionKind(StrEnum):
    """Supervision work besides complaints (domain.md, "Who works where")."""

    SURVEY = "survey"  # 满意度调查
    SECRET_VISIT = "secret_visit"  # 暗访
    SAMPLING = "sampling"  # 抽检


class SupervisionResult(StrEnum):
    PASSED = "passed"  # 合格
    FAILED = "failed"  # 不合格
    PENDING = "pending"  # 待定 (e.g. a sample still at the laboratory)


def label(value: StrEnum) -> str:
    """The user-facing name of an enum value, in the current language."""
    return _(LABELS[type(value), value.value])


_LABEL_LIST: list[tuple[StrEnum, str]] = [
    (StationLevel.VILLAGE, N_("Village")),
    (StationLevel.TOWNSHIP, N_("Township")),
    (StationLevel.CITY, N_("City")),
    (Role.CLERK, N_("Clerk")),
    (Role.OFFICER, N_("Officer")),
    (Role.CITY, N_("City staff")),
    (Role.ADMIN, N_("Administrator")),
    (CaseKind.COMPLAINT, N_("Complaint")),
    (CaseKind.REPORT, N_("Report")),
    (CaseKind.CONSULTATION, N_("Consultation")),
    (Channel.PHONE, N_("Phone")),
    (Channel.WALK_IN, N_("Walk-in")),
    (Channel.LETTER, N_("Letter")),
    (Channel.PLATFORM_12315, N_("12315 platform")),
    (Channel.TRANSFER_12345, N_("12345 transfer")),
    (Channel.OTHER, N_("Other channel")),
    (CaseStatus.REGISTERED, N_("Registered")),
    (CaseStatus.ACCEPTED, N_("Accepted")),
    (CaseStatus.NOT_ACCEPTED, N_("Not accepted")),
    (CaseStatus.MEDIATING, N_("In mediation")),
    (CaseStatus.SUSPENDED, N_("Mediation suspended")),
    (CaseStatus.AGREED, N_("Agreement reached")),
    (CaseStatus.TERMINATED, N_("Mediation terminated")),
    (CaseStatus.WITHDRAWN, N_("Withdrawn")),
    (CaseStatus.CHECKING, N_("Being checked")),
    (CaseStatus.CASE_OPENED, N_("Case opened")),
    (CaseStatus.NOT_OPENED, N_("No case opened")),
    (CaseStatus.RESULT_NOTIFIED, N_("Result notified")),
    (CaseStatus.MERGED, N_("Merged into an earlier report")),
    (CaseStatus.ANSWERED, N_("Answered")),
    (CaseStatus.CLOSED, N_("Closed")),
    (PartyRole.COMPLAINANT, N_("Complainant")),
    (PartyRole.AGENT, N_("Agent")),
    (Gender.UNKNOWN, N_("Not given")),
    (Gender.MALE, N_("Male")),
    (Gender.FEMALE, N_("Female")),
    (IdType.NONE, N_("No ID")),
    (IdType.RESIDENT_ID, N_("Resident ID card")),
    (IdType.PASSPORT, N_("Passport")),
    (IdType.OTHER, N_("Other ID")),
    (GoodsOrService.GOODS, N_("Goods")),
    (GoodsOrService.SERVICE, N_("Service")),
    (MediationMode.ON_SITE, N_("On site")),
    (MediationMode.PHONE, N_("By phone")),
    (MediationMode.VIDEO, N_("By video")),
    (SuspensionReason.RECUSAL, N_("Recusal request")),
    (SuspensionReason.APPRAISAL, N_("Appraisal")),
    (SuspensionReason.TESTING, N_("Testing")),
    (SuspensionReason.OTHER, N_("Other reason")),
    (PromiseArea.TOWN, N_("In town")),
    (PromiseArea.TOWNSHIP, N_("In a township")),
    (CourtOutcome.MEDIATED, N_("Settled in the court's pre-litigation mediation")),
    (CourtOutcome.FILED, N_("Filed by the court")),
    (CourtOutcome.WITHDRAWN, N_("Withdrawn by the complainant")),
    (TermType.REFUND, N_("Refund")),
    (TermType.REPLACEMENT, N_("Replacement")),
    (TermType.REPAIR, N_("Repair")),
    (TermType.COMPENSATION, N_("Compensation")),
    (TermType.OTHER, N_("Other term")),
    (FollowUpParty.COMPLAINANT, N_("Complainant")),
    (FollowUpParty.MERCHANT, N_("Merchant")),
    (Satisfaction.SATISFIED, N_("Satisfied")),
    (Satisfaction.BASICALLY, N_("Basically satisfied")),
    (Satisfaction.UNSATISFIED, N_("Unsatisfied")),
    (ContactWay.PHONE, N_("By phone call")),
    (ContactWay.PLATFORM_MESSAGE, N_("Platform message")),
    (ContactWay.VISIT, N_("Visit")),
    (ContactWay.LETTER, N_("By letter")),
    (ContactResult.REACHED, N_("Reached")),
    (ContactResult.UNREACHABLE, N_("Could not be reached")),
    (ContactResult.REFUSED, N_("Refused to take part")),
    (SupervisionKind.SURVEY, N_("Satisfaction survey")),
    (SupervisionKind.SECRET_VISIT, N_("Secret-shopper visit")),
    (SupervisionKind.SAMPLING, N_("Product sampling")),
    (SupervisionResult.PASSED, N_("Passed")),
    (SupervisionResult.FAILED, N_("Not passed")),
    (SupervisionResult.PENDING, N_("Pending")),
]
# Keyed by (enum class, value): members of different enums may share a value ("other", "").
LABELS: dict[tuple[type, str], str] = {(type(m), m.value): text for m, text in _LABEL_LIST}


@dataclass
class Station:
    code: str
    name: str
    level: StationLevel
    parent_code: str | None = None
    id: str = ""


@dataclass
class User:
    username: str
    display_name: str
    role: Role
    station_code: str
    active: bool = True
    id: str = ""


@dataclass
class Merchant:
    name: str
    uscc: str = ""
    legal_rep: str = ""
    address: str = ""
    phone: str = ""
    platform: str = ""
    shop_url: str = ""
    cluster_registered: bool = False
    id: str = ""


@dataclass
class Party:
    name: str
    role: PartyRole = PartyRole.COMPLAINANT
    gender: Gender = Gender.UNKNOWN
    phone: str = ""
    address: str = ""
    id_type: IdType = IdType.NONE
    id_number: str = ""
    id: str = ""


@dataclass
class Evidence:
    sha256: str
    filename: str
    size: int
    mime: str = ""
    note: str = ""
    id: str = ""


@dataclass
class Case:
    kind: CaseKind
    channel: Channel
    received_at: datetime
    complainants: list[Party] = field(default_factory=list)
    agent: Party | None = None
    merchant: Merchant | None = None
    work_order_no: str = ""
    work_order_due: date | None = None
    goods_or_service: GoodsOrService | None = None
    category: str = ""
    problem_nature: str = ""
    purchase_date: date | None = None
    purchase_place: str = ""
    amount: Decimal | None = None
    request: str = ""
    facts: str = ""
    consent_publish: bool = False
    consent_mediation: bool = False
    consent_entrusted: bool = False
    anonymous: bool = False
    status: CaseStatus = CaseStatus.REGISTERED
    evidence: list[Evidence] = field(default_factory=list)
    id: str = ""
    case_no: str = ""
    owner_station: str = ""
    created_by: str = ""
    created_at: str = ""
    updated_at: str = ""


@dataclass
class CaseEvent:
    """One step of a case's workflow, as recorded (append-only)."""

    action: str
    from_status: CaseStatus
    to_status: CaseStatus
    occurred_at: str  # "YYYY-MM-DD" or "YYYY-MM-DD HH:MM", as the user gave it
    actor: str
    actor_role: str
    note: str = ""
    details: dict = field(default_factory=dict)
    id: str = ""
    owner_station: str = ""
    created_at: str = ""

    @property
    def occurred_on(self) -> date:
        return date.fromisoformat(self.occurred_at[:10])


@dataclass
class MediationSession:
    held_at: str  # "YYYY-MM-DD HH:MM"
    mode: MediationMode
    place: str = ""
    mediators: list[str] = field(default_factory=list)
    recorder: str = ""
    attendees: list[str] = field(default_factory=list)
    complainant_statement: str = ""
    merchant_statement: str = ""
    result: str = ""
    note: str = ""
    id: str = ""


@dataclass
class AgreementTerm:
    type: TermType
    amount: Decimal | None = None
    description: str = ""


@dataclass
class Agreement:
    agreed_on: date
    terms: list[AgreementTerm] = field(default_factory=list)
    performed_on_spot: bool = False
    amount_recovered: Decimal | None = None
    performance_due: date | None = None
    performed_on: date | None = None
    judicial_applied_on: date | None = None
    judicial_confirmed_on: date | None = None
    court_name: str = ""
    court_transfer_on: date | None = None
    id: str = ""
    # What the printed agreement says besides the terms (recorded by agree, completed or
    # changed by amend-agreement): the dispute and each side's responsibility, how it is
    # performed (e.g. 银行转账), and the mediators.
    dispute: str = ""
    performance: str = ""
    mediators: list[str] = field(default_factory=list)


@dataclass
class FollowUp:
    visited_on: date
    party: FollowUpParty
    satisfaction: Satisfaction
    note: str = ""
    id: str = ""
