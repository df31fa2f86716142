"""投诉受理决定书, 投诉不予受理决定书, 投诉终止调解决定书 and 投诉调解通知书: the written
decisions and notices on a complaint, addressed to the parties.

Decisions are the deciding authority's (the market-regulation bureau or its township office,
acting_bodies): it is named, it seals, and the date is the day of the decision; the print date
appears only as 打印日期 in the footer. Each cites the rule in force when the complaint was
received (wording.regime_for). These go to the business too, so they name the complainants only
(never an ID number or a phone), and never a reporter: a report has no such document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from reportlab.platypus import Flowable, Spacer

from station_app.acting_bodies import (
    AUTHORITY_NAME,
    MEDIATOR_NAME,
    ActingBodies,
    missing_setting,
)
from station_app.documents.capital_numerals import (
    date_in_chinese,
    datetime_in_chinese,
    number_in_chinese,
)
from station_app.documents.content import (
    MissingFacts,
    by_action,
    merchant_problems,
    party_problems,
    unprintable_problems,
    when_printing,
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
)
from station_app.documents.wording import (
    ACCEPTANCE_TEXT,
    ART_39_INTRO,
    ART_39_ROUTES,
    MEDIATION_ABSENCE,
    MEDIATION_NOTICE_INTRO,
    MEDIATION_RECUSAL,
    REFUSAL_TEXT,
    TERMINATION_TEXT,
    GroundWording,
    Regime,
    regime_for,
)
from station_app.domain import Case, CaseKind
from station_app.i18n import _
from station_app.workflow import REFUSAL_GROUNDS, TERMINATION_GROUNDS, Action, Ground

ACCEPTANCE_KIND = "acceptance_decision"
REFUSAL_KIND = "refusal_decision"
TERMINATION_KIND = "termination_decision"
NOTICE_KIND = "mediation_notice"

TITLES = {
    ACCEPTANCE_KIND: "投诉受理决定书",
    REFUSAL_KIND: "投诉不予受理决定书",
    TERMINATION_KIND: "投诉终止调解决定书",
    NOTICE_KIND: "投诉调解通知书",
}
GROUNDS = {REFUSAL_KIND: REFUSAL_GROUNDS, TERMINATION_KIND: TERMINATION_GROUNDS}
# The workflow action that records each decision.
DECISION_ACTIONS = {
    ACCEPTANCE_KIND: Action.ACCEPT,
    REFUSAL_KIND: Action.REFUSE,
    TERMINATION_KIND: Action.TERMINATE,
}


@dataclass
class DecisionContent:
    """A decision on a complaint (kind: one of ACCEPTANCE/REFUSAL/TERMINATION_KIND)."""

    kind: str
    case: Case
    organisation: str
    document_number: str
    decided_on: date | None  # the day of the decision (the workflow event)
    ground: Ground | None = None  # refusal and termination: the ground as recorded
    issued_on: date | None = None  # the day it is printed (打印日期 in the footer only)
    bodies: ActingBodies = field(default_factory=ActingBodies)


@dataclass
class NoticeContent:
    """投诉调解通知书: when and where the parties come to mediation."""

    case: Case
    organisation: str
    document_number: str
    held_at: datetime | None
    place: str
    materials: list[str] = field(default_factory=list)
    mediators: list[str] = field(default_factory=list)
    recusal_days: int = 3  # working days before the session in which to ask for recusal
    issued_on: date | None = None
    contact: str = ""  # the station's telephone
    bodies: ActingBodies = field(default_factory=ActingBodies)


# --------------------------------------------------------------------------- missing facts


def _common_problems(case: Case, issuer: str, issuer_key: str, number: str) -> list[str]:
    problems = []
    if case.kind != CaseKind.COMPLAINT:
        problems.append(_("This document is issued only on a complaint."))
    if not issuer.strip():
        problems.append(missing_setting(issuer_key))
    if not number.strip():
        problems.append(_("The document has no number."))
    problems += party_problems(case, who="complainant")
    problems += merchant_problems(case)
    return problems


def regime_of(case: Case) -> Regime:
    return regime_for(case.received_at.date())


def ground_wording(kind: str, ground: Ground, regime: Regime) -> GroundWording | None:
    """The recorded ground as the case's regulation words it (None: it has no such ground)."""
    if kind == REFUSAL_KIND:
        return regime.refusal_ground(ground.key)
    return regime.termination_ground(ground.key)


