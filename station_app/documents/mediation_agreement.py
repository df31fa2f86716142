"""调解协议书 / 投诉调解书: the mediation agreement the parties sign on the spot, one copy per
party and one for the file (parties, facts, dispute and responsibilities, terms, how and by when).

Its legal basis follows the kind of mediating organisation (acting_bodies): the People's
Mediation Law only for a people's mediation committee; an entrusted consumer association
mediates in the bureau's name, which then seals. The agreement goes to the business: it names
the complainants only, never their ID numbers, phones or addresses."""

from __future__ import annotations

from decimal import Decimal

from reportlab.platypus import Flowable, PageBreak, Spacer

from station_app.acting_bodies import (
    AUTHORITY_NAME,
    MEDIATOR_KIND,
    MEDIATOR_NAME,
    MediatorKind,
    missing_setting,
)
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
    unprintable_problems,
)
from station_app.documents.fonts import document_fonts
from station_app.documents.formatting import (
    format_yuan,
    given,
    merchant_id_text,
    money_text,
    names_text,
)
from station_app.documents.layout import (
    SIZE_4,
    SIZE_5,
    TEXT_WIDTH,
    PageMarks,
    SignatureLine,
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
    AGREEMENT_BINDING_PMC,
    AGREEMENT_COPIES,
    AGREEMENT_EFFECT,
    AGREEMENT_INTRO_ENTRUSTED,
    AGREEMENT_INTRO_PMC,
    AGREEMENT_INTRO_STATION,
    AGREEMENT_SECTIONS,
    AGREEMENT_TITLES,
    CHANNEL_TEXT,
    JUDICIAL_CONFIRMATION,
    JUDICIAL_CONFIRMATION_PMC,
    PERFORMANCE_BY,
    PERFORMED_ON_SPOT,
    TERM_TYPE_TEXT,
    regime_for,
)
from station_app.domain import CaseKind, TermType, label
from station_app.i18n import _
from station_app.workflow import Action

KIND = "mediation_agreement"
# More complainants than this are listed in an annex, where each one signs.
INLINE_COMPLAINANTS = 5
# Terms that give money must say how much.
TERMS_WITH_MONEY = (TermType.REFUND, TermType.COMPENSATION)

# 当事人 | 姓名（名称） | 统一社会信用代码 | 住所
PARTY_COLUMNS = (0.14, 0.34, 0.26, 0.26)
# 序号 | 姓名 | 金额 | 签名（按指印）
ANNEX_COLUMNS = (0.08, 0.22, 0.45, 0.25)


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
    bodies = content.bodies
    if bodies.kind is None:
        problems.append(missing_setting(MEDIATOR_KIND))
    if not bodies.mediator_name:
        problems.append(missing_setting(MEDIATOR_NAME))
    if bodies.in_bureaus_name and not bodies.authority_name:
        problems.append(missing_setting(AUTHORITY_NAME))
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
    """Complainants and agents by name only; the business with its code and address."""
    case = content.case
    merchant = case.merchant
    assert merchant is not None  # missing_facts checked it
    header = ["当事人", "姓名（名称）", "统一社会信用代码", "住所"]
    rows = [[label_cell(h, styles, SIZE_5) for h in header]]
    spans, shaded = [], [(0, 0, -1, 0)]
    complainants = case.complainants
    if len(complainants) <= INLINE_COMPLAINANTS:
        text = "、".join(p.name.strip() for p in complainants)
    else:
        text = f"{names_text(complainants)}（名单及各人金额见附件《投诉人名单》）"
    rows.append([label_cell("投诉人", styles, SIZE_5), cell(text, styles, SIZE_5), "", ""])
    spans.append((1, len(rows) - 1, 3, len(rows) - 1))
    if case.agent is not None:
        rows.append(
            [
                label_cell("委托代理人", styles, SIZE_5),
                cell(case.agent.name, styles, SIZE_5),
                "",
                "",
            ]
        )
        spans.append((1, len(rows) - 1, 3, len(rows) - 1))
    name = merchant.name
    if merchant.legal_rep.strip():
        name += f"\n法定代表人（负责人）：{merchant.legal_rep.strip()}"
    rows.append(
        [
            label_cell("被投诉人", styles, SIZE_5),
            cell(name, styles, SIZE_5),
            cell(merchant_id_text(merchant).replace("统一社会信用代码\n", ""), styles, SIZE_5),
            cell(given(merchant.address), styles, SIZE_5),
        ]
    )
    if content.merchant_agent is not None:
        rows.append(
            [
                label_cell("委托代理人", styles, SIZE_5),
                cell(content.merchant_agent.name, styles, SIZE_5),
                "",
                "",
            ]
        )
        spans.append((1, len(rows) - 1, 3, len(rows) - 1))
    widths = [TEXT_WIDTH * w for w in PARTY_COLUMNS]
    return grid_table(rows, widths, spans=spans, shaded=shaded, repeat_rows=1)


def _joint_lines(content: AgreementContent, styles: Styles) -> list[Flowable]:
    """A joint complaint: its two elected representatives and, when short, each amount."""
    members = content.members
    if len(content.case.complainants) < 2 or not members:
        return []
    flowables: list[Flowable] = []
    representatives = [m.name.strip() for m in members if m.representative]
    if representatives:
        flowables.append(
            para(
                f"本案为共同投诉，共{len(members)}名投诉人，书面推选{'、'.join(representatives)}"
                "为代表人。",
                styles.plain,
            )
        )
    if len(members) <= INLINE_COMPLAINANTS:
        amounts = "；".join(
            f"{m.name.strip()}{money_text(m.amount) if m.amount is not None else '（金额未记录）'}"
            for m in members
        )
        flowables.append(para(f"各投诉人的金额：{amounts}。", styles.plain))
    return flowables


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


