"""The facts typed when a document is issued are kept with the issued version (migration 11)
and offered again: a correction keeps them unless changed, a later kind is prefilled."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from station_app.document_issuing import (
    check_document,
    correct_document,
    issue_document,
    stored_facts,
)
from station_app.store import driver
from station_app.store.documents import document_versions
from tests.core.conftest import outbox_rows
from tests.core.workflow_helpers import CLERK, OFFICER, VILLAGE, do, new_case, set_up_village

NOW = datetime(2026, 5, 8, 10, 0)
NOTICE = "mediation_notice"
FACTS = {
    "held_at": "2026-05-12 09:30",
    "place": "码头镇投诉站调解室",
    "materials": ["身份证件", "购物凭证"],
    "contact": "0792-4221234",
}


@pytest.fixture
def village(store):
    set_up_village(store)
    store.set_setting("document_prefix", "瑞市监消")
    return store


def _mediating(store):
    case = new_case(store, received_at=datetime(2026, 5, 6, 9, 0))
    do(store, case, "accept", {"occurred_at": "2026-05-06"}, user=CLERK)
    do(
        store,
        case,
        "start-mediation",
        {"complainant_consents": True, "merchant_consents": True, "mode": "phone",
         "occurred_at": "2026-05-07"},
    )  # fmt: skip
    return case


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return done.stdout.replace("\n", "").replace(" ", "")


def _issue(store, data_dir, case, details=None, kind=NOTICE):
    return issue_document(
        store, data_dir, case.case_no, kind, user=OFFICER, station_code=VILLAGE, now=NOW,
        details=details,
    )  # fmt: skip


def test_the_facts_are_stored_with_the_issued_version(village, data_dir):
    case = _mediating(village)
    issued = _issue(village, data_dir, case, FACTS)
    assert issued.document.facts == FACTS
    [stored] = document_versions(village, case.id, NOTICE)
    assert stored.facts == FACTS
    # They travel with the row to the city office like every column of it.
    [entry] = outbox_rows(village, "issued_documents")
    assert json.loads(entry["new_values"]["facts"]) == FACTS


def test_a_correction_keeps_the_facts_without_asking_again(village, data_dir, tmp_path):
    case = _mediating(village)
    _issue(village, data_dir, case, FACTS)
    corrected = correct_document(
        village, data_dir, case.case_no, NOTICE, reason="投诉人姓名更正", user=OFFICER,
        station_code=VILLAGE, now=NOW,
    )  # fmt: skip
    assert corrected.document.version == 2 and corrected.document.facts == FACTS
    text = _text(corrected.pdf, tmp_path)
    assert "码头镇投诉站调解室" in text and "购物凭证" in text and "0792-4221234" in text


def test_a_correction_changes_only_the_facts_given(village, data_dir, tmp_path):
    case = _mediating(village)
    _issue(village, data_dir, case, FACTS)
    corrected = correct_document(
        village, data_dir, case.case_no, NOTICE, reason="地点变更", user=OFFICER,
        station_code=VILLAGE, now=NOW, details={"place": "码头镇人民调解室"},
    )  # fmt: skip
    assert corrected.document.facts == {**FACTS, "place": "码头镇人民调解室"}
    text = _text(corrected.pdf, tmp_path)
    assert "码头镇人民调解室" in text and "码头镇投诉站调解室" not in text


def test_a_later_kind_is_prefilled_with_the_facts_typed_before(village, data_dir):
    case = _mediating(village)
    _issue(village, data_dir, case, FACTS)
    # What was typed once is offered to the form of every later document.
    assert stored_facts(village, case.id, "judicial_application") == FACTS
    problems = check_document(
        village, case.case_no, NOTICE, user=OFFICER, station_code=VILLAGE, now=NOW
    )
    assert problems == []  # a second notice would not ask for the facts again


def test_an_issued_versions_facts_cannot_be_changed(village, data_dir):
    case = _mediating(village)
    issued = _issue(village, data_dir, case, FACTS)
    with pytest.raises(driver.IntegrityError, match="append-only"):
        with village.transaction(actor="admin"):
            village.execute(
                "UPDATE issued_documents SET facts = '{}' WHERE id = ?", (issued.document.id,)
            )
    [stored] = document_versions(village, case.id, NOTICE)
    assert stored.facts == FACTS


def test_a_document_without_facts_stores_none(village, data_dir):
    case = _mediating(village)
    issued = _issue(village, data_dir, case, kind="acceptance_decision")
    assert issued.document.facts == {}
