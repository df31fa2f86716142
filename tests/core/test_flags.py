"""Signs of non-genuine consumption (Order No. 121 art. 17): shared phones and addresses,
and one person filing many complaints in a short time."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from station_app.domain import CaseKind, IdType, Party
from station_app.flags import (
    FREQUENT_COUNT_SETTING,
    FlagKind,
    FlagSettings,
    case_flags,
    flag_settings,
)
from station_app.store import flags as flag_queries
from station_app.store.cases import delete_case

RIC = "11010519491231002X"
OTHER_RIC = "110105194912310038"


@pytest.fixture
def indexes(store):
    """The schema's indexes for the flags (migration 6) are in place."""
    names = {row[0] for row in store.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"parties_address_key", "parties_id_number"} <= names
    return True


def test_the_address_query_uses_the_migration_s_index(store, indexes):
    key_sql = flag_queries.ADDRESS_KEY_SQL.replace("address", "p.address")
    plan = store.execute(
        f"EXPLAIN QUERY PLAN SELECT p.local_id FROM parties p WHERE {key_sql} IN (?, ?) "
        "AND p.address != ''",
        ("瑞昌市湓城街道人民路88号", "x"),
    ).fetchall()
    assert any("parties_address_key" in str(step[-1]) for step in plan), plan


def person(name: str, phone: str = "", address: str = "", id_number: str = "") -> Party:
    return Party(
        name=name,
        phone=phone,
        address=address,
        id_type=IdType.RESIDENT_ID if id_number else IdType.NONE,
        id_number=id_number,
    )


def file(add, *people: Party, received: datetime = datetime(2026, 3, 2, 9, 30), **kwargs):
    return add(complainants=list(people), received_at=received, **kwargs)


def test_an_ordinary_case_has_no_flags(store, add, indexes):
    file(add, person("李四", "13900000001", "茅台镇中街1号"))
    file(add, person("王五", "13900000002", "茅台镇中街2号"))
    case = file(add, person("张三", "13812346721", "茅台镇中街12号", RIC))
    # The same person filing again, below the threshold, is not a sign either.
    file(add, person("张三", "13812346721", "茅台镇中街12号", RIC))
    assert case_flags(store, case.case_no) == []


def test_a_phone_shared_by_complainants_with_other_names(store, add):
    first = file(add, person("李四", "13812346721"))
    second = file(add, person("王五", "13812346721"))
    file(add, person("赵六", "13900000009"))
    case = file(add, person("张三", "13812346721"))

    flags = case_flags(store, case.case_no)

    assert [f.kind for f in flags] == [FlagKind.SHARED_PHONE]
    flag = flags[0]
    assert flag.count == 2
    assert set(flag.case_nos) == {first.case_no, second.case_no}
    assert "138****6721" in flag.message and "2 other cases" in flag.message
    assert first.case_no in flag.message and "13812346721" not in flag.message
    assert flag.to_dict()["kind"] == "shared_phone"


def test_the_same_name_on_the_same_phone_is_not_a_shared_phone(store, add):
    file(add, person("张三", "13812346721"))
    case = file(add, person("张三", "13812346721"))
    assert case_flags(store, case.case_no) == []


def test_deleted_cases_and_consultations_do_not_count(store, add):
    gone = file(add, person("李四", "13812346721"))
    delete_case(store, gone.id)
    file(add, person("王五", "13812346721"), kind=CaseKind.CONSULTATION)
    case = file(add, person("张三", "13812346721"))
    assert case_flags(store, case.case_no) == []


def test_a_shared_address(store, add, indexes):
    other = file(add, person("李四", "13900000001", "茅台镇 中街 12号"))
    file(add, person("王五", "13900000002", "茅台镇中街13号"))
    case = file(add, person("张三", "13812346721", "茅台镇中街12号"))

    flags = case_flags(store, case.case_no)

    assert [f.kind for f in flags] == [FlagKind.SHARED_ADDRESS]
    assert flags[0].case_nos == (other.case_no,)
    assert "“茅台镇中街12号”" in flags[0].message and "1 other cases" in flags[0].message


def test_a_village_group_address_is_too_coarse_to_flag(store, add):
    file(add, person("李四", "13900000001", "茅台镇沿江村3组"))
    case = file(add, person("张三", "13812346721", "茅台镇沿江村3组"))
    assert case_flags(store, case.case_no) == []


def test_many_complaints_by_one_person_within_30_days(store, add, indexes):
    start = datetime(2026, 3, 2, 9, 30)
    earlier = [
        file(add, person("张三", "13812346721", id_number=RIC), received=start + timedelta(days=d))
        for d in (0, 5, 10, 20)
    ]
    # Outside the 30 days, and another person: not counted.
    file(add, person("张三", "13812346721", id_number=RIC), received=start - timedelta(days=40))
    file(add, person("李四", "13900000001", id_number=OTHER_RIC), received=start)
    case = file(
        add, person("张三", "13812346721", id_number=RIC), received=start + timedelta(days=25)
    )

    flags = case_flags(store, case.case_no)

    assert [f.kind for f in flags] == [FlagKind.FREQUENT_FILER]
    flag = flags[0]
    assert flag.count == 5
    assert set(flag.case_nos) == {c.case_no for c in earlier}
    assert "张三 filed 5 complaints or reports within 30 days" in flag.message


def test_the_same_person_without_an_id_number_by_name_and_phone(store, add):
    start = datetime(2026, 3, 2, 9, 30)
    for d in range(4):
        file(add, person("张三", "13812346721"), received=start + timedelta(days=d))
    case = file(
        add, person("张三", "13812346721", id_number=RIC), received=start + timedelta(days=4)
    )
    assert [f.kind for f in case_flags(store, case.case_no)] == [FlagKind.FREQUENT_FILER]


def test_filings_spread_over_more_than_30_days_are_not_flagged(store, add, indexes):
    start = datetime(2026, 3, 2, 9, 30)
    for d in (0, 12, 36, 48):
        file(add, person("张三", "13812346721", id_number=RIC), received=start + timedelta(days=d))
    case = file(
        add, person("张三", "13812346721", id_number=RIC), received=start + timedelta(days=24)
    )
    # 5 filings within 48 days, but at most 3 in any 30-day window that holds this case.
    assert case_flags(store, case.case_no) == []
    assert [f.kind for f in case_flags(store, case.case_no, FlagSettings(3, 30))] == [
        FlagKind.FREQUENT_FILER
    ]


def test_the_threshold_is_a_station_setting(store, add):
    assert flag_settings(store) == FlagSettings(5, 30)
    store.set_setting(FREQUENT_COUNT_SETTING, "2")
    assert flag_settings(store) == FlagSettings(2, 30)
    file(add, person("张三", "13812346721"))
    case = file(add, person("张三", "13812346721"))
    assert [f.count for f in case_flags(store, case.case_no)] == [2]
    store.set_setting(FREQUENT_COUNT_SETTING, "many")
    assert flag_settings(store) == FlagSettings(5, 30)


def test_members_of_a_joint_complaint_are_checked_each(store, add):
    other = file(add, person("李四", "13900000001"))
    case = file(add, person("张三", "13812346721"), person("王五", "13900000001"))
    flags = case_flags(store, case.case_no)
    assert [(f.kind, f.subject, f.case_nos) for f in flags] == [
        (FlagKind.SHARED_PHONE, "王五", (other.case_no,))
    ]


def test_an_unknown_case_has_no_flags(store, add):
    assert case_flags(store, "RC-MT-2026-99999") == []
