"""导入台账: a ledger is read, its columns guessed, checked, imported on the worker and undone,
all from the keyboard-first window; problems are listed by row and block the import."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer

from station_app.ui.ledger_import_dialog import NO_COLUMN, LedgerImportDialog
from tests.support.ledger_files import messy_rows, write_messy_ledger
from tests.ui.test_window_fit import assert_fits


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    return Path(os.environ.get("STATION_SCREENSHOTS") or tmp_path)


def _live_cases(folder) -> int:
    with folder.open_store() as store:
        return store.scalar("SELECT count(*) FROM cases WHERE deleted = 0")


@pytest.fixture
def dialog(qtbot, tasks, admin):
    dialog = LedgerImportDialog(tasks, admin)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_a_ledger_is_checked_imported_and_undone(qtbot, dialog, folder, tmp_path, screenshots):
    from station_app import ledger_import as li

    ledger = write_messy_ledger(tmp_path / "台账.xlsx", messy_rows())
    dialog.open_file(ledger)
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=20_000)
    assert [dialog.sheet_combo.itemText(i) for i in range(dialog.sheet_combo.count())] == [
        "2021年",
        "说明",
    ]
    assert dialog.column_combos[li.LedgerField.COMPLAINANT].currentText() == "C  投诉人姓名"
    assert dialog.column_combos[li.LedgerField.MERCHANT].currentText() == "E  被投诉人名称"
    assert dialog.column_combos[li.LedgerField.KIND].currentData() == NO_COLUMN
    assert dialog.preview.rowCount() == 6
    assert dialog.preview.verticalHeaderItem(2).text() == "7"  # Excel's row number
    assert dialog.report.toPlainText() == ""
    assert "All 6 rows can be imported" in dialog.summary.text()
    assert dialog.import_button.isEnabled()
    buttons = [dialog.undo_button, dialog.check_button, dialog.import_button, dialog.close_button]
    assert_fits(qtbot, dialog, screenshots, buttons)
    dialog.grab().save(str(screenshots / "ledger_import_dialog.png"))

    dialog.start_import()
    qtbot.waitUntil(lambda: "Imported 6 cases" in dialog.summary.text(), timeout=30_000)
    assert _live_cases(folder) == 6
    qtbot.waitUntil(lambda: dialog.batch_combo.count() == 1, timeout=10_000)
    assert "台账.xlsx / 2021年: 6 cases" in dialog.batch_combo.currentText()

    # a second import of the same ledger asks, with No as the default
    dialog.check()
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=20_000)
    seen = []

    def answer() -> None:
        from PySide6.QtWidgets import QApplication, QMessageBox

        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(
                (box.text(), box.defaultButton() is box.button(QMessageBox.StandardButton.No))
            )
            box.reject()
        else:
            QTimer.singleShot(50, answer)

    QTimer.singleShot(50, answer)
    dialog.confirm_import()
    qtbot.waitUntil(lambda: bool(seen), timeout=20_000)
    assert "was already imported" in seen[0][0] and seen[0][1]
    assert _live_cases(folder) == 6

    dialog.undo(dialog.batch_combo.currentData())
    qtbot.waitUntil(lambda: "6 cases deleted" in dialog.summary.text(), timeout=30_000)
    assert _live_cases(folder) == 0
    qtbot.waitUntil(lambda: dialog.batch_combo.count() == 0, timeout=10_000)
    assert not dialog.undo_button.isEnabled()


def test_problems_are_listed_by_row_and_block_the_import(
    qtbot, dialog, folder, tmp_path, screenshots
):
    from station_app import ledger_import as li

    rows = messy_rows()
    rows[4][7] = "约3000元"  # row 8
    dialog.open_file(write_messy_ledger(tmp_path / "bad.xlsx", rows))
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=20_000)
    assert dialog.report.toPlainText().startswith("Row 8, column “H（涉案金额）”: “约3000元”")
    assert "1 problems" in dialog.summary.text()
    assert not dialog.import_button.isEnabled()
    dialog.grab().save(str(screenshots / "ledger_import_problems.png"))

    # the same column for two fields: refused before any row is read
    combo = dialog.column_combos[li.LedgerField.CLOSED]
    combo.setCurrentIndex(combo.findData(1))
    assert not dialog.import_button.isEnabled()
    dialog.check_button.click()
    qtbot.waitUntil(lambda: "more than one field" in dialog.report.toPlainText(), timeout=10_000)
    assert not dialog.import_button.isEnabled()
    assert _live_cases(folder) == 0


def test_a_damaged_file_is_explained(qtbot, dialog, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(
        "station_app.ui.tasks.show_error",
        lambda parent, error, doing="", reference="": shown.append(str(error)),
    )
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(write_messy_ledger(tmp_path / "l.xlsx", messy_rows()).read_bytes()[:1500])
    dialog.open_file(broken)
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    assert "damaged or incomplete" in shown[0]
    assert dialog.sheet_combo.count() == 0
    assert not dialog.import_button.isEnabled()


def test_the_main_window_opens_the_ledger_import(qtbot, main_window):
    assert main_window.import_ledger_action.text() == "Import a &ledger…"
    dialog = main_window.show_ledger_import()
    qtbot.waitExposed(dialog)
    assert dialog.focusWidget() is dialog.browse_button
    dialog.close()


def test_tab_walks_through_the_window(qtbot, dialog, tmp_path):
    from PySide6.QtTest import QTest

    dialog.open_file(write_messy_ledger(tmp_path / "l.xlsx", messy_rows()))
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=20_000)
    dialog.activateWindow()
    order = []
    dialog.preview.setFocus()
    for _ in range(4):
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
        order.append(dialog.focusWidget())
    # Tab leaves the preview and the report instead of moving between their cells
    assert order[:3] == [dialog.report, dialog.batch_combo, dialog.check_button]
