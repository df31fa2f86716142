"""监督工作: a record is made and corrected in its window, listed, and counted on the
statistics screen (the same figure as statistics.py) when it is saved."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt

from station_app import merchant_registry as reg
from station_app.domain import StationLevel
from station_app.supervision import list_records
from station_app.ui.statistics_view import StatisticsDialog
from station_app.ui.supervision_dialog import SupervisionDialog
from tests.ui.conftest import STATION_CODE
from tests.ui.test_window_fit import assert_fits, screenshots  # noqa: F401

TODAY = date(2026, 6, 15)


def test_a_record_is_made_corrected_and_counted(qtbot, tasks, folder, admin, screenshots):  # noqa: F811
    with folder.open_store() as store:
        reg.create(store, {"name": "瑞昌市好又多超市", "address": "湓城街道"}, actor="admin",
                   station_code=STATION_CODE)  # fmt: skip
    stats = StatisticsDialog(tasks, StationLevel.TOWNSHIP, STATION_CODE, today=TODAY)
    qtbot.addWidget(stats)
    stats.show()
    qtbot.waitUntil(lambda: stats.reads == 1, timeout=30_000)
    assert stats.figure_item("Product sampling: done").text(1) == "0"

    dialog = SupervisionDialog(tasks, admin, today=TODAY)
    qtbot.addWidget(dialog)
    assert_fits(qtbot, dialog, screenshots, buttons=[dialog.close_button, dialog.save_button])
    dialog.done_on.setDate(QDate(2026, 6, 3))
    dialog.kind.set_value("sampling")
    dialog.merchant.setText("瑞昌市好又多超市")
    dialog.subject.setText("散装白酒")
    dialog.findings.setPlainText("酒精度与标签不符")
    dialog.result.set_value("failed")
    dialog.follow_up.setPlainText("责令下架")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.list.rowCount() == 1, timeout=10_000)
    assert dialog.list.item(0, 2).text() == "瑞昌市好又多超市"
    assert dialog.list.item(0, 4).text() == "Not passed"
    qtbot.waitUntil(lambda: stats.figure_item("Product sampling: done").text(1) == "1",
                    timeout=10_000)  # fmt: skip
    assert stats.figure_item("Product sampling: not passed").text(2) == "100.0%"

    # a bad merchant: a clear message, nothing written
    dialog.new_record()
    dialog.merchant.setText("没有这家")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "没有这家" in dialog.message.text(), timeout=10_000)
    with folder.open_store() as store:
        assert len(list_records(store)) == 1

    # a correction of the selected record
    dialog.list.selectRow(0)
    qtbot.waitUntil(lambda: dialog.current is not None, timeout=5_000)
    dialog.result.set_value("passed")
    dialog.follow_up.setPlainText("复检合格")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.list.item(0, 4).text() == "Passed", timeout=10_000)
    with folder.open_store() as store:
        (record,) = list_records(store)
    assert (record.result, record.follow_up, record.subject) == ("passed", "复检合格", "散装白酒")
    dialog.list.selectRow(0)
    dialog.grab().save(str(screenshots / "supervision.png"))
