"""诉前调解转立案函: the letter that sends a dispute the station could not settle to the court
of the joint mediation centre for its filing (转立案). It names every complainant, by name
only, says how the mediation ended and lists the papers sent with it; the court files the case
or mediates it once more before filing (诉前调解), and the station records that outcome
(court-outcome)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reportlab.platypus import Flowable, Spacer

from station_app.documents.capital_numerals import date_in_chinese, number_in_chinese
from station_app.documents.content import (
    MissingFacts,
    by_action,
    merchant_problems,
    party_problems,
    station_name_problem,
    unprintable_problems,
)
from station_app.documents.fonts import document_fonts
from station_app.documents.formatting import names_text
from station_app.documents.layout import (
    SIZE_4,
    PageMarks,
    Styles,
    build_pdf,
    document_title,
    letterhead,
    number_line,
    para,
    seal_block,
    section_heading,
)
from station_app.domain import Case, CaseKind
from station_app.i18n import _
from station_app.workflow import Action

KIND = "court_transfer_letter"
TITLE = "诉前调解转立案函"

# What the court is sent with the letter (the station's file copies; the parties' identity
# papers travel with them, not on the letter).
ATTACHMENTS = (
    "投诉登记表",
    "调解笔录",
    "终止调解决定书",
    "当事人身份证明及证据材料",
)
BODY = (
    "投诉人{complainants}与被投诉人{merchant}消费纠纷一案，{organisation}于{received}"
    "收到投诉（案件编号：{case_no}）。经组织调解，双方未能达成调解协议，{ended}"
    "投诉人同意通过诉讼解决。根据消费纠纷诉调对接工作机制，现将本纠纷移送你院，"
    "请依法进行诉前调解或登记立案，并将处理结果告知我单位。"
)
ENDED = "已于{day}终止调解（终止理由：{ground}）。"
ENDED_WITHOUT_DAY = "调解已终止。"


@dataclass
class CourtTransferContent:
    case: Case
    organisation: str
    document_number: str
    court: str  # the court the dispute is sent to (transfer-court, court_name)
    transferred_on: date | None  # the transfer-court event
    terminated_on: date | None = None  # the terminate event, if mediation was terminated
    ground: str = ""  # the termination ground as recorded


def missing_facts(content: CourtTransferContent) -> list[str]:
    case = content.case
    problems = []
    if case.kind != CaseKind.COMPLAINT:
        problems.append(_("This document is issued only on a complaint."))
    if not content.organisation.strip():
        problems.append(station_name_problem())
    if not content.document_number.strip():
        problems.append(_("The document has no number."))
    if content.transferred_on is None:
        problems.append(
            by_action(_("The transfer to a court filing is not recorded"), Action.TRANSFER_COURT)
        )
    elif not content.court.strip():
        problems.append(
            by_action(
                _("The court the dispute is sent to is not named"),
                Action.TRANSFER_COURT,
                "court_name",
            )
        )
    problems += party_problems(case, who="complainant")
    problems += merchant_problems(case)
    return problems + unprintable_problems(content)


def story(content: CourtTransferContent, styles: Styles) -> list[Flowable]:
    case = content.case
    assert case.merchant is not None and content.transferred_on is not None
    organisation = content.organisation.strip()
    if content.terminated_on is not None:
        ended = ENDED.format(
            day=date_in_chinese(content.terminated_on), ground=content.ground.strip() or "—"
        )
    else:
        ended = ENDED_WITHOUT_DAY
    body = BODY.format(
        complainants=names_text(case.complainants, limit=len(case.complainants)),
        merchant=case.merchant.name.strip(),
        organisation=organisation,
        received=date_in_chinese(case.received_at.date()),
        case_no=case.case_no.strip(),
        ended=ended,
    )
    flowables: list[Flowable] = [
        letterhead(organisation),
        document_title(TITLE),
        number_line(content.document_number.strip(), styles),
        para(f"{content.court.strip()}：", styles.plain),
        Spacer(1, 4),
        para(body, styles.body),
    ]
    if case.request.strip():
        flowables.append(para(f"投诉请求：{case.request.strip()}", styles.body))
    flowables.append(section_heading("附：", styles))
    flowables += [
        para(f"{number_in_chinese(n)}、{item}", styles.hanging)
        for n, item in enumerate(ATTACHMENTS, start=1)
    ]
    flowables.append(
        seal_block(
            seal_holder=organisation,
            date_text=date_in_chinese(content.transferred_on),
            styles=styles,
        )
    )
    return flowables


def build_court_transfer_letter(content: CourtTransferContent, *, verification_code: str) -> bytes:
    problems = missing_facts(content)
    if problems:
        raise MissingFacts(problems)
    styles = Styles(document_fonts(), body_size=SIZE_4)
    marks = PageMarks(
        verification_code=verification_code, document_number=content.document_number.strip()
    )
    return build_pdf(
        story(content, styles), title=TITLE, author=content.organisation.strip(), marks=marks
    )
