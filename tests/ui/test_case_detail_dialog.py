"""Opening a case shows all its details, with phone and ID numbers masked, and its evidence."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QPushButton

from station_app.domain import Evidence
from station_app.evidence_files import attach_evidence, evidence_path
from station_app.store.cases import add_evidence_row
from station_app.ui.case_table_model import Column
from tests.support.hostile_files import EXE_BYTES, JPEG_BYTES, RLO


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


def _store_raw_evidence(folder, case, name: str, content: bytes) -> None:
    """An evidence row as an older version of the app (or a synced station) may have left it,
    without the content check made when files are added today."""
    sha = hashlib.sha256(content).hexdigest()
    target = evidence_path(folder.evidence_dir, sha)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    evidence = Evidence(sha256=sha, filename=name, size=len(content), mime="image/jpeg")
    with folder.open_store() as store:
        add_evidence_row(store, case.id, evidence, "RC-MT")


def _click_open(qtbot, main_window, case) -> tuple[object, list[Path]]:
    qtbot.waitUntil(lambda: all(main_window.model.is_row_cached(r) for r in range(4)))
    dialog = main_window.open_case_at(row_of(main_window, case.case_no))
    qtbot.waitUntil(lambda: dialog.view.case is not None, timeout=5_000)
    opened: list[Path] = []

    class FileOpener(QObject):
        @Slot(QUrl)
        def open(self, url: QUrl) -> None:
            opened.append(Path(url.toLocalFile()))

    opener = FileOpener()
    QDesktopServices.setUrlHandler("file", opener, "open")
    dialog.opener = opener
    (button,) = [b for b in dialog.findChildren(QPushButton) if b.text() == "Open"]
    button.click()
    return dialog, opened


def test_a_stored_program_is_never_opened(qtbot, main_window, folder, sample_cases):
    case = sample_cases[2]
    _store_raw_evidence(folder, case, f"photo{RLO}gpj.exe", EXE_BYTES)
    try:
        dialog, opened = _click_open(qtbot, main_window, case)
        text = label_texts(dialog)
        assert "photogpj.exe" in text and RLO not in text

        def refusal_shown() -> bool:
            boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
            return any("is not a picture, a PDF" in b.text() for b in boxes if b.isVisible())

        qtbot.waitUntil(refusal_shown, timeout=5_000)
        assert opened == []
    finally:
        QDesktopServices.unsetUrlHandler("file")
        for box in [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]:
            box.close()
    dialog.close()


def test_a_photo_with_a_disguised_name_opens_as_what_it_is(
    qtbot, main_window, folder, sample_cases
):
    case = sample_cases[3]
    _store_raw_evidence(folder, case, f"photo{RLO}gpj.exe", JPEG_BYTES)
    try:
        dialog, opened = _click_open(qtbot, main_window, case)
        qtbot.waitUntil(lambda: len(opened) == 1, timeout=5_000)
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert opened[0].name == "photogpj.jpg"  # the viewer for a picture, not a program
    assert opened[0].read_bytes() == JPEG_BYTES
    dialog.close()
