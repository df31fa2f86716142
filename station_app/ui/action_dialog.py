"""One dialog for every workflow action, built from the action's payload fields (ACTION_FIELDS)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from station_app.action_payloads import ACTION_FIELDS, Field, FieldType, when_key
from station_app.case_actions import ActionRejected, ActionResult, act
from station_app.domain import LABELS, TermType, User
from station_app.i18n import _
from station_app.store import Store
from station_app.store.holidays import load_calendar
from station_app.ui.field_problem import FieldSlot, ProblemLabel
from station_app.ui.form_widgets import DateLineEdit, EnumCombo
from station_app.ui.tasks import Change, TaskRunner
from station_app.workflow import Action, action_label

# Long texts get a text box; the other texts fit on one line.
MULTILINE_KEYS = frozenset(
    {"note", "answer", "complainant_statement", "merchant_statement", "result", "reason"}
)


def _choice_enum(spec: Field) -> type[StrEnum] | None:
    """The enum whose values are the field's choices, for showing them by their labels."""
    wanted = set(spec.choices)
    kinds = {kind for kind, _value in LABELS}
    for kind in kinds:
        if {value for k, value in LABELS if k is kind} == wanted:
            return kind
    return None


class TermsTable(QWidget):
    """The terms of an agreement: type, description and amount, one row each."""

    COLUMNS = 3

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.table = QTableWidget(0, self.COLUMNS)
        self.table.setHorizontalHeaderLabels([_("Type"), _("Description"), _("Amount (yuan)")])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMinimumHeight(110)
        add = QPushButton(_("Add a term"))
        add.setAutoDefault(False)
        add.clicked.connect(lambda: self.add_term())
        remove = QPushButton(_("Remove the term"))
        remove.setAutoDefault(False)
        remove.clicked.connect(self.remove_current)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.add_term()

    def add_term(
        self, term_type: TermType = TermType.REFUND, description: str = "", amount: str = ""
    ) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        combo = EnumCombo(list(TermType))
        combo.set_value(term_type.value)
        self.table.setCellWidget(row, 0, combo)
        self.table.setItem(row, 1, QTableWidgetItem(description))
        self.table.setItem(row, 2, QTableWidgetItem(amount))
        self.table.resizeColumnToContents(0)

    def remove_current(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)

    def terms(self) -> list[dict[str, str]]:
        """The rows as the payload's terms; rows left wholly empty are skipped."""
        terms = []
        for row in range(self.table.rowCount()):
            combo = self.table.cellWidget(row, 0)
            description = (self.table.item(row, 1) or QTableWidgetItem()).text().strip()
            amount = (self.table.item(row, 2) or QTableWidgetItem()).text().strip()
            term: dict[str, str] = {"type": combo.value(), "description": description}
            if amount:
                term["amount"] = amount
            terms.append(term)
        return terms


class MembersTable(QTableWidget):
    """Each complainant of a joint complaint with the amount claimed and the amount recovered."""

    def __init__(self, names: list[str], parent: QWidget | None = None):
        super().__init__(len(names), 3, parent)
        self.setHorizontalHeaderLabels(
            [_("Complainant"), _("Claimed (yuan)"), _("Recovered (yuan)")]
        )
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for row, name in enumerate(names):
            item = QTableWidgetItem(name)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.setItem(row, 0, item)
            self.setItem(row, 1, QTableWidgetItem(""))
            self.setItem(row, 2, QTableWidgetItem(""))
        line = self.verticalHeader().defaultSectionSize()
        self.setFixedHeight(
            self.horizontalHeader().sizeHint().height() + line * min(len(names), 5) + 4
        )

    def members(self) -> list[dict[str, object]]:
        """Rows with an amount, as the payload's members (party = position, 1 = the first)."""
        members: list[dict[str, object]] = []
        for row in range(self.rowCount()):
            claimed = (self.item(row, 1) or QTableWidgetItem()).text().strip()
            recovered = (self.item(row, 2) or QTableWidgetItem()).text().strip()
            if claimed or recovered:
                member: dict[str, object] = {"party": row + 1}
                if claimed:
                    member["claimed"] = claimed
                if recovered:
                    member["recovered"] = recovered
                members.append(member)
        return members


