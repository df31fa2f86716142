"""司法确认申请书: the parties' joint application to the competent court to confirm their
mediation agreement (人民调解法第三十三条), prepared by the station for them to sign."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reportlab.platypus import Flowable, Spacer

from station_app.documents.blocks import header_row, merchant_row, party_row
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
from station_app.documents.layout import (
    SIZE_4,
    TEXT_WIDTH,
    PageMarks,
    SignatureLine,
    Styles,
    build_pdf,
    document_title,
    grid_table,
    para,
    section_heading,
    signature_block,
)
from station_app.documents.wording import (
    JUDICIAL_ATTACHMENTS,
    JUDICIAL_FACTS,
    JUDICIAL_PROMISES,
    JUDICIAL_REQUEST,
)
from station_app.domain import Case, CaseKind
from station_app.i18n import _
from station_app.workflow import Action

KIND = "judicial_application"
TITLE = "司法确认申请书"
# 申请人 | 姓名（名称） | 性别 | 证件类型及号码 | 联系电话 | 住址
COLUMNS = (0.11, 0.16, 0.07, 0.26, 0.17, 0.23)


@dataclass
class JudicialContent:
    case: Case
    organisation: str  # the mediation organisation
    court: str  # the competent basic people's court
    agreed_on: date | None
    agreement_title: str = "调解协议书"
    agreement_number: str = ""  # the issued agreement's number, if it was issued
    applied_on: date | None = None  # the date of the application (judicial-apply, or today)


def missing_facts(content: JudicialContent) -> list[str]:
    case = content.case
    problems = []
    if case.kind != CaseKind.COMPLAINT:
        problems.append(_("This document is issued only on a complaint."))
    if not content.organisation.strip():
        problems.append(station_name_problem())
    if not content.court.strip():
        problems.append(
            by_action(_("The competent court is not named"), Action.JUDICIAL_APPLY, "court_name")
        )
    if content.agreed_on is None:
        problems.append(by_action(_("No mediation agreement is recorded"), Action.AGREE))
    problems += party_problems(case, who="complainant")
    problems += merchant_problems(case)
    if content.applied_on is None:
        problems.append(_("The date of the application is missing."))
    return problems + unprintable_problems(content)


def _applicants(case: Case, styles: Styles) -> Flowable:
    merchant = case.merchant
    assert merchant is not None
    rows = [header_row("", styles)]
    rows += [party_row("申请人", p, styles) for p in case.complainants]
    rows.append(merchant_row("申请人", merchant, styles))
    return grid_table(
        rows, [TEXT_WIDTH * w for w in COLUMNS], shaded=[(0, 0, -1, 0)], repeat_rows=1
    )


def story(content: JudicialContent, styles: Styles) -> list[Flowable]:
    case = content.case
    assert content.agreed_on is not None and content.applied_on is not None
    organisation = content.organisation.strip()
    agreement = f"《{content.agreement_title}》"
    if content.agreement_number.strip():
        agreement += f"（{content.agreement_number.strip()}）"
    request = JUDICIAL_REQUEST.text.format(
        court=content.court.strip(),
        agreed_on=date_in_chinese(content.agreed_on),
        organisation=organisation,
        agreement=agreement,
    )
    facts = JUDICIAL_FACTS.text.format(
        dispute="消费者权益争议",
        organisation=organisation,
        agreed_on=date_in_chinese(content.agreed_on),
    )
    flowables: list[Flowable] = [
        document_title(TITLE),
        Spacer(1, 6),
        _applicants(case, styles),
        section_heading("请求事项：", styles),
        para(request, styles.body),
        section_heading("事实和理由：", styles),
        para(facts, styles.body),
        para(JUDICIAL_PROMISES.text, styles.body),
        section_heading("附：", styles),
    ]
    flowables += [
        para(f"{number_in_chinese(n)}、{item}", styles.hanging)
        for n, item in enumerate(JUDICIAL_ATTACHMENTS, start=1)
    ]
    lines = [(SignatureLine("申请人（签名或按指印）"), SignatureLine("申请人（签名或盖章）"))]
    flowables.append(
        signature_block(
            lines,
            seal_holder=organisation,
            sealed=False,
            date_text=date_in_chinese(content.applied_on),
            styles=styles,
            lead=[para("此致", styles.body), para(content.court.strip(), styles.plain)],
        )
    )
    return flowables


def build_judicial_application(content: JudicialContent, *, verification_code: str) -> bytes:
    problems = missing_facts(content)
    if problems:
        raise MissingFacts(problems)
    styles = Styles(document_fonts(), body_size=SIZE_4)
    marks = PageMarks(verification_code=verification_code, document_number=content.case.case_no)
    return build_pdf(
        story(content, styles), title=TITLE, author=content.organisation.strip(), marks=marks
    )
