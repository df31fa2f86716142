"""The 同步 (Sync) menu and the sync part of the main window's status bar.

Sync now (Ctrl+Shift+S, also on the toolbar) and the background sync every few minutes
(SyncController); while a round runs, the status bar shows its progress and a Cancel button.
The status line says when the last sync succeeded, how many changes wait, and any conflicts,
refused changes and clock warning; a failure is explained with what to do (a message box
after Sync now, the status bar after a background round). The menu also holds the conflict
review (administrators and officers), the list of set-aside records, the USB bundles (the
export, which holds personal data in full, for administrators only, audited) and, for
administrators, enrolment.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
)

from station_app.account_rules import may_export_personal_data
from station_app.domain import Role, User
from station_app.i18n import N_, _
from station_app.store import Store
from station_app.sync.engine import SyncReport, SyncStatus
from station_app.ui.field_problem import ERROR_COLOUR, WARNING_COLOUR
from station_app.ui.sync_controller import SyncController
from station_app.ui.sync_words import failure_text, short_failure, status_line
from station_app.ui.tasks import Change, TaskRunner, run_with_progress

if TYPE_CHECKING:
    from station_app.sync.bundles import BundleReport
    from station_app.sync.enrolment import Enrolled
    from station_app.ui.conflicts_dialog import ConflictsDialog
    from station_app.ui.enrol_dialog import EnrolDialog
    from station_app.ui.set_aside_dialog import SetAsideDialog

BUNDLE_FILTER_TEXT = N_("USB bundles (*.ssb);;All files (*)")


def may_review_conflicts(user: User) -> bool:
    return user.role in (Role.ADMIN, Role.OFFICER, Role.CITY)


def may_enrol(user: User) -> bool:
    return user.role is Role.ADMIN


class SyncPanel(QObject):
    """Built by the main window; owns the SyncController and the sync dialogs."""

    def __init__(self, window: QMainWindow, tasks: TaskRunner, user: User) -> None:
        super().__init__(window)
        self.window = window
        self.tasks = tasks
        self.user = user
        self.controller = SyncController(tasks, self)
        self.conflicts_dialog: ConflictsDialog | None = None
        self.enrol_dialog: EnrolDialog | None = None
        self.set_aside_dialog: SetAsideDialog | None = None
        self.message_box: QMessageBox | None = None
        self.last_message = ""
        self.summary = ""  # of the last round that finished

        self.label = QLabel()
        self.label.setObjectName("sync-status")
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(140)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.hide()
        self.cancel_button = QPushButton(_("Cancel sync"))
        self.cancel_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()

        self.sync_action = QAction(_("&Sync now"), window)
        self.sync_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.sync_action.setToolTip(
            _("Send this station's changes to the city office and fetch theirs (Ctrl+Shift+S)")
        )
        self.sync_action.triggered.connect(self.sync_now)
        self.cancel_action = QAction(_("&Cancel the sync"), window)
        self.cancel_action.setEnabled(False)
        self.cancel_action.triggered.connect(self.cancel)
        self.conflicts_action: QAction | None = None
        if may_review_conflicts(user):
            self.conflicts_action = QAction(_("Review sync &conflicts…"), window)
            self.conflicts_action.triggered.connect(self.show_conflicts)
        self.set_aside_action = QAction(_("Set-&aside records…"), window)
        self.set_aside_action.setToolTip(
            _("Changes sync set aside, with what happened and what to do")
        )
        self.set_aside_action.triggered.connect(self.show_set_aside)
        self.export_action = QAction(_("&Export a USB bundle…"), window)
        # The bundle holds names, phones and ID numbers in full: an administrator's act.
        self.export_action.setEnabled(may_export_personal_data(user))
        self.export_action.setToolTip(
            _("Write this station's changes to a file for the city office (USB stick)")
            if may_export_personal_data(user)
            else _(
                "Only an administrator may export a USB bundle: it holds complainants' names, "
                "phone numbers and ID numbers in full."
            )
        )
        self.export_action.triggered.connect(self.choose_export_file)
        self.import_action = QAction(_("&Import a USB bundle…"), window)
        self.import_action.setToolTip(_("Read a file the city office made for this station"))
        self.import_action.triggered.connect(self.choose_import_file)
        self.enrol_action: QAction | None = None
        if may_enrol(user):
            self.enrol_action = QAction(_("Connect to the city office's &server…"), window)
            self.enrol_action.triggered.connect(self.show_enrol)

        self.controller.status_changed.connect(self._show_status)
        self.controller.started.connect(self._started)
        self.controller.progress.connect(self._progress)
        self.controller.finished.connect(self._finished)
        self.controller.failed.connect(self._failed)

    def add_to(
        self, window: QMainWindow, before: QMenu | None = None, status_index: int = 0
    ) -> QMenu:
        """The 同步 menu (before the menu `before`) and the status bar's widgets (after the
        status bar's first `status_index` normal widgets)."""
        menu = QMenu(_("S&ync"), window)
        menu.setToolTipsVisible(True)  # a disabled entry says why
        menu.addAction(self.sync_action)
        menu.addAction(self.cancel_action)
        menu.addSeparator()
        if self.conflicts_action is not None:
            menu.addAction(self.conflicts_action)
        menu.addAction(self.set_aside_action)
        menu.addSeparator()
        menu.addAction(self.export_action)
        menu.addAction(self.import_action)
        if self.enrol_action is not None:
            menu.addSeparator()
            menu.addAction(self.enrol_action)
        if before is not None:
            window.menuBar().insertMenu(before.menuAction(), menu)
        else:
            window.menuBar().addMenu(menu)
        bar = window.statusBar()
        # Left of the other permanent widgets (the calendar warning, the user), so it is always
        # whole; Qt's index counts the normal widgets too (`status_index` of them).
        for offset, widget in enumerate((self.label, self.progress_bar, self.cancel_button)):
            bar.insertPermanentWidget(status_index + offset, widget)
        self.menu = menu
        return menu

    def start(self) -> None:
        self.controller.start()

    def shutdown(self) -> None:
        for dialog in (self.conflicts_dialog, self.enrol_dialog, self.set_aside_dialog):
            if dialog is not None:
                dialog.reject()
        self.controller.shutdown()

    # -- sync rounds ---------------------------------------------------------------------------

    def sync_now(self) -> bool:
        """同步; on a station not enrolled yet, an administrator is shown the enrolment."""
        status = self.controller.status
        if status is not None and not status.enrolled and may_enrol(self.user):
            self.show_enrol()
            return False
        return self.controller.sync_now()

    def cancel(self) -> None:
        self.controller.cancel()
        self.cancel_button.setEnabled(False)
        self.label.setText(_("Stopping the sync…"))

    def _started(self, background: bool) -> None:
        self.sync_action.setEnabled(False)
        self.cancel_action.setEnabled(True)
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self.progress_bar.setRange(0, 0)
        self.progress_bar.show()
        self.label.setStyleSheet("")
        self.label.setText(_("Syncing in the background…") if background else _("Syncing…"))

    def _progress(self, done: int, total: int, text: str) -> None:
        if total > 0:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(min(done, total))
        else:
            self.progress_bar.setRange(0, 0)
        if text and self.cancel_button.isEnabled():
            self.label.setText(text)

    def _stopped(self) -> None:
        self.sync_action.setEnabled(True)
        self.cancel_action.setEnabled(False)
        self.cancel_button.hide()
        self.progress_bar.hide()

    def _finished(self, report: SyncReport) -> None:
        self._stopped()
        if report.cancelled:
            self.last_message = _("Sync stopped; what was done is kept.")
        else:
            self.last_message = _(
                "Sync finished: {sent} changes sent, {received} received."
            ).format(sent=report.pushed, received=report.pulled)
        # Not statusBar().showMessage(): it would hide the count of cases, and the status
        # line says when the last sync succeeded; the summary is in its tooltip.
        self.summary = self.last_message

    def _failed(self, error: BaseException, background: bool) -> None:
        self._stopped()
        self.summary = ""
        self.last_message = failure_text(error)
        self.label.setText(short_failure(error))
        self.label.setToolTip(self.last_message)
        self.label.setStyleSheet(f"color: {ERROR_COLOUR};")
        if not background:
            self._tell(QMessageBox.Icon.Warning, _("Sync did not succeed"), self.last_message)

    def _show_status(self, status: SyncStatus) -> None:
        if self.controller.running:
            return
        text, tip = status_line(status)
        if self.controller.last_failure is not None:
            text = short_failure(self.controller.last_failure) + " · " + text
            tip = failure_text(self.controller.last_failure) + "\n\n" + tip
            upcoming = self.controller.next_sync_at
            if upcoming is not None and status.enrolled:
                text += " · " + _("next sync {time}").format(time=f"{upcoming:%H:%M}")
        elif self.summary:
            tip = self.summary + "\n" + tip
        self.label.setText(text)
        self.label.setToolTip(tip)
        warn = status.clock_warning or status.conflicts or self.controller.last_failure
        colour = ERROR_COLOUR if self.controller.last_failure is not None else WARNING_COLOUR
        self.label.setStyleSheet(f"color: {colour};" if warn else "")

    def _tell(self, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
        box = QMessageBox(icon, title, text)
        box.setParent(self.window, box.windowFlags())
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.message_box = box
        return box

    # -- dialogs -------------------------------------------------------------------------------

    def show_conflicts(self) -> ConflictsDialog | None:
        if not may_review_conflicts(self.user):
            return None
        from station_app.ui.conflicts_dialog import ConflictsDialog

        if self.conflicts_dialog is None:
            self.conflicts_dialog = ConflictsDialog(self.tasks, self.user, self.window)
            self.conflicts_dialog.finished.connect(self._conflicts_closed)
        else:
            self.conflicts_dialog.reload()
        self.conflicts_dialog.show()
        self.conflicts_dialog.raise_()
        self.conflicts_dialog.activateWindow()
        return self.conflicts_dialog

    def _conflicts_closed(self) -> None:
        if self.conflicts_dialog is not None:
            self.conflicts_dialog.deleteLater()
            self.conflicts_dialog = None

    def show_set_aside(self) -> SetAsideDialog:
        """被退回的记录: the list of set-aside records (for every user: read-only)."""
        from station_app.ui.set_aside_dialog import SetAsideDialog

        if self.set_aside_dialog is None:
            self.set_aside_dialog = SetAsideDialog(self.tasks, self.window)
            self.set_aside_dialog.finished.connect(self._set_aside_closed)
        else:
            self.set_aside_dialog.reload()
        self.set_aside_dialog.show()
        self.set_aside_dialog.raise_()
        self.set_aside_dialog.activateWindow()
        return self.set_aside_dialog

    def _set_aside_closed(self) -> None:
        if self.set_aside_dialog is not None:
            self.set_aside_dialog.deleteLater()
            self.set_aside_dialog = None

    def show_enrol(self) -> EnrolDialog | None:
        if not may_enrol(self.user):
            return None
        from station_app.ui.enrol_dialog import EnrolDialog

        if self.enrol_dialog is None:
            self.enrol_dialog = EnrolDialog(self.controller, self.window)
            self.enrol_dialog.enrolled.connect(self._enrolled)
            self.enrol_dialog.finished.connect(self._enrol_closed)
        self.enrol_dialog.show()
        self.enrol_dialog.raise_()
        self.enrol_dialog.activateWindow()
        return self.enrol_dialog

    def _enrol_closed(self) -> None:
        if self.enrol_dialog is not None:
            self.enrol_dialog.deleteLater()
            self.enrol_dialog = None

    def _enrolled(self, result: Enrolled) -> None:
        self.last_message = _(
            "This PC is now connected to the city office's server as station {name} "
            "({station}). The first sync starts now."
        ).format(name=result.name, station=result.station)
        self._tell(QMessageBox.Icon.Information, _("Connected"), self.last_message)
        self.controller.last_failure = None
        self.controller.refresh_status()
        self.controller.sync_now()

    # -- USB bundles -------------------------------------------------------------------------

    def choose_export_file(self) -> None:
        if not may_export_personal_data(self.user):
            return
        default = f"{date.today():%Y%m%d}.ssb"
        path, _filter = QFileDialog.getSaveFileName(
            self.window, _("Export a USB bundle"), default, _(BUNDLE_FILTER_TEXT)
        )
        if path:
            self.export_bundle_to(Path(path))

    def choose_import_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self.window, _("Import a USB bundle"), "", _(BUNDLE_FILTER_TEXT)
        )
        if path:
            self.import_bundle_from(Path(path))

    def export_bundle_to(self, path: Path, done=None):  # noqa: ANN001 - a callback
        """Write the bundle on the database worker, behind a progress dialog (administrators;
        export_bundle refuses anyone else and logs the export)."""
        folder = self.tasks.folder.path
        user = self.user

        def run(store: Store, context) -> BundleReport:  # noqa: ANN001 - a TaskContext
            from station_app.sync.bundles import export_bundle

            context.report_progress(0, 1, _("Writing the USB bundle…"))
            return export_bundle(store, folder, path, exported_by=user)

        def exported(report: BundleReport) -> None:
            self.last_message = _(
                "The USB bundle {path} holds {changes} changes of {cases} cases and {files} "
                "files. Take it to the city office; the next online sync will not send them "
                "twice. The export is recorded in the audit log."
            ).format(
                path=path, changes=report.changes, cases=report.cases, files=report.attachments
            )
            self._tell(QMessageBox.Icon.Information, _("USB bundle written"), self.last_message)
            self.controller.refresh_status()
            if done is not None:
                done(report)

        return run_with_progress(
            self.tasks,
            run,
            parent=self.window,
            label=_("Writing the USB bundle…"),
            success=exported,
            failure=lambda error: self._bundle_failed(error, done),
            doing=_("writing the USB bundle"),
        )

    def import_bundle_from(self, path: Path, done=None):  # noqa: ANN001 - a callback
        """Read a bundle from the city office on the database worker, behind a progress dialog."""
        folder = self.tasks.folder.path

        def run(store: Store, context) -> BundleReport:  # noqa: ANN001 - a TaskContext
            from station_app.sync.bundles import import_bundle

            context.report_progress(0, 1, _("Reading the USB bundle…"))
            return import_bundle(store, folder, path)

        def imported(report: BundleReport) -> None:
            self.last_message = _(
                "The USB bundle was imported: {applied} changes applied, {refused} refused, "
                "{files} files."
            ).format(applied=report.applied, refused=report.refused, files=report.attachments)
            self._tell(QMessageBox.Icon.Information, _("USB bundle imported"), self.last_message)
            self.controller.refresh_status()
            if done is not None:
                done(report)

        return run_with_progress(
            self.tasks,
            run,
            parent=self.window,
            label=_("Reading the USB bundle…"),
            success=imported,
            failure=lambda error: self._bundle_failed(error, done),
            changes=set(Change),
            doing=_("reading the USB bundle"),
        )

    def _bundle_failed(self, error: BaseException, done=None) -> None:  # noqa: ANN001
        self.last_message = failure_text(error)
        self._tell(QMessageBox.Icon.Warning, _("USB bundle"), self.last_message)
        if done is not None:
            done(error)
