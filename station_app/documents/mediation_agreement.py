"""调解协议书 / 投诉调解书: the mediation agreement the parties sign on the spot, in three copies
(人民调解法第二十九条: parties, facts, dispute and responsibilities, terms, how and by when)."""

from __future__ import annotations

from decimal import Decimal

from reportlab.platypus import Flowable, PageBreak, Spacer

from station_app.documents.blocks import header_row, merchant_row, party_row, party_signature_lines
from station_app.documents.capital_numerals import (
    amount_in_capitals,
    date_in_chinese,
    datetime_in_chinese,
    number_in_chinese,
)
from station_app.documents.content import (
    AgreementContent,
    MissingFacts,
    by_action,
    in_registration,
    merchant_problems,
    party_problems,
    station_name_problem,
    unprintable_problems,
)
from station_app.documents.fonts import document_fonts
from station_app.documents.formatting import (
    gender_text,
    given,
    money_text,
    names_text,
)
from station_app.documents.layout import (
    SIZE_4,
    SIZE_5,
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
    section_heading,
    signature_block,
)
from station_app.documents.wording import (
    AGREEMENT_BINDING,
    AGREEMENT_COPIES,
    AGREEMENT_EFFECT,
    AGREEMENT_INTRO,
    AGREEMENT_SECTIONS,
    AGREEMENT_TITLES,
    CHANNEL_TEXT,
    JUDICIAL_CONFIRMATION,
    PERFORMANCE_BY,
    PERFORMED_ON_SPOT,
    TERM_TYPE_TEXT,
)
from station_app.domain import CaseKind, TermType, label
from station_app.i18n import _
from station_app.workflow import Action

KIND = "mediation_agreement"
# More complainants than this are listed in an annex, where each one signs.
INLINE_COMPLAINANTS = 5
# Terms that give money must say how much.
TERMS_WITH_MONEY = (TermType.REFUND, TermType.COMPENSATION)

# 当事人 | 姓名（名称） | 性别 | 证件类型及号码 | 联系电话 | 住址
PARTY_COLUMNS = (0.11, 0.16, 0.07, 0.26, 0.17, 0.23)
# 序号 | 姓名 | 性别 | 证件号码 | 联系电话 | 住址 | 签名（按指印）
ANNEX_COLUMNS = (0.07, 0.12, 0.07, 0.25, 0.17, 0.18, 0.14)


def _amount_problem(number: int, amount: Decimal) -> str | None:
    try:
        amount_in_capitals(amount)
    except (ValueError, TypeError):
        return _("Term {n} has an amount that cannot be printed: {amount}.").format(
            n=number, amount=amount
        )
    return None


def missing_facts(content: AgreementContent) -> list[str]:
    """What must be recorded before the agreement can be printed (empty: ready to print), each
    with the action or key that supplies it."""
    if content.title not in AGREEMENT_TITLES:
        raise ValueError(f"unknown agreement title {content.title!r}")
    case = content.case
    problems = []
    if case.kind != CaseKind.COMPLAINT:
        problems.append(_("A mediation agreement is made only for a complaint."))
    if not content.organisation.strip():
        problems.append(station_name_problem())
    if not content.document_number.strip():
        problems.append(_("The agreement has no document number."))
    problems += party_problems(case, who="complainant")
    problems += merchant_problems(case)
    if content.merchant_agent is not None and not content.merchant_agent.name.strip():
        problems.append(_("The business's representative has no name."))
    if not content.dispute_facts:
        problems.append(in_registration(_("The facts of the dispute are not recorded"), "facts"))
    if content.agreed_on is None:
        # Nothing of the agreement is recorded yet: its action asks for all of it.
        problems.append(by_action(_("No agreement is recorded"), Action.AGREE))
        return problems + unprintable_problems(content)
    amend = Action.AMEND_AGREEMENT
    if not content.dispute.strip():
        problems.append(
            by_action(
                _("The dispute and each party's responsibility are not stated"), amend, "dispute"
            )
        )
    if not content.terms:
        problems.append(by_action(_("The agreement has no terms"), amend, "terms"))
    for number, term in enumerate(content.terms, start=1):
        if not term.description.strip():
            problem = _("Term {n} does not say what was agreed").format(n=number)
            problems.append(by_action(problem, amend, "terms"))
        if term.amount is None:
            if term.type in TERMS_WITH_MONEY:
                problem = _("Term {n} ({kind}) has no amount").format(
                    n=number, kind=label(term.type)
                )
                problems.append(by_action(problem, amend, "terms"))
        elif problem := _amount_problem(number, term.amount):
            problems.append(problem)
    if not [m for m in content.mediators if m.strip()]:
        problems.append(by_action(_("No mediator is named"), amend, "mediators"))
    if not content.performed_on_spot:
        if not content.performance.strip():
            problems.append(
                by_action(_("How the agreement is performed is not stated"), amend, "performance")
            )
        if content.performance_due is None:
            problem = _("The date by which the agreement is performed is missing")
            problems.append(by_action(problem, amend, "performance_due"))
    return problems + unprintable_problems(content)


