"""Issuing documents (a service beside case_actions; the renderers in documents/ stay pure):
fill a document from the case's record, give it its number, render it,
and freeze it (the PDF kept by its SHA-256, one append-only row per version).

A reprint returns the stored bytes (checked against the recorded hash); a correction is a new
version with a reason, and the old one stays on record, linked to the version replacing it.
Every page carries a verification code, derived from the document's content and number before
rendering, that the city office looks up with `verify_code`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from station_app.account_rules import may_see_full_numbers
from station_app.acting_bodies import AUTHORITY_PREFIX, ActingBodies, missing_setting
from station_app.case_actions import case_record
from station_app.case_json import CaseRecord
from station_app.deadlines import DeadlineKind, compute_deadline
from station_app.documents import (
    DOCUMENT_KINDS,
    court_transfer,
    decisions,
    internal_annex,
    judicial_application,
    mediation_agreement,
    mediation_record,
    registration_form,
    report_result,
)
from station_app.documents.content import (
    AgreementContent,
    MemberAmount,
    MissingFacts,
    RegistrationContent,
)
from station_app.documents.layout import VERSION_NOTE, format_document_number
from station_app.documents.wording import DOCUMENT_NUMBER_WORDS
from station_app.domain import Case, CaseEvent, CaseKind, User
from station_app.domain import label as enum_label
from station_app.file_crypt import StoredFileUnreadable, read_stored_file, write_stored_file
from station_app.i18n import _
from station_app.safe_input import InputRejected
from station_app.store.accounts import display_name_of, find_station
from station_app.store.audit import log_reveal
from station_app.store.cases import get_case
from station_app.store.connection import Store, StoreError
from station_app.store.documents import (
    IssuedDocument,
    allocate_document_seq,
    case_documents,
    current_document,
    find_by_code,
    insert_issued,
    mark_superseded,
)
from station_app.store.holidays import load_calendar
from station_app.store.joint_members import list_members
from station_app.store.station_settings import load_acting_bodies
from station_app.workflow import (
    judicial_application_refusal,
    judicial_window_warning,
    mediation_notice_late_warning,
    mediation_notice_refusal,
    recorded_ground,
)

DOCUMENTS_FOLDER = "documents"
# Settings: the station's document-number prefix (e.g. 瑞市监消), and per kind an override.
PREFIX_SETTING = "document_prefix"
# A placeholder number while checking for missing facts (the real one is allocated later).
PENDING_NUMBER = "〔待编号〕"


class DocumentIncomplete(MissingFacts):
    """Nothing was issued: these facts are missing."""


class DocumentDamaged(StoreError):
    """The stored PDF of an issued document is missing or no longer matches its hash."""


class AlreadyIssued(StoreError):
    """The document was issued already: reprint it, or correct it with a reason."""


class NotIssued(StoreError):
    """There is no issued document to reprint or correct."""


# Documents that print the parties' full ID numbers and phones: every copy handed out, first
# print, correction or reprint, is a reveal and audited like one (store.audit.log_reveal). The
# agreement goes to the business and names the complainants only; its internal annex keeps the
# full particulars in the station's file.
REVEALING_KINDS = frozenset(
    {
        registration_form.COMPLAINT_KIND,
        registration_form.REPORT_KIND,
        judicial_application.KIND,
        internal_annex.KIND,
    }
)


def _audit_reveal(store: Store, case_id: str, kind: str, user: User, station_code: str) -> None:
    if kind in REVEALING_KINDS:
        log_reveal(store, case_id, actor=user.username, station_code=station_code)


class RevealRefused(StoreError):
    """The document prints full ID numbers and phones, which this user may not see."""


def reveal_refusal(kind: str, user: User) -> str | None:
    """Why `user` may not issue, preview or reprint a document of `kind`, or None
    (account_rules.may_see_full_numbers: a clerk never sees a full ID number)."""
    if kind in REVEALING_KINDS and not may_see_full_numbers(user):
        return _(
            "{title} prints full ID numbers and phone numbers: only an officer or an "
            "administrator may issue, preview or reprint it."
        ).format(title=_kind(kind).title)
    return None


def _refuse_reveal(kind: str, user: User) -> None:
    refusal = reveal_refusal(kind, user)
    if refusal is not None:
        raise RevealRefused(refusal)


@dataclass
class Issued:
    """An issued document version and its PDF bytes; `warnings` for the clerk (issued anyway)."""

    document: IssuedDocument
    pdf: bytes
    reprinted: bool = False
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Context:
    store: Store
    case: Case
    record: CaseRecord | None
    organisation: str
    user: User
    now: datetime
    details: dict[str, Any] = field(default_factory=dict)
    bodies: ActingBodies = field(default_factory=ActingBodies)


# --------------------------------------------------------------------------- content


def _last_event(record: CaseRecord | None, action: str) -> CaseEvent | None:
    if record is None:
        return None
    found = [e for e in record.events if e.action == action]
    return found[-1] if found else None


def _parse_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime) or value is None:
        return value
    try:
        return datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _registration(ctx: _Context, number: str) -> RegistrationContent:
    clerk = ctx.case.created_by
    name = display_name_of(ctx.store, clerk) if clerk else ""
    return RegistrationContent(
        case=ctx.case, organisation=ctx.organisation, clerk=name or clerk or ""
    )


def _mediators(record: CaseRecord | None) -> list[str]:
    names: list[str] = []
    for session in record.sessions if record else []:
        names += [m for m in session.mediators if m.strip() and m not in names]
    return names


def _agreement(ctx: _Context, number: str) -> AgreementContent:
    """From the agreement as recorded by agree and amend-agreement (the one place its wording
    is kept); an agreement recorded before the mediators were asked for names those of the
    sessions. `details` may only restate the facts of the dispute ("facts")."""
    record = ctx.record
    agreement = record.agreement if record else None
    if agreement is None:
        return AgreementContent(
            case=ctx.case,
            organisation=ctx.organisation,
            document_number=number,
            agreed_on=None,
            bodies=ctx.bodies,
        )
    return AgreementContent(
        case=ctx.case,
        organisation=ctx.organisation,
        document_number=number,
        agreed_on=agreement.agreed_on,
        terms=list(agreement.terms),
        mediators=list(agreement.mediators or _mediators(record)),
        facts=str(ctx.details.get("facts", "")),
        dispute=agreement.dispute,
        performance=agreement.performance,
        performance_due=agreement.performance_due,
        performed_on_spot=agreement.performed_on_spot,
        bodies=ctx.bodies,
        members=[
            MemberAmount(m.name, m.claimed, m.representative)
            for m in list_members(ctx.store, ctx.case.id)
        ]
        if len(ctx.case.complainants) > 1
        else [],
        printed_on=ctx.now.date(),
    )


def _decision(kind: str, action: str) -> Callable[[_Context, str], decisions.DecisionContent]:
    def fill(ctx: _Context, number: str) -> decisions.DecisionContent:
        event = _last_event(ctx.record, action)
        ground = None
        if event is not None and kind in decisions.GROUNDS:
            ground = recorded_ground(
                decisions.GROUNDS[kind],
                event.details.get("ground"),
                event.details.get("ground_text"),
            )
        return decisions.DecisionContent(
            kind=kind,
            case=ctx.case,
            organisation=ctx.organisation,
            document_number=number,
            decided_on=event.occurred_on if event else None,
            ground=ground,
            issued_on=ctx.now.date(),
            bodies=ctx.bodies,
        )

    return fill


def _lines(value: str | list[str] | None) -> list[str]:
    """A list of texts from details: a list as given, or one text with an item per line."""
    if isinstance(value, str):
        return [line for line in value.splitlines() if line.strip()]
    return list(value or [])


def _notice(ctx: _Context, number: str) -> decisions.NoticeContent:
    details = ctx.details
    return decisions.NoticeContent(
        case=ctx.case,
        organisation=ctx.organisation,
        document_number=number,
        held_at=_parse_datetime(details.get("held_at")),
        place=str(details.get("place", "")),
        materials=_lines(details.get("materials")),
        mediators=_lines(details.get("mediators")),
        issued_on=ctx.now.date(),
        contact=str(details.get("contact", "")),
        bodies=ctx.bodies,
    )


def _record(ctx: _Context, number: str) -> mediation_record.RecordContent:
    sessions = ctx.record.sessions if ctx.record else []
    wanted = ctx.details.get("session")
    index = len(sessions) if not isinstance(wanted, int) else wanted
    session = sessions[index - 1] if 1 <= index <= len(sessions) else None
    return mediation_record.RecordContent(
        case=ctx.case,
        organisation=ctx.organisation,
        session=session,
        session_number=index,
        bodies=ctx.bodies,
    )


def _judicial(ctx: _Context, number: str) -> judicial_application.JudicialContent:
    agreement = ctx.record.agreement if ctx.record else None
    issued = current_document(ctx.store, ctx.case.id, mediation_agreement.KIND)
    court = str(
        ctx.details.get("court")
        or (agreement.court_name if agreement else "")
        or ctx.bodies.court_name
    )
    return judicial_application.JudicialContent(
        case=ctx.case,
        organisation=ctx.organisation,
        court=court,
        agreed_on=agreement.agreed_on if agreement else None,
        agreement_number=issued.doc_no if issued else "",
        applied_on=(agreement.judicial_applied_on if agreement else None) or ctx.now.date(),
        bodies=ctx.bodies,
    )


def _internal_annex(ctx: _Context, number: str) -> internal_annex.InternalAnnexContent:
    """The issued agreement's parties in full, for the station's file (内部留存)."""
    issued = current_document(ctx.store, ctx.case.id, mediation_agreement.KIND)
    return internal_annex.InternalAnnexContent(
        agreement=_agreement(ctx, issued.doc_no if issued else ""),
        agreement_number=issued.doc_no if issued else "",
    )


def _report_result(ctx: _Context, number: str) -> report_result.ReportResultContent:
    notified = _last_event(ctx.record, "notify-result")
    decisions_taken = [
        e for e in (ctx.record.events if ctx.record else []) if e.action in REPORT_DECISIONS
    ]
    decision = decisions_taken[-1] if decisions_taken else None
    reason = ctx.details.get("reason") or (decision.details.get("reason") if decision else "")
    return report_result.ReportResultContent(
        case=ctx.case,
        organisation=ctx.organisation,
        document_number=number,
        notified_on=notified.occurred_on if notified else None,
        outcome=decision.action if decision else "",
        decided_on=decision.occurred_on if decision else None,
        reason=str(reason or ""),
        bodies=ctx.bodies,
    )


def _court_transfer(ctx: _Context, number: str) -> court_transfer.CourtTransferContent:
    transferred = _last_event(ctx.record, "transfer-court")
    terminated = _last_event(ctx.record, "terminate")
    return court_transfer.CourtTransferContent(
        case=ctx.case,
        organisation=ctx.organisation,
        document_number=number,
        court=str(transferred.details.get("court_name", "")) if transferred else "",
        transferred_on=transferred.occurred_on if transferred else None,
        terminated_on=terminated.occurred_on if terminated else None,
        ground=str(terminated.details.get("ground_text", "")) if terminated else "",
    )


REPORT_DECISIONS = ("open-case", "not-open", "merge")


# How each kind is filled from the record; the kinds numbered by the case number instead of a
# document number of their own (the internal registration forms).
CONTENT_FILLERS: dict[str, Callable[[_Context, str], Any]] = {
    registration_form.COMPLAINT_KIND: _registration,
    registration_form.REPORT_KIND: _registration,
    mediation_agreement.KIND: _agreement,
    internal_annex.KIND: _internal_annex,
    decisions.ACCEPTANCE_KIND: _decision(decisions.ACCEPTANCE_KIND, "accept"),
    decisions.REFUSAL_KIND: _decision(decisions.REFUSAL_KIND, "refuse"),
    decisions.TERMINATION_KIND: _decision(decisions.TERMINATION_KIND, "terminate"),
    decisions.NOTICE_KIND: _notice,
    mediation_record.KIND: _record,
    judicial_application.KIND: _judicial,
    report_result.KIND: _report_result,
    court_transfer.KIND: _court_transfer,
}
CASE_NUMBERED = {
    internal_annex.KIND,
    registration_form.COMPLAINT_KIND,
    registration_form.REPORT_KIND,
    mediation_record.KIND,
    judicial_application.KIND,
}


def _with_number(content: Any, number: str) -> Any:
    if any(f.name == "document_number" for f in dataclasses.fields(content)):
        return dataclasses.replace(content, document_number=number)
    return content


# --------------------------------------------------------------------------- workflow rules


def _consents_recorded(record: CaseRecord | None) -> bool:
    started = _last_event(record, "start-mediation")
    if started is None:
        return False
    details = started.details
    return bool(details.get("complainant_consents")) and bool(details.get("merchant_consents"))


def _judicial_window_due(ctx: _Context) -> date | None:
    """The last day of the 30 days from the agreement (also for one performed on the spot,
    which has no such deadline row: its parties may still apply)."""
    agreement = ctx.record.agreement if ctx.record else None
    if agreement is None:
        return None
    received = ctx.case.received_at.date()
    window = compute_deadline(
        load_calendar(ctx.store),
        DeadlineKind.JUDICIAL_CONFIRMATION,
        agreement.agreed_on,
        received=received,
    )
    return window.due


# The documents of a report: its registration form (the station's file) and the result told to
# the reporter. No other document is issued on a report: they go to the business, and the
# reporter's identity never does (Order No. 121; domain.md).
REPORT_DOCUMENTS = frozenset({registration_form.REPORT_KIND, report_result.KIND})


def applies_to(kind: str, case_kind: CaseKind | str) -> bool:
    """Whether the document of `kind` is issued on a case of this kind (consultations get none)."""
    if case_kind == CaseKind.REPORT:
        return kind in REPORT_DOCUMENTS
    if case_kind == CaseKind.COMPLAINT:
        return kind not in REPORT_DOCUMENTS
    return False


def rule_problems(ctx: _Context, kind: str, content: Any) -> list[str]:
    """What the workflow's rules (workflow.py) refuse about issuing `kind` now."""
    refused: str | None = None
    if not applies_to(kind, ctx.case.kind):
        return [
            _("{title} is not issued on a case of this type ({case_kind}).").format(
                title=_kind(kind).title, case_kind=enum_label(CaseKind(ctx.case.kind))
            )
        ]
    if kind == decisions.NOTICE_KIND:
        refused = mediation_notice_refusal(_consents_recorded(ctx.record))
    elif kind == judicial_application.KIND and content.agreed_on is not None:
        # (no agreement recorded at all: its missing facts say so)
        refused = judicial_application_refusal(content.agreement_number)
    return [refused] if refused else []


