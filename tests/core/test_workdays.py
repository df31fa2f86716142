"""Tests for station_app.workdays: the official 2026 schedule, counting rules, missing years,
imported holiday files.

Expected dates are worked out by hand from the State Council's notice on the 2026 holidays
(国办发明电〔2025〕7号): New Year 1-3 Jan (Sun 4 Jan worked); Spring Festival 15-23 Feb
(Sat 14 Feb and Sat 28 Feb worked); Qingming 4-6 Apr; Labour Day 1-5 May (Sat 9 May worked);
Dragon Boat 19-21 Jun; Mid-Autumn 25-27 Sep; National Day 1-7 Oct (Sun 20 Sep and Sat 10 Oct
worked).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station_app.assets import asset_path
from station_app.workdays import (
    HolidayFileError,
    WorkdayCalendar,
    YearSchedule,
    official_schedules,
    parse_holiday_file,
    schedule_to_json,
)

EXAMPLE_2027 = asset_path("reference", "holidays", "2027.example.json")

SPRING_FESTIVAL_2026 = [date(2026, 2, 15) + timedelta(days=k) for k in range(9)]
NATIONAL_DAY_2026 = [date(2026, 10, 1) + timedelta(days=k) for k in range(7)]
ADJUSTED_WORKDAYS_2026 = [
    date(2026, 1, 4),  # Sunday
    date(2026, 2, 14),  # Saturday
    date(2026, 2, 28),  # Saturday
    date(2026, 5, 9),  # Saturday
    date(2026, 9, 20),  # Sunday
    date(2026, 10, 10),  # Saturday
]


@pytest.fixture(scope="module")
def cal() -> WorkdayCalendar:
    return WorkdayCalendar()


@pytest.fixture(scope="module")
def example_2027() -> YearSchedule:
    return parse_holiday_file(EXAMPLE_2027, allow_example=True)


def holiday_json(**fields: object) -> str:
    """A valid 2027 holiday file's text, with fields replaced (None removes a field)."""
    data: dict[str, object] = {
        "year": 2027,
        "source": "测试用节假日安排",
        "holidays": ["2027-01-01", {"from": "2027-10-01", "to": "2027-10-07", "name": "国庆节"}],
        "workdays": ["2027-10-09"],
    }
    for key, value in fields.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return json.dumps(data, ensure_ascii=False)


# --------------------------------------------------------------------------- the 2026 schedule


def test_official_data_covers_2004_to_2026() -> None:
    years = set(official_schedules())
    assert set(range(2004, 2027)) <= years
    assert 2027 not in years  # chinesecalendar 1.11 ends with 2026


def test_spring_festival_2026(cal: WorkdayCalendar) -> None:
    assert all(not cal.is_workday(d) for d in SPRING_FESTIVAL_2026)
    assert cal.is_workday(date(2026, 2, 14))  # Saturday made a working day
    assert cal.is_workday(date(2026, 2, 28))  # Saturday made a working day
    assert cal.is_workday(date(2026, 2, 13))  # Friday before the holiday
    assert cal.is_workday(date(2026, 2, 24))  # Tuesday after it
    assert not cal.is_workday(date(2026, 2, 7))  # an ordinary Saturday


def test_every_adjusted_working_weekend_of_2026_is_a_workday(cal: WorkdayCalendar) -> None:
    for day in ADJUSTED_WORKDAYS_2026:
        assert day.weekday() >= 5
        assert cal.is_workday(day), day


def test_seven_working_days_across_spring_festival(cal: WorkdayCalendar) -> None:
    # Thu 12 Feb: Fri 13 (1), Sat 14 (2), 15-23 off, Tue 24 .. Fri 27 (3-6), Sat 28 (7).
    assert cal.add_working_days(date(2026, 2, 12), 7) == date(2026, 2, 28)


