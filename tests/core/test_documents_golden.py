"""Golden documents, issued from a real store and read back with pdftotext, for a complaint
received under Order No. 20 (before 2026-04-15) and one under Order No. 121: who issues and
seals, the article and item cited, the decision date, the copies, and what the business sees."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from station_app.acting_bodies import setting_problems
from station_app.document_issuing import DocumentIncomplete, issue_document
from station_app.documents.content import printing_problems
from station_app.domain import Party
from tests.core.workflow_helpers import (
    ACTING,
    CLERK,
    OFFICER,
    VILLAGE,
    do,
    new_case,
    set_acting_bodies,
    set_up_village,
)

NOW = datetime(2026, 6, 2, 10, 0)
AUTHORITY = ACTING["authority.name"]
STATION = ACTING["mediator.name"]
OLD = datetime(2026, 3, 2, 9, 30)  # Order No. 20
NEW = datetime(2026, 5, 6, 9, 0)  # Order No. 121
PHONE = "13812346721"
RESIDENT_ID = "11010519491231002X"
ID_OR_PHONE = re.compile(r"1[3-9]\d{9}|\d{17}[\dX]")


@pytest.fixture
def village(store):
    set_up_village(store)
    return store


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"\s+", "", done.stdout)


def _issue(store, data_dir, case, kind, **kw):
    return issue_document(
        store, data_dir, case.case_no, kind, user=OFFICER, station_code=VILLAGE, now=NOW, **kw
    )


def _case(store, received, names=("张三",)):
    complainants = [
        Party(name=n, phone=PHONE, id_number=RESIDENT_ID, address="瑞昌市码头镇东风村3组")
        for n in names
    ]
    return new_case(store, complainants=complainants, received_at=received)


def _accept(store, case, day):
    do(store, case, "accept", {"occurred_at": day}, user=CLERK)


def _agree(store, case, accepted, agreed):
    _accept(store, case, accepted)
    do(
        store,
        case,
        "start-mediation",
        {
            "complainant_consents": True,
            "merchant_consents": True,
            "mode": "on_site",
            "occurred_at": accepted,
        },
    )
    do(
        store,
        case,
        "agree",
        {
            "terms": [{"type": "refund", "amount": "300", "description": "退还货款"}],
            "amount_recovered": "300",
            "performed_on_spot": True,
            "agreed_on": agreed,
            "dispute": "商品存在质量问题，被投诉人承担退款责任。",
            "mediators": ["李文华"],
        },
    )


@pytest.mark.parametrize(
    ("received", "citation", "decided", "decided_text"),
    [
        (OLD, "《市场监督管理投诉举报处理暂行办法》第十四条", "2026-03-04", "2026年3月4日"),
        (NEW, "《市场监督管理投诉举报处理办法》第十五条", "2026-05-08", "2026年5月8日"),
    ],
)
def test_acceptance_is_the_authoritys_on_the_decision_date(
    village, data_dir, tmp_path, received, citation, decided, decided_text
):
    case = _case(village, received)
    _accept(village, case, decided)
    text = _text(_issue(village, data_dir, case, "acceptance_decision").pdf, tmp_path)
    assert text.startswith(AUTHORITY)  # the letterhead
    assert f"{AUTHORITY}（盖章）{decided_text}" in text  # sealed on the day of the decision
    assert "打印日期2026年6月2日" in text  # the print date only in the footer
    assert citation in text
    assert STATION not in text
    assert not ID_OR_PHONE.search(text)
    if received == NEW:
        assert "第十四条" not in text and "暂行办法" not in text


@pytest.mark.parametrize(
    ("received", "expected", "absent"),
    [
        (
            OLD,
            "《市场监督管理投诉举报处理暂行办法》第十五条第（五）项规定的不予受理情形："
            "“未提供本办法第九条第一款和第十条规定的材料的”",
            "",
        ),
        (
            NEW,
            "《市场监督管理投诉举报处理办法》第十六条第（五）项规定的不予受理情形："
            "“未提供本办法第十条第一款、第十一条规定的材料，或者提供虚假材料的”",
            "第十五条",
        ),
    ],
)
def test_refusal_cites_article_and_item_and_quotes_the_ground(
    village, data_dir, tmp_path, received, expected, absent
):
    case = _case(village, received)
    do(village, case, "refuse", {"ground": 5, "occurred_at": "2026-05-08"}, user=CLERK)
    text = _text(_issue(village, data_dir, case, "refusal_decision").pdf, tmp_path)
    assert expected in text
    assert f"{AUTHORITY}（盖章）2026年5月8日" in text
    if absent:
        assert absent not in text
    assert "《中华人民共和国消费者权益保护法》第三十九条" in text


def test_termination_maps_the_ground_to_order_20s_item(village, data_dir, tmp_path):
    case = _case(village, OLD)
    _accept(village, case, "2026-03-04")
    do(
        village,
        case,
        "start-mediation",
        {
            "complainant_consents": True,
            "merchant_consents": True,
            "mode": "on_site",
            "occurred_at": "2026-03-05",
        },
    )
    # Item 2 of Order No. 121 art. 23(1) (a party absent) is item 3 of Order No. 20 art. 21.
    do(village, case, "terminate", {"ground": 2, "occurred_at": "2026-03-20"})
    text = _text(_issue(village, data_dir, case, "termination_decision").pdf, tmp_path)
    assert (
        "第二十一条第一款第（三）项规定的终止调解情形：“投诉人或者被投诉人无正当理由不参加调解，"
        "或者被投诉人明确拒绝调解的”" in text
    )
    assert f"{AUTHORITY}（盖章）2026年3月20日" in text


def test_a_ground_order_20_does_not_have_is_refused_for_an_old_case(village, data_dir):
    case = _case(village, OLD)
    do(village, case, "refuse", {"ground": 6, "occurred_at": "2026-03-04"}, user=CLERK)
    with pytest.raises(DocumentIncomplete) as refused:
        _issue(village, data_dir, case, "refusal_decision")
    assert "Order No. 20" in str(refused.value)


@pytest.mark.parametrize("received", [OLD, NEW])
def test_joint_agreement_names_only_amounts_copies_representatives(
    village, data_dir, tmp_path, received
):
    case = _case(village, received, names=("张三", "李四", "王五"))
    with village.transaction(actor="admin"):
        for name, fen, rep in (("张三", 30000, 1), ("李四", 45050, 1), ("王五", 12000, 0)):
            village.execute(
                "UPDATE parties SET claimed_fen = ?, representative = ? "
                "WHERE case_id = ? AND name = ?",
                (fen, rep, case.id, name),
            )
    day = "2026-03-04" if received == OLD else "2026-05-08"
    _agree(village, case, day, day)
    text = _text(_issue(village, data_dir, case, "mediation_agreement").pdf, tmp_path)
    assert not ID_OR_PHONE.search(text), "no ID number or phone goes to the business"
    # ...so issuing it reveals nothing to the audit log.
    assert not village.scalar(
        "SELECT COUNT(*) FROM audit_log WHERE kind = 'reveal' AND case_id = ?", (case.id,)
    )
    assert "东风村" not in text  # nor a complainant's address
    assert "本协议一式五份" in text  # three complainants, the business, the file
    assert "书面推选张三、李四为代表人" in text
    assert "李四人民币450.50元" in text and "王五人民币120.00元" in text
    assert "人民调解法" not in text  # the station is no people's mediation committee
    assert "《中华人民共和国民事诉讼法》第二百零五条" in text
    assert f"{STATION}（盖章）" in text


def test_peoples_mediation_committee_cites_pml_and_entrusted_association_the_bureau(
    village, data_dir, tmp_path
):
    set_acting_bodies(
        village,
        mediator_kind="people_mediation_committee",
        mediator_name="码头镇消费纠纷人民调解委员会",
    )
    case = _case(village, NEW)
    _agree(village, case, "2026-05-08", "2026-05-08")
    text = _text(_issue(village, data_dir, case, "mediation_agreement").pdf, tmp_path)
    assert (
        "依照《中华人民共和国人民调解法》第三十三条、《中华人民共和国民事诉讼法》第二百零五条"
        in text
    )
    assert "本协议一式三份" in text
    assert "码头镇消费纠纷人民调解委员会（盖章）" in text

    set_acting_bodies(
        village, mediator_kind="consumer_association", mediator_name="瑞昌市消费者协会"
    )
    old = _case(village, OLD)
    _agree(village, old, "2026-03-04", "2026-03-04")
    text = _text(_issue(village, data_dir, old, "mediation_agreement").pdf, tmp_path)
    assert "《市场监督管理投诉举报处理暂行办法》第十七条" in text
    assert f"瑞昌市消费者协会受{AUTHORITY}委托，以{AUTHORITY}名义组织调解" in text
    assert f"{AUTHORITY}（盖章）" in text
    assert "人民调解法" not in text


def test_judicial_application_every_applicant_signs_and_names_the_agreement(
    village, data_dir, tmp_path
):
    set_acting_bodies(village, court_name="九江市浔阳区人民法院")
    case = _case(village, NEW, names=("张三", "李四"))
    _agree(village, case, "2026-05-08", "2026-05-08")
    agreement = _issue(village, data_dir, case, "mediation_agreement").document
    text = _text(_issue(village, data_dir, case, "judicial_application").pdf, tmp_path)
    assert text.count("申请人（签名或按指印）") == 2 and "申请人（签名或盖章）" in text
    assert f"2026年5月8日《调解协议书》（{agreement.doc_no}）" in text
    for attachment in ("调解组织主持调解的证明", "申请人身份证明", "证据材料"):
        assert attachment in text
    assert "九江市浔阳区人民法院不是调解组织所在地的人民法院" in text


def test_judicial_application_waits_for_the_issued_agreement(village, data_dir):
    case = _case(village, NEW)
    _agree(village, case, "2026-05-08", "2026-05-08")
    with pytest.raises(DocumentIncomplete) as refused:
        _issue(village, data_dir, case, "judicial_application")
    assert "issue it first (print mediation_agreement)" in str(refused.value)


@pytest.mark.parametrize(
    ("received", "outcome", "expected"),
    [
        (OLD, "open-case", "处理结果：立案。"),
        (NEW, "not-open", "处理结果：不予立案。"),
    ],
)
def test_report_result_has_its_own_result_never_the_note(
    village, data_dir, tmp_path, received, outcome, expected
):
    from station_app.domain import CaseKind

    case = new_case(
        village,
        kind=CaseKind.REPORT,
        complainants=[Party(name="赵六", phone=PHONE)],
        received_at=received,
    )
    do(village, case, "check", {"occurred_at": "2026-05-07"})
    do(village, case, outcome, {"occurred_at": "2026-05-09", "note": "内部：线索来自同行"})
    do(village, case, "notify-result", {"occurred_at": "2026-05-12", "note": "电话告知"})
    details = {"reason": "经核查，被举报行为不构成违法"} if outcome == "not-open" else None
    text = _text(
        _issue(village, data_dir, case, "report_result_notice", details=details).pdf, tmp_path
    )
    assert expected in text
    assert "内部" not in text and "电话告知" not in text
    assert f"{AUTHORITY}（盖章）" in text
    if received == OLD:
        assert "《市场监督管理投诉举报处理暂行办法》第三十一条第二款" in text
    else:
        assert "不予立案，理由：经核查，被举报行为不构成违法。" in text


def test_registration_form_has_signature_lines_and_the_handlers_name(village, data_dir, tmp_path):
    case = _case(village, NEW)
    text = _text(_issue(village, data_dir, case, "complaint_registration").pdf, tmp_path)
    assert "投诉人（签名或按指印）" in text
    # The handler by display name (the case was registered by the login "admin").
    assert "经办人（签名）：管理员" in text and "登记人管理员" in text
    assert "admin" not in text


# --------------------------------------------------------------------------- bad input


def test_an_empty_setting_stops_issuing_and_is_named(village, data_dir):
    set_acting_bodies(village, authority_name="")
    case = _case(village, NEW)
    _accept(village, case, "2026-05-08")
    with pytest.raises(DocumentIncomplete) as refused:
        _issue(village, data_dir, case, "acceptance_decision")
    assert "authority.name" in str(refused.value)
    assert village.scalar("SELECT COUNT(*) FROM issued_documents") == 0


def test_an_empty_mediator_stops_every_mediation_document_and_is_named(village, data_dir):
    case = _case(village, NEW)
    _agree(village, case, "2026-05-08", "2026-05-08")
    _issue(village, data_dir, case, "mediation_agreement")
    set_acting_bodies(village, mediator_name="")
    for kind in ("mediation_record", "judicial_application"):
        with pytest.raises(DocumentIncomplete) as refused:
            _issue(village, data_dir, case, kind)
        assert "mediator.name" in str(refused.value), kind
    other = _case(village, NEW)
    _agree(village, other, "2026-05-08", "2026-05-08")
    with pytest.raises(DocumentIncomplete) as refused:
        _issue(village, data_dir, other, "mediation_agreement")
    assert "mediator.name" in str(refused.value)


def test_an_empty_prefix_stops_issuing_and_is_named(village, data_dir):
    set_acting_bodies(village, authority_prefix="")
    case = _case(village, NEW)
    _accept(village, case, "2026-05-08")
    with pytest.raises(DocumentIncomplete) as refused:
        _issue(village, data_dir, case, "acceptance_decision")
    assert "authority.prefix" in str(refused.value)


def test_bad_setting_values_get_a_clear_message_and_nothing_is_saved(village):
    from station_app.safe_input import InputRejected

    assert "cannot be printed" in setting_problems("authority.prefix", "瑞市\x07监")[0]
    assert "at most 40" in setting_problems("authority.name", "局" * 500)[0]
    assert "one of" in setting_problems("mediator.kind", "court")[0]
    assert "Unknown setting" in setting_problems("authority.nmae", "x")[0]
    assert printing_problems("prefix.mediation_agreement", "瑞\ue000") != []
    with pytest.raises(InputRejected):
        set_acting_bodies(village, authority_name="局" * 500)
    assert village.get_setting("authority.name") == AUTHORITY


def test_a_phone_correction_leaves_the_agreement_current_but_not_the_application():
    from station_app.document_fields import printed_fields_changed

    changed = ["complainants[0].phone", "complainants[0].id_number", "complainants[1].name"]
    assert printed_fields_changed("mediation_agreement", changed) == ["complainants[1].name"]
    assert printed_fields_changed("judicial_application", changed) == changed
