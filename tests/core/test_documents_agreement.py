"""The mediation agreement (调解协议书): exact facts and terms, signatures kept whole, long lists."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from decimal import Decimal

import pytest

from station_app.documents.content import MissingFacts, Term
from station_app.documents.mediation_agreement import (
    INLINE_COMPLAINANTS,
    build_mediation_agreement,
    missing_facts,
)
from station_app.documents.samples import (
    CREDIT_CODE,
    DOCUMENT_NUMBER,
    ORGANISATION,
    RESIDENT_ID,
    sample_agreement,
    sample_complainant,
)
from station_app.documents.wording import (
    AGREEMENT_COPIES,
    AGREEMENT_EFFECT,
    JUDICIAL_CONFIRMATION,
)
from station_app.domain import CaseKind, Party, TermType
from tests.core.test_documents_pdf import (
    bundled_fonts,  # noqa: F401 - autouse fixture
    flat,
    needs_poppler,
    page_count,
    pdf_text,
    problem_heads,
)

SIGNATURE_LINES = ("投诉人（签名或按指印）", "被投诉人（签名或盖章）", "调解员（签名）", "（盖章）")


def build(content) -> bytes:
    return build_mediation_agreement(content, verification_code="1A2B3C4D")


def body_text(pdf: bytes) -> str:
    """The whole text without the marks at the foot of each page, which interrupt a paragraph
    that runs on to the next page."""
    marks = re.escape(DOCUMENT_NUMBER) + r"第\d+页共\d+页校验码1A2B3C4D"
    return re.sub(marks, "", flat(pdf_text(pdf)))


@needs_poppler
def test_the_agreement_prints_the_recorded_facts_and_terms_exactly():
    content = sample_agreement()
    text = flat(pdf_text(build(content)))
    complainant = content.case.complainants[0]
    expected = [
        ORGANISATION,
        "调解协议书",
        DOCUMENT_NUMBER,
        # parties: the complainant by name only, the business with its code and address
        complainant.name,
        "瑞昌市好又多超市",
        CREDIT_CODE,
        "法定代表人（负责人）：王建国",
        "王小明",
        "调解员：李文华、赵明",
        # facts, dispute, request
        "投诉人于2026年3月2日9时30分通过电话向" + ORGANISATION + "投诉。",
        content.case.facts,
        "投诉请求：" + content.case.request,
        content.dispute,
        # terms: money in figures and capitals
        "（一）退款：被投诉人退还投诉人购买电饭煲的货款，金额人民币1,299.50元"
        "（大写：人民币壹仟贰佰玖拾玖元伍角整）。",
        "（二）赔偿：被投诉人赔偿投诉人往返交通及误工损失，金额人民币200.00元（大写：人民币贰佰元整）。",
        "（三）其他：投诉人在收到全部款项后将电饭煲及其配件退还被投诉人。",
        "以上款项合计人民币1,499.50元（大写：人民币壹仟肆佰玖拾玖元伍角整）。",
        # how and by when
        "被投诉人以现金方式当面支付，于2026年3月12日前履行完毕。",
        # effect, copies (complainant, business, file), judicial confirmation (CPL art. 205)
        AGREEMENT_EFFECT.text.format(seal_holder=ORGANISATION),
        AGREEMENT_COPIES.text.format(copies="三", seal_holder=ORGANISATION),
        JUDICIAL_CONFIRMATION.text,
        *SIGNATURE_LINES,
        "2026年3月9日",
    ]
    for piece in expected:
        assert flat(piece) in text, piece
    # The agreement goes to the business: no ID number, phone or address of a complainant.
    for private in (RESIDENT_ID, complainant.phone, complainant.address, "13907921234"):
        assert flat(private) not in text, private
    assert "人民调解法" not in text  # the sample station is no people's mediation committee


@needs_poppler
def test_sections_follow_article_29():
    text = flat(pdf_text(build(sample_agreement())))
    headings = [
        "一、当事人基本情况",
        "二、纠纷的主要事实",
        "三、争议事项及各方责任",
        "四、协议内容",
        "五、履行方式和期限",
    ]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)


@needs_poppler
def test_an_agreement_performed_on_the_spot_says_so():
    content = dataclasses.replace(
        sample_agreement(), performed_on_spot=True, performance="", performance_due=None
    )
    assert missing_facts(content) == []
    assert "上述协议内容已于2026年3月9日当场履行完毕。" in flat(pdf_text(build(content)))


@needs_poppler
def test_long_terms_flow_onto_more_pages_and_the_signature_block_stays_whole():
    clause = (
        "被投诉人应当按照国家有关规定和双方约定，对投诉人购买的商品承担退货、更换、修理等责任，"
    )
    long_text = (clause * 60)[:2000]
    assert len(long_text) == 2000
    pdf = build(sample_agreement(refund_text=long_text))
    total = page_count(pdf)
    assert total >= 3
    assert flat(long_text) in body_text(pdf)
    pages = [flat(pdf_text(pdf, n)) for n in range(1, total + 1)]
    holding = [n for n, page in enumerate(pages) if SIGNATURE_LINES[0] in page]
    assert len(holding) == 1
    page = pages[holding[0]]
    for line in (*SIGNATURE_LINES, "2026年3月9日"):
        assert line in page, line
    # the last clause goes with the signatures: no signature page stands alone
    assert flat(JUDICIAL_CONFIRMATION.text) in page


@needs_poppler
def test_a_joint_complaint_of_150_people_lists_every_complainant_in_an_annex():
    content = sample_agreement(150)
    pdf = build(content)
    text = body_text(pdf)
    complainants = content.case.complainants
    assert len({p.name for p in complainants}) == 150
    assert "张秀兰、张伟、张芳等150人（名单及各人金额见附件《投诉人名单》）" in text
    assert "附件：投诉人名单" in text
    assert "共150人" in text
    assert "本协议一式152份" in text
    assert "书面推选张秀兰、张伟为代表人" in text
    # every complainant has a row of the annex: number, name, amount; never ID or phone
    rows = flat(pdf_text(pdf, raw=True))
    for number, party in enumerate(complainants, start=1):
        row = f"{number}{party.name}人民币{100 + 10 * (number - 1):,}.00元"
        assert row in rows, row
    assert RESIDENT_ID not in rows and "13800000002" not in rows
    assert page_count(pdf) >= 4


@needs_poppler
def test_up_to_five_complainants_are_listed_in_the_parties_table():
    content = sample_agreement(INLINE_COMPLAINANTS)
    text = flat(pdf_text(build(content)))
    assert "附件" not in text
    assert all(p.name in text for p in content.case.complainants)


def test_missing_facts_are_listed_instead_of_printing_blanks():
    content = sample_agreement()
    content.case.complainants[0].name = " "
    content.case.merchant = None
    content.terms = []
    content.mediators = [""]
    content.dispute = ""
    content.performance = ""
    content.performance_due = None
    content.document_number = ""
    problems = missing_facts(content)
    assert problem_heads(problems) == [
        "The agreement has no document number",
        "Complainant 1 has no name",
        "The business complained about is not recorded",
        "The dispute and each party's responsibility are not stated",
        "The agreement has no terms",
        "No mediator is named",
        "How the agreement is performed is not stated",
        "The date by which the agreement is performed is missing",
    ]
    # Each names what supplies it: the registration, or amend-agreement and its key.
    assert "(“complainants” in the case JSON)" in problems[1]
    assert "(amend-agreement, “dispute”)" in problems[3]
    assert "(amend-agreement, “performance_due”)" in problems[7]
    with pytest.raises(MissingFacts) as caught:
        build(content)
    assert caught.value.problems == problems
    assert "The agreement has no terms" in str(caught.value)
    content.agreed_on = None
    assert problem_heads(missing_facts(content))[-1] == "No agreement is recorded"


def test_terms_must_say_what_and_how_much():
    content = sample_agreement()
    content.terms = [
        Term(TermType.REFUND, None, "退还货款"),
        Term(TermType.COMPENSATION, Decimal("10.005"), "赔偿"),
        Term(TermType.OTHER, None, ""),
    ]
    assert problem_heads(missing_facts(content)) == [
        "Term 1 (Refund) has no amount",
        "Term 2 has an amount that cannot be printed",
        "Term 3 does not say what was agreed",
    ]


def test_only_a_complaint_has_a_mediation_agreement():
    content = sample_agreement()
    content.case.kind = CaseKind.REPORT
    assert "A mediation agreement is made only for a complaint." in missing_facts(content)


def test_an_unnamed_representative_is_missing():
    content = dataclasses.replace(sample_agreement(), merchant_agent=Party(name=""))
    assert missing_facts(content) == ["The business's representative has no name."]


@needs_poppler
def test_the_other_title_and_the_agents():
    content = dataclasses.replace(sample_agreement(), title="投诉调解书")
    content.case.agent = dataclasses.replace(sample_complainant(2), name="李代理")
    text = flat(pdf_text(build(content)))
    assert "投诉调解书" in text
    assert "李代理" in text
    assert text.count("委托代理人（签名）") == 2
    assert re.search(r"第1页共\d页", text)


def test_an_unknown_title_is_a_program_error():
    with pytest.raises(ValueError):
        missing_facts(dataclasses.replace(sample_agreement(), title="协议"))


@needs_poppler
def test_dates_and_amounts_of_another_agreement():
    content = dataclasses.replace(
        sample_agreement(),
        agreed_on=date(2026, 12, 31),
        performance_due=date(2027, 1, 5),
        terms=[Term(TermType.COMPENSATION, Decimal("100000000.00"), "一次性赔偿")],
    )
    text = flat(pdf_text(build(content)))
    assert "金额人民币100,000,000.00元（大写：人民币壹亿元整）" in text
    assert "于2027年1月5日前履行完毕" in text
    assert "2026年12月31日" in text
    assert "以上款项合计" not in text