def test_national_day_2026(cal: WorkdayCalendar) -> None:
    assert all(not cal.is_workday(d) for d in NATIONAL_DAY_2026)
    assert cal.is_workday(date(2026, 9, 20))  # Sunday worked
    assert cal.is_workday(date(2026, 10, 10))  # Saturday worked
    assert not cal.is_workday(date(2026, 10, 11))  # an ordinary Sunday
    # Mon 28 Sep: Tue 29 (1), Wed 30 (2), 1-7 Oct off, Thu 8 (3), Fri 9 (4), Sat 10 (5),
    # Mon 12 (6), Tue 13 (7).
    assert cal.add_working_days(date(2026, 9, 28), 7) == date(2026, 10, 13)
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 8)) == 1


def test_first_day_is_not_counted(cal: WorkdayCalendar) -> None:
    friday = date(2026, 3, 6)
    assert cal.add_working_days(friday, 1) == date(2026, 3, 9)  # Monday
    assert cal.add_working_days(friday, 7) == date(2026, 3, 17)
    assert cal.add_working_days(friday, 0) == friday
    assert cal.working_days_between(friday, friday) == 0
    assert cal.working_days_between(friday, date(2026, 3, 9)) == 1


def test_add_working_days_backwards(cal: WorkdayCalendar) -> None:
    assert cal.add_working_days(date(2026, 3, 9), -1) == date(2026, 3, 6)  # Monday -> Friday
    # Back from Tue 24 Feb over the Spring Festival to the working Saturday 14 Feb.
    assert cal.add_working_days(date(2026, 2, 24), -1) == date(2026, 2, 14)
    assert cal.working_days_between(date(2026, 3, 9), date(2026, 3, 6)) == -1


def test_next_workday(cal: WorkdayCalendar) -> None:
    assert cal.next_workday(date(2026, 3, 6)) == date(2026, 3, 6)
    assert cal.next_workday(date(2026, 3, 7)) == date(2026, 3, 9)
    assert cal.next_workday(date(2026, 2, 15)) == date(2026, 2, 24)
    assert cal.next_workday(date(2026, 10, 1)) == date(2026, 10, 8)


def test_calendar_deadline_on_a_holiday_moves_to_the_next_working_day(
    cal: WorkdayCalendar,
) -> None:
    # 1 Sep + 30 days = Thu 1 Oct, National Day; the holiday runs to 7 Oct.
    assert cal.calendar_deadline(date(2026, 9, 1), 30) == date(2026, 10, 8)
    # 7 Mar + 30 days = Mon 6 Apr, Qingming.
    assert cal.calendar_deadline(date(2026, 3, 7), 30) == date(2026, 4, 7)
    # 2 Mar + 19 days = Sat 21 Mar, an ordinary weekend.
    assert cal.calendar_deadline(date(2026, 3, 2), 19) == date(2026, 3, 23)
    # 2 Mar + 30 days = Wed 1 Apr, a working day: unchanged.
    assert cal.calendar_deadline(date(2026, 3, 2), 30) == date(2026, 4, 1)
    # 4 Feb + 10 days = Sat 14 Feb, a Saturday that is a working day: unchanged.
    assert cal.calendar_deadline(date(2026, 2, 4), 10) == date(2026, 2, 14)


def test_sixty_day_clock_with_a_ten_day_pause(cal: WorkdayCalendar) -> None:
    accepted = date(2026, 6, 1)
    assert cal.calendar_days_excluding(accepted, 60) == date(2026, 7, 31)  # a Friday
    pause = (date(2026, 6, 10), date(2026, 6, 19))  # 10 days of appraisal
    assert cal.calendar_days_excluding(accepted, 60, [pause]) == date(2026, 8, 10)  # Monday


