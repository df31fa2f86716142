"""Start the desktop app: font, data folder, first-run setup, login, then the main window."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import (
    QLibraryInfo,
    QLocale,
    QObject,
    Qt,
    QThread,
    QTimer,
    QTranslator,
    Signal,
    Slot,
)
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from station_app.assets import asset_path
from station_app.data_folder import DataFolder
from station_app.data_key import KEY_FILE
from station_app.domain import Station, User
from station_app.error_report import (
    configure_logging,
    current_log_path,
    log_unexpected,
    unconfigure_logging,
)
from station_app.i18n import _, current_language
from station_app.store import Store, StoreError
from station_app.store.accounts import is_initialised, local_station
from station_app.store.case_list import count_cases
from station_app.store.migration_progress import MigrationProgress
from station_app.ui.errors import set_log_file, show_unexpected, user_message
from station_app.ui.fonts import apply_cjk_font
from station_app.ui.idle_lock import IdleLock
from station_app.ui.login_dialog import LoginDialog
from station_app.ui.main_window import MainWindow
from station_app.ui.migration_dialog import MigrationDialog
from station_app.ui.paint_log import watch_first_paints
from station_app.ui.recovery_key_dialog import RecoveryKeyNotice, RecoveryKeyPrompt
from station_app.ui.safety_net import SafetyNet
from station_app.ui.setup_wizard import SetupWizard
from station_app.ui.tasks import Change, TaskContext, TaskRunner, run_with_progress
from station_app.ui.window_fit import fit_window

log = logging.getLogger(__name__)


def make_application() -> QApplication:
    """The QApplication (made once), with a Chinese-capable font and Qt's own translations."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(sys.argv[:1])
    app.setApplicationName("station-app")
    app.setApplicationDisplayName(_("Consumer complaint station"))
    app.setWindowIcon(QIcon(str(asset_path("icons", "station-app.png"))))
    apply_cjk_font(app)
    if current_language() == "zh_CN":
        # Qt's standard texts (file dialogs, calendar, context menus) in Chinese as well.
        translator = QTranslator(app)
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if translator.load(
            QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase", "_", folder
        ):
            app.installTranslator(translator)
    return app


def open_main_window(
    folder: DataFolder,
    user: User,
    *,
    tasks: TaskRunner | None = None,
    station: Station | None = None,
) -> MainWindow:
    """Show the main window for a logged-in user (for the app, benchmarks and tests).

    Without `tasks`, a new database worker is started; it stops when the application quits,
    or call `window.tasks.shutdown()`. Time start-up with `window.first_rows_painted`.
    """
    app = make_application()
    if tasks is None:
        tasks = TaskRunner(folder)
        app.aboutToQuit.connect(tasks.shutdown)
    window = MainWindow(tasks, user, station)
    window.idle_lock = IdleLock(tasks, user, station, parent=window)
    fit_window(window, (1280, 760))
    window.show()
    return window


def _read_station_state(store: Store) -> tuple[bool, Station | None]:
    if not is_initialised(store):
        return False, None
    return True, local_station(store)


