"""Holiday schedules kept in the database (from the city office or imported from a file), and
the working-day calendar built from them."""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from station_app.ids import new_id, utc_now
from station_app.store.connection import Store
from station_app.workdays import (
    HolidayFileError,
    WorkdayCalendar,
    YearSchedule,
    parse_holiday_file,
    schedule_to_json,
)

log = logging.getLogger(__name__)

# One calendar per open store, rebuilt when the stored schedules change (an import or a sync).
_calendars: weakref.WeakKeyDictionary[Store, tuple[str, WorkdayCalendar]] = (
    weakref.WeakKeyDictionary()
)


def _fingerprint(store: Store) -> str:
    return store.scalar(
        "SELECT count(*) || '/' || COALESCE(max(updated_at), '') FROM holiday_schedules"
    )


def stored_schedules(store: Store) -> dict[int, YearSchedule]:
    """Every stored year's schedule. A stored schedule that cannot be read (a damaged sync
    record) is logged and left out: that year then counts weekends only, with a warning."""
    schedules: dict[int, YearSchedule] = {}
    for row in store.query(
        "SELECT year, schedule FROM holiday_schedules WHERE deleted = 0 ORDER BY year"
    ):
        try:
            schedule = parse_holiday_file(row["schedule"])
        except HolidayFileError as error:
            log.error("stored holiday schedule of %s cannot be read: %s", row["year"], error)
            continue
        if schedule.year != row["year"]:
            log.error("stored holiday schedule of %s is for %s", row["year"], schedule.year)
            continue
        schedules[schedule.year] = schedule
    return schedules


# How far ahead the deadlines of today's steps reach: 60 working days of mediation after
# acceptance, plus holidays, end within about four months.
CALENDAR_HORIZON = timedelta(days=120)


def calendar_warnings(store: Store, today: date) -> list[str]:
    """The years without a holiday schedule that deadlines counted from today may reach (e.g.
    "No holiday schedule for 2027"), for the clerk to be told once, not after every step."""
    return load_calendar(store).warnings_for([today, today + CALENDAR_HORIZON])


def load_calendar(store: Store) -> WorkdayCalendar:
    """The official calendar with the stored schedules on top (they replace their year)."""
    fingerprint = _fingerprint(store)
    cached = _calendars.get(store)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    calendar = WorkdayCalendar(extra=stored_schedules(store))
    _calendars[store] = (fingerprint, calendar)
    return calendar


def open_cases_touching_year(store: Store, year: int | None = None) -> list[int]:
    """The local ids of cases with an open deadline (of which the clock may touch `year`): the
    cases a change to that year's holiday schedule touches."""
    sql = "SELECT DISTINCT case_local_id FROM case_deadlines WHERE met_on IS NULL"
    params: tuple = ()
    if year is not None:
        # A deadline whose counting never reaches the year cannot change with its schedule.
        sql += " AND start <= ? AND (due IS NULL OR due >= ?)"
        params = (f"{year}-12-31", f"{year}-01-01")
    return [row[0] for row in store.execute(sql, params).fetchall()]


@dataclass(frozen=True)
class HolidayImport:
    year: int
    holidays: int
    workdays: int
    source: str
    replaced: bool
    cases_recomputed: int


def save_schedule(
    store: Store, schedule: YearSchedule, *, station_code: str, actor: str | None = None
) -> HolidayImport:
    """Store a year's schedule (replacing that year's row), in one transaction with the
    recomputed deadlines of the open cases whose clock touches that year."""
    now = utc_now()
    text = schedule_to_json(schedule)
    with store.transaction(actor=actor):
        existing = store.scalar("SELECT id FROM holiday_schedules WHERE year = ?", (schedule.year,))
        if existing is None:
            store.execute(
                "INSERT INTO holiday_schedules(id, year, schedule, source, owner_station,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (new_id(), schedule.year, text, schedule.source, station_code, now, now),
            )
        else:
            store.execute(
                "UPDATE holiday_schedules SET schedule = ?, source = ?, deleted = 0,"
                " updated_at = ? WHERE id = ?",
                (text, schedule.source, now, existing),
            )
        _calendars.pop(store, None)
        # The store recomputes these cases' deadlines before COMMIT (dirty_years).
        recomputed = len(open_cases_touching_year(store, schedule.year))
    return HolidayImport(
        year=schedule.year,
        holidays=len(schedule.holidays),
        workdays=len(schedule.workdays),
        source=schedule.source,
        replaced=existing is not None,
        cases_recomputed=recomputed,
    )


def import_holiday_file(
    store: Store, source: str | Path | bytes, *, station_code: str, actor: str | None = None
) -> HolidayImport:
    """Read a holiday file (workdays.parse_holiday_file; HolidayFileError lists every problem
    and nothing is changed) and store its schedule."""
    schedule = parse_holiday_file(source)
    return save_schedule(store, schedule, station_code=station_code, actor=actor)
