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