def test_paused_periods_overlapping_or_outside_the_clock(cal: WorkdayCalendar) -> None:
    accepted = date(2026, 6, 1)
    overlapping = [
        (date(2026, 6, 10), date(2026, 6, 15)),
        (date(2026, 6, 13), date(2026, 6, 19)),  # overlaps the first: 10 days in all
    ]
    assert cal.calendar_days_excluding(accepted, 60, overlapping) == date(2026, 8, 10)
    before = [(date(2026, 5, 1), date(2026, 5, 31))]  # before acceptance: changes nothing
    assert cal.calendar_days_excluding(accepted, 60, before) == date(2026, 7, 31)
    after = [(date(2026, 8, 1), date(2026, 8, 31))]  # after the clock ran out
    assert cal.calendar_days_excluding(accepted, 60, after) == date(2026, 7, 31)
    with pytest.raises(ValueError):
        cal.calendar_days_excluding(accepted, 60, [(date(2026, 6, 19), date(2026, 6, 10))])


def test_working_days_with_a_pause(cal: WorkdayCalendar) -> None:
    # 15 working days from Mon 2 Mar end on Mon 23 Mar; pausing Mon 9 - Fri 13 Mar (5 working
    # days) moves the end 5 working days on, to Mon 30 Mar.
    assert cal.add_working_days_excluding(date(2026, 3, 2), 15) == date(2026, 3, 23)
    pause = [(date(2026, 3, 9), date(2026, 3, 13))]
    assert cal.add_working_days_excluding(date(2026, 3, 2), 15, pause) == date(2026, 3, 30)


def test_datetimes_are_taken_as_their_date(cal: WorkdayCalendar) -> None:
    saturday_worked = datetime(2026, 2, 14, 9, 30)
    assert cal.is_workday(saturday_worked)
    assert cal.next_workday(saturday_worked) == date(2026, 2, 14)
    assert cal.add_working_days(datetime(2026, 3, 6, 17, 0), 1) == date(2026, 3, 9)
    assert cal.calendar_deadline(datetime(2026, 9, 1, 8, 0), 30) == date(2026, 10, 8)


# --------------------------------------------------------------------------- missing years


def test_2027_without_data_counts_weekends_only_and_warns() -> None:
    cal = WorkdayCalendar()
    # Mon 1 Mar 2027: Tue 2 .. Fri 5 (4), Mon 8 .. Wed 10 (7).
    assert cal.add_working_days(date(2027, 3, 1), 7) == date(2027, 3, 10)
    assert cal.is_workday(date(2027, 1, 1))  # New Year's Day, unknown without the notice
    assert not cal.is_workday(date(2027, 1, 2))  # a Saturday
    assert cal.missing_years(date(2026, 12, 28), date(2027, 1, 6)) == {2027}
    assert cal.missing_years(date(2026, 1, 1), date(2026, 12, 31)) == set()
    warnings = cal.warnings_for([date(2027, 3, 1), date(2027, 3, 10)])
    assert len(warnings) == 1
    assert "2027" in warnings[0] and "weekends only" in warnings[0]
    assert cal.warnings_for([date(2026, 3, 1), date(2026, 3, 10)]) == []
    assert cal.warnings_for([]) == []
    assert 2027 in cal.fallback_years_used


def test_warnings_name_every_missing_year_in_the_span() -> None:
    cal = WorkdayCalendar()
    warnings = cal.warnings_for([date(2026, 6, 1), date(2029, 1, 5)])
    assert [w for w in warnings if "2027" in w]
    assert [w for w in warnings if "2028" in w]
    assert [w for w in warnings if "2029" in w]
    assert len(warnings) == 3


def test_years_before_the_data_also_fall_back() -> None:
    cal = WorkdayCalendar()
    # Wed 31 Dec 2003 (no data) + 1 working day: Thu 1 Jan 2004 is New Year's Day, Fri 2 Jan.
    assert cal.add_working_days(date(2003, 12, 31), 1) == date(2004, 1, 2)
    assert cal.missing_years(date(2003, 6, 1), date(2004, 6, 1)) == {2003}


