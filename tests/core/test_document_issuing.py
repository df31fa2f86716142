"""Issuing documents: numbers, frozen PDFs, reprints, corrections, verification codes."""

from __future__ import annotations

import hashlib
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from station_app.document_issuing import (
    AlreadyIssued,
    DocumentDamaged,
    DocumentIncomplete,
    RevealRefused,
    check_document,
    correct_document,
    document_path,
    issue_document,
    print_document,
    reprint,
    verify_code,
)
from station_app.documents import DOCUMENT_KINDS
from station_app.domain import Party
from station_app.store import driver
from station_app.store.documents import document_versions
from station_app.store.migrations import SYNCABLE_TABLES
from tests.core.conftest import outbox_rows
from tests.core.test_documents_pdf import problem_heads
from tests.core.workflow_helpers import CLERK, OFFICER, VILLAGE, do, new_case, set_up_village

NOW = datetime(2026, 6, 2, 10, 0)


@pytest.fixture
def village(store):
    set_up_village(store)
    store.set_setting("document_prefix", "瑞市监消")
    return store


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return done.stdout.replace("\n", "")  # lines wrap anywhere in Chinese text


def _accepted(store, **kwargs):
    case = new_case(store, **kwargs)
    do(store, case, "accept", {"occurred_at": "2026-05-06"}, user=CLERK)
    return case


def _agreed(store):
    case = new_case(
        store,
        complainants=[Party(name="张三", phone="13812346721")],
        received_at=datetime(2026, 5, 6, 9, 0),
    )
    do(store, case, "accept", {"occurred_at": "2026-05-06"}, user=CLERK)
    do(
        store,
        case,
        "start-mediation",
        {
            "complainant_consents": True,
            "merchant_consents": True,
            "mode": "on_site",
            "occurred_at": "2026-05-07",
        },
    )
    do(
        store,
        case,
        "record-session",
        {
            "held_at": "2026-05-12 14:30",
            "mode": "on_site",
            "place": "码头镇投诉站",
            "mediators": ["李文华", "赵明"],
        },
    )
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
            "mediators": ["李文华", "赵明"],
        },
    )
    return case


def _issue(store, data_dir, case, kind, **kw):
    return issue_document(
        store, data_dir, case.case_no, kind, user=OFFICER, station_code=VILLAGE, now=NOW, **kw
    )


def test_issued_documents_is_a_syncable_table(village):
    assert "issued_documents" in SYNCABLE_TABLES


def test_issue_stores_the_row_and_the_frozen_pdf(village, data_dir, tmp_path):
    case = _accepted(village)
    issued = _issue(village, data_dir, case, "acceptance_decision")
    doc = issued.document
    assert doc.doc_no == "瑞市监消受〔2026〕第1号"
    assert doc.version == 1 and doc.superseded_by is None
    assert doc.sha256 == hashlib.sha256(issued.pdf).hexdigest()
    assert len(doc.verification_code) == 8
    stored = document_path(data_dir, doc.sha256)
    assert stored == data_dir / "documents" / doc.sha256[:2] / f"{doc.sha256}.pdf"
    assert stored.read_bytes() == issued.pdf
    row = village.query("SELECT * FROM issued_documents")[0]
    assert row["sha256"] == doc.sha256 and row["issued_by"] == OFFICER.username
    assert "documents/" not in str(row.values())  # the hash only, no path
    text = _pdf_text(issued.pdf, tmp_path)
    assert f"校验码 {doc.verification_code}" in text
    assert doc.doc_no in text
    assert [e["op"] for e in outbox_rows(village, "issued_documents")] == ["insert"]


def test_reprint_is_byte_identical_and_a_second_issue_is_refused(village, data_dir):
    case = _accepted(village)
    issued = _issue(village, data_dir, case, "acceptance_decision")
    again = reprint(
        village, data_dir, case.case_no, "acceptance_decision", user=CLERK, station_code=VILLAGE
    )
    assert again.pdf == issued.pdf and again.reprinted
    with pytest.raises(AlreadyIssued):
        _issue(village, data_dir, case, "acceptance_decision")
    via_print = print_document(
        village,
        data_dir,
        case.case_no,
        "acceptance_decision",
        user=OFFICER,
        station_code=VILLAGE,
        now=NOW,
    )
    assert via_print.pdf == issued.pdf
    assert village.scalar("SELECT COUNT(*) FROM issued_documents") == 1


