"""转立案: the letter that sends an unsettled dispute to the court (a pure renderer, issued from
the record) and the outcome of the court's pre-litigation mediation (诉前调解), recorded."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from station_app.case_actions import ActionRejected
from station_app.document_issuing import DocumentIncomplete, issue_document
from station_app.documents import DOCUMENT_KINDS, Audience
from station_app.documents.court_transfer import KIND, missing_facts
from station_app.documents.samples import sample_court_transfer
from station_app.domain import Party
from tests.core.workflow_helpers import (
    CLERK,
    OFFICER,
    VILLAGE,
    do,
    events,
    new_case,
    set_up_village,
    snapshot,
)

NOW = datetime(2026, 6, 1, 10, 0)
COURT = "瑞昌市人民法院"


@pytest.fixture
def village(store):
    set_up_village(store)
    store.set_setting("document_prefix", "瑞市监消")
    return store


def _terminated(store):
    case = new_case(
        store,
        complainants=[Party(name="张三", phone="13812346721", id_number="11010519491231002X")],
        received_at=datetime(2026, 5, 6, 9, 0),
    )
    do(store, case, "accept", {"occurred_at": "2026-05-06"}, user=CLERK)
    do(
        store,
        case,
        "start-mediation",
        {"complainant_consents": True, "merchant_consents": True, "mode": "phone",
         "occurred_at": "2026-05-07"},
    )  # fmt: skip
    do(store, case, "terminate", {"ground": 3, "occurred_at": "2026-05-20"})
    return case


def _letter(store, data_dir, case):
    return issue_document(
        store, data_dir, case.case_no, KIND, user=OFFICER, station_code=VILLAGE, now=NOW
    )


def _pdf(pdf: bytes, tmp_path: Path, tool: str = "pdftotext") -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    args = [tool, str(path)] + (["-"] if tool == "pdftotext" else [])
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def test_the_letter_is_a_document_kind_for_the_court():
    spec = DOCUMENT_KINDS[KIND]
    assert (spec.title, spec.audience) == ("诉前调解转立案函", Audience.COURT)
    assert missing_facts(sample_court_transfer()) == []


def test_the_letter_waits_for_the_transfer_and_writes_nothing(village, data_dir):
    case = _terminated(village)
    before = snapshot(village)
    with pytest.raises(DocumentIncomplete) as refused:
        _letter(village, data_dir, case)
    assert any("(transfer-court)" in p for p in refused.value.problems)
    assert snapshot(village) == before
    assert village.scalar("SELECT COUNT(*) FROM issued_documents") == 0


def test_the_letter_is_issued_from_the_record_in_chinese_with_names_only(
    village, data_dir, tmp_path
):
    case = _terminated(village)
    do(village, case, "transfer-court", {"transferred_on": "2026-05-25", "court_name": COURT})
    issued = _letter(village, data_dir, case)
    assert issued.document.doc_no == "瑞市监消转〔2026〕第1号"
    text = _pdf(issued.pdf, tmp_path)
    flat = text.replace("\n", "").replace(" ", "")
    for expected in (
        "诉前调解转立案函",
        f"{COURT}：",
        "投诉人张三与被投诉人",
        "2026年5月20日终止调解",
        "明确表示无法达成调解协议",
        "2026年5月25日",
        "终止调解决定书",
        case.case_no,
    ):
        assert expected in flat, expected
    # The court learns who the parties are from the papers attached, not from the letter.
    assert "13812346721" not in flat and "11010519491231002X" not in flat
    fonts = _pdf(issued.pdf, tmp_path, "pdffonts")
    assert "TrueType" in fonts and " yes yes " in fonts


def test_the_outcome_of_pre_litigation_mediation_is_recorded_after_the_transfer(village):
    case = _terminated(village)
    before = snapshot(village)
    outcome = {"outcome": "mediated", "decided_on": "2026-06-10"}
    with pytest.raises(ActionRejected, match="transfer to a court filing before"):
        do(village, case, "court-outcome", outcome, now=datetime(2026, 6, 10, 9, 0))
    assert snapshot(village) == before
    do(village, case, "transfer-court", {"transferred_on": "2026-05-25", "court_name": COURT})
    with pytest.raises(ActionRejected, match="before the transfer"):
        do(village, case, "court-outcome", {"outcome": "filed", "decided_on": "2026-05-24"})
    do(
        village,
        case,
        "court-outcome",
        {**outcome, "court_case_no": "（2026）赣0481民诉前调123号"},
        now=datetime(2026, 6, 10, 9, 0),
    )
    event = events(village, case)[-1]
    assert event["action"] == "court-outcome"
    assert event["details"] == {
        "outcome": "mediated",
        "court_name": COURT,
        "court_case_no": "（2026）赣0481民诉前调123号",
    }
    with pytest.raises(ActionRejected, match="already recorded"):
        do(village, case, "court-outcome", outcome, now=datetime(2026, 6, 10, 9, 0))


def test_an_unknown_outcome_is_refused(village):
    case = _terminated(village)
    do(village, case, "transfer-court", {"transferred_on": "2026-05-25", "court_name": COURT})
    before = snapshot(village)
    with pytest.raises(ActionRejected):
        do(village, case, "court-outcome", {"outcome": "lost", "decided_on": "2026-05-26"})
    assert snapshot(village) == before
