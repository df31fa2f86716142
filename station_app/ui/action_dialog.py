"""One dialog for every workflow action, built from the action's payload fields (ACTION_FIELDS)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
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

from station_app.action_payloads import (
    ACTION_FIELDS,
    Field,
    FieldType,
    when_key,
)
from station_app.case_actions import ActionRejected, ActionResult, act
from station_app.case_json import CaseRecord
from station_app.compensation import (
    RULES,
    Compensation,
    CompensationBasis,
    extra_compensation,
    rule,
)
from station_app.documents.wording import regime_for
from station_app.domain import LABELS, TermType, User
from station_app.i18n import _
from station_app.money import MoneyError, parse_yuan
from station_app.store import Store
from station_app.store.holidays import load_calendar
from station_app.ui.field_problem import FieldSlot, ProblemLabel
from station_app.ui.form_widgets import DateLineEdit, EnumCombo
from station_app.ui.tasks import Change, TaskRunner
from station_app.ui.window_fit import fit_window, scrolling
from station_app.workflow import TERMINATION_GROUNDS, Action, Ground, action_label

# Long texts get a text box; the other texts fit on one line.
MULTILINE_KEYS = frozenset(
    {
        "note",
        "answer",
        "complainant_statement",
        "merchant_statement",
        "result",
        "reason",
        "dispute",
    }
)


def initial_values(action: Action, record: CaseRecord | None) -> dict[str, Any]:
    """What an action's dialog starts with: an agreement names the mediators of the sessions;
    an amendment starts from what the agreement says now."""
    if record is None:
        return {}
    if action is Action.AGREE:
        names: list[str] = []
        for session in record.sessions:
            names += [m for m in session.mediators if m.strip() and m not in names]
        return {"mediators": names} if names else {}
    agreement = record.agreement
    if action is Action.AMEND_AGREEMENT and agreement is not None:
        return {
            "dispute": agreement.dispute,
            "terms": [
                {
                    "type": t.type.value,
                    "description": t.description,
                    "amount": "" if t.amount is None else f"{t.amount:.2f}",
                }
                for t in agreement.terms
            ],
            "performance": agreement.performance,
            "performance_due": _iso(agreement.performance_due),
            "mediators": list(agreement.mediators),
        }
    return {}


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


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
        self.compensation_button = QPushButton(_("Compute compensation…"))
        self.compensation_button.setAutoDefault(False)
        self.compensation_button.setToolTip(
            _("Extra compensation for fraud (3× the price) or unsafe food (10× the price)")
        )
        self.compensation_button.clicked.connect(self.open_compensation)
        self.compensation_dialog: CompensationDialog | None = None
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addWidget(self.compensation_button)
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

    def open_compensation(self) -> CompensationDialog:
        """The compensation helper; its "Add as a term" adds the amount here."""
        dialog = CompensationDialog(self)
        dialog.add_term.connect(self.add_compensation)
        dialog.finished.connect(dialog.deleteLater)
        self.compensation_dialog = dialog
        dialog.destroyed.connect(lambda _obj=None: setattr(self, "compensation_dialog", None))
        dialog.open()
        return dialog

    def add_compensation(self, compensation: Compensation) -> None:
        """A compensation term naming the article; it fills the last row if that is empty."""
        description = _("Extra compensation under {article}").format(
            article=compensation.rule.article
        )
        amount = f"{compensation.amount:.2f}"
        last = self.table.rowCount() - 1
        if last >= 0 and self._row_is_empty(last):
            self.table.removeRow(last)
        self.add_term(TermType.COMPENSATION, description, amount)

    def _row_is_empty(self, row: int) -> bool:
        return not any(
            (self.table.item(row, column) or QTableWidgetItem()).text().strip() for column in (1, 2)
        )

    def set_terms(self, terms: list[dict[str, str]]) -> None:
        self.table.setRowCount(0)
        for term in terms:
            self.add_term(
                TermType(term["type"]), term.get("description", ""), term.get("amount", "")
            )
        if not terms:
            self.add_term()

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


class CompensationDialog(QDialog):
    """Extra compensation the law gives: the rule, the price (and the loss for food), the
    amount with its article; "Add as a term" emits `add_term(Compensation)`."""

    add_term = Signal(object)  # Compensation

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Compute compensation"))
        self.setMinimumWidth(480)
        self.compensation: Compensation | None = None
        self.rule_combo = QComboBox()
        for candidate in RULES:
            self.rule_combo.addItem(_(candidate.label), candidate.key)
        self.price = QLineEdit()
        self.price.setPlaceholderText(_("yuan, e.g. 1299.50"))
        self.loss = QLineEdit()
        self.loss.setPlaceholderText(_("yuan, e.g. 1299.50"))
        self.loss_caption = QLabel(_("Loss (yuan)"))
        self.result = QLabel()
        self.result.setObjectName("compensation-result")
        self.result.setStyleSheet("font-weight: bold;")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem = ProblemLabel()
        form = QFormLayout()
        form.addRow(_("Rule"), self.rule_combo)
        form.addRow(_("Price paid (yuan)"), self.price)
        form.addRow(self.loss_caption, self.loss)
        buttons = QDialogButtonBox()
        self.add_button = buttons.addButton(
            _("Add as a term"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.add_button.setDefault(True)
        cancel = buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setAutoDefault(False)
        buttons.accepted.connect(self.add_as_term)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.result)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.rule_combo.currentIndexChanged.connect(self.recompute)
        self.price.textChanged.connect(self.recompute)
        self.loss.textChanged.connect(self.recompute)
        self.recompute()
        fit_window(self)
        self.price.setFocus()

    def rule_key(self) -> str:
        return self.rule_combo.currentData()

    def set_rule(self, key: str) -> None:
        self.rule_combo.setCurrentIndex(self.rule_combo.findData(key))

    def _amount(self, edit: QLineEdit, caption: str, problems: list[str]) -> Decimal:
        text = edit.text().strip()
        if not text:
            return Decimal(0)
        try:
            return parse_yuan(text)
        except MoneyError as refused:
            problems.append(_("{field}: {problem}").format(field=caption, problem=refused.message))
            return Decimal(0)

    def recompute(self) -> None:
        """Show the amount for what is typed; a bad amount is named and nothing is offered."""
        chosen = rule(self.rule_key())
        counts_loss = chosen.loss_multiple is not None
        self.loss.setEnabled(counts_loss)
        self.loss_caption.setEnabled(counts_loss)
        problems: list[str] = []
        price = self._amount(self.price, _("Price paid"), problems)
        loss = self._amount(self.loss, _("Loss"), problems) if counts_loss else Decimal(0)
        if problems:
            self.compensation = None
            self.problem.show_problem("\n".join(problems))
            self.result.setText("")
            self.result.hide()
            self.add_button.setEnabled(False)
            return
        if not self.price.text().strip() and not (counts_loss and self.loss.text().strip()):
            self.compensation = None
            self.problem.clear_problem()
            self.result.show()
            self.result.setText(_("Type the price the consumer paid."))
            self.add_button.setEnabled(False)
            return
        self.result.show()
        self.problem.clear_problem()
        self.compensation = extra_compensation(chosen.key, price=price, loss=loss)
        self.result.setText(compensation_text(self.compensation))
        self.add_button.setEnabled(True)

    def add_as_term(self) -> None:
        if self.compensation is None:
            return
        self.add_term.emit(self.compensation)
        self.accept()


def compensation_text(compensation: Compensation) -> str:
    """The amount, how it was reached and the article, for the clerk to read out."""
    if compensation.basis is CompensationBasis.PRICE:
        how = _("{n} times the price").format(n=compensation.rule.price_multiple)
    elif compensation.basis is CompensationBasis.LOSS:
        how = _("{n} times the loss").format(n=compensation.rule.loss_multiple)
    else:
        how = _("the legal minimum")
    return _("Extra compensation: {amount} yuan ({how}), under {article}").format(
        amount=f"{compensation.amount:,.2f}", how=how, article=compensation.rule.article
    )


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
        initial: dict[str, Any] | None = None,
        parent: QWidget | None = None,
        received_on: date | None = None,
    ):
        """`received_on`: the day the case was received, which decides the regime whose
        refusal and termination grounds are offered (all of them when not given)."""
        super().__init__(parent)
        self.tasks = tasks
        self.received_on = received_on
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
        starred = False  # whether a caption carries the star the hint explains
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
            else:
                starred = starred or spec.required
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

        self.required_hint = hint = QLabel(_("Fields marked * are required."))
        hint.setStyleSheet("color: #555;")
        fields = QWidget()
        fields.setLayout(form)
        layout = QVBoxLayout(self)
        layout.addWidget(self.problems)
        layout.addWidget(scrolling(fields), 1)
        layout.addWidget(hint)
        hint.setHidden(not starred)  # no star to explain when no field is required
        layout.addWidget(self.buttons)
        fit_window(self, (720, fields.sizeHint().height() + 120), f"ActionDialog.{action.value}")
        for key, value in (initial or {}).items():
            if key in self.fields:
                self.set_value(key, value)
        first = next(iter(self.fields.values()), None)
        if first is not None:
            first.setFocus()

    # ---------------------------------------------------------------- fields

    def _grounds_in_force(self, spec: Field) -> list[tuple[Ground, int, str]]:
        """The grounds of the case's regime, each with the item number and words its regulation
        gives it (documents.wording.regime_for: Order No. 20 for a complaint received before
        2026-04-15); the value chosen stays the workflow's ground."""
        if self.received_on is None:
            return [(g, g.item, g.text) for g in spec.grounds]
        regime = regime_for(self.received_on)
        words = (
            regime.termination_ground
            if spec.grounds is TERMINATION_GROUNDS
            else regime.refusal_ground
        )
        found = [(g, words(g.key)) for g in spec.grounds]
        return sorted(((g, w.item, w.text) for g, w in found if w is not None), key=lambda t: t[1])

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
            for ground, item, text in self._grounds_in_force(spec):
                combo.addItem(_("Item {item}: {text}").format(item=item, text=text), ground.item)
                combo.setItemData(combo.count() - 1, text, Qt.ItemDataRole.ToolTipRole)
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

    def set_value(self, key: str, value: Any) -> None:
        """Show `value` (as the payload gives it) in the field of `key`."""
        widget = self.fields[key]
        if isinstance(widget, TermsTable):
            widget.set_terms(list(value))
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(str(value))
        elif isinstance(widget, QLineEdit):
            widget.setText("、".join(value) if isinstance(value, list) else str(value))
        elif isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))

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
