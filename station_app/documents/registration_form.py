"""投诉登记表 and 举报登记表: the case as registered, for the station's own file.

The form is internal (marked 内部登记 on every page): it carries the consumers' full ID numbers
and phones, and on a report the reporter, whose identity is never given to the business.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer

from station_app.documents.blocks import PARTY_HEADER, header_row, party_row
from station_app.documents.capital_numerals import date_in_chinese, datetime_in_chinese
from station_app.documents.content import (
    MissingFacts,
    RegistrationContent,
    in_registration,
    merchant_problems,
    party_problems,
    station_name_problem,
    unprintable_problems,
)
from station_app.documents.fonts import document_fonts
from station_app.documents.formatting import (
    given,
    optional_date_text,
    optional_money_text,
)
from station_app.documents.layout import (
    SIZE_S4,
    TEXT_WIDTH,
    CheckChoices,
    LabelledText,
    PageMarks,
    Styles,
    build_pdf,
    cell,
    document_title,
    grid_table,
    label_cell,
    letterhead,
    para,
)
from station_app.documents.wording import (
    CHANNEL_TEXT,
    CONSENTS,
    GOODS_OR_SERVICE_TEXT,
    INTERNAL_MARK,
    NOT_GIVEN,
    REPORTER_CONFIDENTIAL,
)
from station_app.domain import Case, CaseKind, Channel, label
from station_app.i18n import _

COMPLAINT_KIND = "complaint_registration"
REPORT_KIND = "report_registration"
TITLES = {CaseKind.COMPLAINT: "投诉登记表", CaseKind.REPORT: "举报登记表"}

# label | value | label | value
FORM_COLUMNS = (0.17, 0.33, 0.17, 0.33)
# 序号 | 姓名 | 性别 | 证件类型及号码 | 联系电话 | 住址
PERSON_COLUMNS = (0.09, 0.15, 0.07, 0.26, 0.17, 0.26)


def _words(kind: CaseKind) -> dict[str, str]:
    """The words that differ between the complaint and the report form."""
    if kind == CaseKind.REPORT:
        return {"person": "举报人", "business": "被举报人", "facts": "举报事项及理由"}
    return {"person": "投诉人", "business": "被投诉人", "facts": "事实与理由"}


def missing_facts(content: RegistrationContent, kind: CaseKind | None = None) -> list[str]:
    """What must be recorded before the form can be printed (empty: ready to print).

    With `kind`, the case must be of that kind (the 投诉登记表 is not printed for a report).
    """
    case = content.case
    problems = []
    if kind is not None and case.kind != kind:
        problems.append(
            _("This form is for a {expected}; the case is a {actual}.").format(
                expected=label(kind).lower(), actual=label(case.kind).lower()
            )
        )
    elif case.kind not in TITLES:
        problems.append(_("A consultation has no registration form."))
    if not content.organisation.strip():
        problems.append(station_name_problem())
    if not content.clerk.strip():
        problems.append(_("The clerk who registered the case is not named."))
    if not case.case_no.strip():
        problems.append(_("The case has no number yet."))
    if case.kind == CaseKind.REPORT:
        if not case.anonymous:
            problems += party_problems(case, who="reporter")
        if case.merchant is None or not case.merchant.name.strip():
            problems.append(in_registration(_("The business reported is not recorded"), "merchant"))
    elif case.kind == CaseKind.COMPLAINT:
        problems += party_problems(case, who="complainant")
        if case.merchant is None or not case.merchant.name.strip():
            problems += merchant_problems(case)
    if not case.facts.strip():
        problems.append(in_registration(_("The facts are not recorded"), "facts"))
    return problems + unprintable_problems(content)


def _pair(label: str, value: str, styles: Styles) -> list:
    return [label_cell(label, styles), cell(value, styles)]


def _wide(label: str, value, styles: Styles) -> list:
    value_cell = cell(value, styles) if isinstance(value, str) else value
    return [label_cell(label, styles), value_cell, "", ""]


class _Form:
    """Rows of the four-column form, with their spans and shaded section rows."""

    def __init__(self, styles: Styles) -> None:
        self.styles = styles
        self.rows: list[list] = []
        self.spans: list[tuple[int, int, int, int]] = []
        self.shaded: list[tuple[int, int, int, int]] = []

    def section(self, title: str) -> None:
        self.rows.append([label_cell(title, self.styles), "", "", ""])
        row = len(self.rows) - 1
        self.spans.append((0, row, 3, row))
        self.shaded.append((0, row, 3, row))

    def pairs(self, left: tuple[str, str], right: tuple[str, str]) -> None:
        self.rows.append(_pair(*left, self.styles) + _pair(*right, self.styles))

    def wide(self, label: str, value) -> None:
        self.rows.append(_wide(label, value, self.styles))
        row = len(self.rows) - 1
        self.spans.append((1, row, 3, row))

    def table(self) -> Flowable:
        """The rows so far as one table (split between rows only); the form goes on."""
        table = grid_table(
            self.rows, [TEXT_WIDTH * w for w in FORM_COLUMNS], spans=self.spans, shaded=self.shaded
        )
        self.rows, self.spans, self.shaded = [], [], []
        return table


def _people_table(case: Case, styles: Styles) -> Flowable:
    words = _words(case.kind)
    title = words["person"] + "信息"
    if case.kind == CaseKind.REPORT:
        title += "（保密）"
    rows = [[label_cell(title, styles)] + [""] * 5]
    spans = [(0, 0, 5, 0)]
    shaded = [(0, 0, 5, 0)]
    if case.kind == CaseKind.REPORT and case.anonymous:
        rows.append([cell("匿名举报，未登记举报人身份信息。", styles)] + [""] * 5)
        spans.append((0, 1, 5, 1))
    else:
        rows.append(header_row("序号", styles, ("姓名", *PARTY_HEADER[1:])))
        rows += [party_row(str(n), p, styles) for n, p in enumerate(case.complainants, start=1)]
        if case.agent is not None:
            rows.append(party_row("代理人", case.agent, styles))
    return grid_table(
        rows,
        [TEXT_WIDTH * w for w in PERSON_COLUMNS],
        spans=spans,
        shaded=shaded,
        repeat_rows=2 if len(rows) > 2 else 0,
    )


def _received(form: _Form, content: RegistrationContent) -> None:
    case = content.case
    registered = content.registered_at or case.received_at
    form.pairs(("登记编号", case.case_no), ("登记时间", datetime_in_chinese(registered)))
    form.pairs(
        ("来源渠道", CHANNEL_TEXT[case.channel]),
        ("接收时间", datetime_in_chinese(case.received_at)),
    )
    if case.channel == Channel.TRANSFER_12345 or case.work_order_no.strip():
        form.pairs(
            ("12345工单编号", given(case.work_order_no)),
            ("工单办理时限", optional_date_text(case.work_order_due)),
        )


def _business(form: _Form, case: Case) -> None:
    merchant = case.merchant
    assert merchant is not None  # missing_facts checked it
    form.section(_words(case.kind)["business"] + "信息")
    form.wide("名称", merchant.name)
    form.pairs(
        ("统一社会信用代码", given(merchant.uscc)),
        ("法定代表人（负责人）", given(merchant.legal_rep)),
    )
    form.pairs(("地址", given(merchant.address)), ("联系电话", given(merchant.phone)))
    if merchant.platform.strip() or merchant.shop_url.strip():
        form.pairs(
            ("网络交易平台", given(merchant.platform)), ("网店链接", given(merchant.shop_url))
        )


def _consumption(form: _Form, case: Case) -> None:
    form.section("消费信息")
    kind = GOODS_OR_SERVICE_TEXT[case.goods_or_service] if case.goods_or_service else NOT_GIVEN
    form.pairs(("商品或服务", kind), ("类别", given(case.category)))
    form.pairs(
        ("问题性质", given(case.problem_nature)),
        ("购买日期", optional_date_text(case.purchase_date)),
    )
    form.wide("购买地点", given(case.purchase_place))
    form.wide("涉及金额", optional_money_text(case.amount))


def _evidence_text(case: Case) -> str:
    if not case.evidence:
        return "无"
    return "\n".join(
        f"{n}. {e.filename}" + (f"（{e.note.strip()}）" if e.note.strip() else "")
        for n, e in enumerate(case.evidence, start=1)
    )


def story(content: RegistrationContent, styles: Styles) -> list[Flowable]:
    case = content.case
    words = _words(case.kind)
    form = _Form(styles)
    _received(form, content)
    flowables = [
        letterhead(content.organisation.strip()),
        document_title(TITLES[case.kind]),
        form.table(),
        _people_table(case, styles),
    ]
    _business(form, case)
    _consumption(form, case)
    form.section("登记内容")
    if case.kind == CaseKind.COMPLAINT:
        form.wide("投诉请求", given(case.request))
    flowables.append(form.table())
    # The facts may run over pages: a row that splits inside its text.
    flowables.append(
        LabelledText(words["facts"], case.facts.strip(), TEXT_WIDTH * FORM_COLUMNS[0], styles)
    )
    form.wide("证据材料", _evidence_text(case))
    if case.kind == CaseKind.COMPLAINT:
        choices = [(text, bool(getattr(case, attribute))) for attribute, text in CONSENTS]
        form.wide("投诉人意愿", CheckChoices(choices, size=SIZE_S4))
    else:
        form.wide("保密要求", REPORTER_CONFIDENTIAL.text)
    registered = content.registered_at or case.received_at
    form.pairs(("登记人", content.clerk.strip()), ("登记日期", date_in_chinese(registered)))
    flowables.append(form.table())
    # Signature lines: the complainant (or reporter) confirms what was recorded, the handler
    # signs under their display name.
    who = "投诉人" if case.kind == CaseKind.COMPLAINT else "举报人"
    flowables.append(Spacer(1, SIZE_S4))
    flowables.append(
        para(
            f"{who}（签名或按指印）：________________　　"
            f"经办人（签名）：{content.clerk.strip()}________________",
            styles.plain,
        )
    )
    return flowables


def build_registration_form(
    content: RegistrationContent, *, verification_code: str, kind: CaseKind | None = None
) -> bytes:
    """The registration form as PDF bytes; MissingFacts when something required is missing."""
    problems = missing_facts(content, kind)
    if problems:
        raise MissingFacts(problems)
    styles = Styles(document_fonts(), body_size=SIZE_S4)
    marks = PageMarks(
        verification_code=verification_code,
        document_number=content.case.case_no.strip(),
        header_note=INTERNAL_MARK,
    )
    return build_pdf(
        story(content, styles),
        title=TITLES[content.case.kind],
        author=content.organisation.strip(),
        marks=marks,
    )
