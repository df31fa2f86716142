"""Each case's deadlines kept in a derived local table, and the station's work list from it.

case_deadlines holds one row per (case, deadline kind), recomputed from the case's events after
every change of a case, its parties, events or agreement, and when a holiday schedule changes:
triggers queue the case and the store drains the queue before COMMIT (store/derived.py).
It is local and never synced: any PC can rebuild it from the synced rows. Open deadlines are
indexed by owner and due date, so today's work is a few index range reads even on a million
cases.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from station_app.case_clock import CaseDeadline, ClockEvent, compute_case_deadlines
from station_app.deadlines import LABELS, DeadlineKind, due_date
from station_app.domain import Agreement, CaseKind
from station_app.store import driver
from station_app.store.case_events import (
    CaseProgress,
    clock_events,
    find_progress,
    get_agreement,
    list_events,
    progress_by_local_id,
)
from station_app.store.connection import Store
from station_app.store.holidays import calendar_warnings, load_calendar, open_cases_touching_year
from station_app.workdays import WorkdayCalendar

# How many deadlines of each bucket todays_work lists (the counts say how many there are).
WORK_LIST_LIMIT = 200
# Counting stops here: "more than 10,000 overdue" is all a clerk needs to know.
COUNT_CAP = 10_000
# "This week" is the seven days after today.
WEEK_DAYS = 7


# --------------------------------------------------------------------------- computing


def compute_for_case(
    store: Store, progress: CaseProgress, calendar: WorkdayCalendar
) -> list[CaseDeadline]:
    """The case's deadlines computed now from its events and agreement (not from the table)."""
    agreement = get_agreement(store, progress.id) if progress.kind is CaseKind.COMPLAINT else None
    return compute_case_deadlines(
        progress.clock_facts(), clock_events(list_events(store, progress.id)), calendar, agreement
    )


def write_case_deadlines(
    store: Store, local_id: int, owner_station: str, deadlines: Iterable[CaseDeadline]
) -> None:
    """Replace the case's rows in the derived table."""
    store.execute("DELETE FROM case_deadlines WHERE case_local_id = ?", (local_id,))
    store.conn.executemany(
        "INSERT INTO case_deadlines(case_local_id, kind, owner_station, start, due, met_on,"
        " paused_since) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                local_id,
                d.kind.value,
                owner_station,
                d.start.isoformat(),
                _iso(d.due),
                _iso(d.met_on),
                _iso(d.paused_since),
            )
            for d in deadlines
        ],
    )


def recompute_case_deadlines(
    store: Store, local_id: int, calendar: WorkdayCalendar
) -> list[CaseDeadline]:
    """Compute the case's deadlines again and store them; a deleted case has none."""
    progress = progress_by_local_id(store, local_id)
    if progress is None:
        store.execute("DELETE FROM case_deadlines WHERE case_local_id = ?", (local_id,))
        return []
    deadlines = compute_for_case(store, progress, calendar)
    write_case_deadlines(store, local_id, progress.owner_station, deadlines)
    return deadlines


def recompute_open_deadlines(
    store: Store, calendar: WorkdayCalendar, *, year: int | None = None
) -> int:
    """Recompute every case with an open deadline (of which the clock may touch `year`);
    returns how many cases. Runs inside the caller's transaction."""
    local_ids = open_cases_touching_year(store, year)
    for local_id in local_ids:
        recompute_case_deadlines(store, local_id, calendar)
    return len(local_ids)