class StartupFlow(QObject):
    """Setup (or demo data) → login → main window, each step started by the previous one's
    result, so the event loop keeps running and no database work happens on the UI thread."""

    def __init__(
        self,
        app: QApplication,
        folder: DataFolder,
        tasks: TaskRunner,
        demo_cases: int,
        recovery: str | None = None,
    ):
        """`recovery`: the recovery key of a station being set up, shown after the setup."""
        super().__init__()
        self.app = app
        self.folder = folder
        self.tasks = tasks
        self.demo_cases = demo_cases
        self.window: MainWindow | None = None
        self._dialog: QWidget | None = None
        self.safety_net: SafetyNet | None = None
        self.migration_dialog: MigrationDialog | None = None
        self._recovery = recovery

    def start(self) -> None:
        self.tasks.migration_progress.connect(self._migration_progress)
        self.tasks.submit(
            _read_station_state,
            success=self._state_read,
            failure=self._fatal,
            doing=_("opening the database"),
        )

    def _migration_progress(self, report: MigrationProgress) -> None:
        """The database needs migrating: show how it goes until it is done."""
        if self.migration_dialog is None:
            if report.finished:
                return
            self.migration_dialog = MigrationDialog()
        self.migration_dialog.show_report(report)

    def _state_read(self, state: tuple[bool, Station | None]) -> None:
        if self.migration_dialog is not None:
            self.migration_dialog.close()
        initialised, station = state
        if initialised:
            self._start_safety_net()
            self._login(station)
        elif self.demo_cases > 0:
            self._make_demo()
        else:
            self._setup()

    def _setup(self) -> None:
        encrypted = (
            self._recovery is not None
            or self.folder.key_problem() is None
            and ((self.folder.path / KEY_FILE).exists())
        )
        wizard = SetupWizard(self.tasks, encrypted=encrypted)
        wizard.accepted.connect(lambda: self._after_setup(wizard.station, wizard.admin.username))
        wizard.rejected.connect(lambda: self.app.exit(0))
        self._show(wizard)

    def _after_setup(self, station: Station, username: str) -> None:
        """The recovery key of the new station's data folder, once, before the login."""
        if self._recovery is None:
            self._login(station, username)
            return
        notice = RecoveryKeyNotice(self._recovery, station.name)
        self._recovery = None
        notice.accepted.connect(lambda: self._login(station, username))
        self._show(notice)

    def _make_demo(self) -> None:
        wanted = self.demo_cases

        def make_demo(store: Store, context: TaskContext) -> tuple[Station, str]:
            from station_app.demo import DEMO_ADMIN, ensure_demo_station, fill_demo

            ensure_demo_station(store)

            def progress(done: int) -> None:
                context.report_progress(
                    done,
                    wanted,
                    _("{done} of {total} sample cases made").format(done=done, total=wanted),
                )
                context.check_cancelled()  # between batches: the cases made so far are kept

            if count_cases(store) == 0:
                fill_demo(
                    store, cases=wanted, station_code=local_station(store).code, progress=progress
                )
            return local_station(store), DEMO_ADMIN

        def made(result: tuple[Station, str]) -> None:
            station, username = result
            self._login(station, username)

        run_with_progress(
            self.tasks,
            make_demo,
            parent=None,
            label=_("Making sample cases for the demo…"),
            success=made,
            failure=self._fatal,
            cancelled=self.start,  # keep the cases made so far; go on to the login
            changes={Change.CASES, Change.STATION, Change.USERS},
            doing=_("making sample cases"),
        )

    def _login(self, station: Station | None, username: str = "") -> None:
        dialog = LoginDialog(self.tasks, station, username)
        dialog.accepted.connect(lambda: self._open_main(dialog.user, station))
        dialog.rejected.connect(lambda: self.app.exit(0))
        self._show(dialog)

    def _show(self, dialog: QWidget) -> None:
        self._dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def _open_main(self, user: User, station: Station | None) -> None:
        self.window = open_main_window(self.folder, user, tasks=self.tasks, station=station)
        self.window.showMaximized()
        self._start_safety_net()
        self.safety_net.show_in(self.window)
        self.window.show_todays_work()  # 今日待办 opens on start-up
        self._dialog = None
        self.app.setQuitOnLastWindowClosed(True)

    def _start_safety_net(self) -> None:
        """The start-up check and the day's backup, once the database is open and migrated."""
        if self.safety_net is None:
            self.safety_net = SafetyNet(self.folder)
            self.safety_net.damaged.connect(self._damaged)
            self.safety_net.start()

    def _damaged(self, message: str) -> None:
        QMessageBox.critical(self.window or self._dialog, _("The database is damaged"), message)
        self.app.exit(1)

    def _fatal(self, error: BaseException) -> None:
        if self.migration_dialog is not None:
            self.migration_dialog.close()
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            _("station-app cannot start"),
            user_message(error, _("opening the database")),
        )
        box.exec()
        self.app.exit(1)


