"""The cases behind each figure: as many (or, for amounts and deadlines, the same sums) as the
figure counts, and only cases of the period and scope."""

from __future__ import annotations

from datetime import date

import pytest

from station_app.demo import ensure_demo_station, fill_demo
from station_app.domain import Station, StationLevel
from station_app.statistics import (
    BREAKDOWNS,
    FIGURE_MEASURES,
    FigureRef,
    Period,
    Rate,
    Scope,
    compute_figures,
    figure_case_ids,
    monthly_received,
)
from station_app.store import Store
from tests.core.test_statistics import save_station

AS_OF = date(2026, 11, 30)


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("stats-cases")
    store = Store(path / "station.db", backup_dir=path / "backups")
    code, _admin = ensure_demo_station(store)
    fill_demo(store, cases=800, station_code=code, seed=5)
    save_station(store, Station("RC-MT-XC", "小村投诉点", StationLevel.VILLAGE, code))
    with store.transaction():
        store.execute(
            "UPDATE cases SET owner_station = 'RC-MT-XC' WHERE local_id % 5 = 0 AND deleted = 0"
        )
    yield store
    store.close()


def _rows(store: Store, ids: list[int]) -> list:
    marks = ",".join("?" * len(ids))
    return store.query(f"SELECT * FROM cases WHERE local_id IN ({marks})", ids) if ids else []


@pytest.mark.parametrize(
    ("period", "scope", "owners"),
    [
        (Period.year(2025), Scope.STATION, {"RC-MT"}),
        (Period(date(2024, 2, 10), date(2026, 6, 30)), Scope.TOWNSHIP, {"RC-MT", "RC-MT-XC"}),
        (Period.quarter(2026, 3), Scope.CITY, None),
    ],
)
def test_the_cases_behind_every_figure_are_as_many_as_it_counts(book, period, scope, owners):
    figures = compute_figures(book, period, scope=scope, station_code="RC-MT", as_of=AS_OF)
    assert figures.received > 0

    def ids(name: str, key: str = "") -> list[int]:
        return figure_case_ids(
            book, period, FigureRef(name, key), scope=scope, station_code="RC-MT", as_of=AS_OF
        )

    for name in FIGURE_MEASURES:
        value = getattr(figures, name)
        found = ids(name)
        rows = _rows(book, found)
        for row in rows:  # only cases of the period and the scope
            assert period.first.isoformat() <= row["received_at"][:10] <= period.last.isoformat()
            assert owners is None or row["owner_station"] in owners
        if name == "recovered_fen":
            assert sum(r["amount_recovered_fen"] or 0 for r in rows) == value
        elif name == "claimed_fen":
            assert sum(r["amount_fen"] or 0 for r in rows) == value
        elif name == "late_deadlines":
            marks = ",".join("?" * len(found)) or "NULL"
            late = book.scalar(
                f"SELECT count(*) FROM case_deadlines WHERE case_local_id IN ({marks})"
                " AND met_on > due",
                found,
            )
            assert late == value
        elif isinstance(value, Rate):
            assert len(found) == value.numerator, name
        else:
            assert len(found) == value, name
    for name in BREAKDOWNS:
        if name == "top_merchants":
            for merchant_id, _name, count in figures.top_merchants:
                found = ids(name, merchant_id)
                assert len(found) == count
                assert {r["merchant_id"] for r in _rows(book, found)} == {merchant_id}
            continue
        for key, count in getattr(figures, name).items():
            assert len(ids(name, key)) == count, (name, key)
    overdue = ids("overdue")
    marks = ",".join("?" * len(overdue)) or "NULL"
    assert (
        book.scalar(
            f"SELECT count(*) FROM case_deadlines WHERE case_local_id IN ({marks})"
            " AND met_on IS NULL AND due < ?",
            [*overdue, AS_OF.isoformat()],
        )
        == figures.overdue
    )


def test_an_unknown_figure_is_refused(book):
    with pytest.raises(ValueError):
        figure_case_ids(
            book,
            Period.year(2025),
            FigureRef("nonsense"),
            scope=Scope.CITY,
            station_code="RC-MT",
            as_of=AS_OF,
        )


def test_the_monthly_trend_adds_up_to_the_items_received(book):
    period = Period(date(2025, 11, 15), date(2026, 2, 10))
    months = monthly_received(book, period, scope=Scope.CITY, station_code="RC-MT")
    assert [m for m, _n in months] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    figures = compute_figures(book, period, scope=Scope.CITY, station_code="RC-MT", as_of=AS_OF)
    assert sum(n for _m, n in months) == figures.received > 0
    january = compute_figures(
        book, Period.month(2026, 1), scope=Scope.CITY, station_code="RC-MT", as_of=AS_OF
    )
    assert dict(months)["2026-01"] == january.received
