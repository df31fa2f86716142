"""Windows that fit the screen: a 1366×768 laptop with the Windows taskbar leaves 1366×728.

`fit_window(window, (w, h))` gives a window the size the clerk last gave it (else its default),
never more than the screen's available area and placed on it, and remembers its size per
window class when the dialog finishes (a main window calls `remember_size` when it closes). `scrolling(widget)` puts the part of a
dialog that can grow (a form, a list) in a scroll area, so the buttons below it stay on screen.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRect, QSettings, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QFrame, QScrollArea, QWidget

# Sizes are kept in the user's profile (an INI file), not in the station's data folder: they
# belong to the PC's screen, not to the station's records.
SETTINGS_ORGANISATION = "station-app"
SETTINGS_APPLICATION = "windows"
SIZE_KEY = "size/{name}"


def window_settings() -> QSettings:
    return QSettings(
        QSettings.Format.IniFormat,
        QSettings.Scope.UserScope,
        SETTINGS_ORGANISATION,
        SETTINGS_APPLICATION,
    )


def available_geometry(widget: QWidget) -> QRect:
    """The part of the widget's screen not taken by the taskbar.

    Asked of the window's handle, never of `QWidget.screen()`: called from Python on a widget
    not yet shown, PySide 6.11 lets that QScreen be freed, and the next dialog crashes."""
    handle = widget.window().windowHandle()
    screen = handle.screen() if handle is not None else None
    return (screen or QGuiApplication.primaryScreen()).availableGeometry()


# What a title bar and borders may add to a window before it is shown (Qt knows the real
# frame only once the window is on screen): Windows 10 at 100 % adds 16 × 39 pixels.
FRAME_ALLOWANCE = QSize(16, 40)


def _frame_extra(window: QWidget) -> QSize:
    """How much the title bar and borders add to the window's size."""
    if not window.isVisible():
        return FRAME_ALLOWANCE
    frame, inner = window.frameGeometry(), window.geometry()
    return QSize(max(0, frame.width() - inner.width()), max(0, frame.height() - inner.height()))


def _bounded(size: QSize, window: QWidget) -> QSize:
    area = available_geometry(window)
    extra = _frame_extra(window)
    return QSize(
        max(1, min(size.width(), area.width() - extra.width())),
        max(1, min(size.height(), area.height() - extra.height())),
    )


def _stored_size(name: str) -> QSize | None:
    value = window_settings().value(SIZE_KEY.format(name=name))
    if isinstance(value, QSize) and value.isValid() and not value.isEmpty():
        return value
    return None


class _SizeKeeper(QObject):
    """Remembers its parent window's size under its own object name when the window's dialog
    finishes. A slot, not an event filter: a Python event filter sees every event of the window,
    and PySide 6.11 crashed wrapping one of them while a dialog was torn down."""

    def __init__(self, window: QWidget, name: str):
        super().__init__(window)
        self.setObjectName(name)

    def remember(self, *_result: object) -> None:
        window = self.parent()
        if isinstance(window, QWidget):
            _remember(window, self.objectName())


def _keep_on_screen(window: QWidget) -> None:
    if window.isMaximized() or window.isFullScreen():
        return
    bounded = _bounded(window.size(), window)
    if bounded != window.size():
        window.resize(bounded)
    area = available_geometry(window)
    frame = window.frameGeometry()
    x = min(max(frame.x(), area.left()), area.right() + 1 - frame.width())
    y = min(max(frame.y(), area.top()), area.bottom() + 1 - frame.height())
    if (x, y) != (frame.x(), frame.y()):
        window.move(max(x, area.left()), max(y, area.top()))


def _remember(window: QWidget, name: str) -> None:
    if window.isMaximized() or window.isFullScreen() or not name:
        return
    window_settings().setValue(SIZE_KEY.format(name=name), window.size())


def fit_window(window: QWidget, default: tuple[int, int] | None = None, name: str = "") -> None:
    """Size `window` as the clerk last left it (else `default`, else its size hint), within
    the screen's available area; keep it there when shown and remember its size per `name`
    (default: the window's class)."""
    name = name or type(window).__name__
    size = _stored_size(name)
    if size is None:
        size = QSize(*default) if default else window.sizeHint()
    window.resize(_bounded(size, window))
    _keep_on_screen(window)
    keeper = _SizeKeeper(window, name)
    if isinstance(window, QDialog):
        window.finished.connect(keeper.remember)


def remember_size(window: QWidget) -> None:
    """Remember a window's size now (a main window calls this from its closeEvent; dialogs
    are remembered when they finish)."""
    keeper = window.findChild(_SizeKeeper)
    if keeper is not None:
        keeper.remember()


def scrolling(content: QWidget) -> QScrollArea:
    """`content` in a frameless scroll area that scrolls only when the window is too small."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    area.setWidget(content)
    return area
