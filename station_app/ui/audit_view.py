"""The audit log of one case: who changed which field (old → new), and who saw full numbers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from station_app.domain import CaseStatus
from station_app.domain import label as enum_label
from station_app.i18n import N_, _
from station_app.store import Store
from station_app.store.audit import AuditEntry, audit_entries
from station_app.ui.tasks import Change, TaskRunner

# Long values (facts, JSON details) are cut in the table; the tooltip holds the whole text.
CELL_CHARS = 80


def _short(value: str | None) -> str:
    if value is None:
        return "—"
    return value if len(value) <= CELL_CHARS else value[:CELL_CHARS] + "…"


def _value_text(entry: AuditEntry, value: str | None) -> str:
    """A status is shown by its name; other values as stored."""
    if entry.field == "status" and value:
        try:
            return enum_label(CaseStatus(value))
        except ValueError:
            pass
    return _short(value)


def entry_kind(entry: AuditEntry) -> str:
    if entry.kind == "reveal":
        return _("Full number shown")
    if entry.old_value is None and entry.new_value is not None:
        return _("Added")
    if entry.new_value is None and entry.old_value is not None:
        return _("Removed")
    return _("Changed")


class AuditDialog(QDialog):
    """Loads the case's audit rows on the worker; reloads after every change."""

    HEADERS = (
        N_("When (UTC)"),
        N_("Who"),
        N_("What"),
        N_("Table"),
        N_("Field"),
        N_("Old value"),
        N_("New value"),
    )

    def __init__(
        self, tasks: TaskRunner, case_id: str, case_no: str, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.tasks = tasks
        self.case_id = case_id
        self.entries: list[AuditEntry] | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(_("Audit log of {case}").format(case=case_no))
        self.resize(900, 480)
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setHorizontalHeaderLabels([_(h) for h in self.HEADERS])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.count = QLabel(_("Loading…"))
        buttons = QDialogButtonBox()
        buttons.addButton(_("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.count)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        tasks.changes.changed.connect(self._data_changed)
        self.reload()

    def reload(self) -> None:
        case_id = self.case_id

        def load(store: Store) -> list[AuditEntry]:
            return audit_entries(store, case_id)

        self.tasks.submit(load, success=self._loaded, owner=self, doing=_("reading the audit log"))

    def _data_changed(self, what: frozenset[Change]) -> None:
        if Change.CASES in what or Change.EVIDENCE in what:
            self.reload()

    def _loaded(self, entries: list[AuditEntry]) -> None:
        self.entries = entries
        self.count.setText(_("{n} entries, oldest first").format(n=len(entries)))
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            cells = (
                entry.at[:19].replace("T", " "),
                entry.actor,
                entry_kind(entry),
                entry.table_name,
                entry.field,
                _value_text(entry, entry.old_value),
                _value_text(entry, entry.new_value),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 5 and entry.old_value:
                    item.setToolTip(entry.old_value)
                if column == 6 and entry.new_value:
                    item.setToolTip(entry.new_value)
                self.table.setItem(row, column, item)
        self.table.scrollToBottom()