class ActionDialog(QDialog):
    """Asks for an action's details, runs `act` on the worker, and shows what it refused.

    `done_with(result)` is emitted after the action was taken; the ChangeBus then refreshes
    the list and the case. A refusal keeps everything typed and lists the problems.
    """

    done_with = Signal(object)  # ActionResult

    def __init__(
        self,
        tasks: TaskRunner,
        *,
        user: User,
        station_code: str,
        case_key: str,
        action: Action,
        parent_station: str | None = None,
        complainants: list[str] | None = None,
        now: Callable[[], datetime] = datetime.now,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.tasks = tasks
        self.user = user
        self.station_code = station_code
        self.case_key = case_key
        self.action = action
        self.now = now
        self.complainants = list(complainants or [])
        self.result: ActionResult | None = None
        self.busy = False
        self.setWindowTitle(
            _("{action} – {case}").format(action=action_label(action), case=case_key)
        )
        self.setMinimumWidth(560)

        self.problems = ProblemLabel()
        self.fields: dict[str, QWidget] = {}
        self.slots: dict[str, FieldSlot] = {}
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        moment = now().replace(second=0, microsecond=0)
        for spec in ACTION_FIELDS[action]:
            if spec.type is FieldType.MEMBERS and len(self.complainants) < 2:
                continue  # each complainant's amounts matter only in a joint complaint
            widget = self._make_field(spec, moment, parent_station)
            self.fields[spec.key] = widget
            slot = FieldSlot(widget)
            self.slots[spec.key] = slot
            caption = _(spec.label) + (" *" if spec.required else "")
            if spec.type is FieldType.BOOL:
                caption = ""
            form.addRow(caption, slot)

        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(
            action_label(action), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok_button.setDefault(True)
        self.ok_button.setToolTip(_("Save (Enter, or Ctrl+Enter in a text box)"))
        cancel = self.buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setAutoDefault(False)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        hint = QLabel(_("Fields marked * are required."))
        hint.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.problems)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)
        first = next(iter(self.fields.values()), None)
        if first is not None:
            first.setFocus()

    # ---------------------------------------------------------------- fields

    def _make_field(self, spec: Field, moment: datetime, parent_station: str | None) -> QWidget:
        is_when = spec.key == when_key(self.action)
        if spec.type in (FieldType.MOMENT, FieldType.DATETIME):
            edit = QLineEdit(moment.strftime("%Y-%m-%d %H:%M"))
            edit.setPlaceholderText(_("YYYY-MM-DD HH:MM, e.g. 2026-03-02 14:30"))
            return edit
        if spec.type is FieldType.DATE:
            date_edit = DateLineEdit()
            if is_when or spec.required:
                date_edit.setText(moment.date().isoformat())
            return date_edit
        if spec.type is FieldType.BOOL:
            return QCheckBox(_(spec.label))
        if spec.type is FieldType.GROUND:
            combo = QComboBox()
            combo.addItem(_("— choose a ground —"), None)
            for ground in spec.grounds:
                combo.addItem(
                    _("Item {item}: {text}").format(item=ground.item, text=ground.text),
                    ground.item,
                )
                combo.setItemData(combo.count() - 1, ground.text, Qt.ItemDataRole.ToolTipRole)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(30)
            # The popup shows each ground in full, however narrow the field.
            combo.view().setTextElideMode(Qt.TextElideMode.ElideNone)
            widest = max(
                combo.fontMetrics().horizontalAdvance(combo.itemText(i))
                for i in range(combo.count())
            )
            combo.view().setMinimumWidth(widest + 40)
            return combo
        if spec.type is FieldType.CHOICE:
            enum = _choice_enum(spec)
            if enum is not None:
                return EnumCombo([enum(value) for value in spec.choices])
            combo = QComboBox()
            for value in spec.choices:
                combo.addItem(value, value)
            return combo
        if spec.type is FieldType.TERMS:
            return TermsTable()
        if spec.type is FieldType.MEMBERS:
            return MembersTable(self.complainants)
        if spec.key == "to_station":
            combo = QComboBox()
            combo.setEditable(True)
            if parent_station:
                combo.addItem(parent_station)
            return combo
        if spec.type is FieldType.TEXT and spec.key in MULTILINE_KEYS:
            text = QPlainTextEdit()
            text.setTabChangesFocus(True)
            text.installEventFilter(self)  # Ctrl+Enter submits; Enter starts a new line
            text.setFixedHeight(text.fontMetrics().lineSpacing() * 4 + 12)
            return text
        edit = QLineEdit()
        if spec.type is FieldType.MONEY:
            edit.setPlaceholderText(_("yuan, e.g. 1299.50"))
        elif spec.type is FieldType.NAMES:
            edit.setPlaceholderText(_("names separated by 、 or commas"))
        return edit

    def _value(self, spec: Field) -> Any:
        widget = self.fields[spec.key]
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        if isinstance(widget, TermsTable):
            return widget.terms()
        if isinstance(widget, MembersTable):
            return widget.members()
        if isinstance(widget, EnumCombo):
            return widget.value() or None
        if isinstance(widget, QComboBox):
            if widget.isEditable():
                return widget.currentText().strip() or None
            return widget.currentData()
        if isinstance(widget, QPlainTextEdit):
            return widget.toPlainText().strip() or None
        if isinstance(widget, QLineEdit):
            return widget.text().strip() or None
        raise AssertionError(f"no value for {widget!r}")  # pragma: no cover

    def payload(self) -> dict[str, Any]:
        """What was typed, in the shape `act` (and `case act --json`) reads."""
        values = {}
        for spec in ACTION_FIELDS[self.action]:
            if spec.key not in self.fields:
                continue
            value = self._value(spec)
            if value is None or value == []:
                continue
            if spec.type is FieldType.BOOL and value is False and not spec.required:
                continue
            values[spec.key] = value
        return values

    # ---------------------------------------------------------------- submitting

    @staticmethod
    def _is_ctrl_enter(event: QEvent) -> bool:
        return (
            isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and self._is_ctrl_enter(event):
            self.submit()
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._is_ctrl_enter(event):
            self.submit()
            return
        super().keyPressEvent(event)

    def submit(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.ok_button.setEnabled(False)
        self.show_problems([])
        payload = self.payload()
        case_key, action, user, station_code = (
            self.case_key,
            self.action,
            self.user,
            self.station_code,
        )
        now = self.now()

        def take(store: Store) -> ActionResult:
            return act(
                store,
                case_key,
                action,
                payload,
                user=user,
                station_code=station_code,
                calendar=load_calendar(store),
                now=now,
            )

        self.tasks.submit(
            take,
            success=self._taken,
            failure=self._refused,
            changes={Change.CASES},
            owner=self,
            doing=_("saving the step"),
        )

    def _taken(self, result: ActionResult) -> None:
        self.busy = False
        self.result = result
        self.done_with.emit(result)
        self.accept()

    def _refused(self, error: BaseException) -> None:
        self.busy = False
        self.ok_button.setEnabled(True)
        if isinstance(error, ActionRejected):
            self.show_problems(error.problems)
            return
        from station_app.ui.errors import show_error

        show_error(self, error, _("saving the step"))

    def show_problems(self, problems: list[str]) -> None:
        """All problems above the form; each also under the field it names."""
        for slot in self.slots.values():
            slot.clear_problem()
        if not problems:
            self.problems.clear_problem()
            return
        self.problems.show_problem("\n".join([_("Nothing was saved. Please correct:"), *problems]))
        for problem in problems:
            for key, slot in self.slots.items():
                if f"({key})" in problem or f"（{key}）" in problem:
                    slot.show_problem(problem)
