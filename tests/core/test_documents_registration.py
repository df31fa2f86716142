"""投诉登记表 and 举报登记表: the registered case in full, internal, the reporter kept apart."""

from __future__ import annotations

import pytest

from station_app.documents import DOCUMENT_KINDS
from station_app.documents.content import MissingFacts
from station_app.documents.registration_form import build_registration_form, missing_facts
from station_app.documents.samples import (
    CASE_NO,
    CREDIT_CODE,
    ORGANISATION,
    RESIDENT_ID,
    sample_complainant,
    sample_registration,
)
from station_app.documents.wording import REPORTER_CONFIDENTIAL
from station_app.domain import CaseKind, Channel
from tests.core.test_documents_pdf import (
    bundled_fonts,  # noqa: F401 - autouse fixture
    flat,
    needs_poppler,
    page_count,
    pdf_text,
    problem_heads,
)


def build(content) -> bytes:
    return build_registration_form(content, verification_code="1A2B3C4D")


@needs_poppler
def test_the_complaint_form_prints_every_recorded_field_in_full():
    content = sample_registration()
    case = content.case
    pdf = build(content)
    text = flat(pdf_text(pdf, raw=True))
    expected = [
        "内部登记",
        ORGANISATION,
        "投诉登记表",
        CASE_NO,
        "来源渠道电话",
        "接收时间2026年3月2日9时30分",
        # complainant and agent with ID numbers and phones in full
        "张秀兰女居民身份证" + RESIDENT_ID + "13812346721瑞昌市码头镇东风村1组",
        "代理人李代理男",
        "13900001111",
        # the business
        "瑞昌市好又多超市",
        CREDIT_CODE,
        "王建国",
        "0792-4221234",
        # what was bought, for how much
        "商品或服务商品",
        "家用电子电器类",
        "问题性质质量",
        "购买日期2026年2月10日",
        "瑞昌市好又多超市湓城店",
        "人民币1,299.50元（大写：人民币壹仟贰佰玖拾玖元伍角整）",
        "投诉请求" + case.request,
        case.facts,
        "购物小票.jpg（2026年2月10日）",
        "电饭煲照片.jpg",
        "登记人刘登记",
    ]
    for piece in expected:
        assert flat(piece) in text, piece
    assert RESIDENT_ID in text and "****" not in text


@needs_poppler
def test_consents_are_ticked_boxes():
    content = sample_registration()
    content.case.consent_publish = False
    content.case.consent_mediation = True
    content.case.consent_entrusted = False
    text = flat(pdf_text(build(content), raw=True))
    assert "同意公开投诉信息：是√否" in text
    assert "同意调解：√是否" in text
    assert "调解：是√否" in text  # the entrusted mediation, refused


@needs_poppler
def test_a_12345_transfer_shows_its_work_order():
    content = sample_registration()
    content.case.channel = Channel.TRANSFER_12345
    content.case.work_order_no = "GD2026030200123"
    text = flat(pdf_text(build(content), raw=True))
    assert "12345热线转办" in text
    assert "12345工单编号GD2026030200123" in text


@needs_poppler
def test_the_report_form_keeps_the_reporter_confidential():
    content = sample_registration(CaseKind.REPORT)
    text = flat(pdf_text(build(content), raw=True))
    assert "举报登记表" in text
    assert "举报人信息（保密）" in text
    assert "张秀兰" in text  # internal: the reporter is on the station's own form
    assert flat(REPORTER_CONFIDENTIAL.text) in text
    assert "被举报人信息" in text
    assert "内部登记" in text
    assert "投诉请求" not in text and "同意调解" not in text


@needs_poppler
def test_an_anonymous_report_names_nobody():
    content = sample_registration(CaseKind.REPORT)
    content.case.anonymous = True
    content.case.complainants = []
    assert missing_facts(content) == []
    text = flat(pdf_text(build(content), raw=True))
    assert "匿名举报" in text
    assert "张秀兰" not in text and RESIDENT_ID not in text


@needs_poppler
def test_long_facts_flow_onto_the_next_page_and_many_complainants_are_all_listed():
    content = sample_registration()
    content.case.facts = ("投诉人多次与被投诉人协商未果，" * 150)[:2000]
    content.case.complainants = [sample_complainant(n) for n in range(1, 151)]
    pdf = build(content)
    assert page_count(pdf) >= 5
    pages = [flat(pdf_text(pdf, n, raw=True)) for n in range(1, page_count(pdf) + 1)]
    assert all("内部登记" in page for page in pages)
    text = "".join(pages)
    assert all(p.name in text for p in content.case.complainants)
    assert text.count("投诉人多次与被投诉人协商未果") >= 130  # cut only where the page ends
    assert "事实与理由（续）" in text


def test_missing_facts_of_a_registration():
    content = sample_registration()
    content.organisation = ""
    content.clerk = ""
    content.case.case_no = ""
    content.case.complainants = []
    content.case.merchant = None
    content.case.facts = ""
    problems = missing_facts(content)
    assert problem_heads(problems) == [
        "The station's name is missing",
        "The clerk who registered the case is not named",
        "The case has no number yet",
        "No complainant is recorded",
        "The business complained about is not recorded",
        "The facts are not recorded",
    ]
    assert problems[-1].endswith("(“facts” in the case JSON).")
    with pytest.raises(MissingFacts):
        build(content)


def test_a_report_needs_its_reporter_unless_anonymous():
    content = sample_registration(CaseKind.REPORT)
    content.case.complainants[0].name = ""
    content.case.merchant = None
    assert problem_heads(missing_facts(content)) == [
        "Reporter 1 has no name",
        "The business reported is not recorded",
    ]


def test_each_form_is_for_its_own_kind():
    report = sample_registration(CaseKind.REPORT)
    problems = DOCUMENT_KINDS["complaint_registration"].missing_facts(report)
    assert problems == ["This form is for a complaint; the case is a report."]
    with pytest.raises(MissingFacts):
        DOCUMENT_KINDS["complaint_registration"].build(report, verification_code="1A2B3C4D")
    assert DOCUMENT_KINDS["report_registration"].missing_facts(report) == []
    consultation = sample_registration()
    consultation.case.kind = CaseKind.CONSULTATION
    assert missing_facts(consultation)[0] == "A consultation has no registration form."