def test_deadline_crossing_from_2026_into_2027(
    cal: WorkdayCalendar, example_2027: YearSchedule
) -> None:
    received = date(2026, 12, 28)  # Monday
    # Weekends only in 2027: Tue 29, Wed 30, Thu 31 Dec (3), Fri 1 Jan (4), Mon 4 .. Wed 6 (7).
    assert cal.add_working_days(received, 7) == date(2027, 1, 6)
    assert cal.missing_years(received, date(2027, 1, 6)) == {2027}
    # With a 2027 schedule that gives 1-3 Jan off, 1 Jan no longer counts.
    updated = cal.with_schedules(example_2027)
    assert updated.add_working_days(received, 7) == date(2027, 1, 7)
    assert updated.missing_years(received, date(2027, 1, 7)) == set()
    assert updated.warnings_for([received, date(2027, 1, 7)]) == []
    # The original calendar is unchanged.
    assert cal.add_working_days(received, 7) == date(2027, 1, 6)


def test_imported_2027_schedule_changes_the_result(example_2027: YearSchedule) -> None:
    received = date(2027, 2, 3)  # Wednesday
    without = WorkdayCalendar()
    # Weekends only: Thu 4, Fri 5, Mon 8 .. Fri 12 = 7 working days.
    assert without.add_working_days(received, 7) == date(2027, 2, 12)
    with_schedule = WorkdayCalendar({2027: example_2027})
    # The example gives 5-12 Feb off and makes Sat 20 Feb a working day:
    # Thu 4 (1), Mon 15 .. Fri 19 (2-6), Sat 20 (7).
    assert with_schedule.add_working_days(received, 7) == date(2027, 2, 20)
    assert with_schedule.schedule(2027) == example_2027


def test_an_imported_schedule_replaces_official_data() -> None:
    # A (made up) correction for 2026 that removes the Spring Festival block.
    corrected = YearSchedule(2026, frozenset({date(2026, 1, 1)}), frozenset(), "test correction")
    cal = WorkdayCalendar({2026: corrected})
    assert cal.is_workday(date(2026, 2, 16))
    assert not cal.is_workday(date(2026, 2, 14))
    assert cal.schedule(2026) == corrected
    with pytest.raises(ValueError):
        WorkdayCalendar({2027: corrected})  # filed under the wrong year


def test_year_schedule_rejects_inconsistent_data() -> None:
    with pytest.raises(ValueError):
        YearSchedule(2027, frozenset({date(2026, 12, 31)}), frozenset(), "x")
    with pytest.raises(ValueError):
        YearSchedule(2027, frozenset({date(2027, 2, 6)}), frozenset({date(2027, 2, 6)}), "x")
    with pytest.raises(ValueError):
        YearSchedule(2027, frozenset(), frozenset({date(2027, 2, 8)}), "x")  # a Monday


# --------------------------------------------------------------------------- holiday files


def test_example_file_is_refused_unless_allowed() -> None:
    with pytest.raises(HolidayFileError, match="example"):
        parse_holiday_file(EXAMPLE_2027)
    schedule = parse_holiday_file(EXAMPLE_2027, allow_example=True)
    assert schedule.year == 2027
    assert date(2027, 2, 5) in schedule.holidays and date(2027, 2, 12) in schedule.holidays
    assert date(2027, 2, 20) in schedule.workdays


def test_parse_text_with_ranges_and_single_dates() -> None:
    schedule = parse_holiday_file(holiday_json())
    assert schedule.year == 2027
    assert schedule.source == "测试用节假日安排"
    assert schedule.holidays == {date(2027, 1, 1)} | {date(2027, 10, d) for d in range(1, 8)}
    assert schedule.workdays == {date(2027, 10, 9)}


def test_parse_file_with_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "2027.json"
    path.write_bytes(holiday_json().encode("utf-8-sig"))
    assert parse_holiday_file(path).year == 2027
    assert parse_holiday_file(str(path)).year == 2027


def test_workdays_may_be_missing_and_source_defaults_to_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "holidays-2027.json"
    path.write_text(holiday_json(workdays=None, source=None), encoding="utf-8")
    schedule = parse_holiday_file(path)
    assert schedule.workdays == frozenset()
    assert "holidays-2027.json" in schedule.source


