"""The figures a consumer committee reports (统计), for a period and a scope, defined once.

A figure counts the cases RECEIVED in the period (from `first` to `last`, both included) and
owned, today, by a station of the scope: the station itself; a township with its villages; the
city with every station. What each case counts for (done, mediated, agreed, recovered, visited
and satisfied ...) is defined in store/statistics.py (FIGURE_SQL), and every rate here is made
from those sums; the statistics page, `station-app stats` and the .xlsx report all read
`compute_figures`.
"""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from station_app.domain import CaseKind, Channel, SupervisionKind, SupervisionResult
from station_app.i18n import N_, _
from station_app.money import from_fen
from station_app.store import Store
from station_app.store import statistics as figures_store
from station_app.store import supervision as supervision_store

TOP_MERCHANTS = 10


class Scope(StrEnum):
    STATION = "station"  # the station's own cases
    TOWNSHIP = "township"  # the station and the stations below it (a township's villages)
    CITY = "city"  # every station


SCOPE_LABELS = {
    Scope.STATION: N_("This station"),
    Scope.TOWNSHIP: N_("The township and its villages"),
    Scope.CITY: N_("The whole city"),
}


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(
            date(year, month, 1), date(year, month, month_calendar.monthrange(year, month)[1])
        )

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = date(year, 3 * quarter - 2, 1)
        return cls(first, cls.month(year, 3 * quarter).last)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    def title(self) -> str:
        """The period as a report names it: 2026年3月, 2026年第一季度, 2026年度, or the days."""
        first, last = self.first, self.last
        if first == date(first.year, 1, 1) and last == date(first.year, 12, 31):
            return _("Year {year}").format(year=first.year)
        if first.day == 1 and Period.month(first.year, first.month).last == last:
            return _("{year}-{month:02d}").format(year=first.year, month=first.month)
        if (
            first.day == 1
            and first.month in (1, 4, 7, 10)
            and Period.quarter(first.year, (first.month + 2) // 3).last == last
        ):
            return _("Quarter {quarter} of {year}").format(
                quarter=(first.month + 2) // 3, year=first.year
            )
        return _("{first} to {last}").format(first=first.isoformat(), last=last.isoformat())


@dataclass(frozen=True)
class Rate:
    """A share: numerator of denominator; the percentage is None when nothing was counted."""

    numerator: int
    denominator: int

    @property
    def percent(self) -> Decimal | None:
        if not self.denominator:
            return None
        return (Decimal(100 * self.numerator) / self.denominator).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    def to_dict(self) -> dict[str, Any]:
        percent = self.percent
        return {
            "count": self.numerator,
            "of": self.denominator,
            "percent": None if percent is None else str(percent),
        }


@dataclass
class Figures:
    period: Period
    scope: Scope
    station_code: str
    stations: list[str] | None  # None: every station
    as_of: date
    received: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    complaints_by_category: dict[str, int] = field(default_factory=dict)
    complaints_by_nature: dict[str, int] = field(default_factory=dict)
    goods_complaints: int = 0
    service_complaints: int = 0
    completion: Rate = Rate(0, 0)
    accepted: int = 0
    refused: int = 0
    withdrawn: int = 0
    mediated: int = 0
    agreed: int = 0
    mediation_failed: int = 0
    mediation_success: Rate = Rate(0, 0)
    terminated: int = 0
    escalated: int = 0
    reports_case_opened: int = 0
    claimed_fen: int = 0
    recovered_fen: int = 0
    joint_complaints: int = 0
    complainant_satisfaction: Rate = Rate(0, 0)
    merchant_satisfaction: Rate = Rate(0, 0)
    both_satisfaction: Rate = Rate(0, 0)
    dispatched: int = 0
    on_site_in_promise: Rate = Rate(0, 0)
    overdue: int = 0
    late_deadlines: int = 0
    top_merchants: list[tuple[str, str, int]] = field(default_factory=list)
    # Supervision work (not cases): per kind (SupervisionKind), the records done in the period
    # by the scope's stations; and of those with a result, the share not passed (不合格).
    supervision_done: dict[str, int] = field(default_factory=dict)
    supervision_not_passed: dict[str, Rate] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        def yuan(fen: int) -> str:
            return f"{from_fen(fen):.2f}"

        return {
            "period": {
                "from": self.period.first.isoformat(),
                "to": self.period.last.isoformat(),
                "title": self.period.title(),
            },
            "scope": self.scope.value,
            "station": self.station_code,
            "stations": self.stations,
            "as_of": self.as_of.isoformat(),
            "received": self.received,
            "by_kind": dict(self.by_kind),
            "by_channel": dict(self.by_channel),
            "complaints_by_category": dict(self.complaints_by_category),
            "complaints_by_nature": dict(self.complaints_by_nature),
            "goods_complaints": self.goods_complaints,
            "service_complaints": self.service_complaints,
            "completion": self.completion.to_dict(),
            "accepted": self.accepted,
            "refused": self.refused,
            "withdrawn": self.withdrawn,
            "mediated": self.mediated,
            "agreed": self.agreed,
            "mediation_failed": self.mediation_failed,
            "mediation_success": self.mediation_success.to_dict(),
            "terminated": self.terminated,
            "escalated": self.escalated,
            "reports_case_opened": self.reports_case_opened,
            "amount_claimed": yuan(self.claimed_fen),
            "losses_recovered": yuan(self.recovered_fen),
            "joint_complaints": self.joint_complaints,
            "complainant_satisfaction": self.complainant_satisfaction.to_dict(),
            "merchant_satisfaction": self.merchant_satisfaction.to_dict(),
            "both_satisfaction": self.both_satisfaction.to_dict(),
            "dispatched": self.dispatched,
            "on_site_in_promise": self.on_site_in_promise.to_dict(),
            "overdue": self.overdue,
            "late_deadlines": self.late_deadlines,
            "top_merchants": [
                {"merchant_id": mid, "name": name, "complaints": n}
                for mid, name, n in self.top_merchants
            ],
            "supervision": {
                kind: {
                    "done": done,
                    "not_passed": self.supervision_not_passed[kind].to_dict(),
                }
                for kind, done in self.supervision_done.items()
            },
        }


def scope_stations(store: Store, scope: Scope, station_code: str) -> list[str] | None:
    """The owner stations whose cases the scope counts (None: every station)."""
    if scope is Scope.CITY:
        return None
    if scope is Scope.TOWNSHIP:
        return figures_store.stations_under(store, station_code)
    return [station_code]


def compute_figures(
    store: Store,
    period: Period,
    *,
    scope: Scope,
    station_code: str,
    as_of: date,
    top: int = TOP_MERCHANTS,
) -> Figures:
    """Every figure of the period and scope; `as_of` is the day overdue deadlines are counted
    on (today for a report made now)."""
    stations = scope_stations(store, scope, station_code)
    result = Figures(period, scope, station_code, stations, as_of)
    totals = dict.fromkeys(figures_store.MEASURES, 0)
    complaint_totals = dict.fromkeys(figures_store.MEASURES, 0)
    by_kind = dict.fromkeys((k.value for k in CaseKind), 0)
    by_channel = dict.fromkeys((c.value for c in Channel), 0)
    categories: dict[str, int] = {}
    natures: dict[str, int] = {}
    for row in figures_store.figure_rows(store, period.first, period.last, stations):
        _owner, kind, channel, goods_or_service, category, nature = row.key
        values = row.values
        cases = values["cases"]
        for name, value in values.items():
            totals[name] += value
        by_kind[kind] = by_kind.get(kind, 0) + cases
        by_channel[channel] = by_channel.get(channel, 0) + cases
        if kind == CaseKind.COMPLAINT.value:
            for name, value in values.items():
                complaint_totals[name] += value
            if category:
                categories[category] = categories.get(category, 0) + cases
            if nature:
                natures[nature] = natures.get(nature, 0) + cases
            if goods_or_service == "goods":
                result.goods_complaints += cases
            elif goods_or_service == "service":
                result.service_complaints += cases
    result.received = totals["cases"]
    result.by_kind = by_kind
    result.by_channel = by_channel
    result.complaints_by_category = dict(sorted(categories.items(), key=lambda kv: (-kv[1], kv[0])))
    result.complaints_by_nature = dict(sorted(natures.items(), key=lambda kv: (-kv[1], kv[0])))
    # 办结率: the items received that are finished
    result.completion = Rate(totals["done"], totals["cases"])
    result.accepted = complaint_totals["accepted"]
    result.refused = complaint_totals["refused"]
    result.withdrawn = complaint_totals["withdrawn"]
    result.mediated = complaint_totals["mediated"]
    result.agreed = complaint_totals["agreed"]
    result.mediation_failed = complaint_totals["mediation_failed"]
    # 调解成功率: of the mediations that ended (an agreement or a termination after mediation
    # began), those that ended with an agreement
    result.mediation_success = Rate(
        complaint_totals["agreed"],
        complaint_totals["agreed"] + complaint_totals["mediation_failed"],
    )
    result.terminated = complaint_totals["terminated"]
    result.escalated = totals["escalated"]
    result.reports_case_opened = totals["case_opened"]
    result.claimed_fen = complaint_totals["claimed_fen"]
    result.recovered_fen = totals["recovered_fen"]
    result.joint_complaints = complaint_totals["joint"]
    result.complainant_satisfaction = Rate(
        totals["complainant_satisfied"], totals["complainant_visited"]
    )
    result.merchant_satisfaction = Rate(totals["merchant_satisfied"], totals["merchant_visited"])
    result.both_satisfaction = Rate(totals["both_satisfied"], totals["both_visited"])
    result.dispatched = totals["dispatched"]
    result.on_site_in_promise = Rate(totals["arrived_in_promise"], totals["arrived"])
    result.overdue = figures_store.overdue_deadlines(
        store, period.first, period.last, stations, as_of
    )
    result.late_deadlines = totals["late_deadlines"]
    result.top_merchants = figures_store.top_merchants(
        store, period.first, period.last, stations, top
    )
    supervision = supervision_store.counts_by_kind_and_result(
        store, period.first, period.last, stations
    )
    for kind in SupervisionKind:
        by_result = {r: supervision.get((kind.value, r.value), 0) for r in SupervisionResult}
        result.supervision_done[kind.value] = sum(by_result.values())
        # 不合格率: of the records with a result (passed or not), those not passed
        result.supervision_not_passed[kind.value] = Rate(
            by_result[SupervisionResult.FAILED],
            by_result[SupervisionResult.FAILED] + by_result[SupervisionResult.PASSED],
        )
    return result


# --------------------------------------------------------------------------- cases behind


@dataclass(frozen=True)
class FigureRef:
    """A figure of `Figures` by its attribute name, with the key for a figure of a breakdown
    (by_kind, by_channel, complaints_by_category, complaints_by_nature: the kind, channel,
    category or nature; top_merchants: the merchant id)."""

    name: str
    key: str = ""


# The measure of case_figures each figure sums (a rate: its numerator), and whether only
# complaints are counted; the same choices as compute_figures makes.
_COMPLAINTS = {"kind": CaseKind.COMPLAINT.value}
FIGURE_MEASURES: dict[str, tuple[str, dict[str, str]]] = {
    "received": ("cases", {}),
    "goods_complaints": ("cases", {**_COMPLAINTS, "goods_or_service": "goods"}),
    "service_complaints": ("cases", {**_COMPLAINTS, "goods_or_service": "service"}),
    "completion": ("done", {}),
    "accepted": ("accepted", _COMPLAINTS),
    "refused": ("refused", _COMPLAINTS),
    "withdrawn": ("withdrawn", _COMPLAINTS),
    "mediated": ("mediated", _COMPLAINTS),
    "agreed": ("agreed", _COMPLAINTS),
    "mediation_failed": ("mediation_failed", _COMPLAINTS),
    "mediation_success": ("agreed", _COMPLAINTS),
    "terminated": ("terminated", _COMPLAINTS),
    "escalated": ("escalated", {}),
    "reports_case_opened": ("case_opened", {}),
    "claimed_fen": ("claimed_fen", _COMPLAINTS),
    "recovered_fen": ("recovered_fen", {}),
    "joint_complaints": ("joint", _COMPLAINTS),
    "complainant_satisfaction": ("complainant_satisfied", {}),
    "merchant_satisfaction": ("merchant_satisfied", {}),
    "both_satisfaction": ("both_satisfied", {}),
    "dispatched": ("dispatched", {}),
    "on_site_in_promise": ("arrived_in_promise", {}),
    "late_deadlines": ("late_deadlines", {}),
}
# A breakdown's figure: the key column its key fixes, and the other columns fixed.
BREAKDOWNS: dict[str, tuple[str, dict[str, str]]] = {
    "by_kind": ("kind", {}),
    "by_channel": ("channel", {}),
    "complaints_by_category": ("category", _COMPLAINTS),
    "complaints_by_nature": ("problem_nature", _COMPLAINTS),
    "top_merchants": ("merchant_id", _COMPLAINTS),
}


def figure_case_ids(
    store: Store,
    period: Period,
    figure: FigureRef,
    *,
    scope: Scope,
    station_code: str,
    as_of: date,
) -> list[int]:
    """The local ids of the cases behind a figure of `compute_figures` (for a rate, its
    numerator; for an amount, the cases with a non-zero amount; for overdue and late
    deadlines, the cases with such a deadline)."""
    stations = scope_stations(store, scope, station_code)
    first, last = period.first, period.last
    if figure.name == "overdue":
        return figures_store.overdue_case_ids(store, first, last, stations, as_of)
    if figure.name in BREAKDOWNS:
        column, fixed = BREAKDOWNS[figure.name]
        return figures_store.figure_case_ids(
            store, first, last, stations, "cases", {**fixed, column: figure.key}
        )
    if figure.name not in FIGURE_MEASURES:
        raise ValueError(f"no cases are listed for the figure {figure.name!r}")
    measure, fixed = FIGURE_MEASURES[figure.name]
    return figures_store.figure_case_ids(store, first, last, stations, measure, fixed)


def monthly_received(
    store: Store, period: Period, *, scope: Scope, station_code: str
) -> list[tuple[str, int]]:
    """("YYYY-MM", items received) for each month the period touches (its first and last
    month only in part), for the trend chart: the same count as `Figures.received`."""
    stations = scope_stations(store, scope, station_code)
    result = []
    first = period.first
    while first <= period.last:
        month = Period.month(first.year, first.month)
        last = min(month.last, period.last)
        rows = figures_store.figure_rows(store, first, last, stations)
        result.append((f"{first:%Y-%m}", sum(row.values["cases"] for row in rows)))
        first = month.last + timedelta(days=1)
    return result


def trend_period(period: Period, as_of: date | None = None) -> Period:
    """The months the trend chart of a report shows: the period itself, or for a period
    shorter than three months the twelve months up to its end (a month's report shows the
    year before it); never the months after `as_of` (they have no items yet)."""
    last = period.last if as_of is None else max(period.first, min(period.last, as_of))
    if (last.year - period.first.year) * 12 + last.month - period.first.month >= 2:
        return Period(period.first, last)
    months_back = last.year * 12 + last.month - 1 - 11
    return Period(date(months_back // 12, months_back % 12 + 1, 1), last)