def add_case_deadlines_after(
    store: Store, calendar: WorkdayCalendar, *, after_local_id: int = 0
) -> int:
    """Deadline rows of every live case with local_id > after_local_id that has none yet, read
    set-wise (a bulk load's batch): the cases that left 'registered' are computed from their
    events and agreement by case_clock like any other, the registered ones in SQL
    (add_registered_case_deadlines). Returns rows added."""
    from station_app.store.case_events import _CASE_COLUMNS, _progress

    cases = [
        _progress(row)
        for row in store.execute(
            f"SELECT {_CASE_COLUMNS} FROM cases c WHERE local_id > ? AND deleted = 0"
            " AND status != 'registered'"
            " AND NOT EXISTS (SELECT 1 FROM case_deadlines d WHERE d.case_local_id = c.local_id)",
            (after_local_id,),
        )
    ]
    events: dict[str, list[ClockEvent]] = {}
    agreements: dict[str, Agreement] = {}
    if cases:
        first_id = min(p.local_id for p in cases)
        for case_id, action, occurred_at, details in store.execute(
            "SELECT e.case_id, e.action, e.occurred_at, e.details FROM case_events e"
            " JOIN cases c ON c.id = e.case_id"
            " WHERE c.local_id >= ? AND e.deleted = 0 ORDER BY e.case_id, e.created_at, e.local_id",
            (first_id,),
        ):
            events.setdefault(case_id, []).append(
                ClockEvent(
                    action,
                    date.fromisoformat(occurred_at[:10]),
                    json.loads(details) if action == "merge" else {},
                )
            )
        for row in store.execute(
            "SELECT a.case_id, a.agreed_on, a.performed_on_spot, a.performance_due,"
            " a.performed_on, a.judicial_applied_on FROM agreements a"
            " JOIN cases c ON c.id = a.case_id WHERE c.local_id >= ? AND a.deleted = 0",
            (first_id,),
        ):
            agreements[row[0]] = Agreement(
                agreed_on=date.fromisoformat(row[1]),
                performed_on_spot=bool(row[2]),
                performance_due=_date(row[3]),
                performed_on=_date(row[4]),
                judicial_applied_on=_date(row[5]),
            )
    rows = []
    for progress in cases:
        for d in compute_case_deadlines(
            progress.clock_facts(),
            events.get(progress.id, []),
            calendar,
            agreements.get(progress.id),
        ):
            rows.append(
                (
                    progress.local_id,
                    d.kind.value,
                    progress.owner_station,
                    d.start.isoformat(),
                    _iso(d.due),
                    _iso(d.met_on),
                    _iso(d.paused_since),
                )
            )
    store.conn.executemany(
        "INSERT INTO case_deadlines(case_local_id, kind, owner_station, start, due, met_on,"
        " paused_since) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return len(rows) + add_registered_case_deadlines(
        store.conn, calendar, after_local_id=after_local_id
    )


def add_registered_case_deadlines(
    conn: driver.Connection, calendar: WorkdayCalendar, *, after_local_id: int = 0
) -> int:
    """Deadline rows of registered cases (with local_id > after_local_id) that have none yet,
    computed in SQL: a registered case's deadlines depend only on its receipt day, so each day's
    due dates are computed once and joined. Used after migrating from schema 3 and by bulk loads;
    the result equals compute_case_deadlines for cases without events. Returns rows added."""
    live = "deleted = 0" if not after_local_id else "deleted = 0 AND local_id > ?"
    params: tuple = () if not after_local_id else (after_local_id,)
    first = conn.execute(f"SELECT min(received_at) FROM cases WHERE {live}", params).fetchone()[0]
    last = conn.execute(f"SELECT max(received_at) FROM cases WHERE {live}", params).fetchone()[0]
    if first is None:
        return 0
    day, end = date.fromisoformat(first[:10]), date.fromisoformat(last[:10])
    rows = []
    while day <= end:
        rows.append(
            (
                day.isoformat(),
                due_date(calendar, DeadlineKind.ACCEPTANCE, day, received=day).isoformat(),
                due_date(
                    calendar, DeadlineKind.REPORT_CASE_DECISION, day, received=day
                ).isoformat(),
            )
        )
        day += timedelta(days=1)
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS receipt_day_deadlines("
        "day TEXT PRIMARY KEY, acceptance TEXT NOT NULL, report TEXT NOT NULL) WITHOUT ROWID"
    )
    conn.execute("DELETE FROM temp.receipt_day_deadlines")
    conn.executemany("INSERT INTO temp.receipt_day_deadlines VALUES (?, ?, ?)", rows)
    case_filter = "c.deleted = 0" + (" AND c.local_id > ?" if after_local_id else "")
    before = conn.total_changes
    conn.execute(
        f"""INSERT OR IGNORE INTO case_deadlines(case_local_id, kind, owner_station, start, due)
            SELECT c.local_id,
                   CASE c.kind WHEN 'complaint' THEN 'acceptance' ELSE 'report_case_decision' END,
                   c.owner_station, d.day,
                   CASE c.kind WHEN 'complaint' THEN d.acceptance ELSE d.report END
              FROM cases c
              JOIN temp.receipt_day_deadlines d ON d.day = substr(c.received_at, 1, 10)
             WHERE {case_filter}
               AND c.status = 'registered' AND c.kind IN ('complaint', 'report')""",
        params,
    )
    conn.execute(
        f"""INSERT OR IGNORE INTO case_deadlines(case_local_id, kind, owner_station, start, due)
            SELECT c.local_id, 'work_order_12345', c.owner_station,
                   substr(c.received_at, 1, 10), c.work_order_due
              FROM cases c
             WHERE {case_filter}
               AND c.status = 'registered' AND c.work_order_due IS NOT NULL""",
        params,
    )
    added = conn.total_changes - before
    conn.execute("DROP TABLE temp.receipt_day_deadlines")
    return added


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# --------------------------------------------------------------------------- reading


def case_deadlines(
    store: Store, case_key: str, calendar: WorkdayCalendar | None = None
) -> list[CaseDeadline] | None:
    """The deadlines of a case (by number or id), computed from its record with `calendar`
    (default: the store's holiday schedules); None if there is no such case."""
    progress = find_progress(store, case_key)
    if progress is None:
        return None
    if calendar is None:
        calendar = load_calendar(store)
    return compute_for_case(store, progress, calendar)


