"""调解笔录, 司法确认申请书 and 举报处理结果告知书 read back with pdftotext, and issued from
the workflow record."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from station_app.document_issuing import DocumentIncomplete, issue_document
from station_app.documents import DOCUMENT_KINDS, Audience
from station_app.documents.content import MissingFacts
from station_app.documents.samples import (
    sample_complainant,
    sample_judicial,
    sample_record,
    sample_report_result,
)
from station_app.documents.wording import RECORD_FOOTER
from station_app.domain import CaseKind
from tests.core.test_document_issuing import _agreed, _issue, _pdf_text, village  # noqa: F401
from tests.core.test_documents_pdf import (  # noqa: F401
    bundled_fonts,
    flat,
    page_count,
    pdf_fonts,
    pdf_text,
    problem_heads,
)
from tests.core.workflow_helpers import CLERK, OFFICER, VILLAGE, do, new_case, set_acting_bodies


def _build(kind: str, content) -> bytes:
    return DOCUMENT_KINDS[kind].build(content, verification_code="5E6F7A8B")


# --------------------------------------------------------------------------- 调解笔录


def test_mediation_record_prints_the_session():
    text = flat(pdf_text(_build("mediation_record", sample_record())))
    for expected in (
        "调解笔录",
        "RC-MT-2026-00017",
        "2026年3月9日9时30分",
        "现场调解",
        "码头镇消费者投诉站调解室",
        "李文华、赵明",
        "刘登记",
        "张秀兰",
        "瑞昌市好又多超市",
        "电饭煲使用三天后无法加热",
        "同意检测",
        "被投诉人另赔偿200元",
        "校验码5E6F7A8B",
    ):
        assert expected in text, expected


def test_a_three_page_record_keeps_its_signature_block_whole_and_is_signed_on_every_page():
    content = sample_record(statement_repeat=45)
    pdf = _build("mediation_record", content)
    total = page_count(pdf)
    assert total >= 3
    pages = [flat(pdf_text(pdf, page)) for page in range(1, total + 1)]
    for page in pages:
        for signer in RECORD_FOOTER.split():
            assert signer in page
    block = ("以上笔录已向当事人宣读", "投诉人（签名或按指印）", "记录人（签名）", "（盖章）")
    holding = [n for n, page in enumerate(pages, start=1) if any(b in page for b in block)]
    assert len(holding) == 1, holding
    assert all(b in pages[holding[0] - 1] for b in block)
    assert all(r["emb"] == "yes" for r in pdf_fonts(pdf))


def test_a_record_without_a_session_is_not_printed():
    content = sample_record()
    content.session = None
    with pytest.raises(MissingFacts) as raised:
        _build("mediation_record", content)
    assert raised.value.problems == [
        "No mediation session is recorded: record it with “Record a mediation session” "
        "(record-session)."
    ]
    content = sample_record()
    content.session.recorder = ""
    content.session.result = ""
    assert problem_heads(DOCUMENT_KINDS["mediation_record"].missing_facts(content)) == [
        "The session's recorder is not named",
        "The result of the session is not recorded",
    ]


# --------------------------------------------------------------------------- 司法确认申请书


def test_judicial_application_names_both_applicants_the_court_and_the_agreement():
    content = sample_judicial()
    text = flat(pdf_text(_build("judicial_application", content)))
    for expected in (
        "司法确认申请书",
        "张秀兰",
        "11010519491231002X",
        "瑞昌市好又多超市",
        "91110108551385082Q",
        "请求瑞昌市人民法院依法确认申请人于2026年3月9日",
        "2026年3月9日《调解协议书》（瑞市监消〔2026〕第17号）有效",
        "此致瑞昌市人民法院",
        "申请人（签名或按指印）",
        "申请人（签名或盖章）",
        "2026年3月10日",
    ):
        assert expected in text, expected
    assert "（盖章）2026年3月10日" not in text  # the parties sign; the station does not seal


def test_judicial_application_needs_the_court_and_the_agreement():
    content = sample_judicial()
    content.court = " "
    content.bodies = dataclasses.replace(content.bodies, court_name="")
    content.agreed_on = None
    content.agreement_number = ""
    problems = DOCUMENT_KINDS["judicial_application"].missing_facts(content)
    assert problem_heads(problems) == [
        "The setting “court.name” (court of the joint mediation centre) is empty",
        "No mediation agreement is recorded",
    ]
    content.agreed_on = sample_judicial().agreed_on
    assert problem_heads(DOCUMENT_KINDS["judicial_application"].missing_facts(content))[-1] == (
        "The mediation agreement has not been issued"
    )


# --------------------------------------------------------------------------- 举报处理结果告知书


def test_report_result_is_told_to_the_reporter_only():
    kind = DOCUMENT_KINDS["report_result_notice"]
    assert kind.audience is Audience.REPORTER
    content = sample_report_result()
    text = flat(pdf_text(_build("report_result_notice", content)))
    for expected in (
        "举报处理结果告知书",
        "瑞市监消举告〔2026〕第4号",
        "张秀兰：",
        "2026年3月2日9时30分通过电话反映瑞昌市好又多超市涉嫌违法的举报",
        "根据《市场监督管理投诉举报处理暂行办法》第三十一条第二款的规定",
        "处理结果：立案。瑞昌市市场监督管理局码头市场监督管理所已于2026年4月16日决定对被举报人立案调查。",
        "依法对举报人的信息予以保密",
        "2026年4月20日",
    ):
        assert expected in text, expected
    # Not even to the reporter does it print the ID number or phone.
    assert "11010519491231002X" not in text and "13812346721" not in text


def test_report_result_is_refused_for_a_complaint_and_an_anonymous_report():
    content = sample_report_result()
    content.case.kind = CaseKind.COMPLAINT
    assert DOCUMENT_KINDS["report_result_notice"].missing_facts(content) == [
        "This notice is issued only on a report."
    ]
    content = sample_report_result()
    content.case.anonymous = True
    content.case.complainants = []
    assert DOCUMENT_KINDS["report_result_notice"].missing_facts(content) == [
        "An anonymous report has no reporter to notify."
    ]
    content = sample_report_result()
    content.case.complainants = [sample_complainant(1), sample_complainant(2)]
    assert DOCUMENT_KINDS["report_result_notice"].missing_facts(content) == []


# --------------------------------------------------------------------------- issued from the record

NOW = datetime(2026, 6, 2, 10, 0)


def test_record_and_judicial_application_are_issued_from_the_workflow(village, data_dir, tmp_path):  # noqa: F811
    case = _agreed(village)
    with pytest.raises(DocumentIncomplete) as raised:
        _issue(village, data_dir, case, "mediation_record")
    assert "The session's recorder is not named" in problem_heads(raised.value.problems)
    agreement = _issue(village, data_dir, case, "mediation_agreement").document
    # The court comes from the agreement's record, else the setting court.name.
    set_acting_bodies(village, court_name="")
    with pytest.raises(DocumentIncomplete) as raised:
        _issue(village, data_dir, case, "judicial_application")
    assert problem_heads(raised.value.problems) == [
        "The setting “court.name” (court of the joint mediation centre) is empty"
    ]
    do(
        village,
        case,
        "judicial-apply",
        {"applied_on": "2026-05-25", "court_name": "瑞昌市人民法院"},
    )
    issued = _issue(village, data_dir, case, "judicial_application")
    assert issued.document.doc_no == case.case_no
    text = _pdf_text(issued.pdf, tmp_path)
    assert f"《调解协议书》（{agreement.doc_no}）" in text
    assert "2026年5月25日" in text


def test_report_result_notice_is_issued_after_the_result_is_told(village, data_dir, tmp_path):  # noqa: F811
    report = new_case(village, kind=CaseKind.REPORT, received_at=datetime(2026, 5, 6, 9, 0))
    do(village, report, "check", user=CLERK)
    with pytest.raises(DocumentIncomplete) as raised:
        _issue(village, data_dir, report, "report_result_notice")
    assert "Notifying the reporter of the result is not recorded yet" in problem_heads(
        raised.value.problems
    )
    assert any("(notify-result)" in p for p in raised.value.problems)
    do(village, report, "open-case", {"note": "已立案"})
    do(village, report, "notify-result", {"note": "已责令改正并处罚款。"}, user=OFFICER)
    issued = issue_document(
        village,
        data_dir,
        report.case_no,
        "report_result_notice",
        user=OFFICER,
        station_code=VILLAGE,
        now=NOW,
    )
    assert issued.document.doc_no == "瑞市监消举告〔2026〕第1号"
    text = _pdf_text(issued.pdf, tmp_path)
    assert "张三：" in text and "处理结果：立案。" in text and "立案调查" in text
    # The notify-result note and the open-case note are internal: never printed.
    assert "已责令改正并处罚款" not in text and "已立案" not in text
