"""Each case's deadlines over real holidays, pauses, the change of order on 2026-04-15, a year
without a schedule (2027), a holiday import, and the work list built from them."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from station_app.case_actions import case_record
from station_app.case_clock import ClockEvent, ClockFacts, compute_case_deadlines
from station_app.deadlines import DeadlineKind
from station_app.domain import Agreement, Case, CaseKind, Channel, Party
from station_app.store.cases import add_case
from station_app.store.due import (
    COUNT_CAP,
    case_deadlines,
    stored_deadlines,
    todays_work,
)
from station_app.store.holidays import import_holiday_file, load_calendar
from station_app.workdays import HolidayFileError, WorkdayCalendar
from tests.core.workflow_helpers import (
    CLERK,
    TOWNSHIP,
    VILLAGE,
    deadline_rows,
    do,
    new_case,
    set_up_village,
    snapshot,
)

# A made-up schedule for 2027 (the official one was not published when this was written).
SCHEDULE_2027 = {
    "year": 2027,
    "source": "测试用安排（非官方）",
    "holidays": [{"from": "2027-02-05", "to": "2027-02-11", "name": "春节"}],
    "workdays": ["2027-02-13"],
}


@pytest.fixture
def store(store):
    set_up_village(store)
    return store


def _accept(store, case, on: str):
    do(store, case, "accept", {"occurred_at": on}, user=CLERK, now=datetime(2026, 12, 1))


def test_acceptance_over_spring_festival_2026(store):
    # Received Thursday 12 February: 13 Feb and Saturday 14 Feb (worked) count, 15-23 Feb are
    # the holiday, then 24-27 Feb and Saturday 28 Feb (worked).
    case = new_case(store, received_at=datetime(2026, 2, 12, 16, 0))
    assert deadline_rows(store, case)["acceptance"]["due"] == "2026-02-28"


def test_acceptance_over_national_day_2026(store):
    case = new_case(store, received_at=datetime(2026, 9, 28, 9, 0))
    assert deadline_rows(store, case)["acceptance"]["due"] == "2026-10-13"


@pytest.mark.parametrize(
    ("received", "due", "rule_days"),
    [
        # Order No. 20: 45 working days from acceptance.
        (datetime(2026, 4, 14, 17, 0), "2026-06-23", 45),
        # Order No. 121: 60 days from acceptance.
        (datetime(2026, 4, 15, 8, 30), "2026-06-15", 60),
    ],
)
def test_mediation_limit_follows_the_order_in_force_on_receipt(store, received, due, rule_days):
    case = new_case(store, received_at=received)
    _accept(store, case, "2026-04-16")
    assert deadline_rows(store, case)["mediation"]["due"] == due
    record = case_record(store, case.case_no, load_calendar(store))
    mediation = next(d for d in record.deadlines if d.kind is DeadlineKind.MEDIATION)
    assert mediation.due.isoformat() == due


def test_order_20_pause_counts_in_working_days(store):
    case = new_case(store, received_at=datetime(2026, 4, 14, 17, 0))
    now = datetime(2026, 12, 1)
    _accept(store, case, "2026-04-16")
    do(
        store,
        case,
        "start-mediation",
        {"complainant_consents": True, "merchant_consents": True, "mode": "phone"},
        now=datetime(2026, 4, 20, 9, 0),
    )
    do(store, case, "suspend", {"reason": "testing", "occurred_at": "2026-04-20"}, now=now)
    do(store, case, "resume", {"occurred_at": "2026-04-27"}, now=now)
    # 21-27 April paused: five working days (21-24, 27) do not count: 23 June + 5 working days.
    assert deadline_rows(store, case)["mediation"]["due"] == "2026-06-30"


def test_a_2027_case_falls_back_to_weekends_and_warns(store):
    case = new_case(store, received_at=datetime(2027, 3, 1, 9, 0))
    assert deadline_rows(store, case)["acceptance"]["due"] == "2027-03-10"
    result = do(store, case, "note", {"note": "x"}, user=CLERK, now=datetime(2027, 3, 2, 9, 0))
    assert any("No holiday schedule for 2027" in w for w in result.warnings)
    deadlines = case_deadlines(store, case.case_no, load_calendar(store))
    assert deadlines[0].warnings and "2027" in deadlines[0].warnings[0]


def test_importing_a_schedule_recomputes_open_cases_only_where_it_matters(store, tmp_path):
    spring = new_case(store, received_at=datetime(2027, 2, 4, 9, 0))
    closed = new_case(store, name="李四", received_at=datetime(2027, 2, 4, 10, 0))
    do(
        store,
        closed,
        "withdraw",
        {"occurred_at": "2027-02-04"},
        user=CLERK,
        now=datetime(2027, 2, 4),
    )
    earlier = new_case(store, name="王五", received_at=datetime(2026, 5, 6, 9, 0))
    assert deadline_rows(store, spring)["acceptance"]["due"] == "2027-02-15"  # weekends only
    before_earlier = deadline_rows(store, earlier)

    path = tmp_path / "2027.json"
    path.write_text(json.dumps(SCHEDULE_2027, ensure_ascii=False), encoding="utf-8")
    imported = import_holiday_file(store, path, station_code=VILLAGE, actor="admin")

    assert (imported.year, imported.holidays, imported.workdays) == (2027, 7, 1)
    # Only the open 2027 case is recomputed (the withdrawn one met its deadline).
    assert imported.cases_recomputed == 1
    # 12 Feb, Saturday 13 Feb (worked), 15-19 Feb: the seventh working day is 19 February.
    assert deadline_rows(store, spring)["acceptance"]["due"] == "2027-02-19"
    assert deadline_rows(store, earlier) == before_earlier
    assert not load_calendar(store).warnings_for([date(2027, 3, 1)])
    [row] = store.query("SELECT year, source, owner_station FROM holiday_schedules")
    assert row == {"year": 2027, "source": "测试用安排（非官方）", "owner_station": VILLAGE}
    [entry] = store.query("SELECT op FROM outbox WHERE table_name = 'holiday_schedules'")
    assert entry["op"] == "insert"

    # Importing the year again replaces its row.
    changed = dict(SCHEDULE_2027, workdays=[])
    path.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    again = import_holiday_file(store, path, station_code=VILLAGE)
    assert again.replaced and store.scalar("SELECT count(*) FROM holiday_schedules") == 1
    assert deadline_rows(store, spring)["acceptance"]["due"] == "2027-02-22"


def test_a_bad_holiday_file_changes_nothing(store, tmp_path):
    new_case(store, received_at=datetime(2027, 2, 4, 9, 0))
    before = snapshot(store)
    bad = dict(SCHEDULE_2027, holidays=["2027-02-05", "2027-02-30"])
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(HolidayFileError) as caught:
        import_holiday_file(store, path, station_code=VILLAGE)
    assert "Holidays, entry 2" in str(caught.value) and "2027-02-30" in str(caught.value)
    assert snapshot(store) == before


def test_pure_computation_matches_the_stored_rows(store):
    calendar = WorkdayCalendar()
    facts = ClockFacts(kind=CaseKind.COMPLAINT, received=date(2026, 5, 6))
    events = [
        ClockEvent("accept", date(2026, 5, 6)),
        ClockEvent("start-mediation", date(2026, 5, 7)),
        ClockEvent("suspend", date(2026, 5, 10)),
    ]
    [acceptance, mediation] = compute_case_deadlines(facts, events, calendar)
    assert acceptance.met_on == date(2026, 5, 6)
    assert (mediation.due, mediation.paused_since) == (None, date(2026, 5, 10))
    assert not mediation.is_overdue(date(2030, 1, 1))
    events.append(ClockEvent("terminate", date(2026, 5, 15)))
    [_acceptance, mediation, notice] = compute_case_deadlines(facts, events, calendar)
    assert mediation.met_on == date(2026, 5, 15) and mediation.paused_since is None
    assert notice.kind is DeadlineKind.TERMINATION_NOTICE


def _judicial_window(agreement, events):
    facts = ClockFacts(kind=CaseKind.COMPLAINT, received=date(2026, 5, 6))
    deadlines = compute_case_deadlines(facts, events, WorkdayCalendar(), agreement)
    [window] = [d for d in deadlines if d.kind is DeadlineKind.JUDICIAL_CONFIRMATION]
    return window


def test_the_judicial_window_ends_with_performance_or_closing_not_only_an_application():
    events = [
        ClockEvent("accept", date(2026, 5, 6)),
        ClockEvent("start-mediation", date(2026, 5, 7)),
        ClockEvent("agree", date(2026, 5, 12)),
    ]
    agreement = Agreement(agreed_on=date(2026, 5, 12), performance_due=date(2026, 5, 30))
    open_window = _judicial_window(agreement, events)
    assert open_window.met_on is None and open_window.is_overdue(date(2026, 7, 1))
    # performed: nothing is left for a court to enforce, the window needs no attention
    performed = Agreement(agreed_on=date(2026, 5, 12), performed_on=date(2026, 5, 20))
    assert _judicial_window(performed, events).met_on == date(2026, 5, 20)
    assert not _judicial_window(performed, events).is_overdue(date(2026, 7, 1))
    # closed before anyone applied: the station's work on the case is done
    closed = [*events, ClockEvent("close", date(2026, 5, 25))]
    assert _judicial_window(agreement, closed).met_on == date(2026, 5, 25)
    # an application still counts, and the earliest end wins
    applied = Agreement(
        agreed_on=date(2026, 5, 12),
        judicial_applied_on=date(2026, 5, 18),
        performed_on=date(2026, 5, 22),
    )
    assert _judicial_window(applied, closed).met_on == date(2026, 5, 18)


def test_stored_deadlines_of_a_list_page(store):
    cases = [new_case(store, name=f"用户{i}") for i in range(3)]
    ids = [store.scalar("SELECT local_id FROM cases WHERE id = ?", (c.id,)) for c in cases]
    page = stored_deadlines(store, ids)
    assert set(page) == set(ids)
    assert all([d.kind for d in page[i]] == [DeadlineKind.ACCEPTANCE] for i in ids)


# --------------------------------------------------------------------------- today's work


def _work_order_case(store, due: date, name: str) -> Case:
    case = Case(
        kind=CaseKind.CONSULTATION,
        channel=Channel.TRANSFER_12345,
        received_at=datetime(2026, 5, 1, 9, 0),
        complainants=[Party(name=name)],
        work_order_no="JJ12345-1",
        work_order_due=due,
    )
    return add_case(store, case, station_code=VILLAGE, created_by="admin")


def test_todays_work_buckets(store):
    today = date(2026, 6, 10)
    overdue = _work_order_case(store, date(2026, 6, 9), "甲")
    due_today = _work_order_case(store, today, "乙")
    soon = _work_order_case(store, date(2026, 6, 13), "丙")
    week_end = _work_order_case(store, date(2026, 6, 17), "丁")
    _work_order_case(store, date(2026, 6, 18), "戊")  # beyond the seven days
    done = _work_order_case(store, date(2026, 6, 8), "己")
    do(store, done, "answer", {"answer": "已答复"}, user=CLERK)
    do(store, done, "close", user=CLERK)
    away = _work_order_case(store, date(2026, 6, 9), "庚")
    do(store, away, "escalate", {"to_station": TOWNSHIP, "reason": "x"}, user=CLERK)

    work = todays_work(store, today)
    assert work.station_code == VILLAGE
    assert [i.case_no for i in work.overdue] == [overdue.case_no]
    assert [i.case_no for i in work.due_today] == [due_today.case_no]
    assert [i.case_no for i in work.this_week] == [soon.case_no, week_end.case_no]
    assert work.totals == {"overdue": 1, "today": 1, "this_week": 2}
    item = work.overdue[0]
    assert (item.kind, item.due, item.complainant, item.merchant) == (
        DeadlineKind.WORK_ORDER_12345,
        date(2026, 6, 9),
        "甲",
        "",
    )
    data = work.to_dict()
    assert data["overdue"][0]["label"] == "12345 work order due"
    assert data["today"][0]["case_no"] == due_today.case_no

    limited = todays_work(store, today, limit=1)
    assert len(limited.this_week) == 1 and limited.totals["this_week"] == 2


def test_todays_work_lists_the_complainant_and_merchant_of_complaints(store):
    case = new_case(store, received_at=datetime(2026, 3, 2, 9, 30))
    work = todays_work(store, date(2026, 3, 11))
    [item] = work.due_today
    assert (item.case_no, item.kind, item.complainant, item.merchant) == (
        case.case_no,
        DeadlineKind.ACCEPTANCE,
        "张三",
        "茅台镇好又多超市",
    )
    assert COUNT_CAP >= 1000


def test_todays_work_query_uses_the_partial_index(store):
    plan = " ".join(
        row["detail"]
        for row in store.query(
            "EXPLAIN QUERY PLAN SELECT case_local_id, kind, due FROM case_deadlines"
            " WHERE owner_station = ? AND met_on IS NULL AND due < ? ORDER BY due LIMIT 10",
            (VILLAGE, "2026-06-01"),
        )
    )
    assert "case_deadlines_open" in plan and "TEMP B-TREE" not in plan


def test_a_met_deadline_no_longer_warns_about_a_missing_year(store):
    report = new_case(store, kind=CaseKind.REPORT, received_at=datetime(2026, 12, 21, 9, 0))
    now = datetime(2026, 12, 23, 9, 0)
    checked = do(store, report, "check", user=CLERK, now=now)
    assert any("2027" in w for w in checked.warnings)
    decided = do(store, report, "not-open", {"note": "不属实"}, now=now)
    assert decided.warnings == []
    # the store's own calendar; Order No. 121 sets the reporter's notice no time limit
    (deadline,) = case_deadlines(store, report.case_no)
    assert deadline.kind.value == "report_case_decision"
    assert deadline.met_on == date(2026, 12, 23) and deadline.warnings