class _UnhandledBridge(QObject):
    """Carries an error that escaped on another thread (PySide calls sys.excepthook on the
    thread where a QThread's run() raised) to the UI thread, the only one that may show it."""

    raised = Signal(object, object, object)

    def __init__(self) -> None:
        super().__init__()
        self.raised.connect(self.show, Qt.ConnectionType.QueuedConnection)

    @Slot(object, object, object)
    def show(self, kind: type[BaseException], error: BaseException, trace) -> None:
        _show_unhandled(kind, error, trace)


_bridge: list[_UnhandledBridge] = []


def _show_unhandled(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    """An error that escaped a Qt slot (or a thread's run()): logged with a reference and shown
    with what to do and a button that copies the details, instead of the app dying silently."""
    if isinstance(error, KeyboardInterrupt):
        QApplication.quit()
        return
    app = QApplication.instance()
    if app is not None and QThread.currentThread() is not app.thread():
        if not _bridge:  # (made on the UI thread by install_unhandled_hook)
            log_unexpected(error, trace)
            return
        _bridge[0].raised.emit(kind, error, trace)
        return
    show_unexpected(QApplication.activeWindow(), error, trace)


def install_unhandled_hook() -> Callable[..., None]:
    """Show every error that escapes (on the UI thread or another) as _show_unhandled does;
    returns the hook it replaced. Called on the UI thread."""
    if not _bridge:
        _bridge.append(_UnhandledBridge())
    previous = sys.excepthook
    sys.excepthook = _show_unhandled
    return previous


def warn_if_documents_cannot_print(parent: QWidget | None = None) -> str | None:
    """At start-up, say at once when the document font is missing or broken (cases can still
    be recorded; printing would refuse), rather than when the first agreement is due."""
    from station_app.documents.fonts import check_document_font

    message = check_document_font()
    if message is not None:
        log.warning("document font unusable: %s", message)
        QMessageBox.warning(parent, _("Documents cannot be printed"), message)
    return message


def _unlock(folder: DataFolder) -> bool:
    """Before anything opens the database: when this PC's password store has no key for the
    folder's encrypted database (or a wrong one), an administrator enters the recovery key.
    False when they quit instead."""
    problem = folder.key_problem()
    if problem is None:
        return True
    prompt = RecoveryKeyPrompt(folder.path, problem)
    return prompt.exec() == QDialog.DialogCode.Accepted


def run_gui(data_dir: Path, *, demo_cases: int = 0) -> int:
    """Run the desktop app on a data folder; returns the process exit code.

    With `demo_cases`, an empty data folder becomes the demo station (admin / demo1234) with
    that many sample cases. Exit code 1 when the data folder or the database cannot be used.
    """
    app = make_application()
    watch_first_paints(app)  # only with STATION_APP_PAINT_LOG set (benchmarks/bench_build.py)
    try:
        folder = DataFolder(Path(data_dir))
    except StoreError as error:
        QMessageBox.critical(None, _("station-app cannot start"), str(error))
        return 1
    configured_here = current_log_path() is None
    set_log_file(str(configure_logging(folder.path)))
    # Once the first window is up: the check loads reportlab, which start-up need not wait for.
    QTimer.singleShot(0, warn_if_documents_cannot_print)
    previous_hook = install_unhandled_hook()
    if not _unlock(folder):
        folder.close()
        sys.excepthook = previous_hook
        if configured_here:
            unconfigure_logging()
        return 0
    # A station being set up gets its key before its database exists (the worker opens it).
    recovery = None if demo_cases > 0 else folder.new_station_key()
    tasks = TaskRunner(folder)
    app.setQuitOnLastWindowClosed(False)  # dialogs come and go before the main window opens
    flow = StartupFlow(app, folder, tasks, demo_cases, recovery)
    flow.start()
    try:
        code = app.exec()
    finally:
        if flow.window is not None:
            flow.window.close()
        if flow.safety_net is not None:
            flow.safety_net.wait()
        tasks.shutdown()
        folder.close()
        sys.excepthook = previous_hook
        if configured_here:
            unconfigure_logging()
    return code
