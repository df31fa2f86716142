"""The statistics screen (统计): a period and a scope, the figures in a table with charts
beside it; a figure opens the list of the cases behind it; the .xlsx report is exported.

Everything is read on the database worker (statistics.compute_figures, figure_case_ids); a
change of the period waits a moment (debounced) so that typing a date reads once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QLineSeries,
    QPieSeries,
    QValueAxis,
)
from PySide6.QtCore import QDate, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from station_app.domain import Channel, StationLevel, label
from station_app.i18n import N_, _
from station_app.statistics import (
    SCOPE_LABELS,
    FigureRef,
    Figures,
    Period,
    Scope,
    compute_figures,
    figure_case_ids,
    monthly_received,
    trend_period,
)
from station_app.stats_report import report_sections, write_report_pdf, write_report_xlsx
from station_app.store import Store
from station_app.store.accounts import local_station
from station_app.store.case_list import CaseRow, case_rows
from station_app.ui.tasks import Change, TaskRunner
from station_app.ui.window_fit import fit_window

DEBOUNCE_MS = 300
PERIODS = (
    ("month", N_("This month")),
    ("quarter", N_("This quarter")),
    ("year", N_("This year")),
    ("custom", N_("Custom")),
)
# The scopes a station of each level may choose.
LEVEL_SCOPES = {
    StationLevel.VILLAGE: (Scope.STATION,),
    StationLevel.TOWNSHIP: (Scope.STATION, Scope.TOWNSHIP),
    StationLevel.CITY: (Scope.STATION, Scope.TOWNSHIP, Scope.CITY),
}
FIGURE_ROLE = Qt.ItemDataRole.UserRole
PIE_SLICES = 6
LIST_LIMIT = 5000  # the cases listed behind a figure (the count says how many there are)


def period_of(choice: str, today: date) -> Period:
    if choice == "month":
        return Period.month(today.year, today.month)
    if choice == "quarter":
        return Period.quarter(today.year, (today.month + 2) // 3)
    return Period.year(today.year)


@dataclass(frozen=True)
class Loaded:
    figures: Figures
    months: list[tuple[str, int]]
    station_name: str


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class StatisticsDialog(QDialog):
    open_case = Signal(str)  # case number

    def __init__(
        self,
        tasks: TaskRunner,
        level: StationLevel,
        station_code: str,
        parent: QWidget | None = None,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.tasks = tasks
        self.station_code = station_code
        self.today = today or date.today()
        self.loaded: Loaded | None = None
        self.reads = 0  # how many times the figures were read (for tests)
        self.case_lists: list[CaseListDialog] = []
        self.setWindowTitle(_("Statistics"))
        fit_window(self, (1340, 680))

        self.period_box = QComboBox()
        for key, text in PERIODS:
            self.period_box.addItem(_(text), key)
        self.first_edit = QDateEdit(_qdate(self.today.replace(day=1)))
        self.last_edit = QDateEdit(_qdate(self.today))
        for edit in (self.first_edit, self.last_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.scope_box = QComboBox()
        for scope in LEVEL_SCOPES.get(level, (Scope.STATION,)):
            self.scope_box.addItem(_(SCOPE_LABELS[scope]), scope.value)
        self.scope_box.setEnabled(self.scope_box.count() > 1)
        self.export_button = QPushButton(_("E&xport the report to Excel…"))
        self.export_button.setAutoDefault(False)  # Enter lists a figure's cases, not exports
        self.export_button.clicked.connect(self.choose_export_file)
        self.pdf_button = QPushButton(_("Report as &PDF…"))
        self.pdf_button.setAutoDefault(False)
        self.pdf_button.clicked.connect(self.choose_pdf_file)
        self.status = QLabel(_("Loading…"))

        bar = QHBoxLayout()
        period_label = QLabel(_("&Period:"))
        period_label.setBuddy(self.period_box)
        bar.addWidget(period_label)
        bar.addWidget(self.period_box)
        from_label = QLabel(_("&From:"))
        from_label.setBuddy(self.first_edit)
        bar.addWidget(from_label)
        bar.addWidget(self.first_edit)
        to_label = QLabel(_("&To:"))
        to_label.setBuddy(self.last_edit)
        bar.addWidget(to_label)
        bar.addWidget(self.last_edit)
        scope_label = QLabel(_("&Scope:"))
        scope_label.setBuddy(self.scope_box)
        bar.addWidget(scope_label)
        bar.addWidget(self.scope_box)
        bar.addStretch(1)
        bar.addWidget(self.export_button)
        bar.addWidget(self.pdf_button)

        self.table = QTreeWidget()
        self.table.setColumnCount(3)
        self.table.setHeaderLabels([_("Figure"), _("Figure value"), _("Share")])
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(True)
        self.table.setToolTip(_("Enter or double-click a figure to list the cases behind it"))
        header = self.table.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.table.itemActivated.connect(self._activated)

        self.channel_chart = self._chart_view()
        self.trend_chart = self._chart_view()
        self.category_chart = self._chart_view()
        charts = QWidget()
        chart_layout = QVBoxLayout(charts)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.channel_chart)
        top.addWidget(self.category_chart)
        chart_layout.addLayout(top, 1)
        chart_layout.addWidget(self.trend_chart, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(charts)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([480, 820])

        buttons = QDialogButtonBox()
        buttons.addButton(_("Close"), QDialogButtonBox.ButtonRole.RejectRole).setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)

        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(DEBOUNCE_MS)
        self.debounce.timeout.connect(self.reload)
        self.period_box.currentIndexChanged.connect(self._period_chosen)
        self.first_edit.dateChanged.connect(self._dates_changed)
        self.last_edit.dateChanged.connect(self._dates_changed)
        self.scope_box.currentIndexChanged.connect(lambda _i: self.debounce.start())
        tasks.changes.changed.connect(self._data_changed)
        self._period_chosen()
        self.debounce.stop()
        self.reload()
        self.period_box.setFocus()

    # ------------------------------------------------------------------ period and scope

    def _chart_view(self) -> QChartView:
        view = QChartView(QChart())
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setMinimumSize(200, 150)
        return view

    def _period_chosen(self, _index: int = 0) -> None:
        choice = self.period_box.currentData()
        custom = choice == "custom"
        self.first_edit.setEnabled(custom)
        self.last_edit.setEnabled(custom)
        if not custom:
            period = period_of(choice, self.today)
            for edit, day in ((self.first_edit, period.first), (self.last_edit, period.last)):
                edit.blockSignals(True)
                edit.setDate(_qdate(day))
                edit.blockSignals(False)
        self.debounce.start()

    def _dates_changed(self, _value: QDate) -> None:
        self.debounce.start()

    def period(self) -> Period:
        return Period(_day(self.first_edit.date()), _day(self.last_edit.date()))

    def scope(self) -> Scope:
        return Scope(self.scope_box.currentData())

    def _data_changed(self, what: frozenset[Change]) -> None:
        if Change.CASES in what or Change.SUPERVISION in what:
            self.debounce.start()

    # ------------------------------------------------------------------ reading

    def reload(self) -> None:
        self.debounce.stop()
        period, scope, code, today = self.period(), self.scope(), self.station_code, self.today
        if period.last < period.first:
            self.status.setText(_("The last day is before the first day."))
            return
        self.status.setText(_("Loading…"))

        def load(store: Store) -> Loaded:
            figures = compute_figures(store, period, scope=scope, station_code=code, as_of=today)
            months = monthly_received(store, period, scope=scope, station_code=code)
            return Loaded(figures, months, local_station(store).name)

        self.tasks.submit(load, success=self._loaded, owner=self, doing=_("reading the statistics"))

    def _loaded(self, loaded: Loaded) -> None:
        if loaded.figures.period != self.period() or loaded.figures.scope != self.scope():
            return  # a later choice is being read
        self.loaded = loaded
        self.reads += 1
        figures = loaded.figures
        self.status.setText(
            _("Received {first} to {last}: {n} items").format(
                first=figures.period.first.isoformat(),
                last=figures.period.last.isoformat(),
                n=figures.received,
            )
        )
        self._fill_table(figures)
        self._fill_charts(loaded)

    def _fill_table(self, figures: Figures) -> None:
        self.table.clear()
        bold = self.table.font()
        bold.setBold(True)
        for title, rows in report_sections(figures):
            section = QTreeWidgetItem([title, "", ""])
            section.setFont(0, bold)
            section.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.table.addTopLevelItem(section)
            for row in rows:
                value = row.value if isinstance(row.value, (int, str)) else f"{row.value:.2f}"
                item = QTreeWidgetItem(["    " + row.label, str(value), row.percent])
                item.setTextAlignment(
                    1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
                item.setTextAlignment(
                    2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
                item.setData(0, FIGURE_ROLE, row.figure)
                self.table.addTopLevelItem(item)
        first = self.table.topLevelItem(1)
        if first is not None:
            self.table.setCurrentItem(first)

    def _fill_charts(self, loaded: Loaded) -> None:
        figures = loaded.figures
        # bars by channel
        chart = QChart()
        chart.setTitle(_("Items by channel"))
        bars = QBarSet(_("Items"))
        names = []
        for channel, n in figures.by_channel.items():
            bars.append(n)
            names.append(label(Channel(channel)))
        series = QBarSeries()
        series.append(bars)
        series.setLabelsVisible(True)
        chart.addSeries(series)
        x_axis = QBarCategoryAxis()
        x_axis.append(names)
        y_axis = QValueAxis()
        y_axis.setLabelFormat("%d")
        y_axis.setRange(0, max([1, *figures.by_channel.values()]))
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x_axis)
        series.attachAxis(y_axis)
        chart.legend().hide()
        self.channel_chart.setChart(chart)
        # the monthly trend
        chart = QChart()
        chart.setTitle(_("Items received by month"))
        line = QLineSeries()
        for index, (_month, n) in enumerate(loaded.months):
            line.append(QPointF(index, n))
        line.setPointsVisible(True)
        chart.addSeries(line)
        months = QBarCategoryAxis()
        one_year = len({month[:4] for month, _n in loaded.months}) == 1
        months.append([month[5:] if one_year else month[2:] for month, _n in loaded.months])
        count_axis = QValueAxis()
        count_axis.setLabelFormat("%d")
        count_axis.setRange(0, max([1, *(n for _m, n in loaded.months)]))
        chart.addAxis(months, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(count_axis, Qt.AlignmentFlag.AlignLeft)
        line.attachAxis(months)
        line.attachAxis(count_axis)
        chart.legend().hide()
        self.trend_chart.setChart(chart)
        # category shares
        chart = QChart()
        chart.setTitle(_("Complaints by category"))
        pie = QPieSeries()
        shares = list(figures.complaints_by_category.items())
        for name, n in shares[:PIE_SLICES]:
            pie.append(name, n)
        rest = sum(n for _name, n in shares[PIE_SLICES:])
        if rest:
            pie.append(_("Other categories"), rest)
        chart.addSeries(pie)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
        self.category_chart.setChart(chart)

    # ------------------------------------------------------------------ the cases behind

    def figure_item(self, text: str) -> QTreeWidgetItem | None:
        """The table's row whose label is `text` (for tests and keyboard search)."""
        for index in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(index)
            if item.text(0).strip() == text:
                return item
        return None

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        figure = item.data(0, FIGURE_ROLE)
        if isinstance(figure, FigureRef):
            self.show_cases(figure, item.text(0).strip())

    def show_cases(self, figure: FigureRef, title: str) -> CaseListDialog:
        period, scope, code, today = self.period(), self.scope(), self.station_code, self.today
        dialog = CaseListDialog(title, self)
        dialog.open_case.connect(self.open_case)
        self.case_lists.append(dialog)
        dialog.destroyed.connect(lambda _o=None, d=dialog: self._forget(d))

        def load(store: Store) -> tuple[list[CaseRow], int]:
            ids = figure_case_ids(
                store, period, figure, scope=scope, station_code=code, as_of=today
            )
            shown = ids[:LIST_LIMIT]
            rows: dict[int, CaseRow] = {}
            for start in range(0, len(shown), 500):
                rows.update(case_rows(store, shown[start : start + 500]))
            return [rows[i] for i in shown if i in rows], len(ids)

        self.tasks.submit(load, success=dialog.show_rows, owner=dialog, doing=_("listing cases"))
        dialog.show()
        return dialog

    def _forget(self, dialog: CaseListDialog) -> None:
        if dialog in self.case_lists:
            self.case_lists.remove(dialog)

    # ------------------------------------------------------------------ export

    def choose_export_file(self) -> None:
        if self.loaded is None:
            return
        name = f"{self.loaded.figures.period.title()}.xlsx".replace("/", "-")
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Export the report to Excel"), name, _("Excel workbook (*.xlsx)")
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        if self.loaded is None:
            return
        figures, station_name = self.loaded.figures, self.loaded.station_name
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        self.status.setText(_("Writing {path}…").format(path=path))

        def write(_store: Store) -> Path:
            write_report_xlsx(figures, path, station_name=station_name)
            return path

        self.tasks.submit(write, success=self._exported, owner=self, doing=_("writing the report"))

    def choose_pdf_file(self) -> None:
        if self.loaded is None:
            return
        name = f"{self.loaded.figures.period.title()}.pdf".replace("/", "-")
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Save the report as PDF"), name, _("PDF document (*.pdf)")
        )
        if path:
            self.export_pdf_to(Path(path))

    def export_pdf_to(self, path: Path) -> None:
        """The report with its charts as a PDF (the same figures as the table and the .xlsx)."""
        if self.loaded is None:
            return
        figures, station_name = self.loaded.figures, self.loaded.station_name
        code = self.station_code
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        self.status.setText(_("Writing {path}…").format(path=path))

        def write(store: Store) -> Path:
            months = monthly_received(
                store,
                trend_period(figures.period, figures.as_of),
                scope=figures.scope,
                station_code=code,
            )
            write_report_pdf(figures, months, path, station_name=station_name)
            return path

        self.tasks.submit(write, success=self._exported, owner=self, doing=_("writing the report"))

    def _exported(self, path: Path) -> None:
        self.status.setText(_("Report written: {path}").format(path=path))


