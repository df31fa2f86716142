"""投诉受理决定书, 投诉不予受理决定书, 投诉终止调解决定书 and 投诉调解通知书 read back with
pdftotext: the names, numbers, dates, grounds by article and item and the routes of art. 39.

The sample complaint was received on 2026-03-02: it is decided under Order No. 20."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from station_app.documents import DOCUMENT_KINDS, Audience
from station_app.documents.content import MissingFacts
from station_app.documents.decisions import GROUNDS, decision_missing_facts
from station_app.documents.samples import (
    ORGANISATION,
    SAMPLE_BODIES,
    sample_complainant,
    sample_decision,
    sample_notice,
)
from station_app.documents.wording import (
    ART_39_ROUTES,
    ORDER_20_REFUSAL,
    ORDER_20_TERMINATION,
    ORDER_121_REFUSAL,
    ORDER_121_TERMINATION,
)
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
    ):
        assert expected in text, expected
    # Decisions are the deciding authority's; the notice the mediating organisation's.
    issuer = ORGANISATION if kind == "mediation_notice" else SAMPLE_BODIES.authority_name
    assert text.startswith(issuer)
    assert f"{issuer}（盖章）" in text


@pytest.mark.parametrize("kind", DECISIONS)
def test_a_decision_never_prints_an_id_number_or_phone(kind):
    content = sample_decision(kind)
    text = _text(content, kind)
    party = content.case.complainants[0]
    assert party.id_number not in text
    assert party.phone not in text
    assert party.address not in text


ORDER_20_ITEMS = "一二三四五六七"
ORDER_121_ITEMS = "一二三四五六七八"


@pytest.mark.parametrize("item", [g.item for g in REFUSAL_GROUNDS])
def test_refusal_quotes_order_20s_ground_by_article_and_item_and_the_other_routes(item):
    content = sample_decision("refusal_decision", ground=item)
    old = next((g for g in ORDER_20_REFUSAL if g.key == content.ground.key), None)
    if old is None:  # false identity is a ground of Order No. 121 only
        assert "Order No. 20" in decision_missing_facts(content)[0]
        return
    text = _text(content, "refusal_decision")
    number = ORDER_20_ITEMS[old.item - 1]
    assert flat(f"《市场监督管理投诉举报处理暂行办法》第十五条第（{number}）项") in text
    assert flat(f"“{old.text}”") in text
    assert "决定不予受理" in text
    assert "《中华人民共和国消费者权益保护法》第三十九条" in text
    for route in ART_39_ROUTES:
        assert flat(route) in text


@pytest.mark.parametrize("item", [g.item for g in REFUSAL_GROUNDS])
def test_refusal_under_order_121_quotes_art_16_by_item(item):
    content = sample_decision("refusal_decision", ground=item)
    content.case.received_at = datetime(2026, 5, 6, 9, 0)
    text = _text(content, "refusal_decision")
    quoted = next(g for g in ORDER_121_REFUSAL if g.key == content.ground.key)
    number = ORDER_121_ITEMS[quoted.item - 1]
    assert flat(f"《市场监督管理投诉举报处理办法》第十六条第（{number}）项") in text
    assert flat(f"“{quoted.text}”") in text
    assert "暂行办法" not in text and "第十五条" not in text


@pytest.mark.parametrize("item", [g.item for g in TERMINATION_GROUNDS])
def test_termination_under_order_121_quotes_art_23_1_by_item(item):
    content = sample_decision("termination_decision", ground=item)
    content.case.received_at = datetime(2026, 5, 6, 9, 0)
    text = _text(content, "termination_decision")
    quoted = next(g for g in ORDER_121_TERMINATION if g.key == content.ground.key)
    assert quoted.item == item  # the workflow numbers the grounds as art. 23(1) does
    number = ORDER_121_ITEMS[item - 1]
    assert flat(f"第二十三条第一款第（{number}）项规定的终止调解情形：“{quoted.text}”") in text


@pytest.mark.parametrize("item", [g.item for g in TERMINATION_GROUNDS])
def test_termination_names_order_20s_item_and_is_sealed_on_the_day(item):
    content = sample_decision("termination_decision", ground=item)
    old = next((g for g in ORDER_20_TERMINATION if g.key == content.ground.key), None)
    if old is None:  # death or dissolution is a ground of Order No. 121 only
        assert "Order No. 20" in decision_missing_facts(content)[0]
        return
    text = _text(content, "termination_decision")
    number = ORDER_20_ITEMS[old.item - 1]
    assert flat(f"第二十一条第一款第（{number}）项规定的终止调解情形：“{old.text}”") in text
    assert f"{SAMPLE_BODIES.authority_name}（盖章）2026年3月4日" in text


def test_acceptance_cites_its_article_and_is_dated_the_day_it_was_accepted():
    text = _text(sample_decision("acceptance_decision"), "acceptance_decision")
    assert "根据《市场监督管理投诉举报处理暂行办法》第十四条的规定" in text
    assert f"{SAMPLE_BODIES.authority_name}（盖章）2026年3月4日" in text
    assert "第三十九条" not in text


def test_mediation_notice_has_time_place_materials_recusal_and_the_warning():
    content = sample_notice()
    text = _text(content, "mediation_notice")
    for expected in (
        "调解时间：2026年3月9日9时30分",
        "调解地点：瑞昌市码头镇消费者投诉站调解室（码头镇人民路1号）",
        "1.身份证件（单位为营业执照及授权委托书）；",
        "3.与争议有关的商品。",
        "本次调解人员为李文华、赵明。调解人员是投诉人或者被投诉人的近亲属",
        "三个工作日前提出回避申请",
        "无正当理由不参加调解的，将依照《市场监督管理投诉举报处理暂行办法》第二十一条第一款第（三）项终止调解",
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
    bodies = dataclasses.replace(SAMPLE_BODIES, authority_name="")
    content = dataclasses.replace(content, ground=None, decided_on=None, bodies=bodies)
    content.case.kind = CaseKind.REPORT
    problems = decision_missing_facts(content)
    assert problem_heads(problems) == [
        "This document is issued only on a complaint",
        "The setting “authority.name” (deciding authority (named and sealing decisions)) is empty",
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
