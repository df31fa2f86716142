"""The rules on steps (workflow.py): each refused (nothing written) or warned (shown), through
the one action path and the one issuing service."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from station_app.case_actions import ActionRejected, case_record
from station_app.case_json import deadline_to_dict
from station_app.deadlines import DeadlineKind, rule_for, rule_in_force
from station_app.document_issuing import DocumentIncomplete, issue_document
from station_app.documents.wording import ORDER_20_TERMINATION
from station_app.domain import CaseKind
from station_app.store.cases import add_case
from station_app.workflow import (
    ORDER_20_TERMINATION_KEYS,
    TERMINATION_GROUNDS,
    TIME_LIMIT_GROUND_ITEM,
)
from tests.core.conftest import make_case
from tests.core.workflow_helpers import (
    AGREEMENT_WORDING,
    CLERK,
    OFFICER,
    VILLAGE,
    do,
    events,
    issue_agreement,
    new_case,
    set_up_village,
    snapshot,
)

RECEIVED = datetime(2026, 5, 6, 9, 0)  # an Order No. 121 case


@pytest.fixture
def village(store):
    set_up_village(store)
    store.set_setting("document_prefix", "瑞市监消")
    return store


def _mediating(store):
    case = new_case(store, received_at=RECEIVED)
    do(store, case, "accept", {"occurred_at": "2026-05-06"}, user=CLERK)
    do(
        store,
        case,
        "start-mediation",
        {"complainant_consents": True, "merchant_consents": True, "mode": "phone",
         "occurred_at": "2026-05-07"},
    )  # fmt: skip
    return case


def _deadline(store, case, kind: DeadlineKind):
    record = case_record(store, case.case_no)
    return next(d for d in record.deadlines if d.kind is kind)


def _at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time()).replace(hour=10)


# --------------------------------------------------------------------------- terminating


def test_the_time_limit_ground_is_refused_until_the_mediation_limit_has_passed(village):
    case = _mediating(village)
    due = _deadline(village, case, DeadlineKind.MEDIATION).due
    assert due == date(2026, 7, 6)  # 60 days from 6 May end on Sunday 5 July: Monday
    before = snapshot(village)
    on_last_day = {"ground": TIME_LIMIT_GROUND_ITEM, "occurred_at": due.isoformat()}
    with pytest.raises(ActionRejected) as refused:
        do(village, case, "terminate", on_last_day, now=_at(due))
    assert "2026-07-06" in refused.value.problems[0]
    assert snapshot(village) == before  # nothing written
    day_after = due + timedelta(days=1)
    do(
        village,
        case,
        "terminate",
        {"ground": TIME_LIMIT_GROUND_ITEM, "occurred_at": day_after.isoformat()},
        now=_at(day_after),
    )
    assert events(village, case)[-1]["details"]["ground"] == TIME_LIMIT_GROUND_ITEM


def test_another_ground_may_end_mediation_before_the_limit(village):
    case = _mediating(village)
    do(village, case, "terminate", {"ground": 4, "occurred_at": "2026-05-20"})
    assert events(village, case)[-1]["action"] == "terminate"


def test_the_time_limit_ground_is_refused_while_mediation_is_suspended(village):
    case = _mediating(village)
    do(village, case, "suspend", {"reason": "appraisal", "occurred_at": "2026-05-10"})
    before = snapshot(village)
    with pytest.raises(ActionRejected, match="suspended"):
        do(village, case, "terminate", {"ground": TIME_LIMIT_GROUND_ITEM})
    assert snapshot(village) == before


# --------------------------------------------------------------------------- late steps


def test_a_late_acceptance_is_saved_and_shown_as_met_late(village):
    case = new_case(village, received_at=RECEIVED)
    due = _deadline(village, case, DeadlineKind.ACCEPTANCE).due
    late = due + timedelta(days=3)
    result = do(village, case, "accept", {"occurred_at": late.isoformat()}, user=CLERK,
                now=_at(late))  # fmt: skip
    assert result.step_warnings == [
        f"Decide whether to accept the complaint: completed late (the time limit ended on "
        f"{due.isoformat()})."
    ]
    acceptance = _deadline(village, case, DeadlineKind.ACCEPTANCE)
    shown = deadline_to_dict(acceptance, late)
    assert shown["met_late"] is True and shown["overdue"] is False


def test_an_acceptance_in_time_has_no_warning(village):
    case = new_case(village, received_at=RECEIVED)
    result = do(village, case, "accept", {"occurred_at": "2026-05-07"}, user=CLERK)
    assert result.step_warnings == []
    assert (
        deadline_to_dict(_deadline(village, case, DeadlineKind.ACCEPTANCE), RECEIVED.date())[
            "met_late"
        ]
        is False
    )


# --------------------------------------------------------------------------- the notice


NOTICE_FACTS = {"held_at": "2026-05-20 09:30", "place": "调解室", "materials": ["身份证件"]}


def _notice(store, data_dir, case, now):
    return issue_document(
        store, data_dir, case.case_no, "mediation_notice", user=OFFICER, station_code=VILLAGE,
        now=now, details=NOTICE_FACTS,
    )  # fmt: skip


def test_the_notice_is_refused_before_both_consents_and_nothing_is_written(village, data_dir):
    case = new_case(village, received_at=RECEIVED)
    do(village, case, "accept", {"occurred_at": "2026-05-06"}, user=CLERK)
    before = snapshot(village)
    with pytest.raises(DocumentIncomplete) as refused:
        _notice(village, data_dir, case, datetime(2026, 5, 8, 9, 0))
    assert refused.value.problems == [
        "The mediation notice goes out only once both parties have agreed to mediation: "
        "record it with “Start mediation” (start-mediation)."
    ]
    assert snapshot(village) == before
    assert village.scalar("SELECT COUNT(*) FROM issued_documents") == 0
    assert not (data_dir / "documents").exists()


def test_a_notice_issued_after_its_session_is_issued_with_a_warning(village, data_dir):
    case = _mediating(village)
    issued = _notice(village, data_dir, case, datetime(2026, 5, 21, 9, 0))
    assert issued.warnings == [
        "The notice is issued after the mediation session it announces (2026-05-20 09:30); "
        "make sure the parties were told in time by other means."
    ]
    assert village.scalar("SELECT COUNT(*) FROM issued_documents") == 1


def test_a_notice_before_its_session_has_no_warning(village, data_dir):
    case = _mediating(village)
    assert _notice(village, data_dir, case, datetime(2026, 5, 8, 9, 0)).warnings == []


# --------------------------------------------------------------------------- judicial


def _agreed(store):
    case = _mediating(store)
    do(
        store,
        case,
        "agree",
        {"terms": [{"type": "refund", "amount": "100", "description": "退还货款"}],
         "amount_recovered": "100", "agreed_on": "2026-05-15", "performed_on_spot": True,
         **AGREEMENT_WORDING},
    )  # fmt: skip
    return case


APPLICATION = {"applied_on": "2026-05-20", "court_name": "瑞昌市人民法院"}


def test_the_judicial_application_is_refused_before_the_agreement_is_issued(village, data_dir):
    case = _agreed(village)
    before = snapshot(village)
    with pytest.raises(ActionRejected, match="issue it first"):
        do(village, case, "judicial-apply", APPLICATION)
    assert snapshot(village) == before
    with pytest.raises(DocumentIncomplete, match="issue it first"):
        issue_document(
            village, data_dir, case.case_no, "judicial_application", user=OFFICER,
            station_code=VILLAGE, now=datetime(2026, 5, 20, 9, 0),
            details={"court": "瑞昌市人民法院"},
        )  # fmt: skip
    assert village.scalar("SELECT COUNT(*) FROM issued_documents") == 0


def test_a_judicial_application_after_30_days_is_warned_in_the_action_and_the_document(
    village, data_dir
):
    case = _agreed(village)
    issue_agreement(village, case, data_dir, now=datetime(2026, 5, 15, 10, 0))
    late = {"applied_on": "2026-06-30", "court_name": "瑞昌市人民法院"}
    result = do(village, case, "judicial-apply", late, now=datetime(2026, 6, 30, 10, 0))
    assert any("30 days" in w and "2026-06-15" in w for w in result.step_warnings)
    issued = issue_document(
        village, data_dir, case.case_no, "judicial_application", user=OFFICER,
        station_code=VILLAGE, now=datetime(2026, 6, 30, 10, 0),
    )  # fmt: skip
    assert any("30 days" in w and "2026-06-15" in w for w in issued.warnings)


def test_a_judicial_application_in_time_has_no_warning(village, data_dir):
    case = _agreed(village)
    issue_agreement(village, case, data_dir, now=datetime(2026, 5, 15, 10, 0))
    result = do(village, case, "judicial-apply", APPLICATION, now=datetime(2026, 5, 20, 10, 0))
    assert result.step_warnings == []


# --------------------------------------------------------------------------- the reporter


def _report(store, *, anonymous: bool = False, received_at: datetime = RECEIVED):
    case = make_case(kind=CaseKind.REPORT, received_at=received_at)
    case.anonymous = anonymous
    if anonymous:
        case.complainants = []
    case = add_case(store, case, station_code=VILLAGE, created_by="admin")
    checked = (received_at + timedelta(days=1)).date().isoformat()
    do(store, case, "check", {"occurred_at": checked}, user=CLERK)
    return case


def test_a_real_name_reporter_is_told_within_5_working_days_under_order_20(village):
    case = _report(village, received_at=datetime(2026, 3, 2, 9, 0))
    do(village, case, "open-case", {"occurred_at": "2026-03-13"})  # a Friday
    told = _deadline(village, case, DeadlineKind.REPORT_RESULT_NOTICE)
    assert (told.start, told.due, told.met_on) == (date(2026, 3, 13), date(2026, 3, 20), None)
    stored = village.query(
        "SELECT due, met_on FROM case_deadlines WHERE kind = 'report_result_notice'"
    )
    assert stored == [{"due": "2026-03-20", "met_on": None}]
    result = do(village, case, "notify-result", {"occurred_at": "2026-03-23"},
                now=datetime(2026, 3, 23, 10, 0))  # fmt: skip
    assert any("completed late" in w for w in result.step_warnings)
    assert _deadline(village, case, DeadlineKind.REPORT_RESULT_NOTICE).met_on == date(2026, 3, 23)


def test_order_121_sets_the_reporters_notice_no_time_limit(village):
    case = _report(village)
    do(village, case, "open-case", {"occurred_at": "2026-05-15"})
    kinds = {d.kind for d in case_record(village, case.case_no).deadlines}
    assert DeadlineKind.REPORT_RESULT_NOTICE not in kinds
    assert rule_in_force(DeadlineKind.REPORT_RESULT_NOTICE, date(2026, 5, 1)) is None
    # the notice itself can still be sent and recorded (art. 36)
    do(village, case, "notify-result", {"occurred_at": "2026-05-25"})


def test_the_rule_cites_order_20_art_31_2_for_old_cases():
    assert rule_for(DeadlineKind.REPORT_RESULT_NOTICE, date(2026, 3, 1)).article.endswith(
        "第三十一条第二款"
    )
    assert rule_for(DeadlineKind.REPORT_RESULT_NOTICE, date(2026, 3, 1)).amount == 5


def test_an_anonymous_reporter_has_no_such_deadline(village):
    case = _report(village, anonymous=True)
    do(village, case, "not-open", {"occurred_at": "2026-05-15"})
    kinds = {d.kind for d in case_record(village, case.case_no).deadlines}
    assert DeadlineKind.REPORT_RESULT_NOTICE not in kinds


def test_an_order_20_case_is_terminated_only_on_a_ground_order_20_has(village):
    case = new_case(village, received_at=datetime(2026, 3, 2, 9, 0))  # before Order No. 121
    do(village, case, "accept", {"occurred_at": "2026-03-02"}, user=CLERK)
    do(
        village,
        case,
        "start-mediation",
        {"complainant_consents": True, "merchant_consents": True, "mode": "phone",
         "occurred_at": "2026-03-03"},
    )  # fmt: skip
    before = snapshot(village)
    death = next(g for g in TERMINATION_GROUNDS if g.key == "death")
    with pytest.raises(ActionRejected) as refused:
        do(village, case, "terminate", {"ground": death.item, "occurred_at": "2026-03-10"})
    assert "2026-04-15" in str(refused.value) and death.text in str(refused.value)
    assert snapshot(village) == before  # nothing written
    # the same ground is fine under Order No. 121, and Order No. 20's own grounds still are
    newer = _mediating(village)
    do(village, newer, "terminate", {"ground": death.item, "occurred_at": "2026-05-20"})
    withdrawn = next(g for g in TERMINATION_GROUNDS if g.key == "withdrawn")
    do(village, case, "terminate", {"ground": withdrawn.item, "occurred_at": "2026-03-10"})
    assert events(village, case)[-1]["action"] == "terminate"


def test_the_rule_and_the_printed_order_20_grounds_name_the_same_grounds():
    assert {g.key for g in ORDER_20_TERMINATION} == ORDER_20_TERMINATION_KEYS
    assert ORDER_20_TERMINATION_KEYS < {g.key for g in TERMINATION_GROUNDS}
