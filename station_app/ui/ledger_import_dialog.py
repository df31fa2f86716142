"""导入台账: bring an Excel ledger of past cases in (file, sheet, the column of each field,
a preview, the problems by row, the import with its progress bar) and undo an import.

The reading, checking and writing are station_app.ledger_import's, run on the database worker
(ui/tasks.py); this window only shows them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from station_app import ledger_import as li
from station_app.domain import User
from station_app.i18n import _
from station_app.store import Store, accounts, ledger_imports
from station_app.ui.tasks import Change, TaskContext, TaskRunner, run_with_progress
from station_app.ui.window_fit import fit_window

NO_COLUMN = -1


class LedgerImportDialog(QDialog):
    """File → sheet → mapping → check → import; and undo of an earlier import."""

    def __init__(self, tasks: TaskRunner, user: User, parent: QWidget | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.user = user
        self.path: Path | None = None
        self.sheet: li.LedgerSheet | None = None
        self.plan: li.ImportPlan | None = None
        self.setWindowTitle(_("Import a ledger"))

        self.file_edit = QLineEdit()
        self.file_edit.setReadOnly(True)
        self.file_edit.setPlaceholderText(_("Choose the ledger (.xlsx) with Browse"))
        self.browse_button = QPushButton(_("&Browse…"))
        self.browse_button.clicked.connect(self.choose_file)
        self.sheet_combo = QComboBox()
        self.sheet_combo.setMinimumWidth(160)
        self.sheet_combo.activated.connect(
            lambda _i: self.load_sheet(self.sheet_combo.currentText())
        )
        file_label = QLabel(_("&File:"))
        file_label.setBuddy(self.browse_button)
        sheet_label = QLabel(_("S&heet:"))
        sheet_label.setBuddy(self.sheet_combo)
        self.header_label = QLabel()
        top = QHBoxLayout()
        top.addWidget(file_label)
        top.addWidget(self.file_edit, 1)
        top.addWidget(self.browse_button)
        top.addSpacing(12)
        top.addWidget(sheet_label)
        top.addWidget(self.sheet_combo)
        top.addWidget(self.header_label)

        # the column of each field
        self.mapping_table = QTableWidget(len(li.LedgerField), 2)
        self.mapping_table.setHorizontalHeaderLabels([_("Field"), _("Column of the ledger")])
        self.mapping_table.verticalHeader().setVisible(False)
        self.mapping_table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.mapping_table.horizontalHeader().setStretchLastSection(True)
        self.mapping_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.mapping_table.setTabKeyNavigation(False)
        self.column_combos: dict[li.LedgerField, QComboBox] = {}
        for row, fld in enumerate(li.LedgerField):
            label = _(li.FIELD_LABELS[fld])
            if fld in li.REQUIRED_FIELDS:
                label += " *"
            self.mapping_table.setItem(row, 0, QTableWidgetItem(label))
            combo = QComboBox()
            combo.setAccessibleName(label)
            combo.currentIndexChanged.connect(self._mapping_changed)
            self.mapping_table.setCellWidget(row, 1, combo)
            self.column_combos[fld] = combo
        self.mapping_table.verticalHeader().setDefaultSectionSize(26)
        mapping_box = QGroupBox(_("&Columns"))
        mapping_layout = QVBoxLayout(mapping_box)
        mapping_layout.addWidget(self.mapping_table)
        self.mapping_box = mapping_box

        self.preview = QTableWidget(0, 0)
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setAlternatingRowColors(True)
        self.preview.setTabKeyNavigation(False)  # Tab moves on to the next control
        preview_box = QGroupBox(_("Preview (first rows)"))
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.addWidget(self.preview)

        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setTabChangesFocus(True)
        self.report.setPlaceholderText(_("The problems found are listed here by row number."))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        report_box = QGroupBox(_("Check"))
        report_layout = QVBoxLayout(report_box)
        report_layout.addWidget(self.summary)
        report_layout.addWidget(self.report)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(preview_box)
        right.addWidget(report_box)
        right.setSizes([260, 200])
        middle = QSplitter(Qt.Orientation.Horizontal)
        middle.addWidget(mapping_box)
        middle.addWidget(right)
        middle.setSizes([380, 900])

        # undo of an earlier import
        self.batch_combo = QComboBox()
        self.batch_combo.setMinimumWidth(420)
        batch_label = QLabel(_("Earlier &imports:"))
        batch_label.setBuddy(self.batch_combo)
        self.undo_button = QPushButton(_("&Undo this import…"))
        self.undo_button.clicked.connect(self.confirm_undo)

        self.check_button = QPushButton(_("Chec&k"))
        self.check_button.clicked.connect(self.check)
        self.import_button = QPushButton(_("I&mport"))
        self.import_button.clicked.connect(self.confirm_import)
        self.close_button = QPushButton(_("Close"))
        self.close_button.clicked.connect(self.reject)
        buttons = QGridLayout()
        buttons.addWidget(batch_label, 0, 0)
        buttons.addWidget(self.batch_combo, 0, 1)
        buttons.addWidget(self.undo_button, 0, 2)
        buttons.setColumnStretch(3, 1)
        buttons.addWidget(self.check_button, 0, 4)
        buttons.addWidget(self.import_button, 0, 5)
        buttons.addWidget(self.close_button, 0, 6)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(middle, 1)
        layout.addLayout(buttons)
        self._set_ready(False)
        fit_window(self, (1280, 680), "LedgerImportDialog")
        self.browse_button.setFocus()
        self.load_batches()

    # ---------------------------------------------------------------- file and sheet

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Choose the ledger"), "", _("Excel workbooks (*.xlsx)")
        )
        if path:
            self.open_file(Path(path))

    def open_file(self, path: Path) -> None:
        """Read the workbook's sheets (on the worker), then the first sheet."""
        self.path = path
        self.file_edit.setText(str(path))
        self.sheet_combo.clear()
        self._clear_sheet()

        def opened(titles: list[str]) -> None:
            self.sheet_combo.addItems(titles)
            if titles:
                self.load_sheet(titles[0])

        self.tasks.submit(
            lambda _store: li.sheet_titles(path),
            success=opened,
            owner=self,
            doing=_("reading the ledger"),
        )

    def load_sheet(self, title: str) -> None:
        if self.path is None or not title:
            return
        path = self.path
        self._clear_sheet()
        self.summary.setText(_("Reading the sheet “{sheet}”…").format(sheet=title))

        def read(_store: Store, context: TaskContext) -> li.LedgerSheet:
            return li.read_ledger(
                path,
                title,
                progress=lambda rows: context.report_progress(
                    rows, rows + 1, _("{rows} rows read…").format(rows=rows)
                ),
            )

        run_with_progress(
            self.tasks,
            read,
            parent=self,
            label=_("Reading the ledger…"),
            success=self._sheet_read,
            failure=self._failed,
            doing=_("reading the ledger"),
        )

    def _failed(self, error: BaseException) -> None:
        from station_app.ui.errors import show_error

        self.summary.setText("")
        show_error(self, error, _("reading the ledger"))

    def _sheet_read(self, sheet: li.LedgerSheet) -> None:
        self.sheet = sheet
        self.header_label.setText(
            _("headings in row {row}, {count} rows").format(
                row=sheet.header_row, count=f"{len(sheet.rows):,}"
            )
        )
        choices = [(_("— not in the ledger —"), NO_COLUMN)] + [
            (f"{li.column_letter(i)}  {heading}".rstrip(), i)
            for i, heading in enumerate(sheet.headings)
        ]
        guessed = li.guess_mapping(sheet.headings)
        for fld, combo in self.column_combos.items():
            combo.blockSignals(True)
            combo.clear()
            for text, index in choices:
                combo.addItem(text, index)
            combo.setCurrentIndex(combo.findData(guessed.get(fld, NO_COLUMN)))
            combo.blockSignals(False)
        self.preview.clear()
        self.preview.setColumnCount(len(sheet.headings))
        self.preview.setHorizontalHeaderLabels(
            [f"{li.column_letter(i)} {h}".strip() for i, h in enumerate(sheet.headings)]
        )
        rows = li.preview_rows(sheet)
        self.preview.setRowCount(len(rows))
        self.preview.setVerticalHeaderLabels([str(n) for n, _v in sheet.rows[: len(rows)]])
        for r, values in enumerate(rows):
            for c, text in enumerate(values):
                self.preview.setItem(r, c, QTableWidgetItem(text))
        self.preview.resizeColumnsToContents()
        for c in range(self.preview.columnCount()):
            self.preview.setColumnWidth(c, min(self.preview.columnWidth(c), 180))
        self.mapping_table.setFocus()
        self.check()

    def _clear_sheet(self) -> None:
        self.sheet = None
        self.plan = None
        self.preview.clear()
        self.preview.setRowCount(0)
        self.preview.setColumnCount(0)
        self.report.clear()
        self.header_label.setText("")
        for combo in self.column_combos.values():
            combo.blockSignals(True)
            combo.clear()
            combo.blockSignals(False)
        self._set_ready(False)

    # ---------------------------------------------------------------- mapping and check

    def mapping(self) -> dict[li.LedgerField, int]:
        return {
            fld: combo.currentData()
            for fld, combo in self.column_combos.items()
            if combo.currentData() is not None and combo.currentData() != NO_COLUMN
        }

    def _mapping_changed(self) -> None:
        self.plan = None
        self._set_ready(False)
        if self.sheet is not None:
            self.summary.setText(_("The columns changed: check again (Alt+K)."))

    def check(self) -> None:
        """Check every row with the chosen columns (on the worker) and list the problems."""
        if self.sheet is None or self.path is None:
            return
        sheet, mapping, path = self.sheet, self.mapping(), self.path
        self.summary.setText(_("Checking {count} rows…").format(count=f"{len(sheet.rows):,}"))
        self.tasks.submit(
            lambda _store: li.plan_import(path, sheet, mapping, today=date.today()),
            success=self._checked,
            owner=self,
            doing=_("checking the ledger"),
        )

    def _checked(self, plan: li.ImportPlan) -> None:
        self.plan = plan
        shown = plan.problems[: li.MAX_PROBLEMS_LISTED]
        lines = [p.text() for p in shown]
        if len(plan.problems) > len(shown):
            lines.append(
                _("… and {count} more problems.").format(count=len(plan.problems) - len(shown))
            )
        self.report.setPlainText("\n".join(lines))
        if plan.blocked:
            self.summary.setText(
                _(
                    "{count} problems: nothing can be imported until they are corrected in the "
                    "ledger (or the columns are chosen right)."
                ).format(count=len(plan.problems))
            )
        else:
            self.summary.setText(
                _("All {count} rows can be imported. Import (Alt+M) adds them as cases.").format(
                    count=f"{len(plan.rows):,}"
                )
            )
        self._set_ready(not plan.blocked)

    def _set_ready(self, ready: bool) -> None:
        self.import_button.setEnabled(ready)
        self.import_button.setDefault(ready)

    # ---------------------------------------------------------------- import

    def confirm_import(self) -> None:
        plan = self.plan
        if plan is None or plan.blocked:
            return
        self.tasks.submit(
            lambda store: li.already_imported(store, plan),
            success=lambda warning: self._ask_to_import(plan, warning),
            owner=self,
            doing=_("checking the ledger"),
        )

    def _ask_to_import(self, plan: li.ImportPlan, warning: str) -> None:
        text = _(
            "Import {count} rows of “{sheet}” as cases? They are numbered in the order they "
            "were received. The whole import can be undone later from this window."
        ).format(count=f"{len(plan.rows):,}", sheet=plan.sheet)
        box = QMessageBox(
            QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Question,
            _("Import the ledger"),
            f"{warning}\n\n{text}" if warning else text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        # a second import of the same ledger is not the default
        box.setDefaultButton(
            QMessageBox.StandardButton.No if warning else QMessageBox.StandardButton.Yes
        )
        if box.exec() == QMessageBox.StandardButton.Yes:
            self.start_import()

    def start_import(self):
        plan, user = self.plan, self.user

        def run(store: Store, context: TaskContext) -> li.ImportResult:
            station = accounts.local_station(store)

            def progress(done: int, total: int) -> None:
                context.check_cancelled()  # cancelling rolls the whole import back
                context.report_progress(
                    done,
                    total,
                    _("Imported {done} of {total} rows…").format(
                        done=f"{done:,}", total=f"{total:,}"
                    ),
                )

            return li.run_import(
                store,
                plan,
                actor=user.username,
                role=user.role,
                station_code=station.code,
                progress=progress,
            )

        self._set_ready(False)
        return run_with_progress(
            self.tasks,
            run,
            parent=self,
            label=_("Importing the ledger…"),
            success=self._imported,
            cancelled=lambda: self.summary.setText(
                _("The import was cancelled: nothing was imported.")
            ),
            changes=(Change.CASES, Change.MERCHANTS),
            doing=_("importing the ledger"),
        )

    def _imported(self, result: li.ImportResult) -> None:
        self.plan = None
        self.summary.setText(
            _("Imported {count} cases ({first} … {last}).").format(
                count=f"{result.cases:,}", first=result.first_case_no, last=result.last_case_no
            )
        )
        self.load_batches()

    # ---------------------------------------------------------------- undo

    def load_batches(self) -> None:
        self.tasks.submit(
            ledger_imports.list_batches, success=self._batches_loaded, owner=self,
            doing=_("listing the imports"),
        )  # fmt: skip

    def _batches_loaded(self, batches: list[ledger_imports.ImportBatch]) -> None:
        self.batch_combo.clear()
        for batch in batches:
            if batch.undone_at:
                continue
            self.batch_combo.addItem(
                _("{at} {file} / {sheet}: {count} cases").format(
                    at=batch.imported_at[:16].replace("T", " "),
                    file=batch.file_name,
                    sheet=batch.sheet,
                    count=f"{batch.case_count:,}",
                ),
                batch.id,
            )
        self.undo_button.setEnabled(self.batch_combo.count() > 0)

    def confirm_undo(self) -> None:
        batch_id = self.batch_combo.currentData()
        if not batch_id:
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            _("Undo the import"),
            _(
                "Delete every case of the import “{batch}”? Cases changed since the import "
                "stop the undo."
            ).format(batch=self.batch_combo.currentText()),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        if box.exec() == QMessageBox.StandardButton.Yes:
            self.undo(batch_id)

    def undo(self, batch_id: str):
        user = self.user

        def run(store: Store) -> int:
            station = accounts.local_station(store)
            return li.undo_import(
                store, batch_id, actor=user.username, role=user.role, station_code=station.code
            )

        def undone(count: int) -> None:
            self.summary.setText(
                _("The import was undone: {count} cases deleted.").format(count=count)
            )
            self.load_batches()

        return self.tasks.submit(
            run,
            success=undone,
            changes=(Change.CASES, Change.MERCHANTS),
            owner=self,
            doing=_("undoing the import"),
        )
