"""调解协议书附件（内部留存）: the station's own copy of every party's full particulars (ID numbers,
phones, addresses) for the mediation agreement, which itself names the complainants only
(PIPL art. 6 minimum necessity; domain.md "Who decides, who mediates, who seals"). It stays in
the station's file and is never given to a party or the business: every page says so.

Pure: content in, PDF bytes out (no store, no files)."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.platypus import Flowable, Spacer

from station_app.documents.blocks import PARTY_HEADER, header_row, merchant_row, party_row
from station_app.documents.capital_numerals import date_in_chinese
from station_app.documents.content import (
    AgreementContent,
    MissingFacts,
    issue_first,
    merchant_problems,
    party_problems,
    station_name_problem,
    unprintable_problems,
)
from station_app.documents.fonts import document_fonts
from station_app.documents.layout import (
    SIZE_S4,
    TEXT_WIDTH,
    PageMarks,
    Styles,
    build_pdf,
    cell,
    document_title,
    grid_table,
    label_cell,
    letterhead,
    number_line,
    para,
)
from station_app.domain import Case, CaseKind
from station_app.i18n import _

KIND = "agreement_internal_annex"
TITLE = "调解协议书附件：当事人身份信息"
# Printed at the top of every page and under the title.
INTERNAL_COPY_MARK = "内部留存"
NOT_TO_BE_GIVEN = "本附件仅供本调解组织存档，不得交付当事人或被投诉人，不得对外提供。"
# 序号/身份 | 姓名（名称） | 性别 | 证件类型及号码 | 联系电话 | 住址
COLUMNS = (0.12, 0.15, 0.09, 0.25, 0.17, 0.22)


@dataclass
class InternalAnnexContent:
    """The agreement as issued (its number and date) and the case's parties in full."""

    agreement: AgreementContent
    agreement_number: str  # the issued agreement's number; empty: not issued yet

    @property
    def case(self) -> Case:
        return self.agreement.case


def missing_facts(content: InternalAnnexContent) -> list[str]:
    case = content.agreement.case
    problems = []
    if case.kind != CaseKind.COMPLAINT:
        problems.append(_("A mediation agreement is made only for a complaint."))
    if not content.agreement_number.strip():
        problems.append(issue_first(_("The mediation agreement is not issued yet"),
                                    "mediation_agreement"))  # fmt: skip
    problems += party_problems(case, who="complainant") + merchant_problems(case)
    if not content.agreement.organisation.strip():
        problems.append(station_name_problem())
    return problems + unprintable_problems(content)


def _parties_table(content: InternalAnnexContent, styles: Styles) -> Flowable:
    agreement = content.agreement
    case = agreement.case
    rows = [header_row("身份", styles, PARTY_HEADER)]
    many = len(case.complainants) > 1
    for number, party in enumerate(case.complainants, start=1):
        rows.append(party_row(f"投诉人{number}" if many else "投诉人", party, styles))
    if case.agent is not None:
        rows.append(party_row("投诉人的代理人", case.agent, styles))
    if case.merchant is not None:
        rows.append(merchant_row("被投诉人", case.merchant, styles))
    if agreement.merchant_agent is not None:
        rows.append(party_row("被投诉人的代理人", agreement.merchant_agent, styles))
    return grid_table(rows, [TEXT_WIDTH * w for w in COLUMNS], repeat_rows=1)


def story(content: InternalAnnexContent, styles: Styles) -> list[Flowable]:
    agreement = content.agreement
    agreed = date_in_chinese(agreement.agreed_on) if agreement.agreed_on else "—"
    return [
        letterhead(agreement.organisation.strip()),
        document_title(TITLE),
        number_line(f"（{INTERNAL_COPY_MARK}）", styles),
        para(
            f"本附件为{agreement.title}{content.agreement_number.strip()}（{agreed}达成）"
            f"的附件，载明各方当事人的身份信息。",
            styles.plain,
        ),
        para(NOT_TO_BE_GIVEN, styles.plain),
        Spacer(1, SIZE_S4 / 2),
        _parties_table(content, styles),
        Spacer(1, SIZE_S4),
        grid_table(
            [
                [
                    label_cell("存档人（签名）", styles),
                    cell("", styles),
                    label_cell("存档日期", styles),
                    cell("", styles),
                ]
            ],  # fmt: skip
            [TEXT_WIDTH * w for w in (0.2, 0.3, 0.2, 0.3)],
            min_row_height=SIZE_S4 * 2.2,
        ),
    ]


def build_internal_annex(content: InternalAnnexContent, *, verification_code: str) -> bytes:
    """The annex as PDF bytes; MissingFacts when something required is missing."""
    problems = missing_facts(content)
    if problems:
        raise MissingFacts(problems)
    styles = Styles(document_fonts(), body_size=SIZE_S4)
    marks = PageMarks(
        verification_code=verification_code,
        document_number=content.agreement_number.strip(),
        header_note=INTERNAL_COPY_MARK,
        footer_note=NOT_TO_BE_GIVEN,
    )
    return build_pdf(
        story(content, styles),
        title=TITLE,
        author=content.agreement.organisation.strip(),
        marks=marks,
    )