def test_correction_is_a_new_version_and_keeps_the_old_one(village, data_dir, tmp_path):
    case = _accepted(village)
    first = _issue(village, data_dir, case, "acceptance_decision")
    with pytest.raises(ValueError):
        correct_document(
            village,
            data_dir,
            case.case_no,
            "acceptance_decision",
            reason=" ",
            user=OFFICER,
            station_code=VILLAGE,
            now=NOW,
        )
    second = correct_document(
        village,
        data_dir,
        case.case_no,
        "acceptance_decision",
        reason="投诉人姓名有误",
        user=OFFICER,
        station_code=VILLAGE,
        now=datetime(2026, 6, 3, 9, 0),
    )
    assert second.document.doc_no == first.document.doc_no
    assert second.document.version == 2
    assert second.document.verification_code != first.document.verification_code
    versions = document_versions(village, case.id, "acceptance_decision")
    assert [(v.version, v.superseded_by, v.reason) for v in versions] == [
        (1, second.document.id, ""),
        (2, None, "投诉人姓名有误"),
    ]
    # The old PDF is still kept, and a reprint gives the new version.
    assert document_path(data_dir, first.document.sha256).read_bytes() == first.pdf
    assert "第2版（更正）" in _pdf_text(second.pdf, tmp_path)
    assert "更正" not in _pdf_text(first.pdf, tmp_path)
    assert (
        reprint(
            village, data_dir, case.case_no, "acceptance_decision", user=CLERK, station_code=VILLAGE
        ).pdf
        == second.pdf
    )


def test_issued_rows_cannot_be_changed_or_removed(village, data_dir):
    case = _accepted(village)
    _issue(village, data_dir, case, "acceptance_decision")
    for sql in (
        "UPDATE issued_documents SET doc_no = 'x'",
        "UPDATE issued_documents SET sha256 = 'x', superseded_by = 'y'",
        "DELETE FROM issued_documents",
    ):
        with pytest.raises(driver.IntegrityError, match="append-only"):
            village.conn.execute(sql)


def test_document_numbers_are_gapless_per_kind_and_year(village, data_dir):
    numbers = []
    for _ in range(3):
        case = _accepted(village)
        numbers.append(_issue(village, data_dir, case, "acceptance_decision").document.doc_no)
    assert numbers == [f"瑞市监消受〔2026〕第{n}号" for n in (1, 2, 3)]
    # An incomplete document takes no number.
    incomplete = new_case(village)
    with pytest.raises(DocumentIncomplete):
        _issue(village, data_dir, incomplete, "acceptance_decision")
    case = _accepted(village)
    assert _issue(village, data_dir, case, "acceptance_decision").document.doc_no.endswith("第4号")
    # Another kind counts on its own; another year starts again at 1.
    refused = new_case(village)
    do(village, refused, "refuse", {"ground": 4, "note": "超过三年"}, user=CLERK)
    assert _issue(village, data_dir, refused, "refusal_decision").document.doc_no == (
        "瑞市监消不受〔2026〕第1号"
    )
    later = _accepted(village)
    next_year = issue_document(
        village,
        data_dir,
        later.case_no,
        "acceptance_decision",
        user=OFFICER,
        station_code=VILLAGE,
        now=datetime(2027, 1, 4, 9, 0),
    )
    assert next_year.document.doc_no == "瑞市监消受〔2027〕第1号"


