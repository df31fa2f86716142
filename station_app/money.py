"""Money as exact decimals: yuan in the domain, integer fen in the database, and the one parser
of amounts that every path uses (the intake form and `case add`, workflow actions, the
compensation helper, joint-complaint spreadsheets).

The rules of `parse_yuan`, the same everywhere:
- digits in yuan with at most two decimals: "1299", "1299.5", "1299.50";
- thousands separators where they belong: "1,299.50" (not "1,2,99");
- a currency sign before or 元 after: "¥1299", "￥1,299.50", "1299元", "1299.50 元";
- full-width digits and punctuation as a Chinese input method types them ("１２９９．５０",
  "１，２９９"), read after NFKC normalisation;
- JSON and spreadsheet numbers: 1299.5 (a binary float is taken as written, and a float within
  a billionth of a whole fen as that fen: Excel's 0.30000000000000004 is 0.30);
- exact to the fen: "1.005" is refused, "1.500" is 1.50;
- never negative, never above AMOUNT_MAX (100,000,000 yuan: no dispute at a station comes near
  it, a larger figure is a typing mistake), never more than MAX_TEXT characters of text;
- refused: "1e3", "1_000", "NaN", "0x10", ".5", "1.", booleans, lists, a minus sign.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from station_app.i18n import _

AMOUNT_MAX = Decimal("100000000")
MAX_TEXT = 40
CENT = Decimal("0.01")

INVALID, RANGE, PRECISION = "amount_invalid", "amount_range", "amount_precision"

_AMOUNT_RE = re.compile(
    r"[¥]?\s*(?P<minus>-)?\s*(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d+))?\s*(?:元)?"
)


class MoneyError(ValueError):
    """An amount that is refused; `code` is one of INVALID, RANGE, PRECISION and `message`
    says what to write instead (without naming the field: callers add their own label)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def shown(value: object, limit: int = 30) -> str:
    """A value as the clerk typed it, cut short so that a pasted page does not fill a message."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = repr(value)
        except ValueError:  # repr() of an int of more than 4,300 digits raises
            text = "9" * (limit + 1) if isinstance(value, int) else type(value).__name__
    text = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)
    return text if len(text) <= limit else text[:limit] + "…"


def _invalid(value: object) -> MoneyError:
    return MoneyError(
        INVALID,
        _(
            "“{value}” is not an amount of money. Write yuan in digits with at most two "
            "decimals, like 1299.50 or 1,299.50."
        ).format(value=shown(value)),
    )


def _decimal_of(value: object) -> Decimal:
    """The number written, before the range and precision checks; MoneyError if none."""
    if isinstance(value, bool) or value is None:
        raise _invalid(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _invalid(value)
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _invalid(value)
        rounded = round(value, 2)
        return Decimal(repr(rounded if abs(value - rounded) < 1e-9 else value))
    if not isinstance(value, str):
        raise _invalid(value)
    text = unicodedata.normalize("NFKC", value).strip()
    if len(text) > MAX_TEXT:
        if text.isdigit():
            raise _too_large(value)
        raise _invalid(value)
    match = _AMOUNT_RE.fullmatch(text)
    if match is None:
        raise _invalid(value)
    number = match["whole"].replace(",", "")
    if match["fraction"] is not None:
        number += "." + match["fraction"]
    try:
        amount = Decimal(number)
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise _invalid(value) from None
    return -amount if match["minus"] else amount


def _too_large(value: object) -> MoneyError:
    return MoneyError(
        RANGE,
        _("{value} yuan is more than the maximum of {limit} yuan. Check the amount.").format(
            value=shown(value), limit=f"{AMOUNT_MAX:,.0f}"
        ),
    )


def parse_yuan(value: object) -> Decimal:
    """An amount in yuan, exact to the fen (quantized to 0.01); MoneyError when refused.

    The caller decides what a blank means (None or "" is refused here as not an amount)."""
    amount = _decimal_of(value)
    if amount < 0:
        raise MoneyError(
            RANGE,
            _("“{value}”: an amount cannot be negative; write it with no minus sign.").format(
                value=shown(value)
            ),
        )
    if amount > AMOUNT_MAX:
        raise _too_large(value)
    if amount != amount.quantize(CENT):
        raise MoneyError(
            PRECISION,
            _(
                "“{value}” has more than two decimals: write yuan with at most two decimals "
                "(fen), like 1299.50."
            ).format(value=shown(value)),
        )
    return amount.quantize(CENT)


def is_blank(value: object) -> bool:
    """No amount given: None, or text with nothing but spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def to_fen(amount: Decimal | None) -> int | None:
    if amount is None:
        return None
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"amount {amount} has more than two decimals")
    return int(fen)


def from_fen(fen: int | None) -> Decimal | None:
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


def format_yuan(amount: Decimal | None) -> str:
    """1234.5 -> '1,234.50'; None -> ''."""
    return "" if amount is None else f"{amount:,.2f}"
