"""STATION_APP_PAINT_LOG: the built program notes when each kind of window is first painted
(benchmarks/bench_build.py times start-up with it); unset, nothing is installed."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QApplication, QDialog, QLabel, QVBoxLayout

from station_app.ui.paint_log import VARIABLE, _FirstPaints, watch_first_paints


class StandInDialog(QDialog):
    def __init__(self) -> None:
        super().__init__()
        QVBoxLayout(self).addWidget(QLabel("登录"))


def test_first_paint_of_each_window_kind_is_noted_once(qtbot, tmp_path, monkeypatch):
    log = tmp_path / "paint.log"
    monkeypatch.setenv(VARIABLE, str(log))
    app = QApplication.instance()
    watch_first_paints(app)
    watcher = next(child for child in app.children() if isinstance(child, _FirstPaints))
    try:
        before = time.time()
        dialog = StandInDialog()
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: log.exists() and "StandInDialog" in log.read_text())
        dialog.update()
        qtbot.wait(100)
        lines = log.read_text().splitlines()
        assert len(lines) == 1
        name, stamp = lines[0].split()
        assert name == "StandInDialog" and before <= float(stamp) <= time.time()
    finally:
        app.removeEventFilter(watcher)
        watcher.setParent(None)


def test_nothing_is_installed_without_the_variable(monkeypatch):
    monkeypatch.delenv(VARIABLE, raising=False)
    app = QApplication.instance()
    watch_first_paints(app)
    assert not any(isinstance(child, _FirstPaints) for child in app.children())
