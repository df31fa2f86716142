"""Supervision work records: recorded, corrected (audited, synced) and listed; and their figures
in the statistics against an independent count on generated data (periods and scopes)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from station_app import merchant_registry as reg
from station_app.domain import Station, StationLevel
from station_app.statistics import Period, Scope, compute_figures
from station_app.stats_report import write_report_xlsx
from station_app.supervision import (
    SupervisionRefused,
    add_record,
    edit_record,
    find_record,
    list_records,
)
from tests.core.conftest import outbox_rows
from tests.core.test_statistics import save_station
from tests.core.workflow_helpers import TOWNSHIP, VILLAGE, set_up_village, snapshot

OTHER_TOWNSHIP = "RC-FX"


@pytest.fixture
def village(store):
    set_up_village(store)
    return store


@pytest.fixture
def shop(village) -> str:
    entry = reg.create(
        village, {"name": "瑞昌市好又多超市", "address": "湓城街道"}, actor="admin",
        station_code=VILLAGE,
    )  # fmt: skip
    return entry.merchant.id


def _survey(**changes):
    values = {
        "done_on": "2026-03-05",
        "kind": "sampling",
        "merchant": "瑞昌市好又多超市",
        "subject": "散装白酒",
        "findings": "酒精度不符合标签",
        "result": "failed",
        "follow_up": "责令下架，移交执法",
    }
    values.update(changes)
    return values


def test_a_record_is_saved_audited_and_queued_for_sync(village, shop):
    record_id = add_record(village, _survey(), actor="admin", station_code=VILLAGE)
    record = find_record(village, record_id)
    assert (record.kind, record.result, record.merchant_id) == ("sampling", "failed", shop)
    assert record.merchant_name == "瑞昌市好又多超市" and record.owner_station == VILLAGE
    (queued,) = [e for e in outbox_rows(village, "supervision_records") if e["op"] == "insert"]
    assert queued["new_values"]["findings"] == "酒精度不符合标签"

    edited = edit_record(
        village, record_id[:12], {"result": "passed", "follow_up": "复检合格"},
        actor="admin", station_code=VILLAGE,
    )  # fmt: skip
    assert (edited.result, edited.follow_up, edited.subject) == ("passed", "复检合格", "散装白酒")
    audit = village.query(
        "SELECT field, old_value, new_value FROM audit_log WHERE table_name ="
        " 'supervision_records' AND row_id = ? AND field != '*' ORDER BY field",
        (record_id,),
    )
    assert audit == [
        {"field": "follow_up", "old_value": "责令下架，移交执法", "new_value": "复检合格"},
        {"field": "result", "old_value": "failed", "new_value": "passed"},
    ]
    update = [e for e in outbox_rows(village, "supervision_records") if e["op"] == "update"]
    assert update[0]["new_values"]["result"] == "passed"
    assert update[0]["old_values"]["result"] == "failed"
    assert [r.id for r in list_records(village, date(2026, 3, 1), date(2026, 3, 31))] == [record_id]
    assert list_records(village, date(2026, 4, 1), date(2026, 4, 30)) == []


def test_bad_input_is_refused_whole_and_nothing_is_written(village, shop):
    before = snapshot(village)
    count = village.scalar("SELECT count(*) FROM supervision_records")
    with pytest.raises(SupervisionRefused) as refused:
        add_record(
            village,
            _survey(done_on="2026-02-30", kind="raid", result="", merchant="没有这家"),
            actor="admin",
            station_code=VILLAGE,
        )
    text = "\n".join(refused.value.problems)
    assert "2026-02-30" in text and "raid" in text and "没有这家" in text
    assert "required" in text
    with pytest.raises(SupervisionRefused) as future:
        add_record(village, _survey(done_on=(date.today() + timedelta(days=2)).isoformat()),
                   actor="admin", station_code=VILLAGE)  # fmt: skip
    assert "future" in str(future.value)
    with pytest.raises(SupervisionRefused):
        add_record(village, _survey(findings="x" * 5000), actor="admin", station_code=VILLAGE)
    assert village.scalar("SELECT count(*) FROM supervision_records") == count
    assert snapshot(village) == before


def test_only_the_station_that_did_the_work_corrects_it(village, shop):
    save_station(village, Station(TOWNSHIP, "码头镇", StationLevel.TOWNSHIP, parent_code="RC"))
    record_id = add_record(village, _survey(), actor="admin", station_code=TOWNSHIP)
    with pytest.raises(SupervisionRefused) as refused:
        edit_record(village, record_id, {"result": "passed"}, actor="admin", station_code=VILLAGE)
    assert TOWNSHIP in str(refused.value)
    assert find_record(village, record_id).result == "failed"


def test_the_figures_equal_an_independent_count_on_generated_data(village, tmp_path):
    save_station(village, Station(TOWNSHIP, "码头镇", StationLevel.TOWNSHIP, parent_code="RC"))
    save_station(village, Station(OTHER_TOWNSHIP, "范镇", StationLevel.TOWNSHIP, parent_code="RC"))
    rng = random.Random(17)
    made = []
    days = [date(2024, 1, 1) + timedelta(days=n) for n in range(366)]  # 2024: a leap year
    days += [date(2024, 2, 29)] * 20 + [date(2024, 1, 31)] * 10 + [date(2023, 12, 31)] * 5
    for _n in range(300):
        values = {
            "done_on": rng.choice(days).isoformat(),
            "kind": rng.choice(["survey", "secret_visit", "sampling"]),
            "result": rng.choice(["passed", "failed", "pending"]),
        }
        station = rng.choice([VILLAGE, TOWNSHIP, OTHER_TOWNSHIP])
        add_record(village, values, actor="admin", station_code=station)
        made.append((values, station))

    def expected(first, last, stations):
        done, failed, judged = Counter(), Counter(), Counter()
        for values, station in made:
            if first.isoformat() <= values["done_on"] <= last.isoformat() and station in stations:
                done[values["kind"]] += 1
                failed[values["kind"]] += values["result"] == "failed"
                judged[values["kind"]] += values["result"] != "pending"
        return done, failed, judged

    scopes = {
        Scope.STATION: {VILLAGE},
        Scope.TOWNSHIP: {VILLAGE},  # the village has nothing below it
        Scope.CITY: {VILLAGE, TOWNSHIP, OTHER_TOWNSHIP},
    }
    for period in (Period.month(2024, 2), Period.month(2024, 1), Period.year(2024),
                   Period(date(2023, 12, 31), date(2024, 2, 29))):  # fmt: skip
        for scope, stations in scopes.items():
            figures = compute_figures(
                village, period, scope=scope, station_code=VILLAGE, as_of=date(2026, 6, 1)
            )
            done, failed, judged = expected(period.first, period.last, stations)
            for kind in ("survey", "secret_visit", "sampling"):
                assert figures.supervision_done[kind] == done[kind], (period, scope, kind)
                rate = figures.supervision_not_passed[kind]
                assert (rate.numerator, rate.denominator) == (failed[kind], judged[kind])
    # The township over its village (the village's records are counted with the township's)
    township = compute_figures(
        village, Period.year(2024), scope=Scope.TOWNSHIP, station_code=TOWNSHIP,
        as_of=date(2026, 6, 1),
    )  # fmt: skip
    done, _failed, _judged = expected(date(2024, 1, 1), date(2024, 12, 31), {VILLAGE, TOWNSHIP})
    assert township.supervision_done == {k: done[k] for k in township.supervision_done}

    figures = compute_figures(
        village, Period.year(2024), scope=Scope.CITY, station_code=VILLAGE, as_of=date(2026, 6, 1)
    )
    data = figures.to_dict()["supervision"]
    assert data["sampling"]["done"] == figures.supervision_done["sampling"]
    path = tmp_path / "report.xlsx"
    write_report_xlsx(figures, path, station_name="小村")
    cells = {
        row[0]: row[1]
        for row in load_workbook(path).active.iter_rows(values_only=True)
        if row and row[0]
    }
    assert cells["Product sampling: done"] == figures.supervision_done["sampling"]
    sampled = figures.supervision_not_passed["sampling"]
    assert cells["Product sampling: not passed"] == f"{sampled.numerator} / {sampled.denominator}"
