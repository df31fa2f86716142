"""An attempt to reach the business recorded from the case's window, and the abnormal-list
proposals window of the merchant registry with its .xlsx export."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt

from station_app.ui.merchants_dialog import MerchantsDialog
from station_app.workflow import Action
from tests.ui.conftest import STATION_CODE, TODAY, complaint_data
from tests.ui.test_case_workflow_ui import open_detail, stored, texts
from tests.ui.test_window_fit import assert_fits


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    return Path(os.environ.get("STATION_SCREENSHOTS") or tmp_path)


@pytest.fixture
def shop_case(folder, admin) -> str:
    from station_app.intake import register_cases

    data = complaint_data("吴十", "13812346710")
    data["merchant"] = {
        "name": "某某数码旗舰店",
        "address": "九江市电商产业园A栋301",
        "platform": "拼多多",
        "cluster_registered": True,
    }
    with folder.open_store() as store:
        (case,) = register_cases(store, [data], user=admin, station_code=STATION_CODE, today=TODAY)
    return case.case_no


def test_a_contact_attempt_is_recorded_in_its_dialog_and_shown_in_the_timeline(
    qtbot, tasks, admin, shop_case, screenshots
):
    detail = open_detail(qtbot, tasks, admin, shop_case)
    assert "Record an attempt to reach the business" in [
        b.text() for b in detail.view.action_buttons.values()
    ]
    detail.view.action_buttons[Action.CONTACT].click()
    dialog = detail.view.action_dialog
    dialog.fields["way"].set_value("platform_message")
    dialog.fields["result"].set_value("unreachable")
    dialog.fields["note"].setPlainText("平台留言三天未回复")
    dialog.grab().save(str(screenshots / "contact_dialog.png"))
    qtbot.keyClick(dialog.fields["note"], Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=5_000)
    _case, record = stored(tasks.folder, shop_case)
    (event,) = record.events
    assert event.details == {
        "contact_way": "platform_message",
        "contact_result": "unreachable",
    }
    qtbot.waitUntil(
        lambda: detail.view.view is not None and len(detail.view.view.record.events) == 1,
        timeout=5_000,
    )
    assert "Contact: Platform message, Could not be reached" in texts(detail.view)


def test_the_proposals_window_lists_the_shop_and_exports_it(
    qtbot, tasks, admin, shop_case, tmp_path, screenshots
):
    from tests.ui.test_case_workflow_ui import take

    for day in ("2026-03-03", "2026-03-04"):
        take(tasks.folder, admin, shop_case, Action.CONTACT,
             {"way": "phone", "result": "unreachable", "occurred_at": day})  # fmt: skip
    merchants = MerchantsDialog(tasks, admin)
    qtbot.addWidget(merchants)
    merchants.show()
    qtbot.mouseClick(merchants.proposals_button, Qt.MouseButton.LeftButton)
    dialog = merchants.proposals_dialog
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 1, timeout=10_000)
    top = dialog.tree.topLevelItem(0)
    assert top.text(0) == "某某数码旗舰店" and top.child(0).text(0) == shop_case
    assert top.child(0).text(6) == "2"
    assert_fits(qtbot, dialog, screenshots)
    dialog.grab().save(str(screenshots / "abnormal_proposals.png"))
    path = tmp_path / "proposals"
    dialog.export_to(path)
    qtbot.waitUntil(lambda: "Written" in dialog.status.text(), timeout=10_000)
    sheet = load_workbook(path.with_name("proposals.xlsx")).active
    assert sheet.cell(row=4, column=8).value == shop_case