def notice_issuer(bodies: ActingBodies) -> tuple[str, str]:
    """Who is named and seals a mediation notice, and the setting that names it."""
    if bodies.in_bureaus_name:
        return bodies.authority_name, AUTHORITY_NAME
    return bodies.mediator_name, MEDIATOR_NAME


def decision_missing_facts(content: DecisionContent) -> list[str]:
    problems = _common_problems(
        content.case, content.bodies.authority_name, AUTHORITY_NAME, content.document_number
    )
    if content.decided_on is None:
        problems.append(
            by_action(_("The decision is not recorded yet"), DECISION_ACTIONS[content.kind])
        )
    if content.kind in GROUNDS:
        grounds = GROUNDS[content.kind]
        if content.ground is None:
            problem = _("The ground of the decision (its item number) is not recorded")
            problems.append(by_action(problem, DECISION_ACTIONS[content.kind], "ground"))
        elif content.ground not in grounds:
            problems.append(
                _("Ground {n} is not one of the grounds of this decision.").format(
                    n=content.ground.item
                )
            )
        elif ground_wording(content.kind, content.ground, regime_of(content.case)) is None:
            problems.append(
                _(
                    "The complaint was received before 15 April 2026 and is decided under Order "
                    "No. 20, which has no ground “{text}”: record the decision with one of its "
                    "grounds."
                ).format(text=content.ground.text)
            )
    return problems + unprintable_problems(content)


def notice_missing_facts(content: NoticeContent) -> list[str]:
    issuer, key = notice_issuer(content.bodies)
    problems = _common_problems(content.case, issuer, key, content.document_number)
    if content.held_at is None:
        problems.append(when_printing(_("The time of the mediation session is missing"), "held_at"))
    if not content.place.strip():
        problems.append(when_printing(_("The place of the mediation session is missing"), "place"))
    if not [m for m in content.materials if m.strip()]:
        problems.append(
            when_printing(_("The materials the parties bring are not listed"), "materials")
        )
    if content.issued_on is None:
        problems.append(_("The date of the notice is missing."))
    return problems + unprintable_problems(content)


# --------------------------------------------------------------------------- story


def _complainants(case: Case) -> str:
    return names_text(case.complainants, limit=3)


def _addressees(case: Case, styles: Styles) -> list[Flowable]:
    """Every complainant by name (a joint complaint's whole list), then the business."""
    assert case.merchant is not None
    names = "、".join(p.name.strip() for p in case.complainants)
    return [
        para(f"投诉人：{names}", styles.plain),
        para(f"被投诉人：{case.merchant.name.strip()}", styles.plain),
        Spacer(1, 6),
    ]


def _received(case: Case) -> str:
    assert case.merchant is not None
    return (
        f"{_complainants(case)}于{datetime_in_chinese(case.received_at)}"
        f"对{case.merchant.name.strip()}提出的投诉（登记编号：{case.case_no.strip()}）"
    )


def _ground_text(wording: GroundWording, regime: Regime, kind: str) -> tuple[str, str]:
    """The citation (article and item when confirmed) and the ground, quoted when verbatim."""
    base = regime.refusal if kind == REFUSAL_KIND else regime.termination
    citation = base.with_item(wording.item).text()
    text = wording.text.rstrip("。；;")
    return citation, (f"“{text}”" if wording.verbatim else text)


def _routes(styles: Styles) -> list[Flowable]:
    body = [para(ART_39_INTRO.text, styles.body)]
    body += [
        para(
            f"（{number_in_chinese(n)}）{route}；"
            if n < len(ART_39_ROUTES)
            else f"（{number_in_chinese(n)}）{route}。",
            styles.hanging,
        )
        for n, route in enumerate(ART_39_ROUTES, start=1)
    ]
    return body


def _decision_body(content: DecisionContent, styles: Styles) -> list[Flowable]:
    assert content.decided_on is not None
    regime = regime_of(content.case)
    facts = {
        "received": _received(content.case),
        "authority": content.bodies.authority_name.strip(),
    }
    if content.kind == ACCEPTANCE_KIND:
        facts["citation"] = regime.acceptance.text()
        return [para(ACCEPTANCE_TEXT.text.format(**facts), styles.body)]
    assert content.ground is not None
    wording = ground_wording(content.kind, content.ground, regime)
    assert wording is not None
    facts["citation"], facts["ground"] = _ground_text(wording, regime, content.kind)
    text = REFUSAL_TEXT if content.kind == REFUSAL_KIND else TERMINATION_TEXT
    return [para(text.text.format(**facts), styles.body), *_routes(styles)]