def rule_warnings(ctx: _Context, kind: str, content: Any) -> list[str]:
    """What the workflow's rules warn about a document issued now (it is issued anyway)."""
    warning: str | None = None
    if kind == decisions.NOTICE_KIND:
        warning = mediation_notice_late_warning(content.held_at, ctx.now)
    elif kind == judicial_application.KIND:
        window_due = _judicial_window_due(ctx)
        if window_due is not None and content.applied_on is not None:
            warning = judicial_window_warning(content.applied_on, window_due)
    return [warning] if warning else []


# --------------------------------------------------------------------------- numbers and codes


def document_prefix(store: Store, station_code: str, kind: str) -> str:
    """The number prefix of `kind`: the setting prefix.<kind>, else the deciding authority's
    prefix (authority.prefix) followed by the kind's word (瑞市监消 + 调 ...); the settings of
    earlier versions (document_prefix, document_prefix.<kind>) are still read."""
    bodies = load_acting_bodies(store)
    own = bodies.prefixes.get(kind) or (store.get_setting(f"{PREFIX_SETTING}.{kind}") or "")
    if own.strip():
        return own.strip()
    base = bodies.authority_prefix or (store.get_setting(PREFIX_SETTING) or "").strip()
    return base + DOCUMENT_NUMBER_WORDS.get(kind, "") if base else ""


