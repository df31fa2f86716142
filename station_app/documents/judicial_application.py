"""司法确认申请书: the parties' joint application to the competent court to confirm their
mediation agreement (人民调解法第三十三条), prepared by the station for them to sign."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from reportlab.platypus import Flowable, Spacer

from station_app.acting_bodies import COURT_NAME, MEDIATOR_NAME, ActingBodies, missing_setting
from station_app.documents.blocks import header_row, merchant_row, party_row
from station_app.documents.capital_numerals import date_in_chinese, number_in_chinese
from station_app.documents.content import (
    MissingFacts,
    by_action,
    issue_first,
    merchant_problems,
    party_problems,
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
    JUDICIAL_VENUE_NOTE,
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
    bodies: ActingBodies = field(default_factory=ActingBodies)

    @property
    def mediator(self) -> str:
        return self.bodies.mediation_seal_holder.strip()

    @property
    def venue(self) -> str:
        """The court applied to: the one named for this case, else court.name."""
        return (self.court or self.bodies.court_name).strip()


def court_elsewhere(court: str, mediator: str) -> bool:
    """Whether the court is not the one at the mediation organisation's place: its place (the
    court's name without 人民法院) does not begin the organisation's name."""
    place = court.strip().removesuffix("人民法院").strip()
    return bool(place) and not mediator.strip().startswith(place)


def missing_facts(content: JudicialContent) -> list[str]:
    case = content.case
    problems = []
    if case.kind != CaseKind.COMPLAINT:
        problems.append(_("This document is issued only on a complaint."))
    if not content.mediator:
        problems.append(missing_setting(MEDIATOR_NAME))
    if not content.venue:
        problems.append(missing_setting(COURT_NAME))
    if content.agreed_on is None:
        problems.append(by_action(_("No mediation agreement is recorded"), Action.AGREE))
    problems += party_problems(case, who="complainant")
    problems += merchant_problems(case)
    if content.applied_on is None:
        problems.append(_("The date of the application is missing."))
    if content.agreed_on is not None and not content.agreement_number.strip():
        problems.append(
            issue_first(_("The mediation agreement has not been issued"), "mediation_agreement")
        )
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
    organisation = content.mediator
    court = content.venue
    agreement = (
        f"{date_in_chinese(content.agreed_on)}《{content.agreement_title}》"
        f"（{content.agreement_number.strip()}）"
    )
    request = JUDICIAL_REQUEST.text.format(
        court=court,
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
    attachments = list(JUDICIAL_ATTACHMENTS)
    attachments[0] = f"{attachments[0]}（{content.agreement_number.strip()}）"
    flowables += [
        para(f"{number_in_chinese(n)}、{item}", styles.hanging)
        for n, item in enumerate(attachments, start=1)
    ]
    if court_elsewhere(court, organisation):
        flowables.append(para(JUDICIAL_VENUE_NOTE.format(court=court), styles.plain))
    # Every applicant signs: each complainant, then the business.
    signers = [SignatureLine("申请人（签名或按指印）", p.name.strip()) for p in case.complainants]
    assert case.merchant is not None
    signers.append(SignatureLine("申请人（签名或盖章）", case.merchant.name.strip()))
    lines = [
        (signers[i], signers[i + 1] if i + 1 < len(signers) else None)
        for i in range(0, len(signers), 2)
    ]
    flowables.append(
        signature_block(
            lines,
            seal_holder=organisation,
            sealed=False,
            date_text=date_in_chinese(content.applied_on),
            styles=styles,
            lead=[para("此致", styles.body), para(court, styles.plain)],
        )
    )
    return flowables


def build_judicial_application(content: JudicialContent, *, verification_code: str) -> bytes:
    problems = missing_facts(content)
    if problems:
        raise MissingFacts(problems)
    styles = Styles(document_fonts(), body_size=SIZE_4)
    marks = PageMarks(verification_code=verification_code, document_number=content.case.case_no)
    return build_pdf(story(content, styles), title=TITLE, author=content.mediator, marks=marks)
