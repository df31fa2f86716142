"""What each case counts for in the statistics, kept in derived tables, and the sums over them.

Every figure of the statistics (station_app/statistics.py) is a sum of one column of
case_figures over the cases received in a period, in a scope of owner stations. Each column is
defined here ONCE, as SQL over the case's rows (FIGURE_SQL), and used alike by the store when a
case changes (the dirty queue, store/derived.py), by the rebuild after migrating and by the demo
loader: set-wise, so that a million cases are derived in one statement.

figure_months holds the same sums per month and key (owner station, kind, channel, goods or
service, category, problem nature), kept by triggers (migration 13); merchant_months the number
of complaints per merchant and month. A period is read as its whole months from those and its
partial months (head and tail) from case_figures, so one year or ten cost about the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from station_app.store import driver
from station_app.store.connection import Store

# The statuses in which a case is finished (办结): a decision or an outcome was reached, or the
# case was closed or merged into an earlier report.
DONE_STATUSES = (
    "not_accepted",
    "agreed",
    "terminated",
    "withdrawn",
    "case_opened",
    "not_opened",
    "result_notified",
    "answered",
    "closed",
    "merged",
)
# A follow-up visit that counts as satisfied: 满意 or 基本满意.
SATISFIED = ("satisfied", "basically")

# Grouping keys of figure_months, and the measures (integers summed) in the order of the tables.
KEYS = ("owner_station", "kind", "channel", "goods_or_service", "category", "problem_nature")
MEASURES = (
    "cases",
    "complainants",
    "joint",
    "done",
    "accepted",
    "refused",
    "mediated",
    "agreed",
    "terminated",
    "mediation_failed",
    "withdrawn",
    "escalated",
    "case_opened",
    "claimed_fen",
    "recovered_fen",
    "dispatched",
    "arrived",
    "arrived_in_promise",
    "complainant_visited",
    "complainant_satisfied",
    "merchant_visited",
    "merchant_satisfied",
    "both_visited",
    "both_satisfied",
    "late_deadlines",
)


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


# One row of case_figures per live case chosen by {cases} (a condition on c). The inner query
# gathers the facts of the case; the outer one turns them into the measures.
FIGURE_SQL = f"""
SELECT local_id, received_on, owner_station, kind, channel, goods_or_service, category,
       problem_nature, merchant_id,
       1 AS cases,
       complainants,
       -- a joint complaint: two or more complainants in the same dispute (Order No. 121)
       CASE WHEN kind = 'complaint' AND complainants >= 2 THEN 1 ELSE 0 END AS joint,
       status IN ({_quoted(DONE_STATUSES)}) AS done,
       ev_accept AS accepted,
       ev_refuse AS refused,
       ev_mediation AS mediated,
       has_agreement AS agreed,
       ev_terminate AS terminated,
       -- mediation that ended without an agreement: started, then terminated
       ev_mediation AND ev_terminate AS mediation_failed,
       ev_withdraw AS withdrawn,
       escalated,
       ev_open_case AS case_opened,
       claimed_fen,
       recovered_fen,
       dispatched_at IS NOT NULL AS dispatched,
       arrived_at IS NOT NULL AS arrived,
       CASE WHEN arrived_at IS NOT NULL AND dispatched_at IS NOT NULL
                 AND CAST(round((julianday(arrived_at) - julianday(dispatched_at)) * 1440)
                          AS INTEGER) <= COALESCE(promise_minutes, 0)
            THEN 1 ELSE 0 END AS arrived_in_promise,
       complainant_view IS NOT NULL AS complainant_visited,
       COALESCE(complainant_view IN ({_quoted(SATISFIED)}), 0) AS complainant_satisfied,
       merchant_view IS NOT NULL AS merchant_visited,
       COALESCE(merchant_view IN ({_quoted(SATISFIED)}), 0) AS merchant_satisfied,
       complainant_view IS NOT NULL AND merchant_view IS NOT NULL AS both_visited,
       COALESCE(complainant_view IN ({_quoted(SATISFIED)})
                AND merchant_view IN ({_quoted(SATISFIED)}), 0) AS both_satisfied,
       late_deadlines
  FROM (
    SELECT c.local_id, substr(c.received_at, 1, 10) AS received_on, c.owner_station, c.kind,
           c.channel, COALESCE(c.goods_or_service, '') AS goods_or_service, c.category,
           c.problem_nature, c.merchant_id, c.status,
           c.escalated_from IS NOT NULL AS escalated,
           COALESCE(c.amount_fen, 0) AS claimed_fen,
           COALESCE(c.amount_recovered_fen, 0) AS recovered_fen,
           c.dispatched_at, c.arrived_at, c.promise_minutes,
           (SELECT count(*) FROM parties p
             WHERE p.case_id = c.id AND p.role = 'complainant' AND p.deleted = 0)
               AS complainants,
           COALESCE(e.accept, 0) AS ev_accept, COALESCE(e.refuse, 0) AS ev_refuse,
           COALESCE(e.mediation, 0) AS ev_mediation, COALESCE(e.terminate, 0) AS ev_terminate,
           COALESCE(e.withdraw, 0) AS ev_withdraw, COALESCE(e.open_case, 0) AS ev_open_case,
           EXISTS (SELECT 1 FROM agreements a WHERE a.case_id = c.id AND a.deleted = 0)
               AS has_agreement,
           (SELECT f.satisfaction FROM follow_ups f
             WHERE f.case_id = c.id AND f.party = 'complainant' AND f.deleted = 0
             ORDER BY f.visited_on DESC, f.local_id DESC LIMIT 1) AS complainant_view,
           (SELECT f.satisfaction FROM follow_ups f
             WHERE f.case_id = c.id AND f.party = 'merchant' AND f.deleted = 0
             ORDER BY f.visited_on DESC, f.local_id DESC LIMIT 1) AS merchant_view,
           (SELECT count(*) FROM case_deadlines d
             WHERE d.case_local_id = c.local_id AND d.met_on > d.due) AS late_deadlines
      FROM cases c
      LEFT JOIN (
        SELECT case_id,
               max(action = 'accept') AS accept,
               max(action = 'refuse') AS refuse,
               max(action = 'start-mediation') AS mediation,
               max(action = 'terminate') AS terminate,
               max(action = 'withdraw') AS withdraw,
               max(action = 'open-case') AS open_case
          FROM case_events
         WHERE deleted = 0
           AND case_id IN (SELECT c.id FROM cases c WHERE {{cases}})
         GROUP BY case_id) e ON e.case_id = c.id
     WHERE c.deleted = 0 AND {{cases}}
  )
