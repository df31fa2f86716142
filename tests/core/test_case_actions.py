"""Every workflow action through case_actions.act, with its effects in the database: status,
event, related rows, outbox entries, audit rows and deadlines."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pytest

from station_app.action_payloads import ACTION_FIELDS, when_key
from station_app.case_actions import ActionRejected, case_record
from station_app.domain import CaseKind, CaseStatus, Channel, Party, Role, User
from station_app.store.holidays import load_calendar
from station_app.workflow import Action
from tests.core.conftest import outbox_rows
from tests.core.workflow_helpers import (
    AGREEMENT_WORDING,
    CLERK,
    NOW,
    OFFICER,
    PERFORMANCE,
    VILLAGE,
    audit_rows,
    case_row,
    deadline_rows,
    do,
    events,
    issue_agreement,
    new_case,
    set_up_village,
    snapshot,
)


@pytest.fixture
def store(store):
    set_up_village(store)
    return store


def _mediating(store, **kwargs):
    case = new_case(store, **kwargs)
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


# --------------------------------------------------------------------------- the payload table


def test_every_action_takes_the_date_it_happened():
    for action in Action:
        keys = [spec.key for spec in ACTION_FIELDS[action]]
        assert when_key(action) in keys, action
        assert len(keys) == len(set(keys)), action


# --------------------------------------------------------------------------- complaints


def test_accept_sets_the_status_writes_the_event_and_the_audit_with_the_clerk(store):
    case = new_case(store, received_at=datetime(2026, 5, 6, 9, 0))
    outbox_before = len(outbox_rows(store))
    result = do(
        store, case, "accept", {"occurred_at": "2026-05-07", "note": "材料齐全"}, user=CLERK
    )

    assert (result.from_status, result.to_status) == ("registered", "accepted")
    row = case_row(store, case)
    assert (row["status"], row["accepted_on"]) == ("accepted", "2026-05-07")
    [event] = events(store, case)
    assert event["action"] == "accept"
    assert (event["from_status"], event["to_status"]) == ("registered", "accepted")
    assert event["occurred_at"] == "2026-05-07"
    assert (event["actor"], event["actor_role"], event["owner_station"]) == (
        "li.clerk",
        "clerk",
        VILLAGE,
    )
    assert event["note"] == "材料齐全"
    changes = [r for r in audit_rows(store, case) if r["field"] != "*"]
    assert {(r["field"], r["old_value"], r["new_value"]) for r in changes} == {
        ("status", "registered", "accepted"),
        ("accepted_on", None, "2026-05-07"),
    }
    assert {r["actor"] for r in changes} == {"li.clerk"}
    new_entries = outbox_rows(store)[outbox_before:]
    tables = [e["table_name"] for e in new_entries]
    assert "case_events" in tables and "cases" in tables and "audit_log" in tables
    event_entry = next(e for e in new_entries if e["table_name"] == "case_events")
    assert event_entry["op"] == "insert" and event_entry["new_values"]["action"] == "accept"
    # Acceptance met the same day it was due to be decided by; mediation's clock started.
    rows = deadline_rows(store, case)
    assert rows["acceptance"]["met_on"] == "2026-05-07"
    assert rows["mediation"]["start"] == "2026-05-07"
    assert rows["mediation"]["due"] == "2026-07-06"  # 60 days after 7 May 2026
    assert rows["mediation"]["met_on"] is None


def test_the_case_creation_is_audited_with_its_clerk(store):
    case = new_case(store)
    assert audit_rows(store, case) == [
        {
            "actor": "admin",
            "field": "*",
            "old_value": None,
            "new_value": "created",
            "kind": "change",
        }
    ]


def test_refuse_records_the_ground_by_item_number(store):
    case = new_case(store)
    do(store, case, "refuse", {"ground": 4, "note": "超过三年"}, user=CLERK)
    assert case_row(store, case)["status"] == "not_accepted"
    [event] = events(store, case)
    assert event["details"]["ground"] == 4
    assert "三年" in event["details"]["ground_text"]
    assert "121" in event["details"]["article"]
    assert deadline_rows(store, case)["acceptance"]["met_on"] == "2026-06-01"
    assert "mediation" not in deadline_rows(store, case)


@pytest.mark.parametrize("ground", [0, 8, "x", None, True])
def test_refuse_with_an_unknown_ground_is_rejected(store, ground):
    case = new_case(store)
    before = snapshot(store)
    with pytest.raises(ActionRejected) as caught:
        do(store, case, "refuse", {"ground": ground}, user=CLERK)
    assert "Ground (ground)" in str(caught.value)
    assert snapshot(store) == before


def test_start_mediation_needs_both_consents_and_records_entrustment(store):
    case = new_case(store)
    do(store, case, "accept", user=CLERK)
    with pytest.raises(ActionRejected, match="consent of both"):
        do(
            store,
            case,
            "start-mediation",
            {"complainant_consents": True, "merchant_consents": False, "mode": "phone"},
        )
    do(
        store,
        case,
        "start-mediation",
        {
            "complainant_consents": True,
            "merchant_consents": True,
            "entrusted": True,
            "mode": "phone",
        },
    )
    row = case_row(store, case)
    assert (row["status"], row["consent_mediation"], row["consent_entrusted"]) == (
        "mediating",
        1,
        1,
    )
    assert events(store, case)[-1]["details"]["entrusted"] is True


def test_suspension_pauses_the_mediation_clock(store):
    case = _mediating(store, received_at=datetime(2026, 5, 6, 9, 0))
    assert deadline_rows(store, case)["mediation"]["due"] == "2026-07-06"
    do(store, case, "suspend", {"reason": "appraisal", "occurred_at": "2026-05-10"})
    paused = deadline_rows(store, case)["mediation"]
    assert case_row(store, case)["status"] == "suspended"
    assert (paused["due"], paused["paused_since"]) == (None, "2026-05-10")
    do(store, case, "resume", {"occurred_at": "2026-05-20"})
    # 60 days from 6 May end on Sunday 5 July (so Monday 6 July); the ten paused days
    # (11-20 May) do not count, so they end on Wednesday 15 July.
    resumed = deadline_rows(store, case)["mediation"]
    assert (resumed["due"], resumed["paused_since"]) == ("2026-07-15", None)
    assert [e["action"] for e in events(store, case)][-2:] == ["suspend", "resume"]
    assert events(store, case)[-2]["details"]["reason"] == "appraisal"


def test_record_session_writes_the_session_and_its_outbox_entry(store):
    case = _mediating(store)
    do(
        store,
        case,
        "record-session",
        {
            "held_at": "2026-05-12 14:30",
            "place": "村委会调解室",
            "mode": "on_site",
            "mediators": ["王调解员", "李文书"],
            "recorder": "李文书",
            "attendees": "张三、超市店长",
            "complainant_statement": "冰箱不制冷",
            "merchant_statement": "同意检测",
            "result": "约定下次调解",
        },
    )
    [session] = store.query("SELECT * FROM mediation_sessions WHERE case_id = ?", (case.id,))
    assert session["held_at"] == "2026-05-12 14:30"
    assert json.loads(session["mediators"]) == ["王调解员", "李文书"]
    assert json.loads(session["attendees"]) == ["张三", "超市店长"]
    assert session["owner_station"] == VILLAGE
    assert case_row(store, case)["status"] == "mediating"
    event = events(store, case)[-1]
    assert (event["from_status"], event["to_status"]) == ("mediating", "mediating")
    assert event["details"]["session_id"] == session["id"]
    [entry] = outbox_rows(store, "mediation_sessions")
    assert entry["new_values"]["place"] == "村委会调解室"


def test_an_on_site_session_needs_its_place_and_a_mediator(store):
    case = _mediating(store)
    before = snapshot(store)
    with pytest.raises(ActionRejected) as caught:
        do(store, case, "record-session", {"held_at": "2026-05-12 14:30", "mode": "on_site"})
    text = str(caught.value)
    assert "Mediators (mediators) is required" in text
    assert "on-site session" in text
    assert snapshot(store) == before


def test_agree_writes_the_agreement_amounts_and_deadlines(store):
    case = new_case(
        store,
        complainants=[Party(name="张三", phone="13812346721"), Party(name="李四")],
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
    result = do(
        store,
        case,
        "agree",
        {
            "terms": [
                {"type": "refund", "amount": "1299.50", "description": "退还货款"},
                {"type": "compensation", "amount": "500", "description": "赔偿"},
            ],
            "amount_recovered": "1799.50",
            "performance_due": "2026-06-10",
            **PERFORMANCE,
            **AGREEMENT_WORDING,
            "agreed_on": "2026-05-20",
            "members": [
                {"party": 1, "claimed": "1500", "recovered": "1000"},
                {"party": 2, "claimed": "800", "recovered": "799.50"},
            ],
        },
    )
    assert result.to_status == "agreed"
    row = case_row(store, case)
    assert (row["status"], row["amount_recovered_fen"]) == ("agreed", 179950)
    [agreement] = store.query("SELECT * FROM agreements WHERE case_id = ?", (case.id,))
    assert agreement["agreed_on"] == "2026-05-20"
    assert agreement["performance_due"] == "2026-06-10"
    assert agreement["amount_recovered_fen"] == 179950
    assert json.loads(agreement["terms"])[0] == {
        "type": "refund",
        "amount": "1299.50",
        "description": "退还货款",
    }
    parties = store.query(
        "SELECT name, claimed_fen, recovered_fen FROM parties WHERE case_id = ? ORDER BY position",
        (case.id,),
    )
    assert [(p["claimed_fen"], p["recovered_fen"]) for p in parties] == [
        (150000, 100000),
        (80000, 79950),
    ]
    assert [r["field"] for r in audit_rows(store, case, "agreements")] == ["*"]
    party_audit = audit_rows(store, case, "parties")
    assert ("recovered_fen", None, "79950") in {
        (r["field"], r["old_value"], r["new_value"]) for r in party_audit
    }
    assert {r["actor"] for r in party_audit if r["field"] != "*"} == {OFFICER.username}
    [entry] = outbox_rows(store, "agreements")
    assert entry["new_values"]["amount_recovered_fen"] == 179950
    rows = deadline_rows(store, case)
    assert rows["mediation"]["met_on"] == "2026-05-20"
    # 30 days after 20 May end on 19 June 2026, the Dragon Boat Festival: moved to Monday 22 June.
    assert (rows["judicial_confirmation"]["start"], rows["judicial_confirmation"]["due"]) == (
        "2026-05-20",
        "2026-06-22",
    )
    assert rows["agreement_performance"]["due"] == "2026-06-10"


def test_agreement_performed_on_the_spot_has_no_later_deadlines(store):
    case = _mediating(store)
    do(
        store,
        case,
        "agree",
        {
            "terms": [{"type": "replacement", "description": "当场换新"}],
            "amount_recovered": "1299.50",
            "performed_on_spot": True,
            **AGREEMENT_WORDING,
        },
    )
    agreement = store.query("SELECT * FROM agreements WHERE case_id = ?", (case.id,))[0]
    assert agreement["performed_on_spot"] == 1
    assert agreement["performed_on"] == "2026-06-01"
    assert set(deadline_rows(store, case)) == {"acceptance", "mediation"}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"terms": [], "amount_recovered": "10"}, "list what was agreed"),
        ({"terms": [{"type": "refund"}], "amount_recovered": "10"}, "needs its amount"),
        ({"terms": [{"type": "gift"}], "amount_recovered": "10"}, "type “gift” is unknown"),
        ({"terms": [{"type": "repair"}], "amount_recovered": "-10"}, "no minus sign"),
        ({"terms": [{"type": "repair"}], "amount_recovered": "100000001"}, "Check the amount"),
        ({"terms": [{"type": "repair"}], "amount_recovered": "1.005"}, "at most two decimals"),
        (
            {"terms": [{"type": "repair"}], "amount_recovered": "1", "agreed_on": "2026-01-01"},
            "before the case was received",
        ),
        (
            {"terms": [{"type": "repair"}], "amount_recovered": "1", "agreed_on": "2026-07-01"},
            "in the future",
        ),
        (
            {"terms": [{"type": "repair"}], "amount_recovered": "1", "performance_due": "2026-05"},
            "not a date",
        ),
        (
            {
                "terms": [{"type": "repair"}],
                "amount_recovered": "1",
                "performance_due": "2026-06-09",
                "performed_on_spot": True,
            },
            "performed on the spot",
        ),
        (
            {"terms": [{"type": "repair"}], "amount_recovered": "1", "members": [{"party": 3}]},
            "no complainant 3",
        ),
        (
            {
                "terms": [{"type": "repair"}],
                "amount_recovered": "10",
                "members": [{"party": 1, "recovered": "9"}],
            },
            "add up to 9.00 yuan",
        ),
        ({"terms": [{"type": "repair"}], "amount_recovered": "1", "amout": "1"}, "Unknown"),
    ],
)
def test_a_bad_agreement_writes_nothing(store, payload, message):
    case = _mediating(store)
    before = snapshot(store)
    with pytest.raises(ActionRejected) as caught:
        do(store, case, "agree", payload)
    assert message in str(caught.value)
    assert snapshot(store) == before


def test_a_clerk_cannot_agree_terminate_or_mediate(store):
    case = new_case(store)
    do(store, case, "accept", user=CLERK)
    before = snapshot(store)
    for action, payload in (
        (
            "start-mediation",
            {"complainant_consents": True, "merchant_consents": True, "mode": "phone"},
        ),
        ("terminate", {"ground": 3}),
    ):
        with pytest.raises(ActionRejected, match="may not"):
            do(store, case, action, payload, user=CLERK)
    do(
        store,
        case,
        "start-mediation",
        {"complainant_consents": True, "merchant_consents": True, "mode": "phone"},
    )
    before = snapshot(store)
    with pytest.raises(ActionRejected, match="ask a mediation officer"):
        do(
            store,
            case,
            "agree",
            {"terms": [{"type": "repair"}], "amount_recovered": "0"},
            user=CLERK,
        )
    assert snapshot(store) == before


def test_terminate_then_close_meets_the_termination_notice(store):
    case = _mediating(store)
    do(
        store,
        case,
        "terminate",
        {"ground": 3, "note": "商家拒绝调解", "occurred_at": "2026-09-30"},
        now=datetime(2026, 10, 9, 9, 0),
    )
    rows = deadline_rows(store, case)
    # 7 working days after 30 September 2026, over National Day: 15 October.
    assert rows["termination_notice"]["due"] == "2026-10-15"
    assert rows["mediation"]["met_on"] == "2026-09-30"
    assert events(store, case)[-1]["details"]["ground"] == 3
    do(store, case, "close", {"occurred_at": "2026-10-09"}, user=CLERK, now=datetime(2026, 10, 9))
    assert deadline_rows(store, case)["termination_notice"]["met_on"] == "2026-10-09"
    assert case_row(store, case)["closed_on"] == "2026-10-09"


def test_withdraw_meets_acceptance(store):
    case = new_case(store)
    do(store, case, "withdraw", {"note": "已自行和解"}, user=CLERK)
    assert case_row(store, case)["status"] == "withdrawn"
    assert deadline_rows(store, case)["acceptance"]["met_on"] == "2026-06-01"


def test_after_agreement_performance_judicial_confirmation_and_court(store, tmp_path):
    case = _mediating(store)
    do(
        store,
        case,
        "agree",
        {
            "terms": [{"type": "refund", "amount": "100", "description": "退还货款"}],
            "amount_recovered": "100",
            "performance_due": "2026-05-30",
            **PERFORMANCE,
            **AGREEMENT_WORDING,
            "agreed_on": "2026-05-15",
        },
    )
    with pytest.raises(ActionRejected, match="before the agreement"):
        do(store, case, "record-performance", {"performed_on": "2026-05-14"})
    do(store, case, "record-performance", {"performed_on": "2026-05-31"})
    assert events(store, case)[-1]["details"]["late"] is True
    with pytest.raises(ActionRejected, match="already recorded as performed"):
        do(store, case, "record-performance", {"performed_on": "2026-05-31"})
    with pytest.raises(ActionRejected, match="before the confirmation"):
        do(store, case, "judicial-confirm", {"confirmed_on": "2026-05-31"})
    issue_agreement(store, case, tmp_path)
    do(store, case, "judicial-apply", {"applied_on": "2026-05-25", "court_name": "仁怀市人民法院"})
    do(store, case, "judicial-confirm", {"confirmed_on": "2026-05-29"})
    agreement = store.query("SELECT * FROM agreements WHERE case_id = ?", (case.id,))[0]
    assert (
        agreement["performed_on"],
        agreement["judicial_applied_on"],
        agreement["judicial_confirmed_on"],
        agreement["court_name"],
    ) == ("2026-05-31", "2026-05-25", "2026-05-29", "仁怀市人民法院")
    rows = deadline_rows(store, case)
    assert rows["judicial_confirmation"]["met_on"] == "2026-05-25"
    assert rows["agreement_performance"]["met_on"] == "2026-05-31"
    agreement_audit = {(r["field"], r["new_value"]) for r in audit_rows(store, case, "agreements")}
    assert ("judicial_confirmed_on", "2026-05-29") in agreement_audit
    # Still possible once the case is closed.
    do(store, case, "close", user=CLERK)
    assert case_row(store, case)["status"] == "closed"


def test_late_judicial_application_is_a_warning_not_a_block(store, tmp_path):
    case = _mediating(store)
    do(
        store,
        case,
        "agree",
        {
            "terms": [{"type": "repair", "description": "免费维修"}],
            "amount_recovered": "0",
            "agreed_on": "2026-05-08",
            "performed_on_spot": True,
            **AGREEMENT_WORDING,
        },
    )
    issue_agreement(store, case, tmp_path)
    # 30 days after 8 May end on Sunday 7 June, so Monday 8 June; 20 June is late.
    result = do(
        store,
        case,
        "judicial-apply",
        {"applied_on": "2026-06-20", "court_name": "法院"},
        now=datetime(2026, 6, 20, 9, 0),
    )
    assert any("30 days" in w and "2026-06-08" in w for w in result.warnings)
    assert store.scalar("SELECT judicial_applied_on FROM agreements") == "2026-06-20"


def test_transfer_to_court_after_termination(store):
    case = _mediating(store)
    do(store, case, "terminate", {"ground": 4, "occurred_at": "2026-05-20"})
    with pytest.raises(ActionRejected, match="before the termination"):
        do(store, case, "transfer-court", {"transferred_on": "2026-05-19", "court_name": "法院"})
    do(
        store,
        case,
        "transfer-court",
        {"transferred_on": "2026-05-25", "court_name": "仁怀市人民法院"},
    )
    event = events(store, case)[-1]
    assert (event["action"], event["details"]["court_name"]) == ("transfer-court", "仁怀市人民法院")
    with pytest.raises(ActionRejected, match="already recorded"):
        do(store, case, "transfer-court", {"transferred_on": "2026-05-26", "court_name": "法院"})


def test_follow_up_after_closing(store):
    case = new_case(store)
    do(store, case, "withdraw", user=CLERK)
    with pytest.raises(ActionRejected, match="not possible"):
        do(store, case, "follow-up", {"party": "complainant", "satisfaction": "satisfied"})
    do(store, case, "close", user=CLERK)
    do(
        store,
        case,
        "follow-up",
        {"party": "merchant", "satisfaction": "basically", "note": "电话回访"},
        user=CLERK,
    )
    [visit] = store.query("SELECT * FROM follow_ups WHERE case_id = ?", (case.id,))
    assert (visit["party"], visit["satisfaction"], visit["visited_on"], visit["note"]) == (
        "merchant",
        "basically",
        "2026-06-01",
        "电话回访",
    )
    [entry] = outbox_rows(store, "follow_ups")
    assert entry["op"] == "insert"
    with pytest.raises(ActionRejected, match="not one of"):
        do(store, case, "follow-up", {"party": "merchant", "satisfaction": "happy"})


def test_dispatch_and_arrival_against_the_promise(store):
    case = new_case(store, received_at=datetime(2026, 6, 1, 9, 0))
    with pytest.raises(ActionRejected, match="dispatch"):
        do(store, case, "arrive", {"at": "2026-06-01 09:20"}, user=CLERK)
    do(store, case, "dispatch", {"at": "2026-06-01 09:05"}, user=CLERK)
    with pytest.raises(ActionRejected, match="before the dispatch"):
        do(store, case, "arrive", {"at": "2026-06-01 09:00"}, user=CLERK)
    result = do(store, case, "arrive", {"at": "2026-06-01 09:28"}, user=CLERK)
    # Counted from the call (09:00), not from the dispatch; a village's scene is in a township.
    assert events(store, case)[-1]["details"] == {
        "area": "township",
        "kept": True,
        "minutes": 28,
        "promise_minutes": 30,
    }
    assert result.warnings == []
    row = case_row(store, case)
    assert (row["dispatched_at"], row["arrived_at"], row["promise_minutes"]) == (
        "2026-06-01 09:05",
        "2026-06-01 09:28",
        30,
    )


def test_the_promise_is_counted_from_the_call_not_the_dispatch(store):
    case = new_case(store, received_at=datetime(2026, 6, 1, 9, 0))
    do(store, case, "dispatch", {"at": "2026-06-01 09:20"}, user=CLERK)
    # 15 minutes after the dispatch, but 35 after the call: not kept.
    result = do(store, case, "arrive", {"at": "2026-06-01 09:35"}, user=CLERK)
    details = events(store, case)[-1]["details"]
    assert (details["minutes"], details["kept"]) == (35, False)
    assert result.step_warnings == [
        "On the scene 35 minutes after the case was received: the promise of 30 minutes "
        "(In a township) was not kept."
    ]


def test_the_promise_is_the_places_in_town_15_minutes(store):
    case = new_case(store, received_at=datetime(2026, 6, 1, 9, 0))
    do(store, case, "dispatch", {"at": "2026-06-01 09:05", "area": "town"}, user=CLERK)
    do(store, case, "arrive", {"at": "2026-06-01 09:15"}, user=CLERK)
    assert events(store, case)[-1]["details"]["promise_minutes"] == 15
    assert events(store, case)[-1]["details"]["kept"] is True


def test_promise_setting_per_area_and_a_broken_promise(store):
    store.set_setting("promise_minutes.township", "20")
    case = new_case(store, received_at=datetime(2026, 6, 1, 9, 0))
    do(store, case, "dispatch", {"at": "2026-06-01 09:05"}, user=CLERK)
    result = do(store, case, "arrive", {"at": "2026-06-01 09:28"}, user=CLERK)
    assert events(store, case)[-1]["details"]["kept"] is False
    assert any("20 minutes" in w and "not kept" in w for w in result.warnings)


def test_an_unknown_area_is_refused(store):
    case = new_case(store, received_at=datetime(2026, 6, 1, 9, 0))
    before = snapshot(store)
    with pytest.raises(ActionRejected):
        do(store, case, "dispatch", {"at": "2026-06-01 09:05", "area": "moon"}, user=CLERK)
    assert snapshot(store) == before


# --------------------------------------------------------------------------- reports, consultations


def test_report_path_with_one_extension(store):
    report = new_case(store, kind=CaseKind.REPORT, received_at=datetime(2026, 5, 6, 9, 0))
    assert deadline_rows(store, report)["report_case_decision"]["due"] == "2026-05-26"
    do(store, report, "check", user=CLERK)
    do(store, report, "extend", {"note": "需要抽检"})
    # 30 working days after 6 May 2026 (Saturday 9 May is worked): 16 June.
    assert deadline_rows(store, report)["report_case_decision"]["due"] == "2026-06-16"
    assert case_row(store, report)["report_extended"] == 1
    with pytest.raises(ActionRejected, match="already extended once"):
        do(store, report, "extend", {"note": "再次延长"})
    do(store, report, "not-open", {"note": "不构成违法"})
    assert deadline_rows(store, report)["report_case_decision"]["met_on"] == "2026-06-01"
    do(store, report, "notify-result", user=OFFICER)
    do(store, report, "close", user=CLERK)
    assert [e["action"] for e in events(store, report)] == [
        "check",
        "extend",
        "not-open",
        "notify-result",
        "close",
    ]


def test_merge_restarts_the_earlier_reports_clock(store):
    earlier = new_case(store, kind=CaseKind.REPORT, received_at=datetime(2026, 5, 6, 9, 0))
    repeat = new_case(store, kind=CaseKind.REPORT, received_at=datetime(2026, 5, 20, 9, 0))
    assert deadline_rows(store, earlier)["report_case_decision"]["due"] == "2026-05-26"
    with pytest.raises(ActionRejected, match="received after this report"):
        do(store, earlier, "merge", {"into": repeat.case_no}, user=CLERK)
    do(store, repeat, "merge", {"into": earlier.case_no}, user=CLERK)

    assert case_row(store, repeat)["status"] == "merged"
    assert case_row(store, repeat)["merged_into"] == earlier.id
    restarted = deadline_rows(store, earlier)["report_case_decision"]
    # 15 working days from 20 May 2026 (Dragon Boat Festival, 19 June, is a holiday).
    assert (restarted["start"], restarted["due"]) == ("2026-05-20", "2026-06-10")
    assert deadline_rows(store, repeat)["report_case_decision"]["met_on"] == "2026-06-01"
    [earlier_event] = events(store, earlier)
    assert earlier_event["details"] == {"merged_report": repeat.case_no, "restart_on": "2026-05-20"}
    assert events(store, repeat)[-1]["details"] == {"into": earlier.case_no}
    with pytest.raises(ActionRejected, match="not possible"):
        do(store, repeat, "check", user=CLERK)


def test_merge_only_into_an_open_report(store):
    complaint = new_case(store, received_at=datetime(2026, 5, 1, 9, 0))
    report = new_case(store, kind=CaseKind.REPORT, received_at=datetime(2026, 5, 20, 9, 0))
    for into, message in (
        ("RC-MT-XC-2026-09999", "no case numbered"),
        (complaint.case_no, "is not a report"),
        (report.case_no, "into itself"),
    ):
        with pytest.raises(ActionRejected, match=message):
            do(store, report, "merge", {"into": into}, user=CLERK)


def test_consultation_is_answered_and_closed(store):
    case = new_case(store, kind=CaseKind.CONSULTATION)
    assert deadline_rows(store, case) == {}
    with pytest.raises(ActionRejected, match="does not apply"):
        do(store, case, "accept", user=CLERK)
    do(store, case, "answer", {"answer": "可以七日无理由退货"}, user=CLERK)
    assert events(store, case)[-1]["details"] == {"answer": "可以七日无理由退货"}
    do(store, case, "close", user=CLERK)
    assert case_row(store, case)["status"] == "closed"


def test_12345_work_order_is_met_at_close(store):
    case = new_case(store, channel=Channel.TRANSFER_12345)
    store.execute("UPDATE cases SET work_order_due = '2026-06-05' WHERE id = ?", (case.id,))
    do(store, case, "note", {"note": "已联系"}, user=CLERK)  # recomputes the deadlines
    assert deadline_rows(store, case)["work_order_12345"]["due"] == "2026-06-05"
    do(store, case, "withdraw", user=CLERK)
    do(store, case, "close", user=CLERK)
    assert deadline_rows(store, case)["work_order_12345"]["met_on"] == "2026-06-01"


# --------------------------------------------------------------------------- refusals


def test_actions_on_a_closed_case_are_refused_but_a_note_is_kept(store):
    case = new_case(store)
    do(store, case, "withdraw", user=CLERK)
    do(store, case, "close", user=CLERK)
    before = snapshot(store)
    with pytest.raises(ActionRejected, match="The case is closed"):
        do(store, case, "accept", user=CLERK)
    assert snapshot(store) == before
    do(store, case, "note", {"note": "投诉人来电询问"}, user=CLERK)
    assert events(store, case)[-1]["action"] == "note"


@pytest.mark.parametrize(
    ("action", "payload", "message"),
    [
        ("accept", {"occurred_at": "2026-03-01"}, "before the case was received"),
        ("accept", {"occurred_at": "2026-03-02 09:29"}, "before the case was received"),
        ("accept", {"occurred_at": "2026-06-03"}, "in the future"),
        ("accept", {"occurred_at": "yesterday"}, "not a date"),
        ("accept", {"when": "2026-05-01"}, "Unknown entries “when”"),
        ("dance", {}, "is not an action"),
        ("refuse", {}, "Ground (ground) is required"),
        ("note", {}, "Note (note) is required"),
        ("note", {"note": 5}, "must be text"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(
    store, action, payload, message
):
    case = new_case(store)  # received 2026-03-02 09:30
    before = snapshot(store)
    with pytest.raises(ActionRejected) as caught:
        do(store, case, action, payload, user=CLERK)
    assert message in str(caught.value)
    assert snapshot(store) == before


def test_a_step_cannot_be_dated_before_the_previous_one(store):
    case = new_case(store)
    do(store, case, "accept", {"occurred_at": "2026-05-10"}, user=CLERK)
    with pytest.raises(ActionRejected, match="previous step"):
        do(
            store,
            case,
            "start-mediation",
            {
                "complainant_consents": True,
                "merchant_consents": True,
                "mode": "video",
                "occurred_at": "2026-05-09",
            },
        )


def test_unknown_case_and_a_payload_that_is_not_an_object(store):
    with pytest.raises(ActionRejected, match="No case numbered"):
        do(store, "RC-MT-XC-2026-00999", "accept", user=CLERK)
    case = new_case(store)
    from station_app.case_actions import act

    with pytest.raises(ActionRejected, match="JSON object"):
        act(
            store,
            case.case_no,
            "accept",
            ["x"],  # type: ignore[arg-type]
            user=CLERK,
            station_code=VILLAGE,
            calendar=load_calendar(store),
            now=NOW,
        )


def test_case_record_holds_events_deadlines_and_related_rows(store):
    case = _mediating(store)
    do(
        store,
        case,
        "agree",
        {
            "terms": [{"type": "repair", "description": "免费维修"}],
            "amount_recovered": "0",
            "performed_on_spot": True,
            **AGREEMENT_WORDING,
        },
    )
    record = case_record(store, case.case_no, load_calendar(store))
    assert [e.action for e in record.events] == ["accept", "start-mediation", "agree"]
    assert record.agreement is not None and record.agreement.amount_recovered == Decimal("0.00")
    assert record.workflow["accepted_on"] == "2026-05-06"
    stored = deadline_rows(store, case)
    assert {d.kind.value: (d.due.isoformat() if d.due else None) for d in record.deadlines} == {
        kind: row["due"] for kind, row in stored.items()
    }
    assert case_record(store, "nope", load_calendar(store)) is None


def test_admin_and_city_roles_may_act_and_role_is_recorded(store):
    case = new_case(store)
    admin = User("admin", "管理员", Role.ADMIN, VILLAGE)
    do(store, case, "accept", user=admin)
    assert events(store, case)[-1]["actor_role"] == "admin"
    assert date.fromisoformat(case_row(store, case)["accepted_on"]) == NOW.date()


@pytest.mark.parametrize("kind", list(CaseKind))
@pytest.mark.parametrize("action", list(Action))
def test_act_refuses_exactly_what_the_workflow_forbids(store, kind, action):
    """On a registered case, every action the state machine forbids is refused with its reason
    and writes nothing; every other one gets past the workflow check."""
    from station_app.workflow import CaseState, refusal_reason

    case = new_case(store, kind=kind)
    state = CaseState(kind, CaseStatus.REGISTERED, VILLAGE)
    expected = refusal_reason(state, action, role=CLERK.role, station_code=VILLAGE)
    before = snapshot(store)
    try:
        do(store, case, action.value, {}, user=CLERK)
    except ActionRejected as rejected:
        if expected is not None:
            assert rejected.problems == [expected]
        else:  # allowed, but this action needs details
            assert all("is required" in p or "dispatch" in p for p in rejected.problems), (
                rejected.problems
            )
        assert snapshot(store) == before
    else:
        assert expected is None
