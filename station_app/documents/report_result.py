"""举报处理结果告知书: the result of a report, told to the reporter only (it names the reporter,
so it is never given to the business)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reportlab.platypus import Flowable, Spacer

from station_app.documents.capital_numerals import date_in_chinese, datetime_in_chinese
from station_app.documents.content import (
    MissingFacts,
    by_action,
    in_registration,
    party_problems,
    station_name_problem,
    unprintable_problems,
    when_printing,
)
from station_app.documents.fonts import document_fonts
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
)
from station_app.documents.wording import (
    CHANNEL_TEXT,
    REPORT_CONFIDENTIALITY,
    REPORT_OUTCOME,
    REPORT_RESULT_TEXT,
)
from station_app.domain import Case, CaseKind
from station_app.i18n import _
from station_app.workflow import Action

KIND = "report_result_notice"
TITLE = "举报处理结果告知书"


@dataclass
class ReportResultContent:
    case: Case
    organisation: str
    document_number: str
    notified_on: date | None  # the notify-result event
    outcome: str = ""  # the last of open-case / not-open / merge, if any
    result: str = ""  # the result as told (the notify-result note)


def missing_facts(content: ReportResultContent) -> list[str]:
    case = content.case
    problems = []
    if case.kind != CaseKind.REPORT:
        problems.append(_("This notice is issued only on a report."))
    elif case.anonymous:
        problems.append(_("An anonymous report has no reporter to notify."))
    else:
        problems += party_problems(case, who="reporter")
    if not content.organisation.strip():
        problems.append(station_name_problem())
    if not content.document_number.strip():
        problems.append(_("The document has no number."))
    if case.merchant is None or not case.merchant.name.strip():
        problems.append(in_registration(_("The business reported is not recorded"), "merchant"))
    if content.notified_on is None:
        problems.append(
            by_action(
                _("Notifying the reporter of the result is not recorded yet"), Action.NOTIFY_RESULT
            )
        )
    if not content.result.strip() and content.outcome not in REPORT_OUTCOME:
        problems.append(when_printing(_("The result of the report is not recorded"), "result"))
    return problems + unprintable_problems(content)


def story(content: ReportResultContent, styles: Styles) -> list[Flowable]:
    case = content.case
    assert case.merchant is not None and content.notified_on is not None
    organisation = content.organisation.strip()
    reporter = case.complainants[0].name.strip()
    intro = REPORT_RESULT_TEXT.text.format(
        received=datetime_in_chinese(case.received_at),
        channel=CHANNEL_TEXT[case.channel],
        merchant=case.merchant.name.strip(),
        case_no=case.case_no.strip(),
        organisation=organisation,
    )
    flowables: list[Flowable] = [
        letterhead(organisation),
        document_title(TITLE),
        number_line(content.document_number.strip(), styles),
        para(f"{reporter}：", styles.plain),
        Spacer(1, 4),
        para(intro, styles.body),
    ]
    if content.outcome in REPORT_OUTCOME:
        flowables.append(
            para(REPORT_OUTCOME[content.outcome].format(organisation=organisation), styles.body)
        )
    if content.result.strip():
        flowables.append(para(content.result.strip(), styles.body))
    flowables.append(para(REPORT_CONFIDENTIALITY.text, styles.body))
    flowables.append(
        seal_block(
            seal_holder=organisation,
            date_text=date_in_chinese(content.notified_on),
            styles=styles,
        )
    )
    return flowables


def build_report_result(content: ReportResultContent, *, verification_code: str) -> bytes:
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
