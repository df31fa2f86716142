"""The 帮助 menu (user guide, 关于 with the version) and exporting the shown list to .xlsx."""

from __future__ import annotations

import dataclasses

from openpyxl import load_workbook

import station_app
from station_app.domain import Role
from station_app.ui.case_table_model import Column


def test_help_menu_opens_the_guide_and_about(qtbot, main_window):
    titles = [action.text() for action in main_window.menuBar().actions()]
    assert "&Help" in titles
    guide = main_window.show_guide()
    text = guide.browser.toPlainText()
    assert "姓名:张" in text and "导出" in text and "登录" in text and "F2" in text
    assert main_window.show_guide() is guide  # one window, brought to the front
    box = main_window.show_about()
    assert station_app.__version__ in box.text()
    box.close()


def test_export_writes_the_shown_columns_with_masked_phones(qtbot, main_window, tmp_path):
    window = main_window
    window.table.setColumnHidden(Column.CATEGORY, True)
    path = tmp_path / "list.xlsx"
    exported = []
    window.export_to(str(path), done=exported.append)
    qtbot.waitUntil(lambda: exported == [4], timeout=10_000)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("Case number", "Received", "Deadline", "Type")
    assert "Category" not in rows[0] and "Found in" not in rows[0]
    phones = {row[rows[0].index("Phone")] for row in rows[1:]}
    assert "13812346721" in phones  # an administrator's export shows whole numbers

    window.user = dataclasses.replace(window.user, role=Role.CLERK)
    window.export_to(str(path), done=exported.append)
    qtbot.waitUntil(lambda: exported == [4, 4], timeout=10_000)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    phones = {row[rows[0].index("Phone")] for row in rows[1:]}
    assert "138****6721" in phones and "13812346721" not in phones