def prefix_problems(store: Store, station_code: str, kind: str) -> list[str]:
    """The setting to fill when `kind` has no number prefix (the case-numbered kinds need none)."""
    if kind in CASE_NUMBERED or document_prefix(store, station_code, kind):
        return []
    return [missing_setting(AUTHORITY_PREFIX)]


def _canonical(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)  # Decimal, date, datetime, enums


def content_hash(kind: str, content: Any, doc_no: str, version: int) -> str:
    """SHA-256 of the canonical JSON of what the document says, its number and version."""
    text = json.dumps(
        {"kind": kind, "doc_no": doc_no, "version": version, "content": _canonical(content)},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def verification_code_of(digest: str) -> str:
    """The short code printed on every page: the first 8 hex digits, upper case."""
    return digest[:8].upper()


# --------------------------------------------------------------------------- files


def documents_dir(data_dir: Path | Any) -> Path:
    """The documents folder of a data folder (a path or a DataFolder)."""
    return Path(getattr(data_dir, "path", data_dir)) / DOCUMENTS_FOLDER


def document_path(data_dir: Path | Any, sha256: str) -> Path:
    return documents_dir(data_dir) / sha256[:2] / f"{sha256}.pdf"


def _write_atomically(target: Path, data: bytes, key: bytes | None) -> None:
    """The PDF stored whole, encrypted at rest with the folder's `key` (file_crypt)."""
    try:
        write_stored_file(target, data, key)
    except OSError as error:
        raise StoreError(
            _("The document could not be saved in {path}: {reason}").format(
                path=target.parent, reason=error.strerror or error
            )
        ) from error


def read_stored(data_dir: Path | Any, document: IssuedDocument, key: bytes | None = None) -> bytes:
    """The frozen PDF bytes (decrypted with the folder's `key`), checked against the recorded
    SHA-256."""
    path = document_path(data_dir, document.sha256)
    try:
        data = read_stored_file(path, key)
    except StoredFileUnreadable:
        data = b""  # changed or damaged: said below
    except OSError as error:
        raise DocumentDamaged(
            _(
                "The stored copy of {number} (version {version}) is missing from {path}. "
                "Restore the data folder's documents from a backup; do not issue it again."
            ).format(number=document.doc_no, version=document.version, path=path)
        ) from error
    if hashlib.sha256(data).hexdigest() != document.sha256:
        raise DocumentDamaged(
            _(
                "The stored copy of {number} (version {version}) has been changed or damaged: "
                "it no longer matches the record. Restore {path} from a backup."
            ).format(number=document.doc_no, version=document.version, path=path)
        )
    return data


# --------------------------------------------------------------------------- issuing


# The facts `details` may give (see print_document), by what each must be.
DETAIL_TEXTS = (
    "facts",
    "dispute",
    "performance",
    "place",
    "contact",
    "court",
    "result",
    "reason",
    "held_at",
)
DETAIL_LISTS = ("materials", "mediators")
MAX_DETAIL_CHARS = 20_000


def check_details(details: dict[str, Any]) -> list[str]:
    """What is wrong with the shape of the facts given for a document (an empty list when
    nothing): texts must be text, lists a list of texts (or one text, a line per item), the
    session a number; nothing longer than MAX_DETAIL_CHARS."""
    problems: list[str] = []
    for key, value in details.items():
        if value is None:
            continue
        if key in DETAIL_TEXTS:
            good = isinstance(value, str) and len(value) <= MAX_DETAIL_CHARS
            wanted = _("text")
        elif key in DETAIL_LISTS:
            items = [value] if isinstance(value, str) else value
            good = (
                isinstance(items, list)
                and all(isinstance(item, str) for item in items)
                and sum(len(item) for item in items) <= MAX_DETAIL_CHARS
            )
            wanted = _('a list of texts, like ["购物小票", "身份证"]')
        elif key == "session":
            good = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1000
            wanted = _("the number of a mediation session, like 1")
        else:
            continue
        if not good:
            problems.append(
                _("“{key}” must be {wanted} (up to {limit} characters).").format(
                    key=key, wanted=wanted, limit=f"{MAX_DETAIL_CHARS:,}"
                )
            )
    return problems


# The facts kept with an issued version (IssuedDocument.facts) and offered again.
FACT_KEYS = (*DETAIL_TEXTS, *DETAIL_LISTS, "session")


def _kept(details: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in details.items() if k in FACT_KEYS and v not in (None, "", [])}


def stored_facts(store: Store, case_id: str, kind: str | None = None) -> dict[str, Any]:
    """The facts typed when the case's documents were issued, to prefill the next one: those
    of every current version, the later issued winning, and those of `kind`'s own current
    version (a correction) over all."""
    current = sorted(
        (doc for doc in case_documents(store, case_id) if doc.current),
        key=lambda doc: (doc.kind == kind, doc.issued_at),
    )
    facts: dict[str, Any] = {}
    for doc in current:
        facts.update(_kept(doc.facts))
    return facts


def _context(
    store: Store,
    case_key: str,
    *,
    user: User,
    station_code: str,
    now: datetime,
    details: dict[str, Any] | None,
    kind: str | None = None,
) -> _Context:
    """The case and its record; `details` over the facts kept from its issued documents."""
    problems = check_details(details or {})
    if problems:
        raise InputRejected(
            [_("Nothing was issued; the document's details are not in the expected form:")]
            + [f"- {problem}" for problem in problems]
        )
    case = get_case(store, case_key.strip())
    if case is None:
        raise NotIssued(_("No case numbered {number}.").format(number=case_key))
    station = find_station(store, case.owner_station) or find_station(store, station_code)
    given = {k: v for k, v in (details or {}).items() if v not in (None, "", [])}
    return _Context(
        store=store,
        case=case,
        record=case_record(store, case.id),
        organisation=station.name if station else "",
        user=user,
        now=now,
        details={**stored_facts(store, case.id, kind), **given},
        bodies=load_acting_bodies(store),
    )


def _kind(kind: str):
    if kind not in DOCUMENT_KINDS or kind not in CONTENT_FILLERS:
        raise ValueError(f"unknown document kind {kind!r}")
    return DOCUMENT_KINDS[kind]


def check_document(
    store: Store,
    case_key: str,
    kind: str,
    *,
    user: User,
    station_code: str,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> list[str]:
    """What is missing before the case's document of `kind` can be issued (empty: ready)."""
    spec = _kind(kind)
    ctx = _context(
        store, case_key, user=user, station_code=station_code, now=now, details=details, kind=kind
    )
    content = CONTENT_FILLERS[kind](ctx, PENDING_NUMBER)
    problems = rule_problems(ctx, kind, content) + spec.missing_facts(content)
    refusal = reveal_refusal(kind, user)
    problems += [refusal] if refusal else []
    return problems + prefix_problems(store, station_code, kind)


def _issue(
    store: Store,
    data_dir: Path | Any,
    ctx: _Context,
    kind: str,
    *,
    station_code: str,
    previous: IssuedDocument | None,
    reason: str,
) -> Issued:
    spec = _kind(kind)
    _refuse_reveal(kind, ctx.user)
    fill = CONTENT_FILLERS[kind]
    draft = fill(ctx, previous.doc_no if previous else PENDING_NUMBER)
    problems = rule_problems(ctx, kind, draft) + spec.missing_facts(draft)
    if previous is None:
        problems += prefix_problems(store, station_code, kind)
    if problems:
        raise DocumentIncomplete(problems)
    warnings = rule_warnings(ctx, kind, draft)
    with store.transaction(actor=ctx.user.username):
        # Checked again under the write lock: another PC user may have issued it meanwhile.
        current = current_document(store, ctx.case.id, kind)
        if (current.id if current else None) != (previous.id if previous else None):
            raise AlreadyIssued(
                _(
                    "{title} of case {case} was issued or corrected by someone else meanwhile. "
                    "Nothing was issued; print it again."
                ).format(title=spec.title, case=ctx.case.case_no)
            )
        year, seq = ctx.now.year, None
        if previous is not None:
            doc_no, year, seq = previous.doc_no, previous.year, previous.seq
        elif kind in CASE_NUMBERED:
            doc_no = ctx.case.case_no
        else:
            seq = allocate_document_seq(store, station_code, kind, year)
            doc_no = format_document_number(document_prefix(store, station_code, kind), year, seq)
        version = previous.version + 1 if previous else 1
        content = _with_number(fill(ctx, doc_no), doc_no)
        digest = content_hash(kind, content, doc_no, version)
        code = verification_code_of(digest)
        token = VERSION_NOTE.set(f"第{version}版（更正）" if version > 1 else "")
        try:
            pdf = spec.build(content, verification_code=code)
        finally:
            VERSION_NOTE.reset(token)
        sha = hashlib.sha256(pdf).hexdigest()
        _write_atomically(document_path(data_dir, sha), pdf, store.key)
        document = insert_issued(
            store,
            IssuedDocument(
                case_id=ctx.case.id,
                kind=kind,
                doc_no=doc_no,
                year=year,
                seq=seq,
                version=version,
                reason=reason,
                sha256=sha,
                size=len(pdf),
                verification_code=code,
                content_hash=digest,
                issued_at=ctx.now.isoformat(timespec="seconds"),
                issued_by=ctx.user.username,
                owner_station=ctx.case.owner_station or station_code,
                case_no=ctx.case.case_no,
                facts=_kept(ctx.details),
            ),
        )
        if previous is not None:
            mark_superseded(store, previous.id, document.id)
        _audit_reveal(store, ctx.case.id, kind, ctx.user, station_code)
    return Issued(document=document, pdf=pdf, warnings=warnings)


def issue_document(
    store: Store,
    data_dir: Path | Any,
    case_key: str,
    kind: str,
    *,
    user: User,
    station_code: str,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> Issued:
    """Issue the case's document of `kind` (version 1). DocumentIncomplete lists what is
    missing (nothing is issued); AlreadyIssued when it was issued before.

    `details` gives facts the workflow does not record: for the mediation notice held_at,
    place, materials, mediators, contact; for the agreement the facts of the dispute (its
    other wording is recorded by the agree and amend-agreement actions).
    """
    ctx = _context(
        store, case_key, user=user, station_code=station_code, now=now, details=details, kind=kind
    )
    existing = current_document(store, ctx.case.id, kind)
    if existing is not None:
        raise AlreadyIssued(
            _(
                "{title} of case {case} was issued already as {number}. Reprint it, or correct "
                "it with a reason."
            ).format(title=_kind(kind).title, case=ctx.case.case_no, number=existing.doc_no)
        )
    return _issue(store, data_dir, ctx, kind, station_code=station_code, previous=None, reason="")


def correct_document(
    store: Store,
    data_dir: Path | Any,
    case_key: str,
    kind: str,
    *,
    reason: str,
    user: User,
    station_code: str,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> Issued:
    """Issue a corrected version of an issued document (same number, next version) from the
    record as it is now; the old version stays on record, superseded by the new one."""
    if not reason.strip():
        raise ValueError(_("A correction needs its reason."))
    ctx = _context(
        store, case_key, user=user, station_code=station_code, now=now, details=details, kind=kind
    )
    previous = current_document(store, ctx.case.id, kind)
    if previous is None:
        raise NotIssued(
            _("{title} of case {case} has not been issued yet.").format(
                title=_kind(kind).title, case=ctx.case.case_no
            )
        )
    return _issue(
        store,
        data_dir,
        ctx,
        kind,
        station_code=station_code,
        previous=previous,
        reason=reason.strip(),
    )


def reprint(
    store: Store, data_dir: Path | Any, case_key: str, kind: str, *, user: User, station_code: str
) -> Issued:
    """The current version's frozen bytes, identical to what was issued, handed to `user`;
    DocumentDamaged when the stored file is missing or changed. A document that shows full
    ID numbers and phones is audited as a reveal to `user`."""
    _kind(kind)
    _refuse_reveal(kind, user)
    case = get_case(store, case_key.strip())
    if case is None:
        raise NotIssued(_("No case numbered {number}.").format(number=case_key))
    document = current_document(store, case.id, kind)
    if document is None:
        raise NotIssued(
            _("{title} of case {case} has not been issued yet.").format(
                title=_kind(kind).title, case=case.case_no
            )
        )
    pdf = read_stored(data_dir, document, store.key)
    _audit_reveal(store, case.id, kind, user, station_code)
    return Issued(document=document, pdf=pdf, reprinted=True)


@dataclass
class BatchResult:
    """What printing several documents produced: the PDFs, or what blocks issuing them."""

    issued: list[Issued] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)  # title → missing facts


def print_documents(
    store: Store,
    data_dir: Path | Any,
    case_key: str,
    kinds: list[str],
    *,
    user: User,
    station_code: str,
    now: datetime,
    progress: Callable[[int, int, str], None] | None = None,
    check_cancelled: Callable[[], None] | None = None,
) -> BatchResult:
    """ "Print selected": issue (first print) or reprint each of `kinds`, in order. Every kind
    not yet issued is checked first; when one lacks facts, nothing is issued and the result
    lists what each lacks. `progress(done, total, text)` is told before each document, and
    `check_cancelled()` may raise to stop between documents (those issued stay issued)."""
    result = BatchResult()
    case = get_case(store, case_key.strip())
    if case is None:
        raise NotIssued(_("No case numbered {number}.").format(number=case_key))
    for kind in kinds:  # check everything before issuing anything
        if current_document(store, case.id, kind) is not None:
            continue
        problems = check_document(
            store, case_key, kind, user=user, station_code=station_code, now=now
        )
        if problems:
            result.missing[_kind(kind).title] = problems
    if result.missing:
        return result
    for done, kind in enumerate(kinds):
        if check_cancelled is not None:
            check_cancelled()
        if progress is not None:
            progress(done, len(kinds), _("Preparing {title}…").format(title=_kind(kind).title))
        result.issued.append(
            print_document(
                store, data_dir, case_key, kind, user=user, station_code=station_code, now=now
            )
        )
    if progress is not None:
        progress(len(kinds), len(kinds), "")
    return result


@dataclass(frozen=True)
class VerifiedDocument:
    """What the city office learns from a verification code."""

    code: str
    case_no: str
    kind: str
    title: str
    doc_no: str
    version: int
    current: bool
    issued_at: str
    issued_by: str
    sha256: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def verify_code(store: Store, code: str) -> list[VerifiedDocument]:
    """The issued document versions carrying `code` (usually one; empty: not ours)."""
    normalised = "".join(code.split()).upper()
    found = []
    for doc in find_by_code(store, normalised):
        spec = DOCUMENT_KINDS.get(doc.kind)
        found.append(
            VerifiedDocument(
                code=doc.verification_code,
                case_no=doc.case_no,
                kind=doc.kind,
                title=spec.title if spec else doc.kind,
                doc_no=doc.doc_no,
                version=doc.version,
                current=doc.current,
                issued_at=doc.issued_at,
                issued_by=doc.issued_by,
                sha256=doc.sha256,
                reason=doc.reason,
            )
        )
    return found


def print_document(
    store: Store,
    data_dir: Path | Any,
    case_key: str,
    kind: str,
    *,
    user: User,
    station_code: str,
    now: datetime,
    details: dict[str, Any] | None = None,
    correction: str | None = None,
) -> Issued:
    """What `print` does: issue on first print, reprint the frozen bytes afterwards, or
    correct with a reason."""
    if correction is not None:
        return correct_document(
            store,
            data_dir,
            case_key,
            kind,
            reason=correction,
            user=user,
            station_code=station_code,
            now=now,
            details=details,
        )
    try:
        return reprint(store, data_dir, case_key, kind, user=user, station_code=station_code)
    except NotIssued:
        pass
    return issue_document(
        store,
        data_dir,
        case_key,
        kind,
        user=user,
        station_code=station_code,
        now=now,
        details=details,
    )


__all__ = [
    "AlreadyIssued",
    "BatchResult",
    "DocumentDamaged",
    "DocumentIncomplete",
    "Issued",
    "NotIssued",
    "VerifiedDocument",
    "check_document",
    "correct_document",
    "issue_document",
    "print_document",
    "print_documents",
    "stored_facts",
    "reprint",
    "verify_code",
]
