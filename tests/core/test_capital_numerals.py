"""Money in Chinese capital numerals and dates in Chinese, against a table of known answers."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from station_app.documents.capital_numerals import (
    amount_in_capitals,
    date_in_chinese,
    datetime_in_chinese,
    number_in_chinese,
)

CAPITALS = [
    # the cases
    ("0", "零元整"),
    ("0.05", "伍分"),
    ("10", "壹拾元整"),
    ("10.50", "壹拾元伍角整"),
    ("1000001", "壹佰万零壹元整"),
    ("100000000.00", "壹亿元整"),
    ("12300", "壹万贰仟叁佰元整"),
    # zeros inside and across the 万 and 亿 groups
    ("1001", "壹仟零壹元整"),
    ("1010", "壹仟零壹拾元整"),
    ("1100", "壹仟壹佰元整"),
    ("100010", "壹拾万零壹拾元整"),
    ("107000", "壹拾万柒仟元整"),
    ("1000100", "壹佰万零壹佰元整"),
    ("10000000", "壹仟万元整"),
    ("100000001", "壹亿零壹元整"),
    ("100001000", "壹亿零壹仟元整"),
    ("110000", "壹拾壹万元整"),
    ("10000", "壹万元整"),
    # 角 and 分
    ("0.50", "伍角整"),
    ("0.5", "伍角整"),
    ("0.01", "壹分"),
    ("0.55", "伍角伍分"),
    ("100.05", "壹佰元零伍分"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("1299.50", "壹仟贰佰玖拾玖元伍角整"),
    ("2.00", "贰元整"),
    ("99999999.99", "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ("1E+3", "壹仟元整"),
]


@pytest.mark.parametrize(("amount", "expected"), CAPITALS)
def test_amount_in_capitals(amount, expected):
    assert amount_in_capitals(Decimal(amount)) == expected


def test_never_整_after_分_and_always_after_元():
    for amount, text in CAPITALS:
        if text.endswith("分"):
            assert "整" not in text
        else:
            assert text.endswith("整"), amount


def test_currency_prefix_and_integers():
    assert amount_in_capitals(Decimal("12300"), currency=True) == "人民币壹万贰仟叁佰元整"
    assert amount_in_capitals(0, currency=True) == "人民币零元整"
    assert amount_in_capitals(500) == "伍佰元整"


@pytest.mark.parametrize("amount", ["-1", "-0.01", "1.001", "0.005", "NaN", "Infinity", "1E+16"])
def test_amounts_that_cannot_be_written_are_rejected(amount):
    with pytest.raises(ValueError):
        amount_in_capitals(Decimal(amount))


@pytest.mark.parametrize("amount", [12.5, "12.50", True, None])
def test_inexact_or_non_numeric_amounts_are_rejected(amount):
    with pytest.raises(TypeError):
        amount_in_capitals(amount)


@pytest.mark.parametrize(
    ("day", "plain", "capital"),
    [
        (date(2026, 3, 2), "2026年3月2日", "二〇二六年三月二日"),
        (date(2026, 10, 20), "2026年10月20日", "二〇二六年十月二十日"),
        (date(2026, 12, 31), "2026年12月31日", "二〇二六年十二月三十一日"),
        (date(2030, 11, 10), "2030年11月10日", "二〇三〇年十一月十日"),
    ],
)
def test_dates_in_chinese(day, plain, capital):
    assert date_in_chinese(day) == plain
    assert date_in_chinese(day, capital=True) == capital


def test_times_and_small_numbers():
    assert datetime_in_chinese(datetime(2026, 3, 2, 9, 5)) == "2026年3月2日9时05分"
    assert [number_in_chinese(n) for n in (0, 1, 10, 11, 20, 21, 99)] == [
        "零",
        "一",
        "十",
        "十一",
        "二十",
        "二十一",
        "九十九",
    ]
    with pytest.raises(ValueError):
        number_in_chinese(100)