class CaseListDialog(QDialog):
    """The cases behind a figure; Enter or a double-click opens a case."""

    open_case = Signal(str)
    HEADERS = (N_("Case number"), N_("Received"), N_("Status"), N_("Complainant"), N_("Merchant"))

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(_("Cases behind: {figure}").format(figure=title))
        fit_window(self, (820, 480))
        self.rows: list[CaseRow] | None = None
        self.count = QLabel(_("Loading…"))
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setHorizontalHeaderLabels([_(h) for h in self.HEADERS])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemActivated.connect(self._activated)
        buttons = QDialogButtonBox()
        buttons.addButton(_("Close"), QDialogButtonBox.ButtonRole.RejectRole).setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.count)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def show_rows(self, loaded: tuple[list[CaseRow], int]) -> None:
        rows, total = loaded
        self.rows = rows
        if total > len(rows):
            self.count.setText(
                _("{n} cases; the first {shown} are listed").format(n=total, shown=len(rows))
            )
        else:
            self.count.setText(_("{n} cases").format(n=total))
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            cells = (
                row.case_no,
                row.received_at[:16].replace("T", " "),
                label(row.status),
                row.complainant,
                row.merchant or "",
            )
            for column, text in enumerate(cells):
                self.table.setItem(index, column, QTableWidgetItem(text))
        if rows:
            self.table.selectRow(0)
        self.table.setFocus()

    def case_numbers(self) -> list[str]:
        return [row.case_no for row in self.rows or []]

    def _activated(self, item: QTableWidgetItem) -> None:
        if self.rows is not None and 0 <= item.row() < len(self.rows):
            self.open_case.emit(self.rows[item.row()].case_no)
