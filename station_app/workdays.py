"""The Chinese working-day calendar: official holiday schedules, imported updates, day counting.

Official data comes from the `chinesecalendar` package (2004 to the last year it knows, 2026 in
version 1.11). Later years come from the State Council's yearly holiday notice, pushed by the city
office through sync or imported by a clerk from a file (`parse_holiday_file`). A year with no data
is counted with weekends only and the calendar says so (`missing_years`, `warnings_for`): a
deadline must never crash on an unknown year.

Counting follows the rule for legal periods: the day of the start event is not counted, and a
period counted in calendar days that ends on a holiday or weekend ends on the next working day.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from station_app.i18n import _
from station_app.safe_input import InputRejected, InputTooLarge, parse_json_text, read_limited

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_RANGE_DAYS",
    "HolidayFileError",
    "WorkdayCalendar",
    "YearSchedule",
    "official_schedules",
    "parse_holiday_file",
    "schedule_to_json",
]

log = logging.getLogger(__name__)

# A holiday file is a few kilobytes; anything much larger is the wrong file.
MAX_FILE_BYTES = 1_000_000
# The longest official holiday block is 9 days (Spring Festival 2026); a longer range in a file
# is almost certainly a typing mistake (2027-02-05 to 2027-12-11).
MAX_RANGE_DAYS = 31
# Years a holiday file may describe.
FILE_YEARS = range(2000, 2101)

_MIN_YEAR = date.min.year
_MAX_YEAR = date.max.year
_FILE_KEYS = frozenset({"year", "source", "note", "example", "holidays", "workdays"})
_RANGE_KEYS = frozenset({"from", "to", "name"})
_DATE_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def _as_date(day: date) -> date:
    """A datetime (a subclass of date) as its date: datetimes never equal dates in sets."""
    return day.date() if isinstance(day, datetime) else day


def _is_weekend_ordinal(ordinal: int) -> bool:
    # date(1, 1, 1) has ordinal 1 and is a Monday, so (ordinal + 6) % 7 == date.weekday().
    return (ordinal + 6) % 7 >= 5


@dataclass(frozen=True)
class YearSchedule:
    """One year's holidays and adjusted working weekends (调休上班), and where they come from."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        strays = sorted(d for d in self.holidays | self.workdays if d.year != self.year)
        if strays:
            raise ValueError(f"dates outside {self.year} in its schedule: {strays}")
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ValueError(f"days both holiday and working day in {self.year}: {both}")
        weekdays = sorted(d for d in self.workdays if d.weekday() < 5)
        if weekdays:
            raise ValueError(f"adjusted working days that are not weekend days: {weekdays}")


@cache
def official_schedules() -> Mapping[int, YearSchedule]:
    """The schedules the installed `chinesecalendar` package knows, by year (read-only)."""
    try:
        import chinese_calendar
    except ImportError:
        log.warning("chinesecalendar is not installed: every year is counted with weekends only")
        return MappingProxyType({})
    try:
        source = f"chinesecalendar {version('chinesecalendar')}"
    except PackageNotFoundError:  # no metadata in a frozen build; the name is enough
        source = "chinesecalendar"
    holidays: dict[int, set[date]] = {}
    workdays: dict[int, set[date]] = {}
    for day in chinese_calendar.holidays:
        holidays.setdefault(day.year, set()).add(day)
    for day in chinese_calendar.workdays:
        workdays.setdefault(day.year, set()).add(day)
    schedules: dict[int, YearSchedule] = {}
    for year in sorted(holidays):
        try:
            # The package raises NotImplementedError for a year it has no complete data for.
            chinese_calendar.is_workday(date(year, 7, 1))
        except NotImplementedError:
            continue
        schedules[year] = YearSchedule(
            year, frozenset(holidays[year]), frozenset(workdays.get(year, ())), source
        )
    return MappingProxyType(schedules)


class _Index(NamedTuple):
    """Every working day of the years first_year..last_year, as sorted date ordinals."""

    first_year: int
    last_year: int
    start_ordinal: int  # 1 January of first_year
    end_ordinal: int  # 31 December of last_year
    ordinals: list[int]


_EMPTY_INDEX = _Index(0, -1, 1, 0, [])