def test_incomplete_document_names_what_is_missing_and_issues_nothing(village, data_dir):
    case = new_case(village, complainants=[Party(name=" ")], merchant="")
    with pytest.raises(DocumentIncomplete) as raised:
        _issue(village, data_dir, case, "acceptance_decision")
    problems = raised.value.problems
    assert (
        "Complainant 1 has no name: correct the case's registration (“complainants” in the "
        "case JSON)." in problems
    )
    assert "The business complained about is not recorded" in problem_heads(problems)
    assert (
        "The decision is not recorded yet: record it with “Accept the complaint” (accept)."
        in problems
    )
    assert village.scalar("SELECT COUNT(*) FROM issued_documents") == 0
    assert village.scalar("SELECT COUNT(*) FROM document_counters") == 0
    assert not (data_dir / "documents").exists()
    assert (
        check_document(
            village,
            case.case_no,
            "acceptance_decision",
            user=OFFICER,
            station_code=VILLAGE,
            now=NOW,
        )
        == problems
    )


def test_mediation_notice_needs_its_time_place_and_materials(village, data_dir):
    case = _accepted(village)
    with pytest.raises(DocumentIncomplete) as raised:
        _issue(village, data_dir, case, "mediation_notice")
    assert raised.value.problems[0] == (
        "The mediation notice goes out only once both parties have agreed to mediation: "
        "record it with “Start mediation” (start-mediation)."
    )
    do(
        village,
        case,
        "start-mediation",
        {"complainant_consents": True, "merchant_consents": True, "mode": "phone"},
    )
    with pytest.raises(DocumentIncomplete) as raised:
        _issue(village, data_dir, case, "mediation_notice")
    assert raised.value.problems == [
        "The time of the mediation session is missing: give it when printing (“held_at” in "
        "print --json, or the form when issuing).",
        "The place of the mediation session is missing: give it when printing (“place” in "
        "print --json, or the form when issuing).",
        "The materials the parties bring are not listed: give it when printing (“materials” "
        "in print --json, or the form when issuing).",
    ]
    issued = _issue(
        village,
        data_dir,
        case,
        "mediation_notice",
        details={
            "held_at": "2026-06-05 09:30",
            "place": "码头镇投诉站调解室",
            "materials": ["身份证件", "购物凭证"],
        },
    )
    assert issued.document.doc_no == "瑞市监消调通〔2026〕第1号"
    assert issued.warnings == []  # the session (5 June) is after the notice (1 June)


def test_agreement_is_filled_from_the_workflow_record(village, data_dir, tmp_path):
    case = _agreed(village)
    issued = _issue(village, data_dir, case, "mediation_agreement")
    text = _pdf_text(issued.pdf, tmp_path)
    for expected in ("瑞市监消调〔2026〕第1号", "张三", "李文华、赵明", "壹仟贰佰玖拾玖元伍角整"):
        assert expected in text
    assert "冰箱不制冷属于质量问题" in text


def test_agreement_without_an_agreement_lists_what_is_missing(village, data_dir):
    case = _accepted(village)
    with pytest.raises(DocumentIncomplete) as raised:
        _issue(village, data_dir, case, "mediation_agreement")
    assert (
        "No agreement is recorded: record it with “Record the agreement” (agree)."
        in raised.value.problems
    )


def test_registration_form_is_numbered_by_its_case(village, data_dir):
    case = new_case(village)
    issued = _issue(village, data_dir, case, "complaint_registration")
    assert issued.document.doc_no == case.case_no
    assert issued.document.seq is None


def test_tampered_stored_pdf_is_reported(village, data_dir):
    case = _accepted(village)
    issued = _issue(village, data_dir, case, "acceptance_decision")
    path = document_path(data_dir, issued.document.sha256)
    path.write_bytes(issued.pdf.replace(b"%%EOF", b"%%EOX"))
    with pytest.raises(DocumentDamaged, match="changed or damaged"):
        reprint(
            village, data_dir, case.case_no, "acceptance_decision", user=CLERK, station_code=VILLAGE
        )
    path.unlink()
    with pytest.raises(DocumentDamaged, match="missing"):
        reprint(
            village, data_dir, case.case_no, "acceptance_decision", user=CLERK, station_code=VILLAGE
        )


def test_verify_code_finds_the_document(village, data_dir):
    case = _accepted(village)
    issued = _issue(village, data_dir, case, "acceptance_decision")
    code = issued.document.verification_code
    found = verify_code(village, f" {code.lower()} ")
    assert len(found) == 1
    info = found[0]
    assert (info.case_no, info.doc_no, info.title, info.current) == (
        case.case_no,
        issued.document.doc_no,
        "投诉受理决定书",
        True,
    )
    assert verify_code(village, "00000000") == []


