"""举报处理结果告知书: the result of a report, told to the reporter only (it names the reporter,
so it is never given to the business)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from reportlab.platypus import Flowable, Spacer

from station_app.acting_bodies import AUTHORITY_NAME, ActingBodies, missing_setting
from station_app.documents.capital_numerals import date_in_chinese, datetime_in_chinese
from station_app.documents.content import (
    MissingFacts,
    by_action,
    in_registration,
    party_problems,
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
    REPORT_RESULT_TEXT,
    REPORT_RESULTS,
    regime_for,
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
    result: str = ""  # unused since the result has fields of its own (kept for old callers)
    decided_on: date | None = None  # the day of the open-case / not-open / merge decision
    reason: str = ""  # why no case was opened (not-open): told to the reporter
    bodies: ActingBodies = field(default_factory=ActingBodies)


def missing_facts(content: ReportResultContent) -> list[str]:
    case = content.case
    problems = []
    if case.kind != CaseKind.REPORT:
        problems.append(_("This notice is issued only on a report."))
    elif case.anonymous:
        problems.append(_("An anonymous report has no reporter to notify."))
    else:
        problems += party_problems(case, who="reporter")
    if not content.bodies.authority_name:
        problems.append(missing_setting(AUTHORITY_NAME))
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
    if content.outcome not in REPORT_RESULTS or content.decided_on is None:
        problems.append(by_action(_("Whether a case was opened is not recorded"), Action.OPEN_CASE))
    elif content.outcome == "not-open" and not content.reason.strip():
        problems.append(
            when_printing(_("The reason why no case was opened is not given"), "reason")
        )
    return problems + unprintable_problems(content)


def story(content: ReportResultContent, styles: Styles) -> list[Flowable]:
    case = content.case
    assert case.merchant is not None and content.notified_on is not None
    assert content.decided_on is not None
    authority = content.bodies.authority_name.strip()
    reporter = case.complainants[0].name.strip()
    regime = regime_for(case.received_at.date())
    intro = REPORT_RESULT_TEXT.text.format(
        received=datetime_in_chinese(case.received_at),
        channel=CHANNEL_TEXT[case.channel],
        merchant=case.merchant.name.strip(),
        case_no=case.case_no.strip(),
        citation=regime.report_result.text(),
        authority=authority,
    )
    result = REPORT_RESULTS[content.outcome].format(
        authority=authority,
        decided_on=date_in_chinese(content.decided_on),
        reason=content.reason.strip().rstrip("。") + "。",
    )
    return [
        letterhead(authority),
        document_title(TITLE),
        number_line(content.document_number.strip(), styles),
        para(f"{reporter}：", styles.plain),
        Spacer(1, 4),
        para(intro, styles.body),
        para(result, styles.body),
        para(REPORT_CONFIDENTIALITY.text, styles.body),
        seal_block(
            seal_holder=authority,
            date_text=date_in_chinese(content.notified_on),
            styles=styles,
        ),
    ]


def build_report_result(content: ReportResultContent, *, verification_code: str) -> bytes:
    problems = missing_facts(content)
    if problems:
        raise MissingFacts(problems)
    styles = Styles(document_fonts(), body_size=SIZE_4)
    marks = PageMarks(
        verification_code=verification_code, document_number=content.document_number.strip()
    )
    return build_pdf(
        story(content, styles),
        title=TITLE,
        author=content.bodies.authority_name.strip(),
        marks=marks,
    )
