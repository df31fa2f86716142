"""Registering cases from the JSON shape: validate all, then save all or nothing."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from station_app.case_json import case_from_dict, case_to_dict
from station_app.domain import IdType, PartyRole
from station_app.intake import IntakeRejected, blocking_problems, register_cases
from station_app.store.case_list import count_cases, search_cases
from station_app.store.cases import add_case, get_case
from station_app.validation import Severity


@pytest.fixture
def register(store, admin, codes):
    def _register(*cases):
        return register_cases(
            store, list(cases), user=admin, station_code=codes.station, today=codes.today
        )

    return _register


def test_a_valid_complaint_is_saved(store, register, make_case_data, codes):
    (case,) = register(make_case_data())
    assert case.case_no == "RC-MT-2026-00001"
    back = get_case(store, case.case_no)
    assert back is not None
    assert back.id == case.id
    assert back.owner_station == "RC-MT"
    assert back.created_by == "admin"
    assert back.kind.value == "complaint"
    assert back.channel.value == "walk_in"
    assert back.received_at.strftime("%Y-%m-%d %H:%M") == "2026-03-02 09:30"
    assert [p.name for p in back.complainants] == ["张三"]
    person = back.complainants[0]
    assert person.phone == "13812346721"
    assert person.id_type is IdType.RESIDENT_ID
    assert person.id_number == codes.ric
    assert back.merchant.name == "茅台镇好又多超市"
    assert back.merchant.uscc == codes.uscc
    assert back.category == "家用电子电器类"
    assert back.problem_nature == "质量"
    assert back.purchase_date.isoformat() == "2026-02-20"
    assert back.request == "退货退款"
    assert back.facts == "购买的冰箱不制冷，商家拒绝退货。"
    assert back.consent_mediation is True
    assert back.consent_publish is False
    assert [r.case_no for r in search_cases(store, "张三")] == [case.case_no]


def test_batch_with_bad_cases_saves_nothing_and_lists_index_and_fields(
    store, register, make_case_data
):
    good = make_case_data()
    no_phone = make_case_data(
        complainants=[{"name": "李四", "phone": ""}],
    )
    bad_merchant_and_request = make_case_data(merchant={"name": ""}, request="")
    with pytest.raises(IntakeRejected) as caught:
        register(good, no_phone, good, bad_merchant_and_request, "not a dict")
    problems = caught.value.problems
    assert set(problems) == {1, 3, 4}
    assert [p.field for p in problems[1]] == ["complainants[0].phone"]
    assert {p.field for p in problems[3]} == {"merchant.name", "request"}
    assert [p.code for p in problems[4]] == ["not_object"]
    assert all(p.severity is Severity.ERROR for ps in problems.values() for p in ps)
    # The clerk's summary: one line per problem, numbered from 1, in plain words.
    lines = str(caught.value).splitlines()
    assert [line.split(":")[0] for line in lines] == ["Case 2", "Case 4", "Case 4", "Case 5"]
    for index, found in problems.items():
        for problem in found:
            assert f"Case {index + 1}: {problem.message}" in lines

    assert count_cases(store) == 0
    assert store.scalar("SELECT count(*) FROM parties") == 0
    assert store.scalar("SELECT count(*) FROM merchants") == 0
    assert store.scalar("SELECT count(*) FROM case_counters") == 0
    assert store.scalar("SELECT count(*) FROM outbox WHERE table_name = 'cases'") == 0


def test_empty_batch_saves_nothing(store, register):
    assert register() == []
    assert count_cases(store) == 0


def test_credit_code_checksum_warning_blocks_unless_overridden(
    store, register, make_case_data, codes
):
    merchant = {"name": "遵义老字号商行", "address": "遵义路1号", "uscc": codes.bad_uscc}
    with pytest.raises(IntakeRejected) as caught:
        register(make_case_data(merchant=merchant))
    (problem,) = caught.value.problems[0]
    assert problem.field == "merchant.uscc"
    assert problem.code == "uscc_checksum"
    assert problem.severity is Severity.WARNING
    assert count_cases(store) == 0

    with pytest.raises(IntakeRejected):
        register(make_case_data(merchant=merchant, override_uscc_warning=False))

    (case,) = register(make_case_data(merchant=merchant, override_uscc_warning=True))
    assert get_case(store, case.id).merchant.uscc == codes.bad_uscc


def test_blocking_problems_keeps_other_warnings_non_blocking(make_case_data, codes):
    from station_app.intake import check_case_data

    # A purchase more than three years back is a warning that never blocks.
    data = make_case_data(purchase_date="2022-01-01")
    problems = check_case_data(data, today=codes.today)
    assert any(p.code == "limitation" and p.severity is Severity.WARNING for p in problems)
    assert blocking_problems(data, problems) == []


def test_invalid_credit_code_blocks_even_with_override(store, register, make_case_data):
    merchant = {"name": "某商行", "uscc": "12345"}
    with pytest.raises(IntakeRejected) as caught:
        register(make_case_data(merchant=merchant, override_uscc_warning=True))
    assert [p.code for p in caught.value.problems[0]] == ["uscc_invalid"]


def test_merchant_is_resolved_by_credit_code(store, register, make_case_data, codes):
    first, second = register(
        make_case_data(merchant={"name": "好又多超市", "uscc": codes.uscc, "address": "新街1号"}),
        make_case_data(
            merchant={"name": "好又多超市（茅台店）", "uscc": codes.uscc.lower(), "address": "别处"}
        ),
    )
    assert store.scalar("SELECT count(*) FROM merchants") == 1
    assert first.merchant.id == second.merchant.id
    ids = {r["merchant_id"] for r in store.query("SELECT merchant_id FROM cases")}
    assert ids == {first.merchant.id}
    # The registry entry is kept as first registered.
    assert get_case(store, second.id).merchant.name == "好又多超市"


def test_merchant_is_resolved_by_name_and_address(store, register, make_case_data):
    register(
        make_case_data(merchant={"name": "老街农资店", "address": "老街3号"}),
        make_case_data(merchant={"name": "老街农资店", "address": "老街3号"}),
        make_case_data(merchant={"name": " 老街农资店 ", "address": " 老街3号"}),
    )
    assert store.scalar("SELECT count(*) FROM merchants") == 1
    register(make_case_data(merchant={"name": "老街农资店", "address": "新街8号"}))
    assert store.scalar("SELECT count(*) FROM merchants") == 2
    assert store.scalar("SELECT count(DISTINCT merchant_id) FROM cases") == 2


def test_merchant_is_resolved_by_id(store, register, make_case_data):
    (first,) = register(make_case_data(merchant={"name": "老街农资店", "address": "老街3号"}))
    (second,) = register(
        make_case_data(merchant={"id": first.merchant.id, "name": "老街农资店", "address": ""})
    )
    assert second.merchant.id == first.merchant.id
    assert store.scalar("SELECT count(*) FROM merchants") == 1


def test_agent_is_stored_with_the_agent_role(store, register, make_case_data, codes):
    agent = {
        "name": "孙律师",
        "phone": "0851 2888 0000",
        "id_type": "passport",
        "id_number": "E1234",
    }
    (case,) = register(make_case_data(agent=agent))
    rows = store.query(
        "SELECT role, name, position FROM parties WHERE case_id = ? ORDER BY role", (case.id,)
    )
    assert rows == [
        {"role": "agent", "name": "孙律师", "position": 0},
        {"role": "complainant", "name": "张三", "position": 0},
    ]
    back = get_case(store, case.id)
    assert back.agent is not None
    assert back.agent.role is PartyRole.AGENT
    assert back.agent.name == "孙律师"
    assert back.agent.phone == "0851-28880000"
    assert back.agent.id_type is IdType.PASSPORT
    assert [p.name for p in back.complainants] == ["张三"]
    assert all(p.role is PartyRole.COMPLAINANT for p in back.complainants)


def test_empty_agent_is_not_stored(store, register, make_case_data):
    (case,) = register(make_case_data(agent={"name": "", "phone": ""}))
    assert get_case(store, case.id).agent is None
    assert store.scalar("SELECT count(*) FROM parties WHERE role = 'agent'") == 0


def test_several_complainants_keep_their_order(store, register, make_case_data):
    people = [
        {"name": "甲", "phone": "13100000001"},
        {"name": "乙", "phone": "13100000002"},
        {"name": "丙"},
    ]
    (case,) = register(make_case_data(complainants=people))
    assert [p.name for p in get_case(store, case.id).complainants] == ["甲", "乙", "丙"]


@pytest.mark.parametrize(
    ("amount", "fen", "text"),
    [
        ("1299.50", 129950, "1299.50"),
        ("0.05", 5, "0.05"),
        ("0.10", 10, "0.10"),
        ("100000000", 10_000_000_000, "100000000.00"),
        ("１２９９.５", 129950, "1299.50"),  # full-width digits from a Chinese IME
        (19.99, 1999, "19.99"),
        (0.1, 10, "0.10"),
        (100, 10000, "100.00"),
        ("0", 0, "0.00"),
    ],
)
def test_amounts_are_exact(store, register, make_case_data, amount, fen, text):
    (case,) = register(make_case_data(amount=amount))
    assert store.scalar("SELECT amount_fen FROM cases WHERE id = ?", (case.id,)) == fen
    back = get_case(store, case.id)
    assert back.amount == Decimal(text)
    assert str(back.amount) == text
    assert case_to_dict(back)["amount"] == text


def test_no_amount_stays_empty(store, register, make_case_data):
    (case,) = register(make_case_data(amount=None))
    assert store.scalar("SELECT amount_fen FROM cases WHERE id = ?", (case.id,)) is None
    assert get_case(store, case.id).amount is None
    assert case_to_dict(get_case(store, case.id))["amount"] is None


@pytest.mark.parametrize("amount", [Decimal("0.05"), Decimal("1299.50"), Decimal("0.1")])
def test_decimal_amounts_round_trip_through_the_store(store, admin, new_case, amount):
    case = add_case(store, new_case(amount=amount), station_code="RC-MT", created_by="admin")
    back = get_case(store, case.id)
    assert back.amount == amount
    assert back.amount.as_tuple().exponent == -2


def test_amount_with_fractions_of_a_fen_is_refused_by_the_store(store, admin, new_case):
    with pytest.raises(ValueError):
        add_case(store, new_case(amount=Decimal("0.005")), station_code="RC-MT", created_by="x")
    assert count_cases(store) == 0
    assert store.scalar("SELECT count(*) FROM case_counters WHERE last_seq > 0") == 0


def test_case_to_dict_masks_phone_and_id_unless_revealed(store, register, make_case_data, codes):
    (case,) = register(make_case_data())
    back = get_case(store, case.id)
    masked = case_to_dict(back)
    person = masked["complainants"][0]
    assert person["phone"] == "138****6721"
    assert person["id_number"] == "110105********002X"
    assert codes.ric not in json.dumps(masked, ensure_ascii=False)
    assert "13812346721" not in json.dumps(masked, ensure_ascii=False)

    revealed = case_to_dict(back, reveal=True)
    assert revealed["complainants"][0]["phone"] == "13812346721"
    assert revealed["complainants"][0]["id_number"] == codes.ric
    assert revealed["case_no"] == "RC-MT-2026-00001"
    assert revealed["merchant"]["uscc"] == codes.uscc
    assert revealed["received_at"] == "2026-03-02 09:30"
    json.dumps(revealed)  # plain JSON types only


def test_agent_is_masked_too(store, register, make_case_data):
    (case,) = register(make_case_data(agent={"name": "孙律师", "phone": "13900001234"}))
    data = case_to_dict(get_case(store, case.id))
    assert data["agent"]["phone"] == "139****1234"
    assert case_to_dict(get_case(store, case.id), reveal=True)["agent"]["phone"] == "13900001234"


def test_revealed_dict_reads_back_as_the_same_case(store, register, make_case_data):
    (case,) = register(make_case_data(agent={"name": "孙律师", "phone": "13900001234"}))
    back = get_case(store, case.id)
    again = case_from_dict(case_to_dict(back, reveal=True))
    for field in (
        "kind",
        "channel",
        "received_at",
        "amount",
        "facts",
        "request",
        "category",
        "problem_nature",
        "purchase_date",
        "consent_mediation",
    ):
        assert getattr(again, field) == getattr(back, field), field
    assert [(p.name, p.phone, p.id_number) for p in again.complainants] == [
        (p.name, p.phone, p.id_number) for p in back.complainants
    ]
    assert again.agent.name == back.agent.name
    assert again.merchant.id == back.merchant.id


def test_phones_are_stored_in_one_form(store, register, make_case_data):
    (case,) = register(
        make_case_data(
            complainants=[
                {"name": "甲", "phone": "138 1234 6721"},
                {"name": "乙", "phone": "0851 22512345"},
                {"name": "丙", "phone": "+86 139-0000-1234"},
            ]
        )
    )
    phones = [p.phone for p in get_case(store, case.id).complainants]
    assert phones == ["13812346721", "0851-22512345", "13900001234"]
    assert [r.case_no for r in search_cases(store, "22512345")] == [case.case_no]


def test_text_is_trimmed_and_id_upper_cased(store, register, make_case_data, codes):
    (case,) = register(
        make_case_data(
            complainants=[
                {
                    "name": "  张三 ",
                    "phone": "13812346721",
                    "id_type": "resident_id",
                    "id_number": codes.ric.lower(),
                }
            ],
            request="  退货  ",
        )
    )
    back = get_case(store, case.id)
    assert back.complainants[0].name == "张三"
    assert back.complainants[0].id_number == codes.ric
    assert back.complainants[0].id_type is IdType.RESIDENT_ID
    assert back.request == "退货"


def test_report_and_consultation_are_registered(store, register, make_case_data):
    report = make_case_data(kind="report", channel="phone", request=None, amount=None)
    consultation = {
        "kind": "consultation",
        "channel": "phone",
        "received_at": "2026-03-02 10:00",
        "complainants": [{"name": "", "phone": "13812346721"}],
        "facts": "问：网购七天无理由退货怎么算？",
    }
    saved = register(report, consultation)
    assert [c.case_no for c in saved] == ["RC-MT-2026-00001", "RC-MT-2026-00002"]
    back = get_case(store, saved[1].id)
    assert back.kind.value == "consultation"
    assert back.merchant is None
    assert store.scalar("SELECT merchant_id FROM cases WHERE id = ?", (back.id,)) is None


def test_numbers_in_a_batch_follow_the_batch_order(store, register, make_case_data):
    batch = [make_case_data(facts=f"第{i}件") for i in range(5)]
    saved = register(*batch)
    assert [c.case_no[-5:] for c in saved] == ["00001", "00002", "00003", "00004", "00005"]
    assert [get_case(store, c.case_no).facts for c in saved] == [f"第{i}件" for i in range(5)]
