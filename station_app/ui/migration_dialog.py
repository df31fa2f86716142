"""The dialog shown while the database worker migrates the database it opens (an upgrade of
the app on a station with many cases can take a while): the step, the percentage done and
the time spent, never frozen, closed when the database is ready. It cannot be cancelled: a
migration is one transaction, and stopping it would only mean doing it again next time."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from station_app.i18n import _
from station_app.store.migration_progress import MigrationProgress, step_text


class MigrationDialog(QProgressDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Upgrading the station database"))
        self.setCancelButton(None)
        self.setRange(0, 100)
        self.setMinimumDuration(0)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setMinimumWidth(480)
        self.reports: list[MigrationProgress] = []  # every report shown (for tests and logs)

    def show_report(self, report: MigrationProgress) -> None:
        self.reports.append(report)
        self.setValue(report.percent)
        self.setLabelText(
            _(
                "The app was updated: the station's data is being brought up to date. "
                "Please wait and do not switch off the PC.\n\n{step}\n"
                "Step {number} of {steps} · {seconds:.0f} s so far"
            ).format(
                step=step_text(report),
                number=report.step,
                steps=report.steps,
                seconds=report.elapsed,
            )
        )
        if report.finished:
            self.close()
        elif not self.isVisible():
            self.show()
            self.raise_()
