"""The mediation agreement's internal annex (内部留存): the station's own copy of every party's
full particulars, issued after the agreement, while the agreement that goes to the business
names the complainants only. Read back from the PDFs with pdftotext."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from station_app.document_issuing import DocumentIncomplete, issue_document
from station_app.documents import DOCUMENT_KINDS, Audience
from station_app.domain import Gender, IdType, Party
from station_app.store.audit import audit_entries
from tests.core.workflow_helpers import CLERK, OFFICER, VILLAGE, do, new_case, set_up_village

NOW = datetime(2026, 6, 2, 10, 0)
RIC = "11010519491231002X"
PHONE = "13812346721"
ADDRESS = "瑞昌市码头镇西街18号"


@pytest.fixture
def village(store):
    set_up_village(store)
    store.set_setting("document_prefix", "瑞市监消")
    return store


def pdf_text(pdf: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return done.stdout.replace("\n", "")


def agreed_case(store):
    case = new_case(
        store,
        complainants=[
            Party(
                name="张三",
                phone=PHONE,
                address=ADDRESS,
                gender=Gender.MALE,
                id_type=IdType.RESIDENT_ID,
                id_number=RIC,
            ),
            Party(name="李四", phone="13912345678", address="瑞昌市湓城街道"),
        ],  # fmt: skip
        received_at=datetime(2026, 5, 6, 9, 0),
    )
    do(store, case, "accept", {"occurred_at": "2026-05-06"}, user=CLERK)
    do(store, case, "start-mediation", {"complainant_consents": True, "merchant_consents": True,
                                         "mode": "on_site", "occurred_at": "2026-05-07"})  # fmt: skip
    do(store, case, "record-session", {"held_at": "2026-05-12 14:30", "mode": "on_site",
                                        "place": "码头镇投诉站", "mediators": ["李文华"]})  # fmt: skip
    do(
        store,
        case,
        "agree",
        {
            "terms": [{"type": "refund", "amount": "1299.50", "description": "退还货款"}],
            "amount_recovered": "1299.50",
            "performed_on_spot": True,
            "agreed_on": "2026-05-20",
            "dispute": "冰箱不制冷属于质量问题，被投诉人承担退货退款责任。",
            "mediators": ["李文华"],
        },
    )
    return case


def issue(store, data_dir, case, kind):
    return issue_document(
        store, data_dir, case.case_no, kind, user=OFFICER, station_code=VILLAGE, now=NOW
    )


def test_the_annex_keeps_the_particulars_the_business_copy_leaves_out(village, data_dir, tmp_path):
    assert DOCUMENT_KINDS["agreement_internal_annex"].audience is Audience.INTERNAL
    case = agreed_case(village)
    with pytest.raises(DocumentIncomplete, match="mediation agreement is not issued yet"):
        issue(village, data_dir, case, "agreement_internal_annex")
    agreement = issue(village, data_dir, case, "mediation_agreement")
    annex = issue(village, data_dir, case, "agreement_internal_annex")

    business = pdf_text(agreement.pdf, tmp_path, "agreement.pdf")
    assert "张三" in business and "李四" in business
    assert RIC not in business and PHONE not in business and "西街18号" not in business

    internal = pdf_text(annex.pdf, tmp_path, "annex.pdf")
    assert "内部留存" in internal and "不得交付当事人或被投诉人" in internal
    assert RIC in internal and PHONE in internal and ADDRESS in internal
    assert "13912345678" in internal and "湓城街道" in internal
    assert agreement.document.doc_no in internal  # names the agreement it belongs to
    # Printing the full particulars is a reveal, audited with the user's name.
    reveals = [e for e in audit_entries(village, case.id) if e.kind == "reveal"]
    assert {(e.actor, e.field) for e in reveals} >= {
        (OFFICER.username, "id_number"),
        (OFFICER.username, "phone"),
    }
