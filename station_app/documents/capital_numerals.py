"""Money in Chinese capital numerals (大写金额) and dates in Chinese, as printed on documents.

The money rules follow the bank convention for filling in vouchers (中国人民银行《支付结算办法》
附件《正确填写票据和结算凭证的基本规定》):
- "整" follows an amount that ends at 元 or at 角, never one that ends at 分;
- one 零 stands for any run of zeros between two non-zero digits, also across 万 and 亿;
- a zero 角 before a non-zero 分 is written 零 (100.05 → 壹佰元零伍分);
- the leading 拾 keeps its digit (10 → 壹拾元整), as on bank vouchers.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_IN_SECTION_UNITS = ("", "拾", "佰", "仟")  # within a group of four digits, right to left
_SECTION_UNITS = ("", "万", "亿", "万亿")  # groups of four digits, right to left
MAX_AMOUNT = Decimal("9999999999999999.99")

_SMALL_DIGITS = "〇一二三四五六七八九"


def _section_digits(value: int) -> list[int]:
    """Four digits of a section, thousands first."""
    return [value // 1000 % 10, value // 100 % 10, value // 10 % 10, value % 10]


def _integer_in_capitals(value: int) -> str:
    """The 元 part without the unit: 1000001 → 壹佰万零壹; 0 → ''."""
    sections: list[int] = []
    while value:
        sections.append(value % 10000)
        value //= 10000
    out: list[str] = []
    skipped_section = False  # a whole group of four zeros lies between this and the last digit
    for index in range(len(sections) - 1, -1, -1):
        section = sections[index]
        if section == 0:
            skipped_section = skipped_section or bool(out)
            continue
        # Trailing zeros of the group before need no 零 (107000 → 壹拾万柒仟); a gap does.
        zero_pending = skipped_section or (bool(out) and section < 1000)
        skipped_section = False
        seen_digit = False
        for position, digit in enumerate(_section_digits(section)):
            if digit == 0:
                zero_pending = zero_pending or seen_digit
                continue
            if zero_pending:
                out.append("零")
                zero_pending = False
            out.append(DIGITS[digit] + _IN_SECTION_UNITS[3 - position])
            seen_digit = True
        out.append(_SECTION_UNITS[index])
    return "".join(out)


def _checked_fen(amount: Decimal | int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError(f"amount must be a Decimal or an int, not {type(amount).__name__}")
    try:
        value = Decimal(amount)
    except InvalidOperation as exc:  # pragma: no cover - Decimal(int) cannot fail
        raise ValueError(f"not an amount: {amount!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not an amount: {amount!r}")
    if value < 0:
        raise ValueError(f"a negative amount cannot be written in capitals: {amount}")
    if value > MAX_AMOUNT:
        raise ValueError(f"amount too large for capital numerals: {amount}")
    fen = value * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"amount {amount} has more than two decimals")
    return int(fen)


def amount_in_capitals(amount: Decimal | int, *, currency: bool = False) -> str:
    """Yuan in capital numerals: Decimal("12300") → 壹万贰仟叁佰元整; 0 → 零元整.

    `currency=True` puts 人民币 in front. Negative amounts, more than two decimals and floats
    are rejected (ValueError / TypeError): an amount on a legal document must be exact.
    """
    fen = _checked_fen(amount)
    yuan, jiao, cents = fen // 100, fen // 10 % 10, fen % 10
    prefix = "人民币" if currency else ""
    if fen == 0:
        return prefix + "零元整"
    out = _integer_in_capitals(yuan)
    if yuan:
        out += "元"
    if jiao == 0 and cents == 0:
        return prefix + out + "整"
    if jiao:
        out += DIGITS[jiao] + "角"
    elif yuan:
        out += "零"  # 100.05 → 壹佰元零伍分
    if cents:
        out += DIGITS[cents] + "分"
    else:
        out += "整"  # ends at 角
    return prefix + out


def number_in_chinese(value: int) -> str:
    """A small count or ordinal in ordinary Chinese numerals, 0–99: 3 → 三, 10 → 十, 21 → 二十一."""
    if not 0 <= value <= 99:
        raise ValueError(f"only 0–99 are written this way, not {value}")
    tens, ones = divmod(value, 10)
    if tens == 0:
        return "零" if ones == 0 else _SMALL_DIGITS[ones]
    head = "" if tens == 1 else _SMALL_DIGITS[tens]
    return head + "十" + ("" if ones == 0 else _SMALL_DIGITS[ones])


def date_in_chinese(day: date, *, capital: bool = False) -> str:
    """2026-03-02 → 2026年3月2日; with `capital` → 二〇二六年三月二日 (formal decisions)."""
    if isinstance(day, datetime):
        day = day.date()
    if not capital:
        return f"{day.year}年{day.month}月{day.day}日"
    year = "".join(_SMALL_DIGITS[int(d)] for d in f"{day.year:04d}")
    return f"{year}年{number_in_chinese(day.month)}月{number_in_chinese(day.day)}日"


def datetime_in_chinese(moment: datetime) -> str:
    """2026-03-02 09:30 → 2026年3月2日9时30分."""
    return f"{date_in_chinese(moment)}{moment.hour}时{moment.minute:02d}分"