def test_round_trip_through_json(example_2027: YearSchedule) -> None:
    text = schedule_to_json(example_2027)
    again = parse_holiday_file(text)
    assert again == example_2027
    official = official_schedules()[2026]
    assert parse_holiday_file(schedule_to_json(official)) == official


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param('{"year": 2027, "holidays": [', "not valid JSON", id="not-json"),
        pytest.param("[1, 2]", "one JSON object", id="not-an-object"),
        pytest.param(holiday_json(year=None), "which year", id="missing-year"),
        pytest.param(holiday_json(year="next year"), "“next year” is not a year", id="bad-year"),
        pytest.param(holiday_json(year=1850), "1850", id="year-out-of-range"),
        pytest.param(
            holiday_json(holidays=["2027-01-01", "2026-12-31"]),
            "Holidays, entry 2: 2026-12-31 is not in 2027",
            id="date-of-another-year",
        ),
        pytest.param(
            holiday_json(workdays=["2028-01-08"]),
            "Adjusted working days, entry 1: 2028-01-08 is not in 2027",
            id="workday-of-another-year",
        ),
        pytest.param(
            holiday_json(holidays=["2027-13-01"]),
            "Holidays, entry 1: “2027-13-01” is not a date",
            id="month-13",
        ),
        pytest.param(
            holiday_json(holidays=["2027-02-30"]),
            "“2027-02-30” is not a date",
            id="february-30",
        ),
        pytest.param(
            holiday_json(holidays=["2027/10/01"]),
            "“2027/10/01” is not a date",
            id="slashes",
        ),
        pytest.param(
            holiday_json(holidays=[20271001]),
            "Holidays, entry 1: expected a date such as “2027-10-01”",
            id="holiday-number-not-text",
        ),
        pytest.param(
            holiday_json(workdays=[20271009]),
            "Adjusted working days, entry 1: 20271009 is not a date",
            id="workday-number-not-text",
        ),
        pytest.param(
            holiday_json(workdays=["2027-10-02"]),
            "2027-10-02 is listed both as a holiday and as an adjusted working day",
            id="both-holiday-and-workday",
        ),
        pytest.param(
            holiday_json(workdays=["2027-02-08"]),
            "entry 1: 2027-02-08 is a weekday",
            id="workday-not-weekend",
        ),
        pytest.param(holiday_json(holidays=[]), "holidays for 2027 is empty", id="empty-holidays"),
        pytest.param(holiday_json(holidays=None), "no list of holidays", id="missing-holidays"),
        pytest.param(
            holiday_json(workdays="2027-10-09"), "must be a list of dates", id="workdays-not-list"
        ),
        pytest.param(
            holiday_json(holidays=[{"from": "2027-10-07", "to": "2027-10-01"}]),
            "starts on 2027-10-07, after its end 2027-10-01",
            id="reversed-range",
        ),
        pytest.param(
            holiday_json(holidays=[{"from": "2027-02-05", "to": "2027-12-11"}]),
            "from 2027-02-05 to 2027-12-11 is 310 days long",
            id="range-too-long",
        ),
        pytest.param(
            holiday_json(holidays=[{"from": "2027-10-01"}]),
            "needs both a “from” and a “to”",
            id="range-without-end",
        ),
        pytest.param(
            holiday_json(holidays=[{"from": "2027-10-01", "to": "2027-10-07", "days": 7}]),
            "unknown entry “days”",
            id="range-unknown-key",
        ),
        pytest.param(holiday_json(workday=["2027-10-09"]), "“workday”", id="misspelt-key"),
        pytest.param(
            '{"year": 2027, "holidays": ["2027-01-01"], "holidays": ["2027-10-01"]}',
            "names “holidays” twice",
            id="duplicate-key",
        ),
        pytest.param(holiday_json(example=True), "only an example", id="example-file"),
    ],
)
def test_bad_holiday_files_are_refused_with_a_message_naming_the_problem(
    text: str, expected: str
) -> None:
    with pytest.raises(HolidayFileError) as caught:
        parse_holiday_file(text)
    assert expected in str(caught.value)


