"""Small widgets for forms: dates typed as text, combos of enum values, read-only tables and
text boxes of the review dialogs; and the question before a form's unsaved input is thrown
away."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTableWidget,
    QWidget,
)

from station_app.domain import label as enum_label
from station_app.i18n import _

_LOOSE_DATE = re.compile(r"^\s*(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?\s*$")


def normalize_date_text(text: str) -> str:
    """'20260302', '2026.3.2', '2026/3/2' or '2026年3月2日' -> '2026-03-02'; other text unchanged
    (the validator then explains what is wrong with it)."""
    compact = text.strip()
    if re.fullmatch(r"\d{8}", compact):
        compact = f"{compact[:4]}-{compact[4:6]}-{compact[6:]}"
    match = _LOOSE_DATE.match(compact)
    if match:
        year, month, day = (int(part) for part in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return compact
    return compact


class DateLineEdit(QLineEdit):
    """An optional date typed on the keyboard; tidied into YYYY-MM-DD when the field is left."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setPlaceholderText(_("YYYY-MM-DD, e.g. 2026-03-02"))
        self.editingFinished.connect(self._tidy)

    def _tidy(self) -> None:
        tidy = normalize_date_text(self.text())
        if tidy != self.text():
            self.setText(tidy)


class EnumCombo(QComboBox):
    """A combo of enum values shown by their labels, optionally after an "all" entry.

    Qt keeps a StrEnum item's data as a plain string, so the combo converts it back.
    """

    def __init__(
        self, values: list[StrEnum], parent: QWidget | None = None, *, all_text: str | None = None
    ):
        super().__init__(parent)
        self._enum = type(values[0])
        if all_text is not None:
            self.addItem(all_text, None)
        for value in values:
            self.addItem(enum_label(value), value.value)

    def value(self) -> str:
        """The chosen value as a string ('' for the "all" entry)."""
        return self.currentData() or ""

    def enum_value(self) -> StrEnum | None:
        """The chosen enum member, or None for the "all" entry."""
        data = self.currentData()
        return None if data is None else self._enum(data)

    def set_value(self, value: str | None) -> None:
        index = self.findData(value)
        if index >= 0:
            self.setCurrentIndex(index)


class TextChoiceCombo(QComboBox):
    """A choice from a list of texts (classification), with an empty first entry for 'none'."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMaxVisibleItems(20)
        self.set_choices([])

    def set_choices(self, choices: list[str]) -> None:
        current = self.value()
        self.blockSignals(True)
        self.clear()
        self.addItem(_("— not chosen —"), "")
        for choice in choices:
            self.addItem(choice, choice)
        index = self.findData(current)
        self.setCurrentIndex(max(index, 0))
        self.blockSignals(False)
        if self.value() != current:
            self.currentIndexChanged.emit(self.currentIndex())

    def value(self) -> str:
        return self.currentData() or ""


def confirm_discard(dialog: QWidget, text: str) -> bool:
    """Ask before throwing away what was typed in `dialog`; True to discard. While the
    question is open it is `dialog.confirm_box`, like the dialog's other questions."""
    box = QMessageBox(dialog)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(_("Close without saving?"))
    box.setText(text)
    discard = box.addButton(_("Close without saving"), QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton(_("Keep editing"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    dialog.confirm_box = box
    box.exec()
    dialog.confirm_box = None
    return box.clickedButton() is discard


def read_only_table(titles: list[str], widths: Iterable[int] = ()) -> QTableWidget:
    """A list to read and pick one row from, never to edit: whole rows, one at a time, no row
    numbers; columns of the given widths the user may widen, the last one filling the rest."""
    table = QTableWidget(0, len(titles))
    table.setHorizontalHeaderLabels(titles)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    for column, width in enumerate(widths):
        table.setColumnWidth(column, width)
    return table


def selected_row(table: QTableWidget, rows: int) -> int | None:
    """The row selected in `table`, if it is one of the `rows` the dialog holds."""
    model = table.selectionModel()
    selected = model.selectedRows() if model is not None else []
    if not selected or selected[0].row() >= rows:
        return None
    return selected[0].row()


def read_only_text(max_height: int) -> QPlainTextEdit:
    """A box showing a whole value below a list; Tab moves on rather than typing a tab."""
    box = QPlainTextEdit()
    box.setReadOnly(True)
    box.setMaximumHeight(max_height)
    box.setTabChangesFocus(True)
    return box
