"""The main window: the filter bar over the case list, New case (Ctrl+N), today's work (F2),
the holiday-schedule import, the station settings and accounts (administrators), changing
one's own password, sync with the city office (Ctrl+Shift+S, ui/sync_panel.py), and the
status bar."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from station_app.account_rules import may_manage_accounts
from station_app.domain import Station, User
from station_app.domain import label as enum_label
from station_app.i18n import _
from station_app.store import Store
from station_app.store.accounts import local_station
from station_app.store.case_list import (
    TEXT_MATCH_LIMIT,
    CaseFilter,
    count_cases,
    count_text_matches,
)
from station_app.store.people import display_names
from station_app.ui.case_filter_bar import CaseFilterBar
from station_app.ui.case_table_model import CaseTableModel
from station_app.ui.case_table_view import CaseTableView
from station_app.ui.errors import show_error
from station_app.ui.field_problem import WARNING_COLOUR
from station_app.ui.known_names import known_names
from station_app.ui.permissions import may_change_settings
from station_app.ui.tasks import Change, TaskRunner
from station_app.ui.window_fit import remember_size

if TYPE_CHECKING:
    # The dialogs (and the documents, reportlab, the workflow) load when first opened, so
    # that the list paints sooner at start-up.
    from station_app.store.holidays import HolidayImport
    from station_app.ui.accounts_dialog import AccountsDialog
    from station_app.ui.case_detail import CaseDetailDialog
    from station_app.ui.change_password_dialog import ChangePasswordDialog
    from station_app.ui.intake_dialog import IntakeDialog
    from station_app.ui.station_settings import StationSettingsDialog
    from station_app.ui.todays_work import TodaysWorkDialog


class MainWindow(QMainWindow):
    """Composes the filter bar, the lazy case list and the dialogs; holds no data of its own.

    `first_rows_painted` is emitted once, right after the list has first been painted with real
    rows (or painted empty when the station has no matching case): the moment a clerk can
    start reading. Benchmarks time start-up to this signal.
    """

    first_rows_painted = Signal()

    def __init__(self, tasks: TaskRunner, user: User, station: Station | None = None):
        super().__init__()
        self.tasks = tasks
        self.user = user
        self.station = station
        self.total_cases: int | None = None
        self.text_matches: int | None = None
        self._count_matches_after_rows = False
        self.intake: IntakeDialog | None = None
        self.detail_dialogs: dict[int | str, CaseDetailDialog] = {}
        self.todays_work: TodaysWorkDialog | None = None
        self.statistics: QDialog | None = None
        self.holiday_import_result: HolidayImport | BaseException | None = None
        self.settings_dialog: StationSettingsDialog | None = None
        self.guide_dialog = None
        self.accounts_dialog: AccountsDialog | None = None
        self.password_dialog: ChangePasswordDialog | None = None

        self.filter_bar = CaseFilterBar()
        self.model = CaseTableModel(tasks, parent=self)
        self.table = CaseTableView()
        self.table.setModel(self.model)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 6, 8, 0)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.table, 1)
        self.setCentralWidget(central)

        self.count_label = QLabel(_("Loading the case list…"))
        self.who_label = QLabel()
        # Told once per login, here and in today's work (never after every step).
        self.calendar_label = QLabel()
        self.calendar_label.setObjectName("calendar-warning")
        self.calendar_label.setStyleSheet(f"color: {WARNING_COLOUR};")
        self.calendar_label.hide()
        # A long warning gives way to the sync status beside it (its tooltip holds it whole).
        self.calendar_label.setMinimumWidth(160)
        self.count_label.setMinimumWidth(self.count_label.fontMetrics().horizontalAdvance("0" * 12))
        self.statusBar().addWidget(self.count_label, 1)
        self.statusBar().addPermanentWidget(self.calendar_label)
        self.statusBar().addPermanentWidget(self.who_label)
        self._make_actions()

        self.filter_bar.filter_changed.connect(self.model.set_filter)
        self.filter_bar.filter_changed.connect(lambda _f: self._show_loading())
        self.model.ids_loaded.connect(self._ids_loaded)
        self.model.rows_loaded.connect(self._rows_loaded)
        self.table.open_requested.connect(self.open_case_at)
        self.filter_bar.down_from_search.connect(self._go_to_list)
        self.table.real_rows_painted.connect(self.first_rows_painted)
        tasks.changes.changed.connect(self._data_changed)

        self._show_station()
        self._load_display_names()  # before the first case opens: the worker runs in order
        self._load_calendar_warnings()
        self.model.reload()
        self.sync_panel.start()  # the sync status now, the background sync from now on
        if station is None:
            self._load_station()
        self.filter_bar.focus_search()

    # ---------------------------------------------------------------- actions

    def _make_actions(self) -> None:
        self.new_case_action = QAction(_("&New case"), self)
        self.new_case_action.setShortcut(QKeySequence("Ctrl+N"))
        self.new_case_action.setToolTip(
            _("Register a new complaint, report or consultation (Ctrl+N)")
        )
        self.new_case_action.triggered.connect(self.new_case)
        self.open_case_action = QAction(_("&Open case"), self)
        self.open_case_action.setToolTip(_("Show the selected case (Enter or double-click)"))
        self.open_case_action.triggered.connect(self._open_current)
        self.find_action = QAction(_("&Find"), self)
        self.find_action.setShortcut(QKeySequence("Ctrl+F"))
        self.find_action.triggered.connect(self.filter_bar.focus_search)
        self.refresh_action = QAction(_("&Refresh"), self)
        self.refresh_action.setShortcut(QKeySequence("F5"))
        self.refresh_action.triggered.connect(self.refresh)
        self.todays_work_action = QAction(_("&Today's work"), self)
        self.todays_work_action.setShortcut(QKeySequence("F2"))
        self.todays_work_action.setToolTip(_("Cases overdue, due today and due this week (F2)"))
        self.todays_work_action.triggered.connect(self.show_todays_work)
        self.statistics_action = QAction(_("S&tatistics"), self)
        self.statistics_action.setShortcut(QKeySequence("F3"))
        self.statistics_action.setToolTip(
            _("Figures of a month, quarter or year, with charts and the Excel report (F3)")
        )
        self.statistics_action.triggered.connect(self.show_statistics)
        self.import_holidays_action = QAction(_("Import a &holiday schedule…"), self)
        self.import_holidays_action.setToolTip(
            _("Read the official holiday schedule of a year from a file the city office sent")
        )
        self.import_holidays_action.triggered.connect(self.choose_holiday_file)
        self.export_action = QAction(_("&Export the list to Excel…"), self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.setToolTip(
            _("Save the cases of the list as shown (filters, search, order, columns) as .xlsx")
        )
        self.export_action.triggered.connect(self.choose_export_file)
        self.guide_action = QAction(_("User &guide"), self)
        self.guide_action.setShortcut(QKeySequence("F1"))
        self.guide_action.triggered.connect(self.show_guide)
        self.about_action = QAction(_("&About"), self)
        self.about_action.triggered.connect(self.show_about)
        self.quit_action = QAction(_("&Quit"), self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.triggered.connect(self.close)

        cases_menu = self.menuBar().addMenu(_("&Cases"))
        for action in (self.new_case_action, self.open_case_action, self.find_action):
            cases_menu.addAction(action)
        cases_menu.addAction(self.todays_work_action)
        cases_menu.addAction(self.statistics_action)
        cases_menu.addSeparator()
        cases_menu.addAction(self.refresh_action)
        cases_menu.addAction(self.export_action)
        cases_menu.addSeparator()
        cases_menu.addAction(self.quit_action)

        station_menu = self.menuBar().addMenu(_("&Station"))
        self.merchants_action = QAction(_("&Merchants…"), self)
        self.merchants_action.triggered.connect(self.show_merchants)
        station_menu.addAction(self.merchants_action)
        self.import_ledger_action = QAction(_("Import a &ledger…"), self)
        self.import_ledger_action.setToolTip(
            _("Bring the cases of an Excel ledger into the app, or undo such an import")
        )
        self.import_ledger_action.triggered.connect(self.show_ledger_import)
        station_menu.addAction(self.import_ledger_action)
        self.supervision_action = QAction(_("Super&vision work…"), self)
        self.supervision_action.setToolTip(
            _("Satisfaction surveys, secret-shopper visits and product sampling")
        )
        self.supervision_action.triggered.connect(self.show_supervision)
        station_menu.addAction(self.supervision_action)
        station_menu.addAction(self.import_holidays_action)
        # Only an administrator is offered the settings; others never see the entry.
        self.settings_action: QAction | None = None
        if may_change_settings(self.user):
            self.settings_action = QAction(_("Station &settings…"), self)
            self.settings_action.setToolTip(
                _("The on-site response promise and the thresholds of the art. 17 flags")
            )
            self.settings_action.triggered.connect(self.show_settings)
            station_menu.addSeparator()
            station_menu.addAction(self.settings_action)

        account_menu = self.menuBar().addMenu(_("&Account"))
        self.change_password_action = QAction(_("Change my &password…"), self)
        self.change_password_action.triggered.connect(self.show_change_password)
        account_menu.addAction(self.change_password_action)
        # Like the settings: only an administrator sees account management.
        self.accounts_action: QAction | None = None
        if may_manage_accounts(self.user):
            self.accounts_action = QAction(_("&Manage accounts…"), self)
            self.accounts_action.setToolTip(
                _("Add users, give roles, disable users and reset passwords")
            )
            self.accounts_action.triggered.connect(self.show_accounts)
            account_menu.addAction(self.accounts_action)
        from station_app.ui.sync_panel import SyncPanel

        self.sync_panel = SyncPanel(self, self.tasks, self.user)
        self.sync_panel.add_to(self, status_index=1)  # after the count of cases
        help_menu = self.menuBar().addMenu(_("&Help"))
        help_menu.addAction(self.guide_action)
        help_menu.addAction(self.about_action)

        toolbar = QToolBar(_("Main"))
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addAction(self.new_case_action)
        toolbar.addAction(self.open_case_action)
        toolbar.addAction(self.todays_work_action)
        toolbar.addAction(self.statistics_action)
        toolbar.addAction(self.refresh_action)
        toolbar.addAction(self.sync_panel.sync_action)
        self.addToolBar(toolbar)

    # ---------------------------------------------------------------- station, counts

    def _load_station(self) -> None:
        self.tasks.submit(
            local_station, success=self._station_loaded, owner=self, doing=_("reading the station")
        )

    def _station_loaded(self, station: Station) -> None:
        self.station = station
        self._show_station()

    def _show_station(self) -> None:
        user = _("{name} ({username}, {role})").format(
            name=self.user.display_name,
            username=self.user.username,
            role=enum_label(self.user.role),
        )
        if self.station is None:
            self.setWindowTitle(_("Consumer complaint station"))
            self.who_label.setText(user)
            return
        self.setWindowTitle(
            _("{station} – consumer complaint station").format(station=self.station.name)
        )
        self.who_label.setText(
            _("User: {user} · Station: {station} ({code})").format(
                user=user, station=self.station.name, code=self.station.code
            )
        )

    def _load_display_names(self) -> None:
        """Users' display names for the timelines, read again when the users change."""
        self.tasks.submit(
            display_names,
            success=known_names.update,
            owner=self,
            doing=_("reading the users' names"),
        )

    def _load_calendar_warnings(self) -> None:
        """Years without a holiday schedule that today's deadlines reach (e.g. 2027)."""

        def read(store):
            from station_app.store.holidays import calendar_warnings

            return calendar_warnings(store, date.today())

        self.tasks.submit(
            read,
            success=self._show_calendar_warnings,
            owner=self,
            doing=_("reading the holiday schedules"),
        )

    def _show_calendar_warnings(self, warnings: list[str]) -> None:
        text = " ".join(warnings)
        self.calendar_label.setText(text)
        self.calendar_label.setToolTip(text)
        self.calendar_label.setVisible(bool(warnings))

    def _count_all(self) -> None:
        def count(store: Store) -> int:
            return count_cases(store)

        self.tasks.submit(count, success=self._total_counted, owner=self, doing=_("counting cases"))

    def _total_counted(self, total: int) -> None:
        self.total_cases = total
        self._show_count()

    def _show_loading(self) -> None:
        self.count_label.setText(_("Searching…"))

    def _ids_loaded(self, shown: int) -> None:
        case_filter = self.model.case_filter
        self.text_matches = None
        self._count_matches_after_rows = False
        if case_filter == CaseFilter():
            self.total_cases = shown  # the whole list: no need to count separately
        elif self.total_cases is None:
            self._count_all()
        if case_filter.text.strip() and (
            shown >= TEXT_MATCH_LIMIT
            or case_filter != CaseFilter(text=case_filter.text, field=case_filter.field)
        ):
            # The list holds only the newest matches of a search; say how many there are,
            # once the first rows are on screen (the count must not delay them).
            self._count_matches_after_rows = True
        self._show_count()
        if case_filter != CaseFilter():
            self.table.empty_text = _(
                "No case matches the search or the filters. Press Esc in the search box to clear it."
            )
        else:
            self.table.empty_text = _("No cases yet. Press Ctrl+N to register the first case.")
        self.table.viewport().update()

    def _rows_loaded(self) -> None:
        if not self._count_matches_after_rows:
            return
        self._count_matches_after_rows = False
        text, field = self.model.case_filter.text, self.model.case_filter.field

        def count(store: Store) -> int:
            return count_text_matches(store, text, field)

        def counted(matches: int) -> None:
            if (self.model.case_filter.text, self.model.case_filter.field) == (text, field):
                self.text_matches = matches
                self._show_count()

        self.tasks.submit(count, success=counted, owner=self, doing=_("counting search results"))

    def _show_count(self) -> None:
        if self.model.loading or not self.model.loaded:
            return
        shown = self.model.rowCount()
        if self.model.case_filter == CaseFilter() or self.total_cases is None:
            text = _("{n} cases").format(n=shown)
        else:
            text = _("{shown} of {total} cases match").format(shown=shown, total=self.total_cases)
        if self.text_matches is not None and self.text_matches > TEXT_MATCH_LIMIT:
            text += " " + _(
                "(the search found {matches} cases; only its best {limit} are listed, "
                "type more to narrow it)"
            ).format(matches=self.text_matches, limit=TEXT_MATCH_LIMIT)
        self.count_label.setText(text)

    def _data_changed(self, what: frozenset[Change]) -> None:
        if Change.CASES in what:
            self.total_cases = None  # counted again with the reloaded list
        if Change.STATION in what:
            self._load_station()
        if Change.USERS in what:
            self._load_display_names()

    def refresh(self) -> None:
        self.total_cases = None
        self.model.reload(drop_cache=True)

    # ---------------------------------------------------------------- dialogs

    def new_case(self) -> IntakeDialog:
        """Open the intake form (or bring the open one to the front)."""
        from station_app.ui.intake_dialog import IntakeDialog

        if self.intake is None:
            self.intake = IntakeDialog(self.tasks, self.user, self)
            self.intake.finished.connect(self._intake_closed)
        self.intake.show()
        self.intake.raise_()
        self.intake.activateWindow()
        return self.intake

    def _intake_closed(self) -> None:
        if self.intake is not None:
            self.intake.deleteLater()
            self.intake = None

    def _go_to_list(self) -> None:
        self.table.setFocus()
        if not self.table.currentIndex().isValid() and self.model.rowCount():
            self.table.selectRow(0)

    def _open_current(self) -> None:
        row = self.table.current_row()
        if row is not None:
            self.open_case_at(row)

    def open_case_at(self, row: int) -> CaseDetailDialog:
        from station_app.ui.case_detail import CaseDetailDialog

        local_id = self.model.local_id_at(row)
        dialog = self.detail_dialogs.get(local_id)
        if dialog is None:
            dialog = CaseDetailDialog(self.tasks, self, self.user)
            dialog.view.show_local_id(local_id)
            self.detail_dialogs[local_id] = dialog
            dialog.destroyed.connect(
                lambda _obj=None, key=local_id: self.detail_dialogs.pop(key, None)
            )
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def open_case_number(self, case_no: str) -> CaseDetailDialog:
        """Open the case with this number (from today's work)."""
        from station_app.ui.case_detail import CaseDetailDialog

        dialog = self.detail_dialogs.get(case_no)
        if dialog is None:
            dialog = CaseDetailDialog(self.tasks, self, self.user)
            dialog.view.show_case(case_no)
            self.detail_dialogs[case_no] = dialog
            dialog.destroyed.connect(
                lambda _obj=None, key=case_no: self.detail_dialogs.pop(key, None)
            )
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def show_todays_work(self) -> TodaysWorkDialog:
        """Open today's work (or bring it to the front and read it again)."""
        from station_app.ui.todays_work import TodaysWorkDialog

        if self.todays_work is None:
            self.todays_work = TodaysWorkDialog(self.tasks, self)
            self.todays_work.open_case.connect(self.open_case_number)
        else:
            self.todays_work.reload()
        self.todays_work.show()
        self.todays_work.raise_()
        self.todays_work.activateWindow()
        return self.todays_work

    def show_statistics(self) -> QDialog | None:
        """Open the statistics (or bring them to the front)."""
        from station_app.ui.statistics_view import StatisticsDialog

        if self.station is None:
            return None
        if self.statistics is None:
            self.statistics = StatisticsDialog(
                self.tasks, self.station.level, self.station.code, self
            )
            self.statistics.open_case.connect(self.open_case_number)
        self.statistics.show()
        self.statistics.raise_()
        self.statistics.activateWindow()
        return self.statistics

    def show_settings(self) -> StationSettingsDialog | None:
        """Open the station settings (administrators only), or bring them to the front."""
        if not may_change_settings(self.user):
            return None
        from station_app.ui.station_settings import StationSettingsDialog

        if self.settings_dialog is None:
            self.settings_dialog = StationSettingsDialog(self.tasks, self.user, self)
            self.settings_dialog.finished.connect(self._settings_closed)
        self.settings_dialog.show()
        self.settings_dialog.raise_()
        self.settings_dialog.activateWindow()
        return self.settings_dialog

    def _settings_closed(self) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.deleteLater()
            self.settings_dialog = None

    # ---------------------------------------------------------------- help, export

    def show_guide(self):
        """Open the user guide (or bring it to the front)."""
        from station_app.ui.help_dialogs import GuideDialog

        if self.guide_dialog is None:
            self.guide_dialog = GuideDialog(self)
        self.guide_dialog.show()
        self.guide_dialog.raise_()
        return self.guide_dialog

    def show_about(self):
        from station_app.ui.help_dialogs import show_about

        return show_about(self)

    def shown_columns(self) -> list[int]:
        """The list's columns as the clerk sees them, left to right."""
        header = self.table.horizontalHeader()
        logical = [header.logicalIndex(visual) for visual in range(header.count())]
        return [column for column in logical if not self.table.isColumnHidden(column)]

    def choose_export_file(self) -> None:
        from station_app.ui.export_list import choose_export_file

        path = choose_export_file(self)
        if path:
            self.export_to(path)

    def export_to(self, path: str, done=None):
        """Export the list as shown to `path` (.xlsx) on the worker, with progress."""
        from station_app.ui.case_table_model import Column
        from station_app.ui.export_list import export_list

        columns = [Column(c) for c in self.shown_columns()]
        return export_list(self.tasks, self.model, columns, self.user, path, self, done=done)

    def show_accounts(self) -> AccountsDialog | None:
        """Open account management (administrators only), or bring it to the front."""
        if not may_manage_accounts(self.user):
            return None
        if self.accounts_dialog is None:
            from station_app.ui.accounts_dialog import AccountsDialog

            self.accounts_dialog = AccountsDialog(self.tasks, self.user, self)
            self.accounts_dialog.finished.connect(self._accounts_closed)
        self.accounts_dialog.show()
        self.accounts_dialog.raise_()
        self.accounts_dialog.activateWindow()
        return self.accounts_dialog

    def show_merchants(self) -> QDialog:
        """Open 商家, the merchant registry (a new window each time)."""
        from station_app.ui.merchants_dialog import MerchantsDialog

        dialog = MerchantsDialog(self.tasks, self.user, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def show_ledger_import(self) -> QDialog:
        """Open 导入台账 (a new window each time)."""
        from station_app.ui.ledger_import_dialog import LedgerImportDialog

        dialog = LedgerImportDialog(self.tasks, self.user, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def show_supervision(self) -> QDialog:
        """Open the supervision work records (a new window each time)."""
        from station_app.ui.supervision_dialog import SupervisionDialog

        dialog = SupervisionDialog(self.tasks, self.user, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def _accounts_closed(self) -> None:
        if self.accounts_dialog is not None:
            self.accounts_dialog.deleteLater()
            self.accounts_dialog = None

    def show_change_password(self) -> ChangePasswordDialog:
        """Open 修改密码 for the logged-in user (or bring it to the front)."""
        if self.password_dialog is None:
            from station_app.ui.change_password_dialog import ChangePasswordDialog

            self.password_dialog = ChangePasswordDialog(self.tasks, self.user, self)
            self.password_dialog.finished.connect(self._password_closed)
        self.password_dialog.show()
        self.password_dialog.raise_()
        self.password_dialog.activateWindow()
        return self.password_dialog

    def _password_closed(self) -> None:
        if self.password_dialog is not None:
            self.password_dialog.deleteLater()
            self.password_dialog = None

    # ---------------------------------------------------------------- holiday schedules

    def choose_holiday_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Import a holiday schedule"),
            "",
            _("Holiday schedules (*.json);;All files (*)"),
        )
        if path:
            self.import_holidays(path)

    def import_holidays(self, path: str) -> None:
        """Import the file on the worker, then say what was imported or what is wrong."""
        from station_app.store.holidays import import_holiday_file

        actor = self.user.username

        def run(store: Store) -> HolidayImport:
            return import_holiday_file(
                store, path, station_code=local_station(store).code, actor=actor
            )

        def failed(error: BaseException) -> None:
            self.holiday_import_result = error
            show_error(self, error, _("importing the holiday schedule"))

        self.tasks.submit(
            run,
            success=self._holidays_imported,
            failure=failed,
            changes={Change.CASES},
            owner=self,
            doing=_("importing the holiday schedule"),
        )

    def _holidays_imported(self, result: HolidayImport) -> None:
        self.holiday_import_result = result
        self._load_calendar_warnings()
        text = _(
            "The holiday schedule of {year} was imported: {holidays} holidays and {workdays} "
            "working weekend days. The deadlines of {cases} open cases were recalculated."
        ).format(
            year=result.year,
            holidays=result.holidays,
            workdays=result.workdays,
            cases=result.cases_recomputed,
        )
        if result.replaced:
            text += " " + _("It replaces the schedule stored for {year} before.").format(
                year=result.year
            )
        box = QMessageBox(QMessageBox.Icon.Information, _("Holiday schedule imported"), text)
        box.setParent(self, box.windowFlags())
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.intake is not None and self.intake.isVisible():
            self.intake.reject()
            if self.intake is not None and self.intake.isVisible():
                event.ignore()  # the clerk chose to keep editing the unsaved case
                return
        for dialog in list(self.detail_dialogs.values()):
            dialog.close()
        if self.todays_work is not None:
            self.todays_work.close()
        if self.statistics is not None:
            self.statistics.close()
        if self.settings_dialog is not None:
            self.settings_dialog.reject()
        for dialog in (self.accounts_dialog, self.password_dialog):
            if dialog is not None:
                dialog.reject()
        self.sync_panel.shutdown()
        remember_size(self)
        super().closeEvent(event)
