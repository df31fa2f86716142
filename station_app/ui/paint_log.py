"""For start-up benchmarks of the built program (benchmarks/bench_build.py): with
STATION_APP_PAINT_LOG=FILE set, the time (time.time()) each kind of top-level window is first
painted is appended to FILE, e.g. `LoginDialog 1767700000.123`. Unset, nothing is installed."""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

VARIABLE = "STATION_APP_PAINT_LOG"


class _FirstPaints(QObject):
    def __init__(self, path: str):
        super().__init__()
        self.path = path
        self.seen: set[str] = set()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint and isinstance(watched, QWidget):
            name = type(watched.window()).__name__
            if name not in self.seen:
                self.seen.add(name)
                # Once this paint is done and flushed to the screen.
                QTimer.singleShot(0, lambda: self._write(name))
        return False

    def _write(self, name: str) -> None:
        with open(self.path, "a", encoding="utf-8") as log:
            log.write(f"{name} {time.time():.4f}\n")


def watch_first_paints(app: QApplication) -> None:
    path = os.environ.get(VARIABLE)
    if path:
        watcher = _FirstPaints(path)
        watcher.setParent(app)
        app.installEventFilter(watcher)
