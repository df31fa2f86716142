"""The extra compensation the law gives for fraud and for unsafe food, as data (pure).

消费者权益保护法 art. 55(1): a business that commits fraud pays, on the consumer's demand, extra
compensation of three times the price of the goods or service; when that is less than 500 yuan,
500 yuan. 食品安全法 art. 148(2): food that does not meet the safety standards: ten times the
price or three times the loss; when that is less than 1,000 yuan, 1,000 yuan.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from station_app.i18n import N_, _

CENT = Decimal("0.01")


class CompensationBasis(StrEnum):
    PRICE = "price"
    LOSS = "loss"
    MINIMUM = "minimum"


@dataclass(frozen=True)
class CompensationRule:
    """Extra compensation: a multiple of the price and/or of the loss, with a minimum."""

    key: str
    label: str  # marked with N_(), translated when shown
    article: str
    price_multiple: Decimal | None
    loss_multiple: Decimal | None
    minimum: Decimal


RULES: tuple[CompensationRule, ...] = (
    CompensationRule(
        "fraud",
        N_("Fraud: three times the price, at least 500 yuan"),
        "《中华人民共和国消费者权益保护法》第五十五条第一款",
        price_multiple=Decimal(3),
        loss_multiple=None,
        minimum=Decimal(500),
    ),
    CompensationRule(
        "food_safety",
        N_("Food safety: ten times the price or three times the loss, at least 1,000 yuan"),
        "《中华人民共和国食品安全法》第一百四十八条第二款",
        price_multiple=Decimal(10),
        loss_multiple=Decimal(3),
        minimum=Decimal(1000),
    ),
)


def rule(key: str) -> CompensationRule:
    for candidate in RULES:
        if candidate.key == key:
            return candidate
    raise KeyError(key)


@dataclass(frozen=True)
class Compensation:
    amount: Decimal
    basis: CompensationBasis
    rule: CompensationRule

    @property
    def label(self) -> str:
        return _(self.rule.label)


def extra_compensation(
    rule_key: str, *, price: Decimal, loss: Decimal = Decimal(0)
) -> Compensation:
    """The extra compensation the consumer may claim under the rule: the larger of the
    multiples (the consumer chooses the more favourable one), but never less than the minimum.

    `price` is what was paid for the goods or service, `loss` the consumer's loss (only the
    food-safety rule counts it). Amounts are yuan, rounded to the fen.
    """
    chosen = rule(rule_key)
    if price < 0 or loss < 0:
        raise ValueError("price and loss cannot be negative")
    candidates: list[tuple[Decimal, CompensationBasis]] = []
    if chosen.price_multiple is not None:
        candidates.append((price * chosen.price_multiple, CompensationBasis.PRICE))
    if chosen.loss_multiple is not None:
        candidates.append((loss * chosen.loss_multiple, CompensationBasis.LOSS))
    amount, basis = max(candidates, key=lambda c: c[0])
    if amount < chosen.minimum:
        amount, basis = chosen.minimum, CompensationBasis.MINIMUM
    return Compensation(amount.quantize(CENT, rounding=ROUND_HALF_UP), basis, chosen)