# --------------------------------------------------------------------------- parts


def _parties_table(content: AgreementContent, styles: Styles) -> Flowable:
    case = content.case
    merchant = case.merchant
    assert merchant is not None  # missing_facts checked it
    rows = [header_row("当事人", styles)]
    spans, shaded = [], [(0, 0, -1, 0)]
    complainants = case.complainants
    if len(complainants) <= INLINE_COMPLAINANTS:
        first = len(rows)
        rows += [party_row("投诉人", p, styles) for p in complainants]
        if len(complainants) > 1:
            spans.append((0, first, 0, len(rows) - 1))
    else:
        summary = f"{names_text(complainants)}（名单及身份信息见附件《投诉人名单》）"
        rows.append(
            [label_cell("投诉人", styles, SIZE_5), cell(summary, styles, SIZE_5)] + [""] * 4
        )
        spans.append((1, len(rows) - 1, 5, len(rows) - 1))
    if case.agent is not None:
        rows.append(party_row("委托代理人", case.agent, styles))
    rows.append(merchant_row("被投诉人", merchant, styles))
    if content.merchant_agent is not None:
        rows.append(party_row("委托代理人", content.merchant_agent, styles))
    widths = [TEXT_WIDTH * w for w in PARTY_COLUMNS]
    return grid_table(rows, widths, spans=spans, shaded=shaded, repeat_rows=1)


def _term_text(number: int, term) -> str:
    text = f"（{number_in_chinese(number)}）{TERM_TYPE_TEXT[term.type]}：{term.description.strip()}"
    if term.amount is not None:
        if text[-1] not in "。；;.，,：:":
            text += "，"
        elif text[-1] in "。；;.":
            text = text[:-1] + "，"
        text += f"金额{money_text(term.amount)}"
    if text[-1] not in "。；;.":
        text += "。"
    return text


def _terms(content: AgreementContent, styles: Styles) -> list[Flowable]:
    intro = AGREEMENT_INTRO.text.format(organisation=content.organisation.strip())
    flowables: list[Flowable] = [para(intro, styles.body)]
    for number, term in enumerate(content.terms, start=1):
        flowables.append(para(_term_text(number, term), styles.body))
    amounts = [t.amount for t in content.terms if t.amount is not None]
    if len(amounts) > 1:
        total = sum(amounts, Decimal(0))
        flowables.append(para(f"以上款项合计{money_text(total)}。", styles.body))
    return flowables


def _performance_text(content: AgreementContent) -> str:
    assert content.agreed_on is not None
    if content.performed_on_spot:
        return PERFORMED_ON_SPOT.format(date=date_in_chinese(content.agreed_on))
    assert content.performance_due is not None
    method = content.performance.strip().rstrip("。；;.，,")
    return PERFORMANCE_BY.format(method=method, date=date_in_chinese(content.performance_due))


def _facts(content: AgreementContent, styles: Styles) -> list[Flowable]:
    case = content.case
    received = (
        f"投诉人于{datetime_in_chinese(case.received_at)}通过{CHANNEL_TEXT[case.channel]}"
        f"向{content.organisation.strip()}投诉。"
    )
    flowables = [para(received, styles.body), para(content.dispute_facts, styles.body)]
    if case.request.strip():
        flowables.append(para(f"投诉请求：{case.request.strip()}", styles.body))
    return flowables