def test_every_problem_of_a_file_is_listed() -> None:
    text = holiday_json(
        holidays=["2027-01-01", "2026-05-01", "2027-13-01"], workdays=["2027-02-08"]
    )
    with pytest.raises(HolidayFileError) as caught:
        parse_holiday_file(text)
    problems = caught.value.problems
    assert len(problems) == 3
    assert any("2026-05-01" in p for p in problems)
    assert any("2027-13-01" in p for p in problems)
    assert any("2027-02-08" in p for p in problems)


def test_unreadable_files_raise_holiday_file_error(tmp_path: Path) -> None:
    with pytest.raises(HolidayFileError, match="cannot be read"):
        parse_holiday_file(tmp_path / "missing.json")
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes('{"year": 2027, "source": "caf\xe9"}'.encode("latin-1"))
    with pytest.raises(HolidayFileError, match="UTF-8"):
        parse_holiday_file(latin1)
    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * 2_000_000)
    with pytest.raises(HolidayFileError, match="right file"):
        parse_holiday_file(huge)


def test_a_refused_file_leaves_the_calendar_as_it_was() -> None:
    cal = WorkdayCalendar()
    schedules = []
    for text in (holiday_json(workdays=["2027-02-08"]), holiday_json()):
        try:
            schedules.append(parse_holiday_file(text))
        except HolidayFileError:
            pass
    assert len(schedules) == 1  # only the good file became a schedule
    updated = cal.with_schedules(*schedules)
    assert not updated.is_workday(date(2027, 10, 4))  # from the good file
    assert cal.is_workday(date(2027, 10, 4))  # the old calendar is untouched


# --------------------------------------------------------------------------- properties

days_2000_2035 = st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31))
official_days = st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 6, 30))


@given(start=days_2000_2035, n=st.integers(min_value=1, max_value=400))
def test_add_working_days_lands_on_a_workday_after_start(start: date, n: int) -> None:
    cal = _SHARED
    result = cal.add_working_days(start, n)
    assert result > start
    assert cal.is_workday(result)
    assert cal.working_days_between(start, result) == n
    assert cal.working_days_between(start, result - timedelta(days=1)) == n - 1


@given(start=days_2000_2035, n=st.integers(min_value=1, max_value=400))
def test_backwards_is_the_inverse_of_forwards(start: date, n: int) -> None:
    cal = _SHARED
    result = cal.add_working_days(start, n)
    back = cal.add_working_days(result, -n)
    assert cal.is_workday(back)
    assert cal.working_days_between(back, result) == n
    # n working days back from the n-th working day after start: the last working day <= start.
    assert back == (start if cal.is_workday(start) else cal.add_working_days(start, -1))


@settings(max_examples=200)
@given(start=official_days, n=st.integers(min_value=1, max_value=120))
def test_agrees_with_chinesecalendar(start: date, n: int) -> None:
    result = _SHARED.add_working_days(start, n)
    # chinesecalendar's own list of working days is the independent oracle.
    expected = chinese_calendar.get_workdays(start + timedelta(days=1), result)
    assert len(expected) == n
    assert expected[-1] == result


@given(
    start=days_2000_2035,
    days=st.integers(min_value=0, max_value=120),
    offset=st.integers(min_value=1, max_value=60),
    length=st.integers(min_value=1, max_value=30),
)
def test_a_pause_inside_the_period_moves_the_end_by_its_length(
    start: date, days: int, offset: int, length: int
) -> None:
    cal = _SHARED
    first = start + timedelta(days=offset)
    last = first + timedelta(days=length - 1)
    raw_end = start + timedelta(days=days)
    result = cal.calendar_days_excluding(start, days, [(first, last)])
    if first <= raw_end:
        assert result == cal.next_workday(raw_end + timedelta(days=length))
    else:
        assert result == cal.calendar_deadline(start, days) == cal.next_workday(raw_end)


_SHARED = WorkdayCalendar()
