"""Every figure of the statistics against an independent count: a few cases with known answers
handled through the real workflow (period boundaries: the last day of a month, a leap day;
scopes), and a demo case book counted case by case in Python."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from decimal import Decimal

import pytest

from station_app.demo import ensure_demo_station, fill_demo
from station_app.domain import CaseKind, Channel, Party, Station, StationLevel
from station_app.statistics import Period, Scope, compute_figures
from station_app.store import Store
from station_app.store.accounts import _insert_station
from station_app.store.statistics import DONE_STATUSES, split_period
from tests.core.conftest import save_case
from tests.core.workflow_helpers import (
    AGREEMENT_WORDING,
    TOWNSHIP,
    VILLAGE,
    do,
    new_case,
    set_up_village,
)

AS_OF = date(2026, 6, 1)


def save_station(store: Store, station: Station) -> None:
    """A station of the city, as sync brings it (reference data)."""
    with store.transaction():
        _insert_station(store, station, owner="RC")


@pytest.fixture
def book(store: Store):
    """Seven cases with known answers around February 2024 (a leap year)."""
    set_up_village(store)
    a = new_case(
        store,
        received_at=datetime(2024, 2, 29, 10, 0),
        channel=Channel.PHONE,
        amount=Decimal("500"),
    )
    do(store, a, "accept", {"occurred_at": "2024-02-29"})
    do(
        store,
        a,
        "start-mediation",
        {
            "complainant_consents": True,
            "merchant_consents": True,
            "mode": "phone",
            "occurred_at": "2024-03-01",
        },
    )
    do(
        store,
        a,
        "agree",
        {
            "terms": [{"type": "refund", "amount": "300", "description": "退款"}],
            "amount_recovered": "300",
            "performed_on_spot": True,
            "agreed_on": "2024-03-04",
            **AGREEMENT_WORDING,
        },
    )
    do(store, a, "close", {"occurred_at": "2024-03-05"})
    do(
        store,
        a,
        "follow-up",
        {"party": "complainant", "satisfaction": "satisfied", "visited_on": "2024-03-10"},
    )
    do(
        store,
        a,
        "follow-up",
        {"party": "merchant", "satisfaction": "unsatisfied", "visited_on": "2024-03-11"},
    )
    b = new_case(store, received_at=datetime(2024, 2, 1, 9, 0), channel=Channel.WALK_IN)
    do(store, b, "dispatch", {"at": "2024-02-01 09:05"})
    do(store, b, "arrive", {"at": "2024-02-01 09:20"})
    do(store, b, "accept", {"occurred_at": "2024-02-02"})
    do(
        store,
        b,
        "start-mediation",
        {
            "complainant_consents": True,
            "merchant_consents": True,
            "mode": "on_site",
            "occurred_at": "2024-02-05",
        },
    )
    do(store, b, "terminate", {"ground": 4, "occurred_at": "2024-02-20"})
    do(store, b, "close", {"occurred_at": "2024-02-21"})
    do(
        store,
        b,
        "follow-up",
        {"party": "complainant", "satisfaction": "basically", "visited_on": "2024-02-25"},
    )
    c = new_case(store, received_at=datetime(2024, 3, 1, 8, 30), merchant="另一家店")
    do(store, c, "refuse", {"ground": 3, "occurred_at": "2024-03-04"})
    d = new_case(
        store,
        received_at=datetime(2024, 1, 31, 16, 0),
        kind=CaseKind.REPORT,
        channel=Channel.PLATFORM_12315,
    )
    do(store, d, "check", {"occurred_at": "2024-02-01"})
    do(store, d, "not-open", {"occurred_at": "2024-02-06"})
    e = new_case(
        store,
        received_at=datetime(2024, 2, 29, 17, 0),
        kind=CaseKind.CONSULTATION,
        channel=Channel.PHONE,
        merchant="",
    )
    do(store, e, "answer", {"answer": "已解答", "occurred_at": "2024-02-29 17:10"})
    # the township's own joint complaint, and a case of another township: never handled
    save_station(store, Station(TOWNSHIP, "码头镇消费者投诉站", StationLevel.TOWNSHIP, "RC"))
    save_case(
        store,
        TOWNSHIP,
        received_at=datetime(2024, 2, 15, 9, 0),
        complainants=[Party(name="甲"), Party(name="乙")],
    )
    save_case(store, "RC-XX", received_at=datetime(2024, 2, 10, 9, 0))
    return store


def _figures(
    store: Store, first: date, last: date, scope: Scope = Scope.STATION, station: str = VILLAGE
):
    return compute_figures(
        store, Period(first, last), scope=scope, station_code=station, as_of=AS_OF
    ).to_dict()


def test_a_month_with_its_leap_day(book):
    f = _figures(book, date(2024, 2, 1), date(2024, 2, 29))
    assert f["received"] == 3
    assert f["by_kind"] == {"complaint": 2, "report": 0, "consultation": 1}
    assert f["by_channel"]["phone"] == 2 and f["by_channel"]["walk_in"] == 1
    assert f["completion"] == {"count": 3, "of": 3, "percent": "100.0"}
    assert (f["accepted"], f["mediated"], f["agreed"], f["mediation_failed"]) == (2, 2, 1, 1)
    assert f["mediation_success"] == {"count": 1, "of": 2, "percent": "50.0"}
    assert f["terminated"] == 1 and f["refused"] == 0
    assert f["losses_recovered"] == "300.00"
    assert f["amount_claimed"] == "500.00"
    assert f["complainant_satisfaction"] == {"count": 2, "of": 2, "percent": "100.0"}
    assert f["merchant_satisfaction"] == {"count": 0, "of": 1, "percent": "0.0"}
    assert f["both_satisfaction"] == {"count": 0, "of": 1, "percent": "0.0"}
    assert f["dispatched"] == 1
    assert f["on_site_in_promise"] == {"count": 1, "of": 1, "percent": "100.0"}
    assert f["joint_complaints"] == 0 and f["overdue"] == 0
    assert [(m["name"], m["complaints"]) for m in f["top_merchants"]] == [("茅台镇好又多超市", 2)]


def test_single_days_and_periods_across_month_ends(book):
    assert _figures(book, date(2024, 2, 29), date(2024, 2, 29))["received"] == 2
    assert _figures(book, date(2024, 1, 31), date(2024, 1, 31))["by_kind"]["report"] == 1
    march = _figures(book, date(2024, 3, 1), date(2024, 3, 31))
    assert march["received"] == 1 and march["refused"] == 1
    assert march["completion"]["percent"] == "100.0"
    assert _figures(book, date(2024, 1, 31), date(2024, 3, 1))["received"] == 5
    quarter = Period.quarter(2024, 1)
    assert _figures(book, quarter.first, quarter.last)["received"] == 5
    assert _figures(book, date(2024, 3, 2), date(2024, 12, 31))["received"] == 0
    assert _figures(book, date(2024, 3, 2), date(2024, 3, 1))["received"] == 0


def test_scope_station_township_city(book):
    feb = (date(2024, 2, 1), date(2024, 2, 29))
    assert _figures(book, *feb, scope=Scope.TOWNSHIP)["received"] == 3  # a village has none
    township = _figures(book, *feb, scope=Scope.TOWNSHIP, station=TOWNSHIP)
    assert township["received"] == 4
    assert township["joint_complaints"] == 1
    assert township["overdue"] == 1  # the township's complaint was never accepted
    assert sorted(township["stations"]) == [TOWNSHIP, VILLAGE]
    city = _figures(book, *feb, scope=Scope.CITY)
    assert city["received"] == 5 and city["overdue"] == 2 and city["stations"] is None


def test_figures_follow_a_change_of_the_case(book):
    before = _figures(book, date(2024, 2, 1), date(2024, 2, 29))
    case_no = book.scalar("SELECT case_no FROM cases WHERE received_at = '2024-02-01 09:00'")
    with book.transaction():
        book.execute("UPDATE cases SET deleted = 1 WHERE case_no = ?", (case_no,))
    after = _figures(book, date(2024, 2, 1), date(2024, 2, 29))
    assert after["received"] == before["received"] - 1
    assert after["mediation_failed"] == 0 and after["dispatched"] == 0


def test_split_period_reads_whole_months_and_years_from_the_totals():
    d = date
    assert split_period(d(2024, 1, 1), d(2024, 12, 31)) == ([], [], ("2024", "2024"))
    assert split_period(d(2024, 2, 29), d(2024, 2, 29)) == (
        [(d(2024, 2, 29), d(2024, 2, 29))],
        [],
        None,
    )
    assert split_period(d(2024, 1, 31), d(2024, 3, 1)) == (
        [(d(2024, 1, 31), d(2024, 1, 31)), (d(2024, 3, 1), d(2024, 3, 1))],
        [("2024-02", "2024-02")],
        None,
    )
    assert split_period(d(2023, 11, 15), d(2026, 2, 28)) == (
        [(d(2023, 11, 15), d(2023, 11, 30))],
        [("2023-12", "2023-12"), ("2026-01", "2026-02")],
        ("2024", "2025"),
    )
    assert split_period(d(2024, 3, 2), d(2024, 3, 1)) == ([], [], None)


def test_period_titles():
    assert Period.year(2026).title() == "Year 2026"
    assert Period.month(2024, 2).last == date(2024, 2, 29)
    assert Period.month(2026, 3).title() == "2026-03"
    assert Period.quarter(2026, 1).title() == "Quarter 1 of 2026"


# --------------------------------------------------------------------------- a demo case book


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory):
    path = tmp_path_factory.mktemp("stats")
    store = Store(path / "station.db", backup_dir=path / "backups")
    code, _admin = ensure_demo_station(store)
    fill_demo(store, cases=1500, station_code=code, seed=11)
    # a village below the station owns some of the cases
    save_station(store, Station("RC-MT-XC", "小村投诉点", StationLevel.VILLAGE, code))
    with store.transaction():
        store.execute(
            "UPDATE cases SET owner_station = 'RC-MT-XC' WHERE local_id % 7 = 0 AND deleted = 0"
        )
    yield store
    store.close()


def _independent(store: Store, first: date, last: date, owners: set[str] | None, as_of: date):
    """The figures counted case by case from the rows, without case_figures."""
    cases = [
        row
        for row in store.query("SELECT * FROM cases WHERE deleted = 0")
        if first.isoformat() <= row["received_at"][:10] <= last.isoformat()
        and (owners is None or row["owner_station"] in owners)
    ]
    ids = {row["id"] for row in cases}
    actions: dict[str, set[str]] = {}
    for row in store.query("SELECT case_id, action FROM case_events WHERE deleted = 0"):
        actions.setdefault(row["case_id"], set()).add(row["action"])
    agreed = {r["case_id"] for r in store.query("SELECT case_id FROM agreements WHERE deleted = 0")}
    complainants = Counter(
        r["case_id"]
        for r in store.query(
            "SELECT case_id FROM parties WHERE role = 'complainant' AND deleted = 0"
        )
    )
    latest: dict[tuple[str, str], str] = {}
    for r in store.query(
        "SELECT case_id, party, satisfaction FROM follow_ups WHERE deleted = 0"
        " ORDER BY visited_on, local_id"
    ):
        latest[(r["case_id"], r["party"])] = r["satisfaction"]
    late = Counter()
    overdue = 0
    local_ids = {row["local_id"]: row["id"] for row in cases}
    for r in store.query("SELECT case_local_id, due, met_on FROM case_deadlines"):
        if r["case_local_id"] in local_ids:
            if r["met_on"] is not None and r["met_on"] > r["due"]:
                late[r["case_local_id"]] += 1
            if r["met_on"] is None and r["due"] is not None and r["due"] < as_of.isoformat():
                overdue += 1
    ok = ("satisfied", "basically")
    complaints = [c for c in cases if c["kind"] == "complaint"]

    def count(rows, test):
        return sum(1 for c in rows if test(c))

    def acts(c):
        return actions.get(c["id"], set())

    def kept(c):
        if not (c["arrived_at"] and c["dispatched_at"]):
            return False
        minutes = (
            datetime.fromisoformat(c["arrived_at"]) - datetime.fromisoformat(c["dispatched_at"])
        ).total_seconds() / 60
        return minutes <= (c["promise_minutes"] or 0)

    agreed_n = count(complaints, lambda c: c["id"] in agreed)
    failed = count(complaints, lambda c: {"start-mediation", "terminate"} <= acts(c))
    comp_visits = [c for c in cases if (c["id"], "complainant") in latest]
    merch_visits = [c for c in cases if (c["id"], "merchant") in latest]
    both = [c for c in comp_visits if (c["id"], "merchant") in latest]

    def rate(n, of):
        return (n, of)

    merchants = Counter(c["merchant_id"] for c in complaints if c["merchant_id"])
    return {
        "received": len(cases),
        "by_kind": dict(Counter(c["kind"] for c in cases)),
        "by_channel": dict(Counter(c["channel"] for c in cases)),
        "complaints_by_category": dict(Counter(c["category"] for c in complaints if c["category"])),
        "complaints_by_nature": dict(
            Counter(c["problem_nature"] for c in complaints if c["problem_nature"])
        ),
        "completion": rate(count(cases, lambda c: c["status"] in DONE_STATUSES), len(cases)),
        "accepted": count(complaints, lambda c: "accept" in acts(c)),
        "refused": count(complaints, lambda c: "refuse" in acts(c)),
        "withdrawn": count(complaints, lambda c: "withdraw" in acts(c)),
        "mediated": count(complaints, lambda c: "start-mediation" in acts(c)),
        "agreed": agreed_n,
        "mediation_success": rate(agreed_n, agreed_n + failed),
        "recovered": sum(c["amount_recovered_fen"] or 0 for c in cases),
        "claimed": sum(c["amount_fen"] or 0 for c in complaints),
        "joint": count(complaints, lambda c: complainants[c["id"]] >= 2),
        "complainant_satisfaction": rate(
            count(comp_visits, lambda c: latest[(c["id"], "complainant")] in ok), len(comp_visits)
        ),
        "merchant_satisfaction": rate(
            count(merch_visits, lambda c: latest[(c["id"], "merchant")] in ok), len(merch_visits)
        ),
        "both_satisfaction": rate(
            count(
                both,
                lambda c: (
                    latest[(c["id"], "complainant")] in ok and latest[(c["id"], "merchant")] in ok
                ),
            ),
            len(both),
        ),
        "dispatched": count(cases, lambda c: c["dispatched_at"] is not None),
        "on_site": rate(count(cases, kept), count(cases, lambda c: c["arrived_at"] is not None)),
        "escalated": count(cases, lambda c: c["escalated_from"] is not None),
        "case_opened": count(cases, lambda c: "open-case" in acts(c)),
        "late": sum(late.values()),
        "overdue": overdue,
        "top_counts": sorted(merchants.values(), reverse=True)[:10],
        "ids": ids,
    }


def _pair(rate: dict) -> tuple[int, int]:
    return rate["count"], rate["of"]


@pytest.mark.parametrize(
    ("first", "last", "scope", "owners"),
    [
        (date(2024, 2, 1), date(2024, 2, 29), Scope.STATION, {"RC-MT"}),
        (date(2024, 2, 29), date(2024, 2, 29), Scope.CITY, None),
        (date(2023, 1, 31), date(2024, 3, 1), Scope.TOWNSHIP, {"RC-MT", "RC-MT-XC"}),
        (date(2025, 1, 1), date(2025, 12, 31), Scope.STATION, {"RC-MT"}),
        (date(2026, 7, 15), date(2026, 11, 30), Scope.CITY, None),
        (date(2020, 1, 1), date(2027, 12, 31), Scope.CITY, None),
    ],
)
def test_every_figure_matches_an_independent_count(demo_book, first, last, scope, owners):
    as_of = date(2026, 11, 30)
    f = compute_figures(
        demo_book, Period(first, last), scope=scope, station_code="RC-MT", as_of=as_of
    ).to_dict()
    want = _independent(demo_book, first, last, owners, as_of)
    assert want["received"] > 0
    assert f["received"] == want["received"]
    assert {k: v for k, v in f["by_kind"].items() if v} == want["by_kind"]
    assert {k: v for k, v in f["by_channel"].items() if v} == want["by_channel"]
    assert f["complaints_by_category"] == want["complaints_by_category"]
    assert f["complaints_by_nature"] == want["complaints_by_nature"]
    assert _pair(f["completion"]) == want["completion"]
    for key in (
        "accepted",
        "refused",
        "withdrawn",
        "mediated",
        "agreed",
        "dispatched",
        "escalated",
    ):
        assert f[key] == want[key], key
    assert f["reports_case_opened"] == want["case_opened"]
    assert _pair(f["mediation_success"]) == want["mediation_success"]
    assert Decimal(f["losses_recovered"]) * 100 == want["recovered"]
    assert Decimal(f["amount_claimed"]) * 100 == want["claimed"]
    assert f["joint_complaints"] == want["joint"]
    assert _pair(f["complainant_satisfaction"]) == want["complainant_satisfaction"]
    assert _pair(f["merchant_satisfaction"]) == want["merchant_satisfaction"]
    assert _pair(f["both_satisfaction"]) == want["both_satisfaction"]
    assert _pair(f["on_site_in_promise"]) == want["on_site"]
    assert f["late_deadlines"] == want["late"]
    assert f["overdue"] == want["overdue"]
    assert [m["complaints"] for m in f["top_merchants"]] == want["top_counts"]


def test_a_database_of_an_earlier_schema_gets_its_figures_when_migrated(tmp_path):
    from station_app.store.migrations import MIGRATIONS, migrate_to_latest

    path = tmp_path / "station.db"
    with Store(path, migrate=False, backup_dir=tmp_path / "b") as old:
        figures = next(m.version for m in MIGRATIONS if m.description.startswith("statistics"))
        before = max(m.version for m in MIGRATIONS if m.version < figures)
        migrate_to_latest(old, backup_dir=tmp_path / "b", target=before)
        set_up_village(old)
        case = new_case(old, received_at=datetime(2024, 2, 29, 10, 0))
        do(old, case, "accept", {"occurred_at": "2024-03-01"})
        assert not old.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'case_figures'")
    with Store(path, backup_dir=tmp_path / "b") as store:
        f = _figures(store, date(2024, 2, 1), date(2024, 2, 29))
        assert f["received"] == 1 and f["accepted"] == 1
        assert _figures(store, date(2024, 1, 1), date(2024, 12, 31))["received"] == 1


def test_the_trend_of_a_report_shows_a_year_for_a_month_and_no_month_after_today():
    from station_app.statistics import trend_period

    assert trend_period(Period.month(2026, 3)) == Period(date(2025, 4, 1), date(2026, 3, 31))
    assert trend_period(Period.month(2026, 1)) == Period(date(2025, 2, 1), date(2026, 1, 31))
    assert trend_period(Period.year(2025)) == Period.year(2025)
    assert trend_period(Period.year(2026), date(2026, 11, 30)) == Period(
        date(2026, 1, 1), date(2026, 11, 30)
    )
    assert trend_period(Period.quarter(2026, 1), date(2026, 2, 10)) == Period(
        date(2025, 3, 1), date(2026, 2, 10)
    )
