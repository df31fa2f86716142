"""Attempts to reach the business of a case (the "contact" action) and the abnormal-list
proposals made from them, checked against an independent count on generated data."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from datetime import date

import pytest
from openpyxl import load_workbook

from station_app import merchant_registry as reg
from station_app.abnormal_proposals import (
    MIN_UNREACHABLE_ATTEMPTS,
    abnormal_list_proposals,
    write_proposals_xlsx,
)
from station_app.case_actions import ActionRejected, case_record
from station_app.domain import ContactResult, ContactWay, Merchant
from station_app.store.cases import add_case
from tests.core.conftest import make_case, outbox_rows
from tests.core.workflow_helpers import CLERK, VILLAGE, do, new_case, set_up_village, snapshot


@pytest.fixture
def village(store):
    set_up_village(store)
    return store


def _shop_case(store, shop: Merchant, **kwargs):
    case = make_case(**kwargs)
    case.merchant = dataclasses.replace(shop)
    return add_case(store, case, station_code=VILLAGE, created_by="admin")


def test_a_contact_attempt_is_an_event_with_its_way_and_result_and_is_synced(village):
    case = new_case(village)
    result = do(
        village,
        case,
        "contact",
        {"way": "phone", "result": "unreachable", "occurred_at": "2026-03-03", "note": "关机"},
        user=CLERK,
    )
    assert result.event.details == {"contact_way": "phone", "contact_result": "unreachable"}
    assert result.to_status == result.from_status  # a record only
    (event,) = [e for e in case_record(village, case.case_no).events if e.action == "contact"]
    assert event.occurred_at.startswith("2026-03-03") and event.note == "关机"
    queued = [e for e in outbox_rows(village, "case_events") if e["row_id"] == event.id]
    assert queued and queued[0]["new_values"]["details"]


def test_a_contact_attempt_without_a_known_way_or_result_writes_nothing(village):
    case = new_case(village)
    before = snapshot(village)
    with pytest.raises(ActionRejected) as refused:
        do(village, case, "contact", {"way": "pigeon", "result": "unreachable"}, user=CLERK)
    assert "pigeon" in " ".join(refused.value.problems)
    with pytest.raises(ActionRejected):
        do(village, case, "contact", {"way": "visit"}, user=CLERK)
    assert snapshot(village) == before


def test_no_contact_attempt_on_a_consultation(village):
    from station_app.domain import CaseKind

    case = new_case(village, kind=CaseKind.CONSULTATION)
    with pytest.raises(ActionRejected):
        do(village, case, "contact", {"way": "phone", "result": "reached"}, user=CLERK)


def test_proposals_equal_an_independent_count_on_generated_data(village, tmp_path):
    rng = random.Random(11)
    addresses = ["九江市电商产业园A栋301", "九江市电商产业园A栋302", "瑞昌市湓城街道8号"]
    addresses += [f"瑞昌市单独地址{n}号" for n in range(8)]
    merchants = []
    for n in range(30):
        merchants.append(
            Merchant(
                name=f"网店{n:02d}",
                address=rng.choice(addresses),
                platform=rng.choice(["", "淘宝", "拼多多"]),
                cluster_registered=rng.random() < 0.3,
            )
        )
    address_count = Counter(m.address for m in merchants)
    expected: dict[str, list[str]] = {}
    listed: set[str] = set()
    for merchant in merchants:
        for _n in range(rng.randint(1, 3)):
            case = _shop_case(village, merchant)
            merchant.id = case.merchant.id
            results = [rng.choice(list(ContactResult)) for _a in range(rng.randint(0, 3))]
            if rng.random() < 0.4:
                results = [ContactResult.UNREACHABLE] * rng.randint(1, 3)
            for day, outcome in enumerate(results, start=3):
                do(
                    village,
                    case,
                    "contact",
                    {
                        "way": rng.choice(list(ContactWay)).value,
                        "result": outcome.value,
                        "occurred_at": f"2026-03-{day:02d}",
                    },
                    user=CLERK,
                )
            at_cluster = merchant.cluster_registered or address_count[merchant.address] >= 2
            unreachable = len(results) >= MIN_UNREACHABLE_ATTEMPTS and all(
                r is ContactResult.UNREACHABLE for r in results
            )
            if merchant.platform and at_cluster and unreachable:
                expected.setdefault(merchant.name, []).append(case.case_no)
    # A merchant already on the abnormal list is not proposed again.
    already = sorted(expected)[0]
    listed.add(already)
    merchant_id = next(m.id for m in merchants if m.name == already)
    reg.set_abnormal(village, merchant_id, True, actor="admin", station_code=VILLAGE)
    del expected[already]
    assert len(expected) >= 3  # the generated data exercises the rule

    proposals = abnormal_list_proposals(village)
    assert {p.name: [c.case_no for c in p.cases] for p in proposals} == expected
    for proposal in proposals:
        assert proposal.platform
        assert proposal.same_address == address_count[proposal.address]
        assert all(c.attempts >= MIN_UNREACHABLE_ATTEMPTS for c in proposal.cases)

    path = tmp_path / "proposals.xlsx"
    write_proposals_xlsx(proposals, path, station_name="小村消费者投诉点", made_on=date(2026, 6, 1))
    sheet = load_workbook(path).active
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
    assert sheet.page_setup.orientation == "landscape"
    case_numbers = [
        row[7] for row in sheet.iter_rows(min_row=4, values_only=True) if row[7] is not None
    ]
    assert sorted(case_numbers) == sorted(no for nos in expected.values() for no in nos)
    names = [row[1] for row in sheet.iter_rows(min_row=4, values_only=True) if row[1]]
    assert names == [p.name for p in proposals]  # merged over each merchant's cases


def test_a_shop_on_the_city_offices_abnormal_list_is_not_proposed(village):
    from tests.core.test_city_reference import pull_reference

    shops = [
        Merchant(
            name=f"集群网店{n}",
            address="九江市电商产业园A栋301",
            platform="淘宝",
            cluster_registered=True,
        )  # fmt: skip
        for n in range(3)
    ]
    for shop in shops:
        case = _shop_case(village, shop)
        for day in (3, 4):
            do(village, case, "contact",
               {"way": "phone", "result": "unreachable", "occurred_at": f"2026-03-0{day}"},
               user=CLERK)  # fmt: skip
    assert {p.name for p in abnormal_list_proposals(village)} == {s.name for s in shops}
    # The city lists one by name (spaces ignored) and another by credit code it knows.
    village.execute("UPDATE merchants SET uscc = '91360481MA35XXXX1X' WHERE name = '集群网店2'")
    pull_reference(
        village,
        "abnormal_list",
        {
            "entries": [
                {"name": "集群 网店0", "since": "2026-05-01", "note": "通过登记的住所无法联系"},
                {
                    "uscc": "91360481MA35XXXX1X",
                    "name": "别名",
                    "since": "2026-05-01",
                    "note": "同上",
                },  # fmt: skip
            ]
        },
    )
    assert [p.name for p in abnormal_list_proposals(village)] == ["集群网店1"]
