"""The agreement can always be completed: agree asks for everything the 调解协议书 says, and
an agreement that lacks some of it is completed with amend-agreement (an officer's audited
action) instead of staying unprintable."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from station_app.case_actions import ActionRejected, case_record
from station_app.document_issuing import check_document, issue_document
from station_app.domain import Agreement, AgreementTerm, CaseEvent, CaseStatus, TermType
from station_app.store.case_events import add_agreement, add_event
from station_app.workflow import Action
from tests.core.workflow_helpers import (
    AGREEMENT_WORDING,
    CLERK,
    OFFICER,
    PERFORMANCE,
    VILLAGE,
    audit_rows,
    do,
    events,
    new_case,
    set_up_village,
    snapshot,
)

NOW = datetime(2026, 6, 1, 10, 0)
AGREEMENT = "mediation_agreement"


@pytest.fixture
def village(store):
    set_up_village(store)
    return store


def _mediating(store):
    case = new_case(store, received_at=datetime(2026, 5, 6, 9, 0))
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
    return case


def _missing(store, case) -> list[str]:
    return check_document(
        store, case.case_no, AGREEMENT, user=OFFICER, station_code=VILLAGE, now=NOW
    )


def _old_agreement(store):
    """An agreement as it was recorded before agree asked for its wording: terms only."""
    case = _mediating(store)
    agreement = Agreement(
        agreed_on=date(2026, 5, 20),
        terms=[AgreementTerm(TermType.REFUND, Decimal("1299.50"))],
        amount_recovered=Decimal("1299.50"),
        performance_due=None,
    )
    with store.transaction(actor=OFFICER.username):
        store.execute("UPDATE cases SET status = 'agreed' WHERE id = ?", (case.id,))
        add_agreement(store, case.id, agreement, VILLAGE)
        add_event(
            store,
            case.id,
            CaseEvent(
                action=Action.AGREE,
                from_status=CaseStatus.MEDIATING,
                to_status=CaseStatus.AGREED,
                occurred_at="2026-05-20",
                actor=OFFICER.username,
                actor_role=OFFICER.role.value,
                details={"terms": [{"type": "refund", "amount": "1299.50", "description": ""}]},
                owner_station=VILLAGE,
            ),
        )
    return case


def test_agree_refuses_an_agreement_that_could_not_be_printed(village):
    case = _mediating(village)
    before = snapshot(village)
    with pytest.raises(ActionRejected) as caught:
        do(
            village,
            case,
            "agree",
            {"terms": [{"type": "refund", "amount": "100"}], "amount_recovered": "100"},
        )
    text = str(caught.value)
    for key in ("dispute", "mediators", "performance", "performance_due", "description"):
        assert key in text, key
    assert snapshot(village) == before


def test_an_agreement_taken_with_everything_is_ready_to_print(village):
    case = _mediating(village)
    do(
        village,
        case,
        "agree",
        {
            "terms": [{"type": "refund", "amount": "100", "description": "退还货款"}],
            "amount_recovered": "100",
            "performance_due": "2026-05-30",
            "agreed_on": "2026-05-20",
            **PERFORMANCE,
            **AGREEMENT_WORDING,
        },
    )
    agreement = case_record(village, case.case_no).agreement
    assert agreement.dispute == AGREEMENT_WORDING["dispute"]
    assert agreement.performance == "银行转账"
    assert agreement.mediators == ["王调解员"]
    assert _missing(village, case) == []


def test_an_incomplete_agreement_names_amend_agreement_for_each_missing_item(village):
    case = _old_agreement(village)
    missing = _missing(village, case)
    assert len(missing) == 5
    for key in ("dispute", "terms", "mediators", "performance", "performance_due"):
        assert any(f"(amend-agreement, “{key}”)" in m for m in missing), key


def test_amend_agreement_completes_it_and_keeps_the_old_wording(village, tmp_path: Path):
    case = _old_agreement(village)
    with pytest.raises(ActionRejected, match="ask a mediation officer"):
        do(village, case, "amend-agreement", {"reason": "补录", **AGREEMENT_WORDING}, user=CLERK)
    result = do(
        village,
        case,
        "amend-agreement",
        {
            "reason": "补录协议内容",
            "terms": [{"type": "refund", "amount": "1299.50", "description": "退还货款"}],
            "performance_due": "2026-06-10",
            **PERFORMANCE,
            **AGREEMENT_WORDING,
        },
    )
    assert result.to_status == "agreed"
    assert result.warnings == []
    last = events(village, case)[-1]
    assert last["action"] == "amend-agreement"
    assert last["note"] == "补录协议内容"
    assert last["actor"] == OFFICER.username
    assert last["details"]["dispute"] == AGREEMENT_WORDING["dispute"]
    assert last["details"]["previous"]["dispute"] == ""
    assert last["details"]["previous"]["terms"][0]["description"] == ""
    audited = {(r["field"], r["actor"]) for r in audit_rows(village, case, "agreements")}
    assert {("terms", OFFICER.username), ("performance_due", OFFICER.username)} <= audited
    record = case_record(village, case.case_no)
    assert record.agreement.terms[0].description == "退还货款"
    assert record.agreement.performance_due == date(2026, 6, 10)
    assert [d for d in record.deadlines if d.kind.value == "agreement_performance"][0].due == date(
        2026, 6, 10
    )
    assert _missing(village, case) == []
    issue_document(
        village, tmp_path, case.case_no, AGREEMENT, user=OFFICER, station_code=VILLAGE, now=NOW
    )
    # A later change says the printed copy must be corrected to match.
    again = do(village, case, "amend-agreement", {"reason": "改为现金", "performance": "现金支付"})
    assert any("Correct" in w for w in again.warnings)
    assert case_record(village, case.case_no).agreement.performance == "现金支付"
    assert case_record(village, case.case_no).agreement.dispute == AGREEMENT_WORDING["dispute"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"reason": "补录"}, "Give what to complete or change"),
        ({"dispute": "x"}, "Why it is amended (reason) is required"),
        ({"reason": "补录", "mediators": "、"}, "name at least one mediator"),
        ({"reason": "补录", "performance_due": "2026-05-01"}, "before the agreement"),
        ({"reason": "补录", "terms": [{"type": "repair"}]}, "describe what was agreed"),
        ({"reason": "补录", "amount_recovered": "1"}, "Unknown entries"),
    ],
)
def test_a_bad_amendment_writes_nothing(village, payload, message):
    case = _old_agreement(village)
    before = snapshot(village)
    with pytest.raises(ActionRejected) as caught:
        do(village, case, "amend-agreement", payload)
    assert message in str(caught.value)
    assert snapshot(village) == before


def test_an_amendment_that_changes_nothing_is_refused(village):
    case = _old_agreement(village)
    do(village, case, "amend-agreement", {"reason": "补录", **AGREEMENT_WORDING})
    with pytest.raises(ActionRejected, match="Nothing would change"):
        do(village, case, "amend-agreement", {"reason": "再录", **AGREEMENT_WORDING})


def test_amend_agreement_needs_an_agreement(village):
    case = _mediating(village)
    with pytest.raises(ActionRejected, match="not possible while the case"):
        do(village, case, "amend-agreement", {"reason": "补录", "dispute": "x"})


COMPLAINT_DOCUMENTS = (
    "complaint_registration",
    "acceptance_decision",
    "refusal_decision",
    "termination_decision",
    "mediation_notice",
    "mediation_record",
    AGREEMENT,
    "judicial_application",
)
# How a missing fact names what supplies it (content.by_action, when_printing, in_registration,
# issue_first, acting_bodies.missing_setting).
SUPPLIED_BY = re.compile(
    r": record it with “[^”]+” \((?P<action>[a-z-]+)(, “[a-z_]+”)?\)\.$"
    r"|: issue it first \(print [a-z_]+\)\.$"
    r"|an administrator sets it in Station settings or with `station-app settings set"
    r"|: give it when printing \(“[a-z_]+” in print --json"
    r"|: correct the case's registration \(“[a-z_]+” in the case JSON\)\.$"
    r"|: issue it first \(print [a-z_]+\)\.$"
)


@pytest.mark.parametrize("kind", COMPLAINT_DOCUMENTS)
def test_every_missing_fact_names_the_action_or_key_that_supplies_it(village, kind):
    registered = new_case(village, received_at=datetime(2026, 5, 6, 9, 0))
    for problem in _check(village, registered, kind):
        match = SUPPLIED_BY.search(problem)
        assert match, problem
        if match.group("action"):
            assert match.group("action") in {a.value for a in Action}, problem


def _check(store, case, kind) -> list[str]:
    return check_document(store, case.case_no, kind, user=OFFICER, station_code=VILLAGE, now=NOW)
