"""The lock after idle time: it covers the open windows and asks for the password again, and
what was typed in an open form is still there after unlocking."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from station_app.ui.idle_lock import LockCover


def _covered(window) -> bool:
    return any(
        isinstance(child, LockCover) and child.isVisible() and child.geometry() == window.rect()
        for child in window.children()
    )


def test_the_lock_engages_after_the_idle_time_and_keeps_what_was_typed(
    qtbot, main_window, type_text, admin_password
):
    lock = main_window.idle_lock
    assert lock.interval_ms == 10 * 60_000  # the default setting, read on the worker
    intake = main_window.new_case()
    person = intake.form.complainants[0]
    type_text(person.name, "孙八")
    type_text(person.phone, "13812345678")
    type_text(intake.form.facts, "购买的电饭煲使用三天后无法加热")

    lock.set_interval_ms(300)
    qtbot.waitUntil(lambda: lock.is_locked, timeout=5000)
    dialog = lock.dialog
    assert dialog.isVisible() and dialog.isModal()
    assert dialog.username.text() == "admin" and dialog.username.isReadOnly()
    # Nothing was closed: both windows are open, covered by the lock.
    assert intake.isVisible() and main_window.isVisible()
    assert _covered(intake) and _covered(main_window)

    # Esc does not lift the lock; a wrong password neither.
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert lock.is_locked and dialog.isVisible()
    type_text(dialog.password, "wrong-password")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.problem.text() != "", timeout=10000)
    assert lock.is_locked and _covered(intake)

    type_text(dialog.password, admin_password)
    dialog.submit()
    qtbot.waitUntil(lambda: not lock.is_locked, timeout=10000)
    assert not _covered(intake) and not _covered(main_window)
    assert intake.isVisible()
    assert person.name.text() == "孙八"
    assert person.phone.text() == "13812345678"
    assert intake.form.facts.toPlainText() == "购买的电饭煲使用三天后无法加热"
    for field in (person.name, person.phone, intake.form.facts):
        field.clear()  # so that closing the form at the end asks nothing
    intake.close()


def test_input_postpones_the_lock_and_zero_minutes_never_locks(qtbot, main_window):
    lock = main_window.idle_lock
    lock.set_interval_ms(600)
    for _step in range(6):  # a key press every 0.2 s for 1.2 s: never idle for 0.6 s
        qtbot.wait(200)
        QTest.keyClick(main_window.filter_bar, Qt.Key.Key_Shift)
        assert not lock.is_locked
    qtbot.waitUntil(lambda: lock.is_locked, timeout=5000)
    lock.dialog.close()  # the close button does not lift the lock
    QApplication.processEvents()
    assert lock.is_locked
    lock.unlock()
    lock.set_interval_ms(0)
    qtbot.wait(700)
    assert not lock.is_locked


def test_the_cursor_stops_blinking_when_idle_and_blinks_again_at_a_key(qtbot, main_window):
    # A blinking cursor repaints twice a second: in the locked screen's password field that
    # was 10 s of CPU an hour. After the quiet time the cursor stands still; input wakes it.
    lock = main_window.idle_lock
    hints = QApplication.styleHints()
    blinking = hints.cursorFlashTime()
    assert blinking > 0
    lock.cursor_quiet_ms = 200
    lock._quiet_timer.start(200)
    qtbot.waitUntil(lambda: lock.cursor_is_quiet, timeout=5000)
    assert hints.cursorFlashTime() == 0
    QTest.keyClick(main_window, Qt.Key.Key_Shift)
    assert not lock.cursor_is_quiet and hints.cursorFlashTime() == blinking
    qtbot.waitUntil(lambda: lock.cursor_is_quiet, timeout=5000)  # quiet again after input stops
    lock.stop()
    assert hints.cursorFlashTime() == blinking  # the app's own setting back when it stops