"""

_INSERT = (
    "INSERT INTO case_figures(case_local_id, received_on, owner_station, kind, channel,"
    f" goods_or_service, category, problem_nature, merchant_id, {', '.join(MEASURES)}) "
)


def has_figures(conn: driver.Connection) -> bool:
    """Whether the schema has the statistics tables (migration 13)."""
    return bool(
        conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'case_figures'"
        ).fetchone()
    )


def refresh_case_figures(conn: driver.Connection, local_ids: Sequence[int]) -> None:
    """Derive the figures of the given cases again (a deleted case loses its row)."""
    if not local_ids:
        return
    ids = json.dumps(list(local_ids))
    chosen = "c.local_id IN (SELECT value FROM json_each(:ids))"
    conn.execute(
        "DELETE FROM case_figures WHERE case_local_id IN (SELECT value FROM json_each(:ids))",
        {"ids": ids},
    )
    conn.execute(_INSERT + FIGURE_SQL.format(cases=chosen), {"ids": ids})


def add_case_figures_after(conn: driver.Connection, after_local_id: int = 0) -> int:
    """Derive the figures of every live case with local_id > after_local_id that has none (a
    bulk load's batch, or every case after migrating); returns how many rows were added."""
    before = conn.total_changes
    chosen = "c.local_id > :after AND c.local_id NOT IN (SELECT case_local_id FROM case_figures)"
    conn.execute(_INSERT + FIGURE_SQL.format(cases=chosen), {"after": after_local_id})
    return conn.total_changes - before


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class FigureRow:
    """The sums of the measures for one key (owner station, kind, channel, goods or service,
    category, problem nature) over a period."""

    key: tuple[str, ...]
    values: dict[str, int]


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def split_period(
    first: date, last: date
) -> tuple[list[tuple[date, date]], list[tuple[str, str]], tuple[str, str] | None]:
    """How a period is read: the day ranges read case by case (partial months at either end),
    the ranges of whole months ("YYYY-MM") read from the monthly totals, and the range of whole
    years ("YYYY") read from the yearly totals."""
    if last < first:
        return [], [], None
    whole_first = first if first.day == 1 else _next_month(first)
    # the day after the last whole month
    if _next_month(last) - timedelta(days=1) == last:
        whole_end = _next_month(last)
    else:
        whole_end = last.replace(day=1)
    if whole_first >= whole_end:
        return [(first, last)], [], None
    days: list[tuple[date, date]] = []
    if first < whole_first:
        days.append((first, whole_first - timedelta(days=1)))
    if whole_end <= last:
        days.append((whole_end, last))
    last_month = whole_end - timedelta(days=1)
    year_first = whole_first.year if whole_first.month == 1 else whole_first.year + 1
    year_last = last_month.year if last_month.month == 12 else last_month.year - 1
    if year_first > year_last:
        return days, [(f"{whole_first:%Y-%m}", f"{last_month:%Y-%m}")], None
    months: list[tuple[str, str]] = []
    if whole_first < date(year_first, 1, 1):
        months.append((f"{whole_first:%Y-%m}", f"{year_first - 1:04d}-12"))
    if last_month > date(year_last, 12, 31):
        months.append((f"{year_last + 1:04d}-01", f"{last_month:%Y-%m}"))
    return days, months, (f"{year_first:04d}", f"{year_last:04d}")


def _parts(
    first: date, last: date, scope: str, scope_params: list[str], day_sql: str, total_sql: str
) -> tuple[list[str], list[object]]:
    """The selects (UNION ALL) that read a period from the per-case rows and the totals;
    `total_sql` names its table and span column with {span}."""
    days, months, years = split_period(first, last)
    parts: list[str] = []
    params: list[object] = []
    for low, high in days:
        parts.append(f"{day_sql} WHERE received_on BETWEEN ? AND ?{scope}")
        params += [low.isoformat(), high.isoformat(), *scope_params]
    for low, high in months:
        parts.append(f"{total_sql.format(span='month')} WHERE month BETWEEN ? AND ?{scope}")
        params += [low, high, *scope_params]
    if years is not None:
        parts.append(f"{total_sql.format(span='year')} WHERE year BETWEEN ? AND ?{scope}")
        params += [years[0], years[1], *scope_params]
    return parts, params


def _scope_condition(stations: Sequence[str] | None) -> tuple[str, list[str]]:
    if stations is None:
        return "", []
    marks = ", ".join("?" * len(stations))
    return f" AND owner_station IN ({marks})", list(stations)


def figure_rows(
    store: Store, first: date, last: date, stations: Sequence[str] | None
) -> list[FigureRow]:
    """The sums of every measure per key for the cases received from `first` to `last`
    (inclusive) and owned by `stations` (None: every station)."""
    scope, scope_params = _scope_condition(stations)
    sums = ", ".join(f"sum({m})" for m in MEASURES)
    keys = ", ".join(KEYS)
    columns = f"{keys}, {', '.join(MEASURES)}"
    parts, params = _parts(
        first,
        last,
        scope,
        scope_params,
        f"SELECT {columns} FROM case_figures",
        f"SELECT {columns} FROM figure_{{span}}s",
    )
    if not parts:
        return []
    sql = f"SELECT {keys}, {sums} FROM ({' UNION ALL '.join(parts)}) GROUP BY {keys}"
    rows = []
    for row in store.execute(sql, params):
        values = dict(zip(MEASURES, row[len(KEYS) :], strict=True))
        if values["cases"]:
            rows.append(FigureRow(tuple(row[: len(KEYS)]), values))
    return rows


def top_merchants(
    store: Store, first: date, last: date, stations: Sequence[str] | None, limit: int
) -> list[tuple[str, str, int]]:
    """(merchant id, name, complaints) of the merchants with the most complaints received in
    the period, most first (ties by name)."""
    scope, scope_params = _scope_condition(stations)
    parts, params = _parts(
        first,
        last,
        scope,
        scope_params,
        "SELECT merchant_id, 1 AS complaints FROM case_figures",
        "SELECT merchant_id, complaints FROM merchant_{span}s",
    )
    parts = [
        part.replace(" WHERE ", " WHERE kind = 'complaint' AND merchant_id IS NOT NULL AND ", 1)
        if part.startswith("SELECT merchant_id, 1")
        else part
        for part in parts
    ]
    if not parts:
        return []
    sql = f"""
        SELECT t.merchant_id, COALESCE(m.name, ''), t.n FROM (
            SELECT merchant_id, sum(complaints) AS n FROM ({" UNION ALL ".join(parts)})
             GROUP BY merchant_id HAVING n > 0 ORDER BY n DESC LIMIT ?) t
          LEFT JOIN merchants m ON m.id = t.merchant_id
         ORDER BY t.n DESC, m.name"""
    return [(r[0], r[1], r[2]) for r in store.execute(sql, [*params, limit * 4])][:limit]


def overdue_deadlines(
    store: Store, first: date, last: date, stations: Sequence[str] | None, today: date
) -> int:
    """Open deadlines past their last day on `today`, of the cases received in the period."""
    scope, scope_params = _scope_condition(stations)
    return store.scalar(
        f"SELECT count(*) FROM open_deadlines WHERE received_on BETWEEN ? AND ? AND due < ?{scope}",
        (first.isoformat(), last.isoformat(), today.isoformat(), *scope_params),
    )


def stations_under(store: Store, code: str) -> list[str]:
    """The station and every station below it (a township's villages), by the stations table."""
    rows = store.execute(
        """WITH RECURSIVE below(code) AS (
               SELECT ? UNION SELECT s.code FROM stations s JOIN below b ON s.parent_code = b.code
                WHERE s.deleted = 0)
           SELECT code FROM below ORDER BY code""",
        (code,),
    )
    return [row[0] for row in rows]


def merchant_complaint_cases(
    store: Store, merchant_id: str, first: date, last: date, stations: Sequence[str] | None
) -> list[int]:
    """The local ids of the complaints against a merchant in the period (the cases behind a
    figure of the top-merchants table)."""
    scope, scope_params = _scope_condition(stations)
    return [
        row[0]
        for row in store.execute(
            "SELECT case_local_id FROM case_figures WHERE received_on BETWEEN ? AND ?"
            f" AND kind = 'complaint' AND merchant_id = ?{scope} ORDER BY case_local_id",
            (first.isoformat(), last.isoformat(), merchant_id, *scope_params),
        )
    ]


def figure_case_ids(
    store: Store,
    first: date,
    last: date,
    stations: Sequence[str] | None,
    measure: str,
    equal: dict[str, str],
) -> list[int]:
    """The local ids of the cases received in the period, in the scope, for which `measure`
    (a column of case_figures) is not zero and every key column of `equal` has its value: the
    cases behind a figure (its sum, or the numerator of its rate)."""
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    unknown = set(equal) - {*KEYS, "merchant_id"}
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)!r}")
    scope, scope_params = _scope_condition(stations)
    keys = "".join(f" AND {key} = ?" for key in equal)
    return [
        row[0]
        for row in store.execute(
            f"SELECT case_local_id FROM case_figures WHERE received_on BETWEEN ? AND ?"
            f" AND {measure} <> 0{keys}{scope} ORDER BY case_local_id",
            (first.isoformat(), last.isoformat(), *equal.values(), *scope_params),
        )
    ]


def overdue_case_ids(
    store: Store, first: date, last: date, stations: Sequence[str] | None, today: date
) -> list[int]:
    """The cases behind the overdue figure: those with an open deadline past on `today`."""
    scope, scope_params = _scope_condition(stations)
    return [
        row[0]
        for row in store.execute(
            "SELECT DISTINCT case_local_id FROM open_deadlines WHERE received_on BETWEEN ? AND ?"
            f" AND due < ?{scope} ORDER BY case_local_id",
            (first.isoformat(), last.isoformat(), today.isoformat(), *scope_params),
        )
    ]
