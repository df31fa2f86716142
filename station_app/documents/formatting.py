"""How recorded values read on a document: money in figures and capitals, IDs, names, dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from station_app.documents.capital_numerals import amount_in_capitals, date_in_chinese
from station_app.documents.wording import GENDER_TEXT, ID_TYPE_TEXT, NOT_GIVEN
from station_app.domain import IdType, Merchant, Party
from station_app.money import format_yuan


def given(value: str) -> str:
    """The value, or 未提供 where nothing was recorded (never a silent blank)."""
    return value.strip() or NOT_GIVEN


def money_text(amount: Decimal, *, currency: bool = True) -> str:
    """人民币1,299.50元（大写：人民币壹仟贰佰玖拾玖元伍角整）."""
    prefix = "人民币" if currency else ""
    capitals = amount_in_capitals(amount, currency=True)
    return f"{prefix}{format_yuan(amount)}元（大写：{capitals}）"


def optional_money_text(amount: Decimal | None) -> str:
    return NOT_GIVEN if amount is None else money_text(amount)


def optional_date_text(day: date | None) -> str:
    return NOT_GIVEN if day is None else date_in_chinese(day)


def gender_text(party: Party) -> str:
    return GENDER_TEXT[party.gender] or NOT_GIVEN


def id_text(party: Party) -> str:
    """居民身份证 11010519491231002X, in full: documents for the parties carry full values."""
    if not party.id_number.strip():
        return NOT_GIVEN
    kind = ID_TYPE_TEXT[party.id_type or IdType.RESIDENT_ID] or ID_TYPE_TEXT[IdType.OTHER]
    return f"{kind}\n{party.id_number.strip()}"


def merchant_id_text(merchant: Merchant) -> str:
    if not merchant.uscc.strip():
        return NOT_GIVEN
    return f"统一社会信用代码\n{merchant.uscc.strip()}"


def names_text(parties: list[Party], limit: int = 3) -> str:
    """张三、李四、王五等150人; all names when there are at most `limit`."""
    names = [p.name.strip() for p in parties]
    if len(names) <= limit:
        return "、".join(names)
    return "、".join(names[:limit]) + f"等{len(names)}人"