def test_every_kind_can_be_issued_or_explains_why_not(village, data_dir):
    case = _accepted(village)
    for kind in DOCUMENT_KINDS:
        problems = check_document(
            village, case.case_no, kind, user=OFFICER, station_code=VILLAGE, now=NOW
        )
        assert isinstance(problems, list)


def test_a_document_issued_meanwhile_is_not_issued_twice(village, data_dir):
    """The first check reads before the write lock; another user may issue in between."""
    from station_app import document_issuing as issuing

    case = _accepted(village)
    _issue(village, data_dir, case, "acceptance_decision")  # by the other user
    real = issuing.current_document
    calls = []

    def stale_then_real(store, case_id, kind):
        calls.append(kind)
        return None if len(calls) == 1 else real(store, case_id, kind)

    issuing.current_document = stale_then_real
    try:
        with pytest.raises(AlreadyIssued, match="meanwhile"):
            _issue(village, data_dir, case, "acceptance_decision")
    finally:
        issuing.current_document = real
    assert village.scalar("SELECT COUNT(*) FROM issued_documents") == 1
    assert village.scalar("SELECT last_seq FROM document_counters") == 1


def test_every_copy_of_a_form_with_full_identifiers_is_an_audited_reveal(village, data_dir):
    """The registration form prints full ID numbers and phones: its first print and every
    reprint are written to the audit log with the user's name, like `case show --reveal`."""
    from station_app.store.audit import audit_entries

    case = new_case(village)
    _issue(village, data_dir, case, "complaint_registration")
    reprint(
        village, data_dir, case.case_no, "complaint_registration", user=OFFICER,
        station_code=VILLAGE,
    )  # fmt: skip
    # A clerk never sees a full ID number: no copy, no preview, nothing logged.
    with pytest.raises(RevealRefused, match="only an officer or an administrator"):
        reprint(
            village, data_dir, case.case_no, "complaint_registration", user=CLERK,
            station_code=VILLAGE,
        )  # fmt: skip
    with pytest.raises(RevealRefused):
        correct_document(
            village, data_dir, case.case_no, "complaint_registration", reason="更正", user=CLERK,
            station_code=VILLAGE, now=NOW,
        )  # fmt: skip
    assert check_document(
        village, case.case_no, "complaint_registration", user=CLERK, station_code=VILLAGE,
        now=NOW,
    )  # fmt: skip

    reveals = [e for e in audit_entries(village, case.id) if e.kind == "reveal"]
    assert [(e.actor, e.field) for e in reveals] == [
        (OFFICER.username, "phone"),
        (OFFICER.username, "phone"),
    ]
    # A decision shows no identifiers: reprinting it reveals nothing.
    accepted = _accepted(village)
    _issue(village, data_dir, accepted, "acceptance_decision")
    reprint(
        village, data_dir, accepted.case_no, "acceptance_decision", user=CLERK, station_code=VILLAGE
    )
    assert not [e for e in audit_entries(village, accepted.id) if e.kind == "reveal"]


def test_no_document_for_the_business_is_issued_on_a_report(village, data_dir):
    """A report's documents are its registration form and the result told to the reporter; a
    decision or notice would go to the business with the reporter's name: refused, from the
    command line too (not only hidden in the window)."""
    from station_app.document_issuing import applies_to
    from station_app.domain import CaseKind

    report = new_case(village, kind=CaseKind.REPORT)
    for kind in DOCUMENT_KINDS:
        if applies_to(kind, CaseKind.REPORT):
            continue
        with pytest.raises(DocumentIncomplete, match="not issued on a case of this type"):
            issue_document(
                village, data_dir, report.case_no, kind, user=OFFICER, station_code=VILLAGE,
                now=NOW,
            )  # fmt: skip
    assert village.scalar("SELECT COUNT(*) FROM issued_documents") == 0
    assert {k for k in DOCUMENT_KINDS if applies_to(k, CaseKind.REPORT)} == {
        "report_registration",
        "report_result_notice",
    }
