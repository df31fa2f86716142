"""投诉受理决定书, 投诉不予受理决定书, 投诉终止调解决定书 and 投诉调解通知书 read back with
pdftotext: the names, numbers, dates, grounds by item number and the routes of art. 39."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from station_app.documents import DOCUMENT_KINDS, Audience
from station_app.documents.content import MissingFacts
from station_app.documents.decisions import GROUNDS, decision_missing_facts
from station_app.documents.samples import sample_complainant, sample_decision, sample_notice
from station_app.documents.wording import ART_39_ROUTES
from station_app.domain import CaseKind
from station_app.workflow import REFUSAL_GROUNDS, TERMINATION_GROUNDS
from tests.core.test_documents_pdf import bundled_fonts, flat, pdf_fonts, pdf_text, problem_heads  # noqa: F401

DECISIONS = ("acceptance_decision", "refusal_decision", "termination_decision")


def _text(content, kind: str) -> str:
    return flat(pdf_text(DOCUMENT_KINDS[kind].build(content, verification_code="9F8E7D6C")))


@pytest.mark.parametrize("kind", [*DECISIONS, "mediation_notice"])
def test_the_parties_number_and_dates_appear_exactly(kind):
    content = sample_notice() if kind == "mediation_notice" else sample_decision(kind)
    text = _text(content, kind)
    assert DOCUMENT_KINDS[kind].title in text
    assert DOCUMENT_KINDS[kind].audience is Audience.PARTIES
    for expected in (
        content.document_number,
        "投诉人：张秀兰",
        "被投诉人：瑞昌市好又多超市",
        "2026年3月2日9时30分",
        "RC-MT-2026-00017",
        "校验码9F8E7D6C",
        "瑞昌市消费者权益保护委员会码头镇消费者投诉站（盖章）",
    ):
        assert expected in text, expected


@pytest.mark.parametrize("kind", DECISIONS)
def test_a_decision_never_prints_an_id_number_or_phone(kind):
    content = sample_decision(kind)
    text = _text(content, kind)
    party = content.case.complainants[0]
    assert party.id_number not in text
    assert party.phone not in text
    assert party.address not in text


@pytest.mark.parametrize("item", [g.item for g in REFUSAL_GROUNDS])
def test_refusal_names_its_ground_by_item_and_the_other_routes(item):
    content = sample_decision("refusal_decision", ground=item)
    text = _text(content, "refusal_decision")
    ground = content.ground
    number = "一二三四五六七八九"[item - 1]
    assert flat(f"第{number}项“{ground.text}”") in text
    assert "不予受理" in text
    assert "《中华人民共和国消费者权益保护法》第三十九条" in text
    for route in ART_39_ROUTES:
        assert flat(route) in text
    for words in ("协商和解", "请求消费者协会或者依法成立的其他调解组织调解", "向有关行政部门投诉"):
        assert words in text
    assert "提请仲裁机构仲裁" in text and "向人民法院提起诉讼" in text


@pytest.mark.parametrize("item", [g.item for g in TERMINATION_GROUNDS])
def test_termination_names_its_ground_and_the_day(item):
    content = sample_decision("termination_decision", ground=item)
    text = _text(content, "termination_decision")
    number = "一二三四五六七八九"[item - 1]
    assert flat(f"第{number}项“{content.ground.text}”") in text
    assert "决定于2026年3月4日终止调解" in text


def test_acceptance_says_the_day_it_was_accepted():
    text = _text(sample_decision("acceptance_decision"), "acceptance_decision")
    assert "决定于2026年3月4日予以受理" in text
    assert "第三十九条" not in text


def test_mediation_notice_has_time_place_materials_recusal_and_the_warning():
    content = sample_notice()
    text = _text(content, "mediation_notice")
    for expected in (
        "调解时间：2026年3月9日9时30分",
        "调解地点：瑞昌市码头镇消费者投诉站调解室（码头镇人民路1号）",
        "1.身份证件（单位为营业执照及授权委托书）；",
        "3.与争议有关的商品。",
        "调解员：李文华、赵明",
        "三个工作日前提出回避申请",
        "无正当理由不参加调解的，本单位将依法终止调解",
        "联系电话：0792-4220315",
        "2026年3月5日",
    ):
        assert expected in text, expected


def test_a_joint_complaint_lists_every_complainant():
    content = sample_decision("acceptance_decision")
    content.case.complainants = [sample_complainant(n) for n in range(1, 151)]
    text = _text(content, "acceptance_decision")
    for party in content.case.complainants:
        assert party.name in text
    assert "张秀兰、张伟、张芳等150人于" in text


@pytest.mark.parametrize("kind", [*DECISIONS, "mediation_notice"])
def test_every_font_is_embedded(kind):
    content = sample_notice() if kind == "mediation_notice" else sample_decision(kind)
    rows = pdf_fonts(DOCUMENT_KINDS[kind].build(content, verification_code="1A2B3C4D"))
    assert rows and all(r["emb"] == "yes" and r["sub"] == "yes" for r in rows)


def test_missing_facts_are_named():
    content = sample_decision("refusal_decision")
    content = dataclasses.replace(content, ground=None, decided_on=None, organisation=" ")
    content.case.kind = CaseKind.REPORT
    problems = decision_missing_facts(content)
    assert problem_heads(problems) == [
        "This document is issued only on a complaint",
        "The station's name is missing",
        "The decision is not recorded yet",
        "The ground of the decision (its item number) is not recorded",
    ]
    assert problems[3].endswith("(refuse, “ground”).")
    with pytest.raises(MissingFacts):
        DOCUMENT_KINDS["refusal_decision"].build(content, verification_code="1A2B3C4D")


def test_a_ground_of_the_other_decision_is_refused():
    content = sample_decision("refusal_decision")
    content.ground = GROUNDS["termination_decision"][7]
    assert decision_missing_facts(content) == [
        "Ground 8 is not one of the grounds of this decision."
    ]


def test_notice_without_its_facts_is_not_printed():
    content = dataclasses.replace(sample_notice(), held_at=None, place="", materials=[" "])
    with pytest.raises(MissingFacts) as raised:
        DOCUMENT_KINDS["mediation_notice"].build(content, verification_code="1A2B3C4D")
    assert problem_heads(raised.value.problems) == [
        "The time of the mediation session is missing",
        "The place of the mediation session is missing",
        "The materials the parties bring are not listed",
    ]
    assert dataclasses.replace(sample_notice(), held_at=datetime(2026, 3, 9, 9, 30)).place