class WorkdayCalendar:
    """Working days of mainland China; years without a schedule fall back to weekends only.

    `extra` schedules (from sync or an imported file) replace the official data of their year.
    The calendar is immutable; `with_schedules` makes a new one. It is safe to share between
    threads: the lazily built day index is replaced whole, never changed in place.
    """

    def __init__(
        self, extra: Mapping[int, YearSchedule] | None = None, *, official: bool = True
    ) -> None:
        schedules: dict[int, YearSchedule] = dict(official_schedules()) if official else {}
        for year, schedule in (extra or {}).items():
            if schedule.year != year:
                raise ValueError(f"schedule for {schedule.year} given as the schedule of {year}")
            schedules[year] = schedule
        self._schedules = MappingProxyType(schedules)
        self._extra = dict(extra or {})
        self._official = official
        self._covered = frozenset(schedules)
        self._special = {
            year: (s.holidays, s.workdays) for year, s in schedules.items()
        }  # is_workday's lookup table
        self._year_ordinals: dict[int, list[int]] = {}
        self._index = _EMPTY_INDEX
        self._lock = threading.Lock()
        self._fallback_used: set[int] = set()
        self._fallback_lock = threading.Lock()

    # ------------------------------------------------------------------ data

    @property
    def schedules(self) -> Mapping[int, YearSchedule]:
        """The schedule of every year that has one (official or imported)."""
        return self._schedules

    @property
    def covered_years(self) -> frozenset[int]:
        return self._covered

    def schedule(self, year: int) -> YearSchedule | None:
        return self._schedules.get(year)

    def with_schedules(self, *schedules: YearSchedule) -> WorkdayCalendar:
        """A new calendar with these schedules added (replacing any of the same year)."""
        extra = dict(self._extra)
        for schedule in schedules:
            extra[schedule.year] = schedule
        return WorkdayCalendar(extra, official=self._official)

    def missing_years(self, start: date, end: date) -> set[int]:
        """Years from start to end (either order) that have no schedule and use weekends only."""
        first, last = sorted((start.year, end.year))
        return {year for year in range(first, last + 1) if year not in self._covered}

    def warnings_for(self, dates: Iterable[date | None]) -> list[str]:
        """Messages for the clerk about every year without a schedule between these dates."""
        known = [d for d in dates if d is not None]
        if not known:
            return []
        return [
            _(
                "No holiday schedule for {year}: deadlines are counted with weekends only. "
                "Import the State Council's holiday notice for {year}."
            ).format(year=year)
            for year in sorted(self.missing_years(min(known), max(known)))
        ]

    @property
    def fallback_years_used(self) -> frozenset[int]:
        """Years that some answer of this calendar counted with weekends only, so far."""
        with self._fallback_lock:
            return frozenset(self._fallback_used)

    # ------------------------------------------------------------------ single days

    def is_workday(self, day: date) -> bool:
        if type(day) is not date:
            day = _as_date(day)
        special = self._special.get(day.year)
        if special is None:
            self._record_fallback(day.year)
            return day.weekday() < 5
        holidays, workdays = special
        if day in workdays:
            return True
        return day.weekday() < 5 and day not in holidays

    def next_workday(self, day: date) -> date:
        """The day itself when it is a working day, else the first working day after it."""
        day = _as_date(day)
        if self.is_workday(day):
            return day
        return self.add_working_days(day, 1)

    # ------------------------------------------------------------------ counting

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (the start day itself is not counted).

        n = 0 gives `start`; a negative n gives the |n|-th working day before `start`.
        """
        if n == 0:
            return _as_date(start)
        ordinal = start.toordinal()
        index = self._index
        ordinals = index.ordinals
        if n > 0:
            if ordinal >= index.start_ordinal:
                i = bisect_right(ordinals, ordinal) + n - 1
                if i < len(ordinals):
                    result = date.fromordinal(ordinals[i])
                    self._note_span(start.year, result.year)
                    return result
        elif ordinal <= index.end_ordinal + 1:
            i = bisect_left(ordinals, ordinal) + n
            if i >= 0:
                result = date.fromordinal(ordinals[i])
                self._note_span(result.year, start.year)
                return result
        return self._add_working_days_slow(start, n)

    def _add_working_days_slow(self, start: date, n: int) -> date:
        # About 240-250 working days a year; reach far enough, then widen again if needed.
        span = abs(n) // 230 + 1
        while True:
            if n > 0:
                index = self._covering(start.year, start.year + span)
                i = bisect_right(index.ordinals, start.toordinal()) + n - 1
                if i < len(index.ordinals):
                    result = date.fromordinal(index.ordinals[i])
                    self._note_span(start.year, result.year)
                    return result
                if index.last_year >= _MAX_YEAR:
                    raise OverflowError(f"{n} working days after {start} is past year {_MAX_YEAR}")
            else:
                index = self._covering(start.year - span, start.year)
                i = bisect_left(index.ordinals, start.toordinal()) + n
                if i >= 0:
                    result = date.fromordinal(index.ordinals[i])
                    self._note_span(result.year, start.year)
                    return result
                if index.first_year <= _MIN_YEAR:
                    raise OverflowError(f"{-n} working days before {start} is before year 1")
            span *= 2

    def working_days_between(self, a: date, b: date) -> int:
        """Working days after `a` up to and including `b`; negative when b is before a."""
        if b < a:
            return -self.working_days_between(b, a)
        index = self._index
        if not (index.start_ordinal <= a.toordinal() and b.toordinal() <= index.end_ordinal):
            index = self._covering(a.year, b.year)
        self._note_span(a.year, b.year)
        ordinals = index.ordinals
        return bisect_right(ordinals, b.toordinal()) - bisect_right(ordinals, a.toordinal())

    def calendar_deadline(self, start: date, days: int) -> date:
        """`days` calendar days after `start` (start not counted), moved off a non-working day."""
        if days < 0:
            raise ValueError(f"a period cannot be negative ({days} days)")
        return self.next_workday(_as_date(start) + timedelta(days=days))

    def calendar_days_excluding(
        self, start: date, days: int, paused: Iterable[tuple[date, date]] = ()
    ) -> date:
        """Like `calendar_deadline`, but the days of the paused periods do not count.

        A paused period (first, last) includes both days, e.g. the days an appraisal or a
        recusal decision took. Days on or before `start` are not counted anyway.
        """
        if days < 0:
            raise ValueError(f"a period cannot be negative ({days} days)")
        start = _as_date(start)
        current, remaining = start, days
        for first, last in _merged_pauses(paused, after=start):
            free = (first - current).days - 1  # counted days strictly between current and first
            if remaining <= free:
                break
            remaining -= free
            current = last
        return self.next_workday(current + timedelta(days=remaining))

    def add_working_days_excluding(
        self, start: date, n: int, paused: Iterable[tuple[date, date]] = ()
    ) -> date:
        """Like `add_working_days`, but working days inside the paused periods do not count."""
        if n < 0:
            raise ValueError(f"a period cannot be negative ({n} working days)")
        start = _as_date(start)
        current, remaining = start, n
        for first, last in _merged_pauses(paused, after=start):
            free = self.working_days_between(current, first - timedelta(days=1))
            if remaining <= free:
                break
            remaining -= free
            current = last
        return self.add_working_days(current, remaining)

    # ------------------------------------------------------------------ the day index

    def _note_span(self, first_year: int, last_year: int) -> None:
        covered = self._covered
        if first_year == last_year:
            if first_year not in covered:
                self._record_fallback(first_year)
            return
        for year in range(first_year, last_year + 1):
            if year not in covered:
                self._record_fallback(year)

    def _record_fallback(self, year: int) -> None:
        if year not in self._fallback_used:
            with self._fallback_lock:
                self._fallback_used.add(year)

    def _ordinals_of_year(self, year: int) -> list[int]:
        cached = self._year_ordinals.get(year)
        if cached is not None:
            return cached
        first = date(year, 1, 1).toordinal()
        last = date(year, 12, 31).toordinal()
        special = self._special.get(year)
        if special is None:
            ordinals = [o for o in range(first, last + 1) if not _is_weekend_ordinal(o)]
        else:
            holidays = {d.toordinal() for d in special[0]}
            workdays = {d.toordinal() for d in special[1]}
            ordinals = [
                o
                for o in range(first, last + 1)
                if o in workdays or not (_is_weekend_ordinal(o) or o in holidays)
            ]
        self._year_ordinals[year] = ordinals
        return ordinals

    def _covering(self, first_year: int, last_year: int) -> _Index:
        """An index that covers at least these years (built once, then widened when needed)."""
        first_year = max(first_year, _MIN_YEAR)
        last_year = min(last_year, _MAX_YEAR)
        index = self._index
        if index.first_year <= first_year and last_year <= index.last_year:
            return index
        with self._lock:
            index = self._index
            if index.first_year <= first_year and last_year <= index.last_year:
                return index
            if index.ordinals:
                # Widen with some margin so that a walk year by year does not rebuild each time.
                if first_year < index.first_year:
                    first_year = min(first_year, index.first_year - 2)
                if last_year > index.last_year:
                    last_year = max(last_year, index.last_year + 2)
                first_year = max(min(first_year, index.first_year), _MIN_YEAR)
                last_year = min(max(last_year, index.last_year), _MAX_YEAR)
            else:
                known = [y for y in self._covered if first_year - 30 <= y <= last_year + 30]
                first_year = max(min([first_year - 1, *known]), _MIN_YEAR)
                last_year = min(max([last_year + 1, *known]), _MAX_YEAR)
            ordinals: list[int] = []
            for year in range(first_year, last_year + 1):
                ordinals.extend(self._ordinals_of_year(year))
            index = _Index(
                first_year,
                last_year,
                date(first_year, 1, 1).toordinal(),
                date(last_year, 12, 31).toordinal(),
                ordinals,
            )
            self._index = index
            return index


def _merged_pauses(paused: Iterable[tuple[date, date]], *, after: date) -> list[tuple[date, date]]:
    """Paused periods after `after`, clipped, sorted and with overlapping ones joined."""
    periods: list[tuple[date, date]] = []
    for period in paused:
        first, last = _as_date(period[0]), _as_date(period[1])
        if last < first:
            raise ValueError(f"paused period ends ({last}) before it starts ({first})")
        if last <= after:
            continue
        periods.append((max(first, after + timedelta(days=1)), last))
    periods.sort()
    merged: list[tuple[date, date]] = []
    for first, last in periods:
        if merged and first <= merged[-1][1] + timedelta(days=1):
            if last > merged[-1][1]:
                merged[-1] = (merged[-1][0], last)
        else:
            merged.append((first, last))
    return merged


# --------------------------------------------------------------------------- holiday files


class HolidayFileError(ValueError):
    """A holiday file that cannot be imported; `problems` lists every reason for the clerk."""

    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


def _show(value: Any) -> str:
    """A value from the file as the clerk would see it in the file."""
    text = f"“{value}”" if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:60] + "…"


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise HolidayFileError(
                _(
                    "The holiday file names “{key}” twice. Keep one “{key}” with all its dates."
                ).format(key=key)
            )
        result[key] = value
    return result


def _read_text(source: str | Path | bytes) -> tuple[str, str]:
    """The text of a holiday file and the name to use for it in messages and as its source;
    at most MAX_FILE_BYTES are read (a device such as /dev/zero is refused, not read forever)."""
    if isinstance(source, str) and (source.lstrip().startswith(("{", "[")) or "\n" in source):
        if len(source) > MAX_FILE_BYTES:
            raise HolidayFileError(_too_large(_("the holiday file"), len(source)))
        return source, ""
    if isinstance(source, bytes):
        raw, name = source, ""
        if len(raw) > MAX_FILE_BYTES:
            raise HolidayFileError(_too_large(name, len(raw)))
    else:
        name = Path(source).name
        try:
            raw = read_limited(source, MAX_FILE_BYTES)
        except InputTooLarge:
            raise HolidayFileError(_too_large(name, MAX_FILE_BYTES + 1)) from None
        except InputRejected as rejected:
            raise HolidayFileError(
                _("The holiday file {name} cannot be read: {reason}").format(
                    name=str(source), reason=rejected
                )
            ) from None
    try:
        return raw.decode("utf-8-sig"), name  # Notepad on Windows writes a byte-order mark
    except UnicodeDecodeError as exc:
        raise HolidayFileError(
            _("The holiday file is not UTF-8 text. Save it as UTF-8 and import it again.")
        ) from exc


def _too_large(name: str, size: int) -> str:
    return _(
        "The file {name} is more than {limit} bytes long, but a holiday file is only a few "
        "kilobytes. Check that you chose the right file."
    ).format(name=name, limit=f"{MAX_FILE_BYTES:,}" if size > MAX_FILE_BYTES else size)


def _parse_date(value: Any, year: int, where: str, problems: list[str]) -> date | None:
    match = _DATE_RE.fullmatch(value.strip()) if isinstance(value, str) else None
    day: date | None = None
    if match:
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            day = None
    if day is None:
        problems.append(
            _(
                "{where}: {value} is not a date. Write dates as YYYY-MM-DD, for example "
                "{year}-10-01."
            ).format(where=where, value=_show(value), year=year)
        )
        return None
    if day.year != year:
        problems.append(
            _(
                "{where}: {value} is not in {year}. Every date in the file must be in {year}."
            ).format(where=where, value=day.isoformat(), year=year)
        )
        return None
    return day


def _parse_holiday_entry(entry: Any, year: int, where: str, problems: list[str]) -> list[date]:
    """The days of one holiday entry: a date string or a {"from", "to", "name"} range."""
    if isinstance(entry, str):
        day = _parse_date(entry, year, where, problems)
        return [day] if day is not None else []
    if not isinstance(entry, dict):
        problems.append(
            _(
                "{where}: expected a date such as “{year}-10-01” or a range with “from” and "
                "“to”, but found {value}."
            ).format(where=where, year=year, value=_show(entry))
        )
        return []
    unknown = sorted(set(entry) - _RANGE_KEYS)
    if unknown:
        problems.append(
            _("{where}: unknown entry {keys}. A range has only “from”, “to” and “name”.").format(
                where=where, keys=", ".join(_show(k) for k in unknown)
            )
        )
        return []
    if "from" not in entry or "to" not in entry:
        problems.append(
            _("{where}: a range needs both a “from” and a “to” date.").format(where=where)
        )
        return []
    name = entry.get("name", "")
    if not isinstance(name, str):
        problems.append(
            _("{where}: the name of a range must be text, like “春节”.").format(where=where)
        )
        return []
    first = _parse_date(entry["from"], year, where, problems)
    last = _parse_date(entry["to"], year, where, problems)
    if first is None or last is None:
        return []
    if last < first:
        problems.append(
            _("{where}: the range starts on {first}, after its end {last}.").format(
                where=where, first=first.isoformat(), last=last.isoformat()
            )
        )
        return []
    length = (last - first).days + 1
    if length > MAX_RANGE_DAYS:
        problems.append(
            _(
                "{where}: the range from {first} to {last} is {days} days long, but no holiday "
                "lasts more than {limit} days. Check the dates."
            ).format(
                where=where,
                first=first.isoformat(),
                last=last.isoformat(),
                days=length,
                limit=MAX_RANGE_DAYS,
            )
        )
        return []
    return [first + timedelta(days=k) for k in range(length)]


def _parse_year(data: dict[str, Any]) -> int:
    if "year" not in data:
        raise HolidayFileError(
            _(
                "The holiday file does not say which year it is for. Add the year, for example "
                '"year": 2027.'
            )
        )
    value = data["year"]
    year: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        year = value
    elif isinstance(value, str) and re.fullmatch(r"\d{1,4}", value.strip()):
        year = int(value.strip())
    if year is None:
        raise HolidayFileError(
            _(
                '{value} is not a year. Write the year as a number, for example "year": 2027.'
            ).format(value=_show(value))
        )
    if year not in FILE_YEARS:
        raise HolidayFileError(
            _("The year {year} is not between {first} and {last}.").format(
                year=year, first=FILE_YEARS[0], last=FILE_YEARS[-1]
            )
        )
    return year


def parse_holiday_file(source: str | Path | bytes, *, allow_example: bool = False) -> YearSchedule:
    """Read one year's holiday schedule from a JSON file (a path) or its text.

    The form is {"year": 2027, "source": "...", "holidays": [...], "workdays": [...]}; a holiday
    entry is a date "2027-10-01" or a range {"from": ..., "to": ..., "name": ...}; workdays are
    the adjusted working weekends. Anything wrong raises HolidayFileError listing each problem;
    nothing is changed anywhere, so a bad file is never half imported. A file marked
    "example": true is refused unless `allow_example` (tests and documentation only).
    """
    text, name = _read_text(source)
    try:
        data = parse_json_text(
            text, name or _("the holiday file"), object_pairs_hook=_reject_duplicate_keys
        )
    except InputRejected as rejected:
        raise HolidayFileError(
            [*rejected.problems, _("Ask the city office for a new copy of the file.")]
        ) from None
    if not isinstance(data, dict):
        raise HolidayFileError(
            _(
                "The holiday file must hold one JSON object with “year”, “source”, “holidays” "
                "and “workdays”."
            )
        )
    unknown = sorted(set(data) - _FILE_KEYS)
    if unknown:
        raise HolidayFileError(
            _(
                "The holiday file has unknown entries: {keys}. Allowed are “year”, “source”, "
                "“note”, “holidays” and “workdays”."
            ).format(keys=", ".join(_show(k) for k in unknown))
        )
    if data.get("example") is not None and data.get("example") is not False and not allow_example:
        raise HolidayFileError(
            _(
                "This file is only an example of the file format, not an official holiday "
                "schedule. Import the State Council's notice as provided by the city office."
            )
        )
    year = _parse_year(data)

    problems: list[str] = []
    source_text = data.get("source", "")
    if not isinstance(source_text, str):
        problems.append(
            _(
                "“source” must be text naming the notice, for example "
                "国务院办公厅关于{year}年部分节假日安排的通知."
            ).format(year=year)
        )
        source_text = ""
    source_text = source_text.strip() or (
        _("holiday file {name}").format(name=name) if name else _("imported holiday file")
    )

    raw_holidays = data.get("holidays")
    if not isinstance(raw_holidays, list):
        raise HolidayFileError(
            _(
                'The holiday file has no list of holidays. Add "holidays": [...] with the '
                "dates of {year}."
            ).format(year=year)
        )
    if not raw_holidays:
        raise HolidayFileError(
            _(
                "The list of holidays for {year} is empty. Every official schedule names its "
                "holidays; check that the whole notice was copied."
            ).format(year=year)
        )
    raw_workdays = data.get("workdays", [])
    if not isinstance(raw_workdays, list):
        raise HolidayFileError(
            _(
                '“workdays” must be a list of dates, for example ["{year}-02-07"], or an '
                "empty list."
            ).format(year=year)
        )

    holidays: set[date] = set()
    for n, entry in enumerate(raw_holidays, start=1):
        where = _("Holidays, entry {n}").format(n=n)
        holidays.update(_parse_holiday_entry(entry, year, where, problems))
    workdays: set[date] = set()
    for n, entry in enumerate(raw_workdays, start=1):
        where = _("Adjusted working days, entry {n}").format(n=n)
        day = _parse_date(entry, year, where, problems)
        if day is None:
            continue
        if day.weekday() < 5:
            problems.append(
                _(
                    "{where}: {day} is a weekday, which is a working day anyway. Adjusted "
                    "working days are Saturdays or Sundays made working days."
                ).format(where=where, day=day.isoformat())
            )
            continue
        if day in holidays:
            problems.append(
                _(
                    "{day} is listed both as a holiday and as an adjusted working day; a day "
                    "can only be one of them."
                ).format(day=day.isoformat())
            )
            continue
        workdays.add(day)
    if problems:
        raise HolidayFileError(problems)
    return YearSchedule(year, frozenset(holidays), frozenset(workdays), source_text)


def schedule_to_json(schedule: YearSchedule) -> str:
    """The schedule as a holiday file that `parse_holiday_file` reads back unchanged."""
    data = {
        "year": schedule.year,
        "source": schedule.source,
        "holidays": [d.isoformat() for d in sorted(schedule.holidays)],
        "workdays": [d.isoformat() for d in sorted(schedule.workdays)],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