def _closing(organisation: str, day: date, styles: Styles) -> Flowable:
    return seal_block(
        seal_holder=organisation.strip(), date_text=date_in_chinese(day), styles=styles
    )


def decision_story(content: DecisionContent, styles: Styles) -> list[Flowable]:
    assert content.decided_on is not None
    authority = content.bodies.authority_name.strip()
    return [
        letterhead(authority),
        document_title(TITLES[content.kind]),
        number_line(content.document_number.strip(), styles),
        *_addressees(content.case, styles),
        *_decision_body(content, styles),
        _closing(authority, content.decided_on, styles),
    ]


def notice_story(content: NoticeContent, styles: Styles) -> list[Flowable]:
    assert content.held_at is not None and content.issued_on is not None
    issuer = notice_issuer(content.bodies)[0].strip()
    regime = regime_of(content.case)
    organiser = issuer
    if content.bodies.in_bureaus_name and content.bodies.mediator_name.strip():
        organiser = f"{content.bodies.mediator_name.strip()}受{issuer}委托"
    intro = MEDIATION_NOTICE_INTRO.text.format(
        received=_received(content.case),
        organisation=organiser,
        held_at=datetime_in_chinese(content.held_at),
        place=content.place.strip(),
        citation=regime.notice.text(),
    )
    flowables: list[Flowable] = [
        letterhead(issuer),
        document_title(TITLES[NOTICE_KIND]),
        number_line(content.document_number.strip(), styles),
        *_addressees(content.case, styles),
        para(intro, styles.body),
        para("一、调解时间：" + datetime_in_chinese(content.held_at), styles.plain),
        para("二、调解地点：" + content.place.strip(), styles.plain),
    ]
    mediators = "、".join(m.strip() for m in content.mediators if m.strip())
    items = [m.strip() for m in content.materials if m.strip()]
    flowables.append(para("三、请携带以下材料：", styles.plain))
    flowables += [
        para(
            f"{n}. {item.rstrip('。；;')}；"
            if n < len(items)
            else f"{n}. {item.rstrip('。；;')}。",
            styles.hanging,
        )
        for n, item in enumerate(items, start=1)
    ]
    recusal = MEDIATION_RECUSAL.text.format(
        mediators=f"本次调解人员为{mediators}。" if mediators else "",
        days=number_in_chinese(content.recusal_days),
    )
    flowables.append(para("四、" + recusal, styles.plain))
    absence = regime.termination.with_item(regime.absence_item).text()
    flowables.append(para("五、" + MEDIATION_ABSENCE.text.format(citation=absence), styles.plain))
    if content.contact.strip():
        flowables.append(para(f"联系电话：{content.contact.strip()}", styles.plain))
    flowables.append(_closing(issuer, content.issued_on, styles))
    return flowables


def _build(
    content, story, title: str, problems: list[str], verification_code: str, author: str
) -> bytes:
    if problems:
        raise MissingFacts(problems)
    styles = Styles(document_fonts(), body_size=SIZE_4)
    printed = content.issued_on
    marks = PageMarks(
        verification_code=verification_code,
        document_number=content.document_number.strip(),
        printed_on=date_in_chinese(printed) if printed else "",
    )
    return build_pdf(story(content, styles), title=title, author=author, marks=marks)


def build_decision(content: DecisionContent, *, verification_code: str, kind: str = "") -> bytes:
    """The decision as PDF bytes; MissingFacts when something required is not recorded."""
    if kind and content.kind != kind:
        raise ValueError(f"content of {content.kind} given for {kind}")
    return _build(
        content,
        decision_story,
        TITLES[content.kind],
        decision_missing_facts(content),
        verification_code,
        content.bodies.authority_name.strip(),
    )


def build_notice(content: NoticeContent, *, verification_code: str) -> bytes:
    return _build(
        content,
        notice_story,
        TITLES[NOTICE_KIND],
        notice_missing_facts(content),
        verification_code,
        notice_issuer(content.bodies)[0].strip(),
    )