def _signatures(content: AgreementContent, styles: Styles, lead: list[Flowable]) -> Flowable:
    case = content.case
    in_annex = len(case.complainants) > INLINE_COMPLAINANTS
    lines = party_signature_lines(
        complainant_note="见附件" if in_annex else "",
        complainant_agent=case.agent is not None,
        merchant_agent=content.merchant_agent is not None,
    )
    assert content.agreed_on is not None
    return signature_block(
        lines,
        seal_holder=content.organisation.strip(),
        date_text=date_in_chinese(content.agreed_on),
        styles=styles,
        lead=lead,
    )


def _annex(content: AgreementContent, styles: Styles) -> list[Flowable]:
    complainants = content.case.complainants
    header = ["序号", "姓名", "性别", "身份证件号码", "联系电话", "住址", "签名\n（按指印）"]
    rows = [[label_cell(h, styles, SIZE_5) for h in header]]
    for number, party in enumerate(complainants, start=1):
        rows.append(
            [
                label_cell(str(number), styles, SIZE_5),
                cell(party.name, styles, SIZE_5),
                label_cell(gender_text(party), styles, SIZE_5),
                cell(given(party.id_number), styles, SIZE_5),
                cell(given(party.phone), styles, SIZE_5),
                cell(given(party.address), styles, SIZE_5),
                "",
            ]
        )
    note = (
        f"本名单是{content.title}（{content.document_number.strip()}）的组成部分，"
        f"共{len(complainants)}人，各投诉人在本名单上签名或按指印。"
    )
    return [
        PageBreak(),
        para("附件：投诉人名单", styles.style("annex", SIZE_4, spaceAfter=4)),
        para(note, styles.style("annex-note", SIZE_5, spaceAfter=6)),
        grid_table(
            rows,
            [TEXT_WIDTH * w for w in ANNEX_COLUMNS],
            shaded=[(0, 0, -1, 0)],
            repeat_rows=1,
            min_row_height=SIZE_5 * 2.6,
        ),
    ]


def story(content: AgreementContent, styles: Styles) -> list[Flowable]:
    headings = [
        f"{number_in_chinese(n)}、{text}" for n, text in enumerate(AGREEMENT_SECTIONS, start=1)
    ]
    mediators = "、".join(m.strip() for m in content.mediators if m.strip())
    flowables: list[Flowable] = [
        letterhead(content.organisation.strip()),
        document_title(content.title),
        number_line(content.document_number.strip(), styles),
        section_heading(headings[0], styles),
        _parties_table(content, styles),
        Spacer(1, 4),
        para(f"调解员：{mediators}", styles.plain),
        section_heading(headings[1], styles),
        *_facts(content, styles),
        section_heading(headings[2], styles),
        para(content.dispute.strip(), styles.body),
        section_heading(headings[3], styles),
        *_terms(content, styles),
        section_heading(headings[4], styles),
        para(_performance_text(content), styles.body),
        para(AGREEMENT_BINDING.text, styles.body),
        para(AGREEMENT_EFFECT.text, styles.body),
        para(AGREEMENT_COPIES.text, styles.body),
    ]
    last_clause = para(JUDICIAL_CONFIRMATION.text, styles.body)
    flowables.append(_signatures(content, styles, lead=[last_clause]))
    if len(content.case.complainants) > INLINE_COMPLAINANTS:
        flowables += _annex(content, styles)
    return flowables


def build_mediation_agreement(content: AgreementContent, *, verification_code: str) -> bytes:
    """The agreement as PDF bytes; MissingFacts when something required is not recorded."""
    problems = missing_facts(content)
    if problems:
        raise MissingFacts(problems)
    styles = Styles(document_fonts(), body_size=SIZE_4)
    marks = PageMarks(
        verification_code=verification_code, document_number=content.document_number.strip()
    )
    return build_pdf(
        story(content, styles),
        title=content.title,
        author=content.organisation.strip(),
        marks=marks,
    )
