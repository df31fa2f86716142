"""Tests for station_app.deadlines: the rule table, Order No. 20 vs No. 121, and due dates.

Expected dates are counted by hand on the official 2026 holiday schedule (see test_workdays.py):
Qingming 4-6 Apr; Labour Day 1-5 May with Sat 9 May worked; Dragon Boat 19-21 Jun;
National Day 1-7 Oct.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from station_app import i18n
from station_app.assets import asset_path
from station_app.deadlines import (
    LABELS,
    REGIME_SWITCH,
    RULES,
    Deadline,
    DeadlineKind,
    Regime,
    StartEvent,
    Unit,
    clock_start,
    compute_deadline,
    due_date,
    regime_for,
    rule_for,
    rule_in_force,
)
from station_app.workdays import WorkdayCalendar, parse_holiday_file

K = DeadlineKind


@pytest.fixture(scope="module")
def cal() -> WorkdayCalendar:
    return WorkdayCalendar()


# --------------------------------------------------------------------------- the rule table


def test_every_kind_has_a_rule_under_both_orders_but_the_reporters_notice() -> None:
    for kind in DeadlineKind:
        for received in (date(2026, 4, 14), date(2026, 4, 15)):
            if kind is K.REPORT_RESULT_NOTICE and received >= REGIME_SWITCH:
                # Order No. 121 art. 36: told where a law requires it, with no time limit
                assert rule_in_force(kind, received) is None
                with pytest.raises(KeyError):
                    rule_for(kind, received)
                continue
            rule = rule_for(kind, received)
            assert rule.kind is kind
            assert rule.article.strip()


def test_rules_name_their_source_and_flag_uncertain_articles() -> None:
    for rule in RULES:
        if rule.regime is Regime.ORDER_121:
            assert "第121号）第" in rule.article, f"Order 121 rules cite an article: {rule.kind}"
            assert "待核" not in rule.article
        if rule.regime is Regime.ORDER_20:
            assert "第20号" in rule.article or "行政处罚程序规定" in rule.article
        if rule.verify:
            assert rule.check, f"say what to verify for {rule.kind}"
    judicial = rule_for(K.JUDICIAL_CONFIRMATION, date(2026, 6, 1))
    assert "人民调解法》第三十三条" in judicial.article


def test_regime_switches_on_15_april_2026() -> None:
    assert REGIME_SWITCH == date(2026, 4, 15)
    assert regime_for(date(2026, 4, 14)) is Regime.ORDER_20
    assert regime_for(date(2026, 4, 15)) is Regime.ORDER_121
    assert regime_for(datetime(2026, 4, 14, 23, 59)) is Regime.ORDER_20


def test_mediation_rule_changes_with_the_order() -> None:
    old = rule_for(K.MEDIATION, date(2026, 4, 14))
    new = rule_for(K.MEDIATION, date(2026, 4, 15))
    assert (old.amount, old.unit) == (45, Unit.WORKING)
    assert (new.amount, new.unit) == (60, Unit.CALENDAR)
    assert old.start_event is new.start_event is StartEvent.ACCEPTED
    assert old.pausable and new.pausable


def test_labels_are_translated_when_read(monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(LABELS) == set(DeadlineKind)
    assert LABELS[K.ACCEPTANCE] == "Decide whether to accept the complaint"
    rule = rule_for(K.REPORT_CASE_DECISION, date(2026, 6, 1))
    assert rule.label == "Decide whether to open a case on the report"
    # A language switch applies without re-importing the module.
    catalogue = {"Decide whether to accept the complaint": "作出是否受理的决定"}
    monkeypatch.setattr(i18n, "load_catalogue", lambda language: catalogue)
    monkeypatch.setattr(i18n, "_language", "zh_CN")
    assert LABELS[K.ACCEPTANCE] == "作出是否受理的决定"


# --------------------------------------------------------------------------- due dates


def test_acceptance_seven_working_days_over_labour_day(cal: WorkdayCalendar) -> None:
    # Thu 30 Apr: 1-5 May off, Wed 6 .. Fri 8 (1-3), Sat 9 worked (4), Mon 11 .. Wed 13 (5-7).
    received = date(2026, 4, 30)
    assert due_date(cal, K.ACCEPTANCE, received, received=received) == date(2026, 5, 13)


def test_received_on_a_friday_counts_from_monday(cal: WorkdayCalendar) -> None:
    friday = date(2026, 3, 6)
    # Mon 9 .. Fri 13 (1-5), Mon 16 (6), Tue 17 (7).
    assert due_date(cal, K.ACCEPTANCE, friday, received=friday) == date(2026, 3, 17)


def test_case_received_14_april_uses_45_working_days(cal: WorkdayCalendar) -> None:
    received = date(2026, 4, 14)  # Tuesday, the last day of Order No. 20
    # 15-17 Apr (3), 20-24 (8), 27-30 (12), 1-5 May off, 6-8 May (15), Sat 9 May (16),
    # 11-15 (21), 18-22 (26), 25-29 (31), 1-5 Jun (36), 8-12 (41), 15-18 Jun (45).
    assert due_date(cal, K.MEDIATION, received, received=received) == date(2026, 6, 18)


def test_case_received_15_april_uses_60_calendar_days(cal: WorkdayCalendar) -> None:
    received = date(2026, 4, 15)
    # 15 Apr + 60 days = Sun 14 Jun, so the limit ends on Mon 15 Jun.
    assert due_date(cal, K.MEDIATION, received, received=received) == date(2026, 6, 15)


def test_sixty_days_with_a_ten_day_appraisal_end_ten_days_later(cal: WorkdayCalendar) -> None:
    accepted = date(2026, 6, 1)
    plain = due_date(cal, K.MEDIATION, accepted, received=date(2026, 5, 28))
    assert plain == date(2026, 7, 31)
    appraisal = [(date(2026, 6, 10), date(2026, 6, 19))]
    paused = due_date(cal, K.MEDIATION, accepted, received=date(2026, 5, 28), paused=appraisal)
    assert paused == date(2026, 8, 10)
    assert (paused - plain).days == 10


def test_order_20_mediation_pause_counts_in_working_days(cal: WorkdayCalendar) -> None:
    received = date(2026, 4, 14)
    pause = [(date(2026, 5, 11), date(2026, 5, 15))]  # Mon-Fri: 5 working days
    # 45 working days end on Thu 18 Jun; 5 more: 19 Jun is Dragon Boat, so Mon 22 .. Fri 26.
    due = due_date(cal, K.MEDIATION, received, received=received, paused=pause)
    assert due == date(2026, 6, 26)


def test_termination_notice_seven_working_days(cal: WorkdayCalendar) -> None:
    decided = date(2026, 9, 29)  # Tuesday
    # Wed 30 Sep (1), 1-7 Oct off, Thu 8 (2), Fri 9 (3), Sat 10 worked (4), Mon 12 .. Wed 14.
    assert due_date(cal, K.TERMINATION_NOTICE, decided, received=date(2026, 6, 1)) == date(
        2026, 10, 14
    )


def test_report_fifteen_working_days_and_the_extension(cal: WorkdayCalendar) -> None:
    received = date(2026, 6, 1)  # Monday
    # 2-5 Jun (4), 8-12 (9), 15-18 (13), 19 Jun off, 22-23 (15).
    assert due_date(cal, K.REPORT_CASE_DECISION, received, received=received) == date(2026, 6, 23)
    # +15: 24-26 (18), 29-30 (20), 1-3 Jul (23), 6-10 (28), 13-14 (30).
    extended = due_date(cal, K.REPORT_CASE_DECISION, received, received=received, extended=True)
    assert extended == date(2026, 7, 14)


def test_report_extension_under_order_20_crosses_qingming(cal: WorkdayCalendar) -> None:
    received = date(2026, 3, 2)  # Monday
    assert due_date(cal, K.REPORT_CASE_DECISION, received, received=received) == date(2026, 3, 23)
    # 24-27 Mar (19), 30 Mar - 3 Apr (24), 4-6 Apr off, 7-10 Apr (28), 13-14 Apr (30).
    extended = due_date(cal, K.REPORT_CASE_DECISION, received, received=received, extended=True)
    assert extended == date(2026, 4, 14)


def test_merged_repeat_report_restarts_the_clock(cal: WorkdayCalendar) -> None:
    received = date(2026, 6, 1)
    repeat = date(2026, 6, 10)  # Wednesday
    rule = rule_for(K.REPORT_CASE_DECISION, received)
    assert rule.restarts_on is StartEvent.REPEAT_REPORT_RECEIVED
    start = clock_start(rule, received, [repeat])
    assert start == repeat
    # 11-12 Jun (2), 15-18 (6), 19 off, 22-26 (11), 29-30 (13), 1-2 Jul (15).
    assert due_date(cal, K.REPORT_CASE_DECISION, start, received=received) == date(2026, 7, 2)
    # A rule without restarts keeps its start.
    acceptance = rule_for(K.ACCEPTANCE, received)
    assert clock_start(acceptance, received, [repeat]) == received


def test_mediation_lead_check_fifteen_plus_fifteen(cal: WorkdayCalendar) -> None:
    found = date(2026, 6, 1)
    assert due_date(cal, K.MEDIATION_LEAD_CHECK, found, received=found) == date(2026, 6, 23)
    assert due_date(cal, K.MEDIATION_LEAD_CHECK, found, received=found, extended=True) == date(
        2026, 7, 14
    )


def test_judicial_confirmation_thirty_days(cal: WorkdayCalendar) -> None:
    # Effective Mon 2 Mar + 30 days = Wed 1 Apr, a working day.
    assert due_date(
        cal, K.JUDICIAL_CONFIRMATION, date(2026, 3, 2), received=date(2026, 2, 2)
    ) == date(2026, 4, 1)
    # Effective 1 Sep + 30 days = 1 Oct, National Day: the period ends on Thu 8 Oct.
    assert due_date(
        cal, K.JUDICIAL_CONFIRMATION, date(2026, 9, 1), received=date(2026, 8, 3)
    ) == date(2026, 10, 8)


def test_work_order_due_date_is_taken_as_given(cal: WorkdayCalendar) -> None:
    given = date(2026, 10, 3)  # even on a holiday: the work order says so
    assert due_date(cal, K.WORK_ORDER_12345, given, received=date(2026, 9, 28)) == given


def test_misuse_is_refused(cal: WorkdayCalendar) -> None:
    day = date(2026, 6, 1)
    with pytest.raises(ValueError, match="cannot be paused"):
        due_date(cal, K.ACCEPTANCE, day, received=day, paused=[(day, day)])
    with pytest.raises(ValueError, match="cannot be extended"):
        due_date(cal, K.MEDIATION, day, received=day, extended=True)


# --------------------------------------------------------------------------- Deadline results


def test_deadline_in_2027_without_data_warns_instead_of_failing(cal: WorkdayCalendar) -> None:
    received = date(2027, 3, 1)  # Monday
    result = compute_deadline(cal, K.ACCEPTANCE, received, received=received)
    assert isinstance(result, Deadline)
    assert result.due == date(2027, 3, 10)  # weekends only: 2-5 Mar, 8-10 Mar
    assert result.rule.regime is Regime.ORDER_121
    assert len(result.warnings) == 1 and "2027" in result.warnings[0]
    assert result.label == LABELS[K.ACCEPTANCE]


def test_deadline_crossing_into_2027_then_with_an_imported_schedule(
    cal: WorkdayCalendar,
) -> None:
    received = date(2026, 12, 28)  # Monday
    before = compute_deadline(cal, K.ACCEPTANCE, received, received=received)
    # 29-31 Dec (3), Fri 1 Jan 2027 counted as a working day (4), Mon 4 .. Wed 6 Jan (7).
    assert before.due == date(2027, 1, 6)
    assert any("2027" in w for w in before.warnings)
    example = parse_holiday_file(
        asset_path("reference", "holidays", "2027.example.json"), allow_example=True
    )
    after = compute_deadline(cal.with_schedules(example), K.ACCEPTANCE, received, received=received)
    assert after.due == date(2027, 1, 7)  # 1 Jan is a holiday in the imported schedule
    assert after.warnings == ()


def test_deadline_in_a_covered_year_has_no_warnings(cal: WorkdayCalendar) -> None:
    result = compute_deadline(
        cal,
        K.REPORT_CASE_DECISION,
        datetime(2026, 6, 1, 9, 30),
        received=date(2026, 6, 1),
        extended=True,
    )
    assert result.start == date(2026, 6, 1)
    assert result.due == date(2026, 7, 14)
    assert result.extended
    assert result.warnings == ()
