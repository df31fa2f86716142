"""At start-up: check the database (quick_check), then make the day's first backup.

Both run on a thread of their own with their own connection, not on the database worker: on a
station of a million cases the check takes seconds and the backup longer, and the clerk logs in
and saves meanwhile (WAL lets the backup read one snapshot while saves go on). The status bar
says what is running; a damaged database stops the app with the way back.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import QMainWindow, QMessageBox, QWidget

from station_app.backup import daily_backup, daily_backup_due, way_back
from station_app.data_folder import DataFolder
from station_app.i18n import _

log = logging.getLogger(__name__)


class _SafetyNetThread(QThread):
    step = Signal(str)
    checked = Signal(str)  # 'ok' or the damage
    backed_up = Signal(object)  # BackupResult, or None when today's backup exists
    failed = Signal(object)

    def __init__(self, folder: DataFolder):
        super().__init__()
        self.folder = folder
        self.setObjectName("safety-net")

    def run(self) -> None:
        try:
            with self.folder.open_store() as store:
                self.step.emit(_("Checking the database…"))
                verdict = store.integrity_check()
                self.checked.emit(verdict)
                if verdict != "ok":
                    return
                if not daily_backup_due(self.folder.path):
                    self.backed_up.emit(None)
                    return
                self.step.emit(_("Backing up the station…"))
                self.backed_up.emit(daily_backup(store, self.folder.path, self.step.emit))
        except Exception as error:  # reported on the UI thread, and logged
            log.exception("start-up check or daily backup failed")
            self.failed.emit(error)


class SafetyNet(QObject):
    """Runs the start-up check and the daily backup; `damaged(message)` when the check fails."""

    damaged = Signal(str)

    def __init__(self, folder: DataFolder):
        super().__init__()
        self.folder = folder
        self.window: QMainWindow | None = None
        self.status = ""
        self.verdict: str | None = None
        self.backup = None
        self._thread = _SafetyNetThread(folder)
        self._thread.step.connect(self._show_status)
        self._thread.checked.connect(self._checked)
        self._thread.backed_up.connect(self._backed_up)
        self._thread.failed.connect(self._failed)

    def start(self) -> None:
        self._thread.start()

    def wait(self, milliseconds: int = 600_000) -> bool:
        """At exit: let a running backup finish (its copy would otherwise be discarded)."""
        return self._thread.wait(milliseconds)

    def show_in(self, window: QMainWindow) -> None:
        self.window = window
        if self.status:
            window.statusBar().showMessage(self.status)

    def _show_status(self, text: str, timeout_ms: int = 0) -> None:
        self.status = text
        if self.window is not None:
            self.window.statusBar().showMessage(text, timeout_ms)

    def _checked(self, verdict: str) -> None:
        self.verdict = verdict
        if verdict == "ok":
            self._show_status(_("Database checked: no damage found."), 10_000)
            return
        log.error("start-up quick_check found damage: %s", verdict)
        self.damaged.emit(damage_message(self.folder, verdict))

    def _backed_up(self, result) -> None:
        self.backup = result
        if result is None:
            self._show_status(_("Database checked: no damage found."), 10_000)
            return
        self._show_status(_("Today's backup is made: {path}").format(path=result.path), 20_000)
        if result.warnings:
            QMessageBox.warning(self._parent(), _("Backup"), "\n".join(result.warnings))

    def _failed(self, error: BaseException) -> None:
        self._show_status("")
        QMessageBox.warning(
            self._parent(),
            _("Backup"),
            _("The start-up check or today's backup could not run: {error}").format(error=error),
        )

    def _parent(self) -> QWidget | None:
        return self.window


def damage_message(folder: DataFolder, verdict: str) -> str:
    return (
        _("The station database is damaged ({detail}). Nothing more will be saved.").format(
            detail=verdict.splitlines()[0]
        )
        + " "
        + way_back(folder.path)
    )
