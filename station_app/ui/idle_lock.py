"""The lock after idle minutes on a shared PC: every open window is covered and the login asks
for the password again. Nothing is closed, so what was typed in an open form is still there
after unlocking; the minutes are a station setting (account_rules.IDLE_LOCK_SETTING).

Idle is also made quiet: after CURSOR_QUIET_MS without input the text cursor stops blinking
(as Windows stops the caret), since a blinking cursor in the lock's password field repainted
twice a second for as long as the PC stood locked (10 s of CPU an hour); the next key or mouse
press brings the blinking back."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from station_app.domain import Station, User
from station_app.i18n import _
from station_app.store.accounts import idle_lock_setting
from station_app.ui.login_dialog import LoginDialog
from station_app.ui.tasks import Change, TaskRunner

# What counts as someone at the PC (a mouse moved over a window counts too).
_ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


# Input-free time after which the text cursor stops blinking.
CURSOR_QUIET_MS = 30_000


class LockCover(QWidget):
    """A plain panel over the whole of one window while the screen is locked: the window and
    its form stay as they are underneath, unseen."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.setObjectName("lock-cover")
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, palette.color(QPalette.ColorRole.Dark))
        self.setPalette(palette)
        label = QLabel(_("Locked: enter your password to go on."))
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        self.setGeometry(window.rect())
        window.installEventFilter(self)
        self.raise_()
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())
            self.raise_()
        elif event.type() == QEvent.Type.ChildAdded:
            self.raise_()  # a widget added later must not show above the cover
        return False


class IdleLock(QObject):
    """Watches the app's input; after the idle time it covers every window and shows the
    login for the same user. Costs nothing while idle: one timer, no polling."""

    locked = Signal()
    unlocked = Signal()

    def __init__(
        self,
        tasks: TaskRunner,
        user: User,
        station: Station | None = None,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.tasks = tasks
        self.user = user
        self.station = station
        self.interval_ms = 0  # 0: never (until the setting is read)
        self.dialog: LoginDialog | None = None
        self.covers: list[LockCover] = []
        self._last_activity = time.monotonic()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._check)
        # The cursor's blinking: stopped after CURSOR_QUIET_MS without input, locked or not.
        self.cursor_quiet_ms = CURSOR_QUIET_MS
        self._input_at = self._last_activity
        self._flash_ms = QApplication.styleHints().cursorFlashTime()
        self._cursor_quiet = False
        self._quiet_timer = QTimer(self)
        self._quiet_timer.setSingleShot(True)
        self._quiet_timer.timeout.connect(self._check_quiet)
        self._quiet_timer.start(self.cursor_quiet_ms)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        tasks.changes.changed.connect(self._data_changed)
        self.read_setting()

    @property
    def is_locked(self) -> bool:
        return self.dialog is not None

    def read_setting(self) -> None:
        self.tasks.submit(
            idle_lock_setting,
            success=lambda minutes: self.set_interval_ms(minutes * 60_000),
            owner=self,
            doing=_("reading the screen lock setting"),
        )

    def _data_changed(self, what: frozenset[Change]) -> None:
        if Change.STATION in what:
            self.read_setting()

    def set_interval_ms(self, milliseconds: int) -> None:
        """Lock after this long without input (0: never); counted from now."""
        self.interval_ms = max(0, int(milliseconds))
        self._last_activity = time.monotonic()
        self._timer.stop()
        if self.interval_ms and not self.is_locked:
            self._timer.start(self.interval_ms)

    def stop(self) -> None:
        self._timer.stop()
        self._quiet_timer.stop()
        self._wake_cursor()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Only a time is noted here: input is frequent, and restarting a timer each time is not
        # needed (the timer checks the time when it fires).
        if event.type() in _ACTIVITY:
            now = time.monotonic()
            self._input_at = now
            if not self.is_locked:
                self._last_activity = now
            if self._cursor_quiet:
                self._wake_cursor()
                self._quiet_timer.start(self.cursor_quiet_ms)
        return False

    @property
    def cursor_is_quiet(self) -> bool:
        return self._cursor_quiet

    def _check_quiet(self) -> None:
        idle_ms = (time.monotonic() - self._input_at) * 1000
        if idle_ms >= self.cursor_quiet_ms:
            if self._flash_ms:
                QApplication.styleHints().setCursorFlashTime(0)  # a steady cursor
            self._cursor_quiet = True
        else:
            self._quiet_timer.start(max(1, int(self.cursor_quiet_ms - idle_ms)))

    def _wake_cursor(self) -> None:
        if self._cursor_quiet:
            QApplication.styleHints().setCursorFlashTime(self._flash_ms)
            self._cursor_quiet = False

    def _check(self) -> None:
        if not self.interval_ms or self.is_locked:
            return
        idle_ms = (time.monotonic() - self._last_activity) * 1000
        if idle_ms >= self.interval_ms:
            self.lock()
        else:
            self._timer.start(max(1, int(self.interval_ms - idle_ms)))

    def lock(self) -> None:
        """Cover every window and ask for the password (the windows stay open underneath)."""
        if self.is_locked:
            return
        self._timer.stop()
        self.covers = [
            LockCover(window)
            for window in QApplication.topLevelWidgets()
            if window.isVisible() and not isinstance(window, LockCover)
        ]
        dialog = LoginDialog(self.tasks, self.station, locked_user=self.user)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self.unlock)
        self.dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        dialog.password.setFocus()
        self.locked.emit()

    def unlock(self) -> None:
        for cover in self.covers:
            try:
                cover.parentWidget().removeEventFilter(cover)
                cover.hide()
                cover.deleteLater()
            except RuntimeError:  # its window was deleted meanwhile, and the cover with it
                pass
        self.covers = []
        self.dialog = None
        self._last_activity = time.monotonic()
        if self.interval_ms:
            self._timer.start(self.interval_ms)
        self.unlocked.emit()
