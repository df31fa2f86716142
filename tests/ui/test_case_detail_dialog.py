"""Opening a case shows all its details, with phone and ID numbers masked, and its evidence."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QLabel, QPushButton

from station_app.evidence_files import attach_evidence
from station_app.ui.case_table_model import Column


def label_texts(widget) -> str:
    return "\n".join(label.text() for label in widget.findChildren(QLabel))


def row_of(window, case_no: str) -> int:
    model = window.model
    for row in range(model.rowCount()):
        if model.row_values(row) and model.row_values(row)[Column.CASE_NO] == case_no:
            return row
    raise AssertionError(f"{case_no} is not in the list")


def test_opening_a_case_shows_its_details(qtbot, main_window, sample_cases):
    case = sample_cases[0]
    qtbot.waitUntil(lambda: all(main_window.model.is_row_cached(r) for r in range(4)))
    main_window.table.selectRow(row_of(main_window, case.case_no))
    main_window.table.setFocus()
    qtbot.keyClick(main_window.table, "\r")  # Enter opens the selected case

    (dialog,) = main_window.detail_dialogs.values()
    qtbot.waitUntil(lambda: dialog.view.case is not None, timeout=5_000)
    text = label_texts(dialog)
    assert case.case_no in text and case.case_no in dialog.windowTitle()
    for expected in (
        "张三",
        "瑞昌市好又多超市",
        "退货退款",
        "购买的电饭煲使用三天后无法加热",
        "1,299.50",
    ):
        assert expected in text
    assert "138****6721" in text
    assert "110105********002X" in text
    assert "13812346721" not in text and "11010519491231002X" not in text
    assert "No evidence files." in text
    dialog.close()


def test_evidence_can_be_opened_from_the_case(qtbot, main_window, folder, sample_cases, tmp_path):
    case = sample_cases[1]
    receipt = tmp_path / "发票.pdf"
    receipt.write_bytes(b"%PDF-1.4 an invoice")
    with folder.open_store() as store:
        attach_evidence(store, folder.evidence_dir, case.id, receipt, owner="RC-MT")

    qtbot.waitUntil(lambda: all(main_window.model.is_row_cached(r) for r in range(4)))
    dialog = main_window.open_case_at(row_of(main_window, case.case_no))
    qtbot.waitUntil(lambda: dialog.view.case is not None, timeout=5_000)
    assert "发票.pdf" in label_texts(dialog)

    opened: list[Path] = []

    class FileOpener(QObject):
        @Slot(QUrl)
        def open(self, url: QUrl) -> None:
            opened.append(Path(url.toLocalFile()))

    opener = FileOpener()
    QDesktopServices.setUrlHandler("file", opener, "open")
    try:
        (button,) = [b for b in dialog.findChildren(QPushButton) if b.text() == "Open"]
        button.click()
        qtbot.waitUntil(lambda: len(opened) == 1, timeout=5_000)
    finally:
        QDesktopServices.unsetUrlHandler("file")
    # The stored copy is named by its hash; the clerk's program gets it under its own name.
    assert opened[0].name == "发票.pdf"
    assert opened[0].read_bytes() == receipt.read_bytes()
    dialog.close()
