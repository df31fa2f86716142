"""监督工作: supervision work besides complaints (satisfaction surveys, secret-shopper visits,
product sampling): the records of a period, and a form to record a new one or correct one."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QStringListModel, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from station_app.domain import SupervisionKind, SupervisionResult, User
from station_app.domain import label as enum_label
from station_app.i18n import N_, _
from station_app.store import Store
from station_app.store.accounts import local_station
from station_app.store.merchants import find_merchants
from station_app.supervision import (
    FIELD_LABELS,
    SupervisionRecord,
    SupervisionRefused,
    add_record,
    edit_record,
    list_records,
)
from station_app.ui.form_widgets import EnumCombo
from station_app.ui.tasks import Change, TaskRunner
from station_app.ui.window_fit import fit_window

LOOKUP_DELAY_MS = 250


def _enum_text(kind: type, value: str) -> str:
    try:
        return enum_label(kind(value))
    except (ValueError, KeyError):
        return value


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class SupervisionDialog(QDialog):
    HEADERS = (
        N_("Date"),
        N_("Kind of work"),
        N_("Merchant"),
        N_("Subject"),
        N_("Outcome"),
    )

    def __init__(
        self,
        tasks: TaskRunner,
        user: User,
        parent: QWidget | None = None,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle(_("Supervision work"))
        self.tasks = tasks
        self.user = user
        self.today = today or date.today()
        self.records: list[SupervisionRecord] = []
        self.current: SupervisionRecord | None = None
        self.station_code = ""
        self.merchant_ids: dict[str, str] = {}

        # ------------------------------------------------------------ the list
        self.first = QDateEdit(_qdate(self.today.replace(month=1, day=1)))
        self.last = QDateEdit(_qdate(self.today))
        for edit in (self.first, self.last):
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setCalendarPopup(True)
            edit.dateChanged.connect(lambda _d: self.refresh())
        self.kind_filter = EnumCombo(list(SupervisionKind), all_text=_("All kinds"))
        self.kind_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.list = QTableWidget(0, len(self.HEADERS))
        self.list.setHorizontalHeaderLabels([_(h) for h in self.HEADERS])
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.verticalHeader().hide()
        self.list.horizontalHeader().setStretchLastSection(True)
        self.list.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((88, 110, 160, 150)):
            self.list.setColumnWidth(column, width)
        self.list.itemSelectionChanged.connect(self._selected)
        self.totals = QLabel()
        self.new_button = QPushButton(_("&New record"))
        self.new_button.clicked.connect(self.new_record)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        filters = QHBoxLayout()
        from_label = QLabel(_("&From"))
        from_label.setBuddy(self.first)
        filters.addWidget(from_label)
        filters.addWidget(self.first)
        filters.addWidget(QLabel(_("to")))
        filters.addWidget(self.last)
        filters.addWidget(self.kind_filter, 1)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.list, 1)
        bottom_left = QHBoxLayout()
        bottom_left.addWidget(self.totals, 1)
        bottom_left.addWidget(self.new_button)
        left_layout.addLayout(bottom_left)

        # ------------------------------------------------------------ the form
        self.heading = QLabel()
        self.heading.setStyleSheet("font-weight: bold;")
        self.done_on = QDateEdit(_qdate(self.today))
        self.done_on.setDisplayFormat("yyyy-MM-dd")
        self.done_on.setCalendarPopup(True)
        self.kind = EnumCombo(list(SupervisionKind))
        self.merchant = QLineEdit()
        self.merchant.setPlaceholderText(_("Name or credit code (from the registry)"))
        self.suggestions = QStringListModel(self)
        completer = QCompleter(self.suggestions, self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.merchant.setCompleter(completer)
        self._lookup = QTimer(self)
        self._lookup.setSingleShot(True)
        self._lookup.setInterval(LOOKUP_DELAY_MS)
        self._lookup.timeout.connect(self._look_up)
        self.merchant.textEdited.connect(lambda _t: self._lookup.start())
        self.subject = QLineEdit()
        self.findings = QPlainTextEdit()
        self.result = EnumCombo(list(SupervisionResult))
        self.follow_up = QPlainTextEdit()
        for text in (self.findings, self.follow_up):
            text.setTabChangesFocus(True)
            text.setFixedHeight(text.fontMetrics().lineSpacing() * 4 + 12)
        self.save_button = QPushButton(_("&Save"))
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 0, 0, 0)
        right_layout.addWidget(self.heading)
        form = QFormLayout()
        right_layout.addLayout(form)
        right_layout.addStretch(1)
        for key, widget in (
            ("done_on", self.done_on),
            ("kind", self.kind),
            ("merchant", self.merchant),
            ("subject", self.subject),
            ("findings", self.findings),
            ("result", self.result),
            ("follow_up", self.follow_up),
        ):
            caption = QLabel(_(FIELD_LABELS[key]))
            caption.setBuddy(widget)
            form.addRow(caption, widget)
        form.addRow("", self.save_button)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([620, 560])
        self.message = QLabel()
        self.message.setObjectName("supervisionMessage")
        self.message.setWordWrap(True)
        self.close_button = QPushButton(_("Close"))
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.accept)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)
        fit_window(self, (1200, 620))
        self.new_record()
        self.refresh()

    # ---------------------------------------------------------------- list

    def refresh(self, select: str | None = None) -> None:
        first = self.first.date().toPython()
        last = self.last.date().toPython()
        kind = self.kind_filter.value() or None

        def read(store: Store) -> tuple[list[SupervisionRecord], str]:
            return list_records(store, first, last, kind=kind), local_station(store).code

        self.tasks.submit(
            read,
            success=lambda loaded: self._show_list(loaded, select),
            owner=self,
            doing=_("listing supervision records"),
        )

    def _show_list(self, loaded: tuple[list[SupervisionRecord], str], select: str | None) -> None:
        self.records, self.station_code = loaded
        self.list.blockSignals(True)
        self.list.setRowCount(len(self.records))
        for row, record in enumerate(self.records):
            for column, text in enumerate(
                (
                    record.done_on,
                    _enum_text(SupervisionKind, record.kind),
                    record.merchant_name,
                    record.subject,
                    _enum_text(SupervisionResult, record.result),
                )
            ):
                self.list.setItem(row, column, QTableWidgetItem(text))
        self.list.blockSignals(False)
        failed = sum(r.result == SupervisionResult.FAILED for r in self.records)
        self.totals.setText(
            _("{n} records, {failed} not passed").format(n=len(self.records), failed=failed)
        )
        if select is not None:
            for row, record in enumerate(self.records):
                if record.id == select:
                    self.list.selectRow(row)

    def _selected(self) -> None:
        rows = self.list.selectionModel().selectedRows()
        if not rows:
            return
        self.show_record(self.records[rows[0].row()])

    # ---------------------------------------------------------------- form

    def new_record(self) -> None:
        self.current = None
        self.heading.setText(_("New supervision record"))
        self.done_on.setDate(_qdate(self.today))
        self.kind.setCurrentIndex(0)
        self.merchant.clear()
        self.subject.clear()
        self.findings.clear()
        self.result.setCurrentIndex(0)
        self.follow_up.clear()
        self.list.clearSelection()
        self.done_on.setFocus()

    def show_record(self, record: SupervisionRecord) -> None:
        self.current = record
        self.heading.setText(
            _("Record of {day} ({station})").format(
                day=record.done_on, station=record.owner_station
            )
        )
        self.done_on.setDate(QDate.fromString(record.done_on, "yyyy-MM-dd"))
        self.kind.set_value(record.kind)
        self.merchant.setText(record.merchant_name)
        if record.merchant_id:
            self.merchant_ids[record.merchant_name] = record.merchant_id
        self.subject.setText(record.subject)
        self.findings.setPlainText(record.findings)
        self.result.set_value(record.result)
        self.follow_up.setPlainText(record.follow_up)
        editable = record.owner_station == self.station_code
        self.save_button.setEnabled(editable)
        if not editable:
            self.say(
                _("This record belongs to station {owner}; only it may correct it.").format(
                    owner=record.owner_station
                )
            )

    def _look_up(self) -> None:
        text = self.merchant.text().strip()
        if not text:
            return

        def find(store: Store):
            return find_merchants(store, text, 15)

        def show(merchants) -> None:
            for merchant in merchants:
                self.merchant_ids[merchant.name] = merchant.id
            self.suggestions.setStringList([m.name for m in merchants])
            if merchants and self.merchant.hasFocus():
                self.merchant.completer().complete()

        self.tasks.submit(find, success=show, owner=self, doing=_("looking up merchants"))

    def values(self) -> dict[str, str]:
        name = self.merchant.text().strip()
        return {
            "done_on": self.done_on.date().toString("yyyy-MM-dd"),
            "kind": self.kind.value(),
            "merchant": self.merchant_ids.get(name, name),
            "subject": self.subject.text(),
            "findings": self.findings.toPlainText(),
            "result": self.result.value(),
            "follow_up": self.follow_up.toPlainText(),
        }

    def save(self) -> None:
        values = self.values()
        current = self.current
        actor, station = self.user.username, self.station_code

        def write(store: Store) -> str:
            code = station or local_station(store).code
            if current is None:
                return add_record(store, values, actor=actor, station_code=code)
            return edit_record(store, current.id, values, actor=actor, station_code=code).id

        self.tasks.submit(
            write,
            success=self._saved,
            failure=self._failed,
            owner=self,
            doing=_("saving a supervision record"),
            changes=(Change.SUPERVISION,),
        )

    def _saved(self, record_id: str) -> None:
        self.say(_("Saved."))
        self.refresh(select=record_id)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, SupervisionRefused):
            self.say(_("Nothing was saved:") + " " + " ".join(error.problems), problem=True)
        else:
            from station_app.ui.errors import show_error

            show_error(self, error, _("saving a supervision record"))

    def say(self, text: str, problem: bool = False) -> None:
        self.message.setStyleSheet("color: #b00020;" if problem else "color: #1b5e20;")
        self.message.setText(text)