def _intro(content: AgreementContent) -> str:
    bodies = content.bodies
    if bodies.kind == MediatorKind.PEOPLES_MEDIATION_COMMITTEE:
        return AGREEMENT_INTRO_PMC.text.format(mediator=bodies.mediator_name)
    if bodies.in_bureaus_name:
        regime = regime_for(content.case.received_at.date())
        return AGREEMENT_INTRO_ENTRUSTED.text.format(
            measures=regime.entrusted.text(),
            mediator=bodies.mediator_name,
            authority=bodies.authority_name,
        )
    return AGREEMENT_INTRO_STATION.text.format(mediator=bodies.mediator_name)


def _terms(content: AgreementContent, styles: Styles) -> list[Flowable]:
    intro = _intro(content)
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
        f"向{content.seal_holder}投诉。"
    )
    flowables = [para(received, styles.body), para(content.dispute_facts, styles.body)]
    if case.request.strip():
        flowables.append(para(f"投诉请求：{case.request.strip()}", styles.body))
    return flowables


def _signatures(content: AgreementContent, styles: Styles, lead: list[Flowable]) -> Flowable:
    case = content.case
    in_annex = len(case.complainants) > INLINE_COMPLAINANTS
    agent = SignatureLine("委托代理人（签名）")
    business = SignatureLine("被投诉人（签名或盖章）")
    if in_annex or len(case.complainants) < 2:
        lines = [(SignatureLine("投诉人（签名或按指印）", "见附件" if in_annex else ""), business)]
    else:  # each complainant of a joint complaint signs on a line of their own
        lines = [
            (SignatureLine("投诉人（签名或按指印）", p.name.strip()), business if n == 0 else None)
            for n, p in enumerate(case.complainants)
        ]
    if case.agent is not None or content.merchant_agent is not None:
        lines.append(
            (
                agent if case.agent is not None else None,
                agent if content.merchant_agent is not None else None,
            )
        )
    lines.append((SignatureLine("调解员（签名）"), None))
    assert content.agreed_on is not None
    return signature_block(
        lines,
        seal_holder=content.seal_holder,
        date_text=date_in_chinese(content.agreed_on),
        styles=styles,
        lead=lead,
    )


def _annex(content: AgreementContent, styles: Styles) -> list[Flowable]:
    """Every complainant by name with their amount, each signing: part of the agreement, so it
    goes to the business too and carries no ID number, phone or address."""
    amounts = {m.name.strip(): m.amount for m in content.members}
    header = ["序号", "姓名", "金额", "签名\n（按指印）"]
    rows = [[label_cell(h, styles, SIZE_5) for h in header]]
    complainants = content.case.complainants
    for number, party in enumerate(complainants, start=1):
        amount = amounts.get(party.name.strip())
        rows.append(
            [
                label_cell(str(number), styles, SIZE_5),
                cell(party.name, styles, SIZE_5),
                cell(
                    f"人民币{format_yuan(amount)}元" if amount is not None else "未记录",
                    styles,
                    SIZE_5,
                ),
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


def _count_text(n: int) -> str:
    """四 for small counts; 152 in digits (Chinese numerals here stop at 99)."""
    return number_in_chinese(n) if n <= 99 else str(n)


def _closing_clauses(content: AgreementContent, styles: Styles) -> tuple[list[Flowable], Flowable]:
    pmc = content.bodies.kind == MediatorKind.PEOPLES_MEDIATION_COMMITTEE
    seal_holder = content.seal_holder
    binding = AGREEMENT_BINDING_PMC if pmc else AGREEMENT_BINDING
    clauses = [
        para(binding.text, styles.body),
        para(AGREEMENT_EFFECT.text.format(seal_holder=seal_holder), styles.body),
        para(
            AGREEMENT_COPIES.text.format(
                copies=_count_text(content.copies), seal_holder=seal_holder
            ),
            styles.body,
        ),
    ]
    judicial = JUDICIAL_CONFIRMATION_PMC if pmc else JUDICIAL_CONFIRMATION
    return clauses, para(judicial.text, styles.body)


def story(content: AgreementContent, styles: Styles) -> list[Flowable]:
    headings = [
        f"{number_in_chinese(n)}、{text}" for n, text in enumerate(AGREEMENT_SECTIONS, start=1)
    ]
    mediators = "、".join(m.strip() for m in content.mediators if m.strip())
    clauses, last_clause = _closing_clauses(content, styles)
    mediator = f"调解员：{mediators}"
    if content.bodies.in_bureaus_name:
        mediator += f"（受委托调解单位：{content.bodies.mediator_name}）"
    flowables: list[Flowable] = [
        letterhead(content.seal_holder),
        document_title(content.title),
        number_line(content.document_number.strip(), styles),
        section_heading(headings[0], styles),
        _parties_table(content, styles),
        Spacer(1, 4),
        *_joint_lines(content, styles),
        para(mediator, styles.plain),
        section_heading(headings[1], styles),
        *_facts(content, styles),
        section_heading(headings[2], styles),
        para(content.dispute.strip(), styles.body),
        section_heading(headings[3], styles),
        *_terms(content, styles),
        section_heading(headings[4], styles),
        para(_performance_text(content), styles.body),
        *clauses,
    ]
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
        verification_code=verification_code,
        document_number=content.document_number.strip(),
        printed_on=date_in_chinese(content.printed_on) if content.printed_on else "",
    )
    return build_pdf(
        story(content, styles),
        title=content.title,
        author=content.seal_holder,
        marks=marks,
    )
