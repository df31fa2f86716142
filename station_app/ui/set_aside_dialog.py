"""被退回的记录 (set-aside records): changes sync set aside, each with what happened and what to do.

A change the server refused (or one this PC did not take, or a record a repair removed, kept
as a copy) never blocks the others; it waits here (store.sync_state.set_aside_records). Each
row shows when, the case, the kind of record, what happened in the clerk's words and what to
do; below the list, the reason as recorded and the record itself. Read-only; keyboard: arrows.
"""

from __future__ import annotations

import json

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from station_app.i18n import _
from station_app.store.sync_state import SetAsideRecord, set_aside_records
from station_app.ui.audit_view import table_label
from station_app.ui.form_widgets import read_only_table, read_only_text, selected_row
from station_app.ui.sync_words import set_aside_words, when_text
from station_app.ui.tasks import TaskRunner
from station_app.ui.window_fit import fit_window


def _direction_text(record: SetAsideRecord) -> str:
    if record.direction == "push":
        return _("sent, refused")
    if record.op == "delete" and "station" not in record.change:
        return _("removed by repair")
    return _("received, not taken")


def _column_titles() -> list[str]:
    return [
        _("When"),
        _("Case"),
        _("Record"),
        _("Which way"),
        _("What happened"),
        _("What to do"),
    ]


class SetAsideDialog(QDialog):
    """The set-aside records of this station, newest first."""

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.records: list[SetAsideRecord] = []
        self.setWindowTitle(_("Set-aside records"))
        self.intro = QLabel(
            _(
                "These changes were set aside during sync, each for the reason shown; the "
                "other changes synced as usual. Nothing here is lost: the record is kept "
                "below. Do what the list says, or tell the city office."
            )
        )
        self.intro.setWordWrap(True)
        self.table = read_only_table(_column_titles(), (110, 180, 70, 110, 320))
        self.table.setWordWrap(True)  # "what to do" is a sentence or two
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.details = read_only_text(140)
        self.empty = QLabel(_("No records are set aside."))
        self.empty.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setText(_("Close"))
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(QLabel(_("The reason as recorded, and the record")))
        layout.addWidget(self.details)
        layout.addWidget(buttons)
        fit_window(self, (1160, 600))
        self.reload()

    def reload(self) -> None:
        self.tasks.submit(
            set_aside_records,
            success=self._show,
            owner=self,
            doing=_("reading the set-aside records"),
        )

    def _show(self, records: list[SetAsideRecord]) -> None:
        self.records = records
        self.table.setRowCount(len(records))
        for row, record in enumerate(records):
            what, todo = set_aside_words(record)
            cells = (
                when_text(record.at),
                record.case_no or "",
                table_label(record.table),
                _direction_text(record),
                what,
                todo,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        self.empty.setVisible(not records)
        if records:
            self.table.selectRow(0)
            self.table.setFocus()
        else:
            self.close_button.setFocus()
        self._selection_changed()

    def current(self) -> SetAsideRecord | None:
        row = selected_row(self.table, len(self.records))
        return None if row is None else self.records[row]

    def _selection_changed(self) -> None:
        record = self.current()
        if record is None:
            self.details.setPlainText("")
            return
        self.details.setPlainText(
            record.reason
            + "\n\n"
            + json.dumps(record.change, ensure_ascii=False, indent=1, sort_keys=True)
        )
