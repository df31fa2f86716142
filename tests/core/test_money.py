"""One money parser: every path that reads an amount takes and refuses the same inputs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from station_app.action_payloads import parse_payload
from station_app.case_json import case_from_dict
from station_app.intake import IntakeRejected, register_cases
from station_app.joint_members import parse_amount
from station_app.money import INVALID, MoneyError, parse_yuan, shown
from station_app.store.cases import get_case
from station_app.validation import validate_case
from station_app.workflow import Action
from tests.core.workflow_helpers import AGREEMENT_WORDING
from tests.support.money_table import ALL, TYPED

CODES = {"amount_invalid", "amount_range", "amount_precision"}


def _short(value) -> str:
    return shown(value, 16)


@pytest.mark.parametrize(("value", "expected"), ALL, ids=_short)
def test_the_parser(value, expected):
    if expected in CODES:
        with pytest.raises(MoneyError) as refused:
            parse_yuan(value)
        assert refused.value.code == expected
        assert len(refused.value.message) < 300  # a 5,001-digit amount is not echoed whole
    else:
        assert parse_yuan(value) == Decimal(expected)
        assert str(parse_yuan(value)) == expected


@pytest.mark.parametrize(("value", "expected"), ALL, ids=_short)
def test_case_intake_agrees(value, expected, make_case_data, codes):
    data = make_case_data(amount=value)
    problems = [p for p in validate_case(data, today=codes.today) if p.field == "amount"]
    if expected in CODES:
        assert [p.code for p in problems] == [expected]
    else:
        assert problems == []
        assert case_from_dict(data).amount == Decimal(expected)


@pytest.mark.parametrize(("value", "expected"), ALL, ids=_short)
def test_workflow_actions_agree(value, expected):
    payload = {
        "terms": [{"type": "refund", "amount": value, "description": "退还货款"}],
        "amount_recovered": value,
        "performed_on_spot": True,
        **AGREEMENT_WORDING,
    }
    values, problems = parse_payload(Action.AGREE, payload)
    money_problems = [
        p for p in problems if "amount" in p.lower() or "yuan" in p or "decimals" in p
    ]
    if expected in CODES:
        assert len(money_problems) == 2, problems  # the term and the amount recovered
        assert values.get("amount_recovered") is None
    else:
        assert money_problems == [], problems
        assert values["amount_recovered"] == Decimal(expected)
        assert values["terms"][0].amount == Decimal(expected)


@pytest.mark.parametrize(("value", "expected"), ALL, ids=_short)
def test_spreadsheet_cells_agree(value, expected):
    amount, problem = parse_amount(value)
    if expected in CODES:
        assert amount is None and problem == _message_of(value)
    else:
        assert problem is None and amount == Decimal(expected)


def _message_of(value) -> str:
    try:
        parse_yuan(value)
    except MoneyError as refused:
        return refused.message
    raise AssertionError(f"{value!r} was accepted")


def _register(store, admin, codes, data):
    return register_cases(store, [data], user=admin, station_code=codes.station, today=codes.today)


def test_a_case_with_a_thousands_separator_is_saved_exactly(store, admin, codes, make_case_data):
    (case,) = _register(store, admin, codes, make_case_data(amount="１，２９９．５０元"))
    assert get_case(store, case.case_no).amount == Decimal("1299.50")


def test_a_refused_amount_saves_nothing(store, admin, codes, make_case_data):
    with pytest.raises(IntakeRejected) as rejected:
        _register(store, admin, codes, make_case_data(amount="1.005"))
    assert [p.code for p in rejected.value.problems[0]] == ["amount_precision"]
    assert store.scalar("SELECT COUNT(*) FROM cases") == 0


def test_the_table_covers_every_rule():
    codes = {expected for _value, expected in TYPED if expected in CODES}
    assert codes == CODES and INVALID in codes


def test_messages_never_echo_a_pasted_page(make_case_data, codes):
    huge = "2" * 5001
    data = make_case_data(received_at=huge, purchase_date=huge, kind=huge)
    problems = validate_case(data, today=codes.today)
    assert problems and all(len(p.message) < 300 for p in problems)
    _values, action_problems = parse_payload(Action.AGREE, {"agreed_on": huge, "terms": huge})
    assert action_problems and all(len(p) < 400 for p in action_problems)