def stored_deadlines(store: Store, local_ids: Sequence[int]) -> dict[int, list[CaseDeadline]]:
    """The stored deadlines of the given cases (a page of the case list), by local id."""
    result: dict[int, list[CaseDeadline]] = {local_id: [] for local_id in local_ids}
    if not local_ids:
        return result
    marks = ",".join("?" * len(local_ids))
    for row in store.execute(
        "SELECT case_local_id, kind, start, due, met_on, paused_since FROM case_deadlines"
        f" WHERE case_local_id IN ({marks})",
        tuple(local_ids),
    ):
        result[row[0]].append(
            CaseDeadline(
                DeadlineKind(row[1]),
                date.fromisoformat(row[2]),
                _date(row[3]),
                _date(row[4]),
                _date(row[5]),
            )
        )
    return result


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class WorkItem:
    """One open deadline of a case on the work list."""

    case_no: str
    case_kind: str
    status: str
    kind: DeadlineKind
    due: date
    complainant: str
    merchant: str

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_no": self.case_no,
            "case_kind": self.case_kind,
            "status": self.status,
            "kind": self.kind.value,
            "label": self.label,
            "due": self.due.isoformat(),
            "complainant": self.complainant,
            "merchant": self.merchant,
        }


@dataclass
class TodaysWork:
    """今日待办: the station's open deadlines that are overdue, due today and due this week,
    most urgent first. Each list holds at most `limit` items; the totals count up to COUNT_CAP
    (a total equal to COUNT_CAP means "at least")."""

    today: date
    station_code: str
    overdue: list[WorkItem] = field(default_factory=list)
    due_today: list[WorkItem] = field(default_factory=list)
    this_week: list[WorkItem] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    calendar_warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.today.isoformat(),
            "station": self.station_code,
            "overdue": [item.to_dict() for item in self.overdue],
            "today": [item.to_dict() for item in self.due_today],
            "this_week": [item.to_dict() for item in self.this_week],
            "totals": dict(self.totals),
            "count_cap": COUNT_CAP,
            "calendar_warnings": list(self.calendar_warnings),
        }


def _bucket(
    store: Store, station: str, low: str | None, high: str, limit: int
) -> tuple[list[WorkItem], int]:
    """Open deadlines with low <= due < high (or due < high), oldest first, and their count."""
    condition = "owner_station = ? AND met_on IS NULL AND due < ?"
    params: list[Any] = [station, high]
    if low is not None:
        condition += " AND due >= ?"
        params.append(low)
    total = store.scalar(
        f"SELECT count(*) FROM (SELECT 1 FROM case_deadlines WHERE {condition} LIMIT ?)",
        (*params, COUNT_CAP),
    )
    rows = store.execute(
        f"""SELECT c.case_no, c.kind, c.status, d.kind, d.due, c.merchant_name,
                   (SELECT p.name FROM parties p
                     WHERE p.case_id = c.id AND p.role = 'complainant' AND p.deleted = 0
                     ORDER BY p.position LIMIT 1)
              FROM (SELECT case_local_id, kind, due FROM case_deadlines
                     WHERE {condition} ORDER BY due, case_local_id LIMIT ?) AS d
              JOIN cases c ON c.local_id = d.case_local_id
             ORDER BY d.due, d.case_local_id""",
        (*params, limit),
    ).fetchall()
    items = [
        WorkItem(
            case_no=row[0],
            case_kind=row[1],
            status=row[2],
            kind=DeadlineKind(row[3]),
            due=date.fromisoformat(row[4]),
            merchant=row[5],
            complainant=row[6] or "",
        )
        for row in rows
    ]
    return items, total


def todays_work(
    store: Store,
    today: date,
    *,
    station_code: str | None = None,
    limit: int = WORK_LIST_LIMIT,
) -> TodaysWork:
    """The open deadlines of the station's own cases (default: this PC's station): overdue,
    due today, and due in the seven days after today."""
    if station_code is None:
        from station_app.store.accounts import local_station

        station_code = local_station(store).code
    day = today.isoformat()
    tomorrow = (today + timedelta(days=1)).isoformat()
    week_end = (today + timedelta(days=WEEK_DAYS + 1)).isoformat()
    work = TodaysWork(today=today, station_code=station_code)
    work.overdue, overdue = _bucket(store, station_code, None, day, limit)
    work.due_today, due_today = _bucket(store, station_code, day, tomorrow, limit)
    work.this_week, this_week = _bucket(store, station_code, tomorrow, week_end, limit)
    work.totals = {"overdue": overdue, "today": due_today, "this_week": this_week}
    work.calendar_warnings = calendar_warnings(store, today)
    return work
