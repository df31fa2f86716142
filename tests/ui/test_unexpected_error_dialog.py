"""An error that escapes a slot: the clerk sees what to do and can copy the details; the
traceback and a reference go to the log file."""

from __future__ import annotations

import re
import sys

from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from station_app.error_report import configure_logging, unconfigure_logging
from station_app.ui.app import _show_unhandled


def _raise_in_a_slot() -> None:
    raise KeyError("case_no")


def test_an_escaped_error_shows_a_dialog_with_a_reference_and_copyable_details(qtbot, tmp_path):
    log_file = configure_logging(tmp_path)
    try:
        try:
            _raise_in_a_slot()
        except KeyError:
            _show_unhandled(*sys.exc_info())
        boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
        (box,) = [b for b in boxes if b.isVisible()]
        reference = box.property("reference")
        assert re.fullmatch(r"[0-9A-F]{6}", reference)
        text = box.text()
        assert f"reference {reference}" in text and str(log_file) in text
        assert "Copy details" in text and "Traceback" not in text
        (copy,) = [b for b in box.findChildren(QPushButton) if b.text() == "Copy details"]
        copy.click()
        copied = QApplication.clipboard().text()
        assert f"reference {reference}" in copied
        assert "Traceback" in copied and "_raise_in_a_slot" in copied and "KeyError" in copied
        assert box.isVisible()  # copying leaves the message open
        log = log_file.read_text(encoding="utf-8")
        assert f"reference {reference}" in log and "_raise_in_a_slot" in log
        box.close()  # the window's × (or Esc) closes it
        assert not box.isVisible()
    finally:
        unconfigure_logging()


def test_copied_details_hold_no_whole_id_number_or_phone(qtbot, tmp_path):
    configure_logging(tmp_path)
    try:
        try:
            raise ValueError("party 11010519491231002X, phone 13812346721")
        except ValueError:
            _show_unhandled(*sys.exc_info())
        boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
        (box,) = [b for b in boxes if b.isVisible()]
        (copy,) = [b for b in box.findChildren(QPushButton) if b.text() == "Copy details"]
        copy.click()
        copied = QApplication.clipboard().text()
        assert "ValueError: party 110105********002X, phone 138****6721" in copied
        assert "11010519491231002X" not in copied and "13812346721" not in copied
        box.close()
    finally:
        unconfigure_logging()


def test_the_dialog_is_in_chinese_for_a_chinese_clerk(qtbot, tmp_path):
    from station_app import i18n

    i18n.set_language("zh_CN")
    configure_logging(tmp_path)
    try:
        try:
            _raise_in_a_slot()
        except KeyError:
            _show_unhandled(*sys.exc_info())
        boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
        (box,) = [b for b in boxes if b.isVisible()]
        assert "出现了意外错误" in box.text() and "复制详情" in box.text()
        assert box.windowTitle() == "意外错误"
        box.close()
    finally:
        unconfigure_logging()
        i18n.set_language("en")


def test_an_error_escaping_a_thread_is_shown_on_the_ui_thread(qtbot, tmp_path):
    """PySide calls sys.excepthook on the thread where a QThread's run() raised: the dialog
    is made on the UI thread all the same (a widget made on another thread crashes Qt)."""
    from PySide6.QtCore import QThread

    from station_app.ui.app import install_unhandled_hook

    class Failing(QThread):
        def run(self) -> None:
            raise KeyError("worker")

    log_file = configure_logging(tmp_path)
    previous = install_unhandled_hook()
    made_on: list[object] = []
    try:
        thread = Failing()
        thread.start()
        assert thread.wait(10_000)

        def box_shown() -> QMessageBox:
            boxes = [
                w
                for w in QApplication.topLevelWidgets()
                if isinstance(w, QMessageBox) and w.isVisible()
            ]
            assert boxes
            return boxes[0]

        qtbot.waitUntil(lambda: box_shown() is not None, timeout=5_000)
        box = box_shown()
        made_on.append(box.thread())
        assert made_on[0] is QApplication.instance().thread()
        assert "Copy details" in box.text()
        reference = box.property("reference")
        assert f"reference {reference}" in log_file.read_text(encoding="utf-8")
        box.close()
    finally:
        sys.excepthook = previous
        unconfigure_logging()
