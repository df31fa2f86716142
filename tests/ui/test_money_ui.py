"""The compensation helper reads a typed price with the app's one money parser."""

from __future__ import annotations

from decimal import Decimal

import pytest

from station_app.compensation import extra_compensation
from station_app.money import MoneyError, parse_yuan, shown
from station_app.ui.action_dialog import CompensationDialog
from tests.support.money_table import TYPED


@pytest.mark.parametrize(("typed", "expected"), TYPED, ids=lambda v: shown(v, 16))
def test_the_compensation_helper_agrees(qtbot, typed, expected):
    dialog = CompensationDialog()
    qtbot.addWidget(dialog)
    dialog.price.setText(typed)
    if expected.startswith("amount_"):
        assert dialog.compensation is None and not dialog.add_button.isEnabled()
        with pytest.raises(MoneyError) as refused:
            parse_yuan(typed)
        assert refused.value.message in dialog.problem.text()
    else:
        wanted = extra_compensation(dialog.rule_key(), price=Decimal(expected))
        assert dialog.compensation == wanted
