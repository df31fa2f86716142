"""The compensation helper: fraud (3×, at least 500 yuan) and food safety (10× the price or
3× the loss, at least 1,000 yuan)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from station_app.compensation import RULES, CompensationBasis, extra_compensation


@pytest.mark.parametrize(
    ("price", "amount", "basis"),
    [
        (Decimal("1299.50"), Decimal("3898.50"), CompensationBasis.PRICE),
        (Decimal("100"), Decimal("500.00"), CompensationBasis.MINIMUM),
        (Decimal("166.67"), Decimal("500.01"), CompensationBasis.PRICE),
        (Decimal("0"), Decimal("500.00"), CompensationBasis.MINIMUM),
    ],
)
def test_fraud_three_times_the_price_at_least_500(price, amount, basis):
    result = extra_compensation("fraud", price=price)
    assert (result.amount, result.basis) == (amount, basis)
    assert "第五十五条" in result.rule.article


@pytest.mark.parametrize(
    ("price", "loss", "amount", "basis"),
    [
        (Decimal("200"), Decimal("0"), Decimal("2000.00"), CompensationBasis.PRICE),
        (Decimal("20"), Decimal("900"), Decimal("2700.00"), CompensationBasis.LOSS),
        (Decimal("30"), Decimal("100"), Decimal("1000.00"), CompensationBasis.MINIMUM),
    ],
)
def test_food_safety_ten_times_price_or_three_times_loss_at_least_1000(price, loss, amount, basis):
    result = extra_compensation("food_safety", price=price, loss=loss)
    assert (result.amount, result.basis) == (amount, basis)
    assert "第一百四十八条" in result.rule.article
    assert isinstance(result.amount, Decimal)


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        extra_compensation("fraud", price=Decimal("-1"))
    with pytest.raises(KeyError):
        extra_compensation("theft", price=Decimal("1"))


def test_rules_name_their_article_and_label():
    assert {r.key for r in RULES} == {"fraud", "food_safety"}
    assert all(r.article.startswith("《") and r.label for r in RULES)
