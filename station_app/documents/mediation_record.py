"""调解笔录: the record of one mediation session, read back to the parties and signed by them
on every page (the footer line) and at the end (the signature block, never split)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from reportlab.platypus import Flowable, Spacer

from station_app.acting_bodies import AUTHORITY_NAME, MEDIATOR_NAME, ActingBodies, missing_setting
from station_app.documents.blocks import MEDIATOR_SIGNS, RECORDER_SIGNS, party_signature_lines
from station_app.documents.capital_numerals import date_in_chinese, datetime_in_chinese
from station_app.documents.content import (
    MissingFacts,
    by_action,
    merchant_problems,
    party_problems,
    unprintable_problems,
)
from station_app.documents.fonts import document_fonts
from station_app.documents.formatting import names_text
from station_app.documents.layout import (
    SIZE_S4,
    TEXT_WIDTH,
    LabelledText,
    PageMarks,
    SignatureLine,
    Styles,
    build_pdf,
    cell,
    document_title,
    grid_table,
    label_cell,
    letterhead,
    para,
    signature_block,
)
from station_app.documents.wording import (
    MEDIATION_MODE_TEXT,
    RECORD_FOOTER,
    RECORD_READ_BACK,
)
from station_app.domain import Case, CaseKind, MediationSession
from station_app.i18n import _
from station_app.workflow import Action

KIND = "mediation_record"
TITLE = "调解笔录"
# label | value | label | value
COLUMNS = (0.17, 0.33, 0.17, 0.33)


@dataclass
class RecordContent:
    case: Case
    organisation: str
    session: MediationSession | None
    session_number: int = 1  # 第几次调解
    bodies: ActingBodies = field(default_factory=ActingBodies)

    @property
    def mediator(self) -> str:
        """Who holds the mediation: the mediating organisation (the bureau when entrusted)."""
        return self.bodies.mediation_seal_holder.strip()

    @property
    def held_at(self) -> datetime | None:
        if self.session is None:
            return None
        try:
            return datetime.fromisoformat(self.session.held_at)
        except ValueError:
            return None


def missing_facts(content: RecordContent) -> list[str]:
    case = content.case
    problems = []
    if case.kind != CaseKind.COMPLAINT:
        problems.append(_("This document is issued only on a complaint."))
    if content.bodies.in_bureaus_name and not content.bodies.authority_name:
        problems.append(missing_setting(AUTHORITY_NAME))
    elif not content.bodies.mediator_name:
        problems.append(missing_setting(MEDIATOR_NAME))
    problems += party_problems(case, who="complainant")
    problems += merchant_problems(case)
    session = content.session
    session_action = Action.RECORD_SESSION
    if session is None:
        problems.append(by_action(_("No mediation session is recorded"), Action.RECORD_SESSION))
        return problems + unprintable_problems(content)
    if content.held_at is None:
        problems.append(
            by_action(_("The time of the mediation session is missing"), session_action, "held_at")
        )
    if not [m for m in session.mediators if m.strip()]:
        problems.append(by_action(_("No mediator is named"), session_action, "mediators"))
    if not session.recorder.strip():
        problems.append(
            by_action(_("The session's recorder is not named"), session_action, "recorder")
        )
    if not (session.complainant_statement.strip() or session.merchant_statement.strip()):
        problem = _("The session records neither party's statement")
        problems.append(by_action(problem, session_action, "complainant_statement"))
    if not session.result.strip():
        problems.append(
            by_action(_("The result of the session is not recorded"), session_action, "result")
        )
    return problems + unprintable_problems(content)


def story(content: RecordContent, styles: Styles) -> list[Flowable]:
    case = content.case
    session = content.session
    assert session is not None and case.merchant is not None and content.held_at is not None
    widths = [TEXT_WIDTH * w for w in COLUMNS]

    def pair(a: str, b: str, c: str, d: str) -> list:
        return [label_cell(a, styles), cell(b, styles), label_cell(c, styles), cell(d, styles)]

    def wide(label: str, value: str) -> list:
        return [label_cell(label, styles), cell(value, styles), "", ""]

    rows = [
        pair(
            "登记编号",
            case.case_no,
            "调解次数",
            f"第{content.session_number}次",
        ),
        pair(
            "时间",
            datetime_in_chinese(content.held_at),
            "方式",
            MEDIATION_MODE_TEXT[session.mode],
        ),
        wide("地点", session.place.strip() or "—"),
        pair(
            "调解员",
            "、".join(m.strip() for m in session.mediators if m.strip()),
            "记录人",
            session.recorder.strip(),
        ),
        wide("投诉人", names_text(case.complainants, limit=10)),
        wide("被投诉人", case.merchant.name.strip()),
    ]
    if session.attendees:
        rows.append(wide("到场人员", "、".join(a.strip() for a in session.attendees if a.strip())))
    spans = [(1, r, 3, r) for r, row in enumerate(rows) if row[2] == ""]
    label_width = widths[0]
    flowables: list[Flowable] = [
        letterhead(content.mediator),
        document_title(TITLE),
        grid_table(rows, widths, spans=spans),
    ]
    for label, text in (
        ("投诉人陈述", session.complainant_statement),
        ("被投诉人陈述", session.merchant_statement),
        ("调解结果", session.result),
        ("备注", session.note),
    ):
        if text.strip():
            flowables.append(LabelledText(label, text.strip(), label_width, styles))
    flowables.append(Spacer(1, 4))
    lines = party_signature_lines(
        last=(SignatureLine(MEDIATOR_SIGNS), SignatureLine(RECORDER_SIGNS))
    )
    flowables.append(
        signature_block(
            lines,
            seal_holder=content.mediator,
            date_text=date_in_chinese(content.held_at),
            styles=styles,
            lead=[para(RECORD_READ_BACK.text, styles.body)],
        )
    )
    return flowables


def build_mediation_record(content: RecordContent, *, verification_code: str) -> bytes:
    problems = missing_facts(content)
    if problems:
        raise MissingFacts(problems)
    styles = Styles(document_fonts(), body_size=SIZE_S4)
    marks = PageMarks(
        verification_code=verification_code,
        document_number=content.case.case_no.strip(),
        footer_note=RECORD_FOOTER,
    )
    return build_pdf(story(content, styles), title=TITLE, author=content.mediator, marks=marks)
