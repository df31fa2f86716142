"""The fields of a new case, checked as the clerk leaves each one (the save flow is IntakeDialog)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QDateTime, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from station_app.case_edit import masked_fields
from station_app.classification import bundled_classification
from station_app.domain import CaseKind, Channel, GoodsOrService
from station_app.domain import label as enum_label
from station_app.i18n import _
from station_app.intake import check_case_data
from station_app.store.reference_data import station_classification
from station_app.ui.evidence_picker import EvidencePicker
from station_app.ui.field_problem import FieldSlot, ProblemLabel, add_labelled
from station_app.ui.form_widgets import DateLineEdit, EnumCombo, TextChoiceCombo
from station_app.ui.merchant_fields import MerchantFields
from station_app.ui.party_fields import PartyFields
from station_app.ui.tasks import TaskRunner
from station_app.validation import Problem, Severity, required_fields

RECEIVED_FORMAT = "yyyy-MM-dd HH:mm"
CASE_SECTION_PATHS = (
    "kind",
    "channel",
    "received_at",
    "anonymous",
    "work_order_no",
    "work_order_due",
)


def enter_moves_on(
    window: QWidget, event: QKeyEvent, save_button: QAbstractButton, save: Callable[[], None]
) -> bool:
    """Enter in a case form: on the Save button it saves, in a multi-line text it starts a new
    line, anywhere else it moves to the next field. It never presses another button ("Add
    another complainant", "Remove this person", "Add files…"): Space does. True when handled."""
    enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
    plain = not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
    if not (enter and plain):
        return False
    focused = QApplication.focusWidget()
    if focused is save_button:
        save()
        return True
    if isinstance(focused, QPlainTextEdit):
        return False
    window.focusNextChild()
    return True


def person_title(kind: str, number: int) -> str:
    if kind == CaseKind.REPORT:
        return _("Reporter {n}").format(n=number)
    if kind == CaseKind.CONSULTATION:
        return _("Consumer {n}").format(n=number)
    return _("Complainant {n}").format(n=number)


class IntakeForm(QWidget):
    """Collects the case as the JSON shape of case_json; shows each field's problem under it."""

    edited = Signal()

    def __init__(
        self,
        tasks: TaskRunner,
        parent: QWidget | None = None,
        *,
        today: Callable[[], date] = date.today,
        now: Callable[[], datetime] = datetime.now,
    ):
        super().__init__(parent)
        self.tasks = tasks
        self._today = today
        self.override_uscc_warning = False
        # Masked phones and ID numbers loaded for a correction, by field path (case_edit).
        self.masked: dict[str, str] = {}
        self._touched: set[str] = set()
        self._show_all = False
        self.slots: dict[str, FieldSlot] = {}
        self.captions: dict[str, QLabel] = {}
        self._tail: list[QWidget] = []
        self.classification = bundled_classification()

        self.general_problems = ProblemLabel()
        content = QWidget()
        self.sections = QVBoxLayout(content)
        self.sections.addWidget(self.general_problems)
        self.sections.addWidget(self._case_section(now()))
        self.sections.addWidget(self._people_section())
        self.merchant = MerchantFields(tasks)
        self.merchant.edited.connect(self.edited)
        self.merchant.field_left.connect(self.field_left)
        self.merchant.uscc.textEdited.connect(self._credit_code_edited)
        self.sections.addWidget(self.merchant)
        self.sections.addWidget(self._purchase_section())
        self.sections.addWidget(self._request_section())
        self.sections.addWidget(self._consent_section())
        self.evidence = EvidencePicker()
        self.evidence.edited.connect(self.edited)
        self.sections.addWidget(self.evidence)
        self.sections.addStretch(1)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)
        QApplication.instance().focusChanged.connect(self._keep_focus_visible)
        # The city office's categories, when it published some (read on the worker).
        tasks.submit(
            station_classification,
            success=self.set_classification,
            owner=self,
            doing=_("reading the classification lists"),
        )

        self._kind_changed()
        self._channel_changed()
        self._update_tab_order()
        self.pristine = self.snapshot()

    # ---------------------------------------------------------------- sections

    def _slot(self, path: str, field: QWidget) -> FieldSlot:
        slot = FieldSlot(field)
        self.slots[path] = slot
        return slot

    def _labelled(self, grid: QGridLayout, row: int, column: int, text: str, path: str) -> QLabel:
        """The caption and slot of a field; the caption is remembered to mark it required."""
        caption = add_labelled(grid, row, column, text, self.slots[path])
        caption.setProperty("caption", text)
        self.captions[path] = caption
        return caption

    def _case_section(self, now: datetime) -> QGroupBox:
        box = QGroupBox(_("Case"))
        self.kind = EnumCombo(list(CaseKind))
        self.channel = EnumCombo(list(Channel))
        self.received = QDateTimeEdit(QDateTime(now.replace(second=0, microsecond=0)))
        self.received.setDisplayFormat(RECEIVED_FORMAT)
        self.received.setCalendarPopup(True)
        self.work_order_no = QLineEdit()
        self.work_order_no.setPlaceholderText(_("From the 12345 transfer notice"))
        self.work_order_due = DateLineEdit()
        self.anonymous = QCheckBox(_("The reporter wants to stay anonymous"))

        grid = QGridLayout(box)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self._slot("kind", self.kind)
        self._slot("channel", self.channel)
        self._slot("received_at", self.received)
        self._labelled(grid, 0, 0, _("Type"), "kind")
        self._labelled(grid, 0, 2, _("Received by"), "channel")
        self._labelled(grid, 1, 0, _("Received at"), "received_at")
        grid.addWidget(self._slot("anonymous", self.anonymous), 1, 2, 1, 2)
        number_slot = self._slot("work_order_no", self.work_order_no)
        due_slot = self._slot("work_order_due", self.work_order_due)
        self.work_order_widgets = [
            self._labelled(grid, 2, 0, _("12345 work order number"), "work_order_no"),
            number_slot,
            self._labelled(grid, 2, 2, _("Work order due date"), "work_order_due"),
            due_slot,
        ]

        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.channel.currentIndexChanged.connect(self._channel_changed)
        self.anonymous.toggled.connect(self.mark_required)
        self._watch_combo(self.kind, "kind")
        self._watch_combo(self.channel, "channel")
        self.received.dateTimeChanged.connect(self.edited)
        self.received.editingFinished.connect(lambda: self.field_left("received_at"))
        self._watch_line(self.work_order_no, "work_order_no")
        self._watch_line(self.work_order_due, "work_order_due")
        self._watch_check(self.anonymous, "anonymous")
        return box

    def _people_section(self) -> QWidget:
        section = QWidget()
        layout = QVBoxLayout(section)
        layout.setContentsMargins(0, 0, 0, 0)
        self.people_layout = QVBoxLayout()
        layout.addLayout(self.people_layout)
        self.complainants: list[PartyFields] = []
        self.add_complainant_button = QPushButton(_("&Add another complainant"))
        self.add_complainant_button.setAutoDefault(False)
        self.add_complainant_button.setToolTip(
            _("Several consumers with the same dispute against the same merchant (Alt+A)")
        )
        self.add_complainant_button.clicked.connect(self.add_complainant)
        self.has_agent = QCheckBox(_("An agent acts for the complainant"))
        self._watch_check(self.has_agent, "agent")
        self.has_agent.toggled.connect(self._agent_toggled)
        row = QHBoxLayout()
        row.addWidget(self.add_complainant_button)
        row.addWidget(self.has_agent)
        row.addStretch(1)
        layout.addLayout(row)
        self.agent = PartyFields("agent", _("Agent"), removable=False)
        self._connect_party(self.agent)
        self.agent.hide()
        layout.addWidget(self.agent)
        self.add_complainant(focus=False)
        return section

    def _purchase_section(self) -> QGroupBox:
        box = QGroupBox(_("Goods or service and purchase"))
        self.goods_or_service = QComboBox()
        self.goods_or_service.addItem(_("— not chosen —"), "")
        for value in GoodsOrService:
            self.goods_or_service.addItem(enum_label(value), value.value)
        self.category = TextChoiceCombo()
        self.problem_nature = TextChoiceCombo()
        self.problem_nature.set_choices(self.classification["natures"])
        self.amount = QLineEdit()
        self.amount.setPlaceholderText(_("In yuan, e.g. 1299.50"))
        self.purchase_date = DateLineEdit()
        self.purchase_place = QLineEdit()

        grid = QGridLayout(box)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        cells = [
            (_("Goods or service"), "goods_or_service", self.goods_or_service),
            (_("Category"), "category", self.category),
            (_("Nature of the problem"), "problem_nature", self.problem_nature),
            (_("Amount (yuan)"), "amount", self.amount),
            (_("Purchase date"), "purchase_date", self.purchase_date),
            (_("Place of purchase"), "purchase_place", self.purchase_place),
        ]
        for position, (text, path, widget) in enumerate(cells):
            row, column = divmod(position, 2)
            self._slot(path, widget)
            self._labelled(grid, row, column * 2, text, path)

        self.goods_or_service.currentIndexChanged.connect(self._goods_or_service_changed)
        for path, combo in (
            ("goods_or_service", self.goods_or_service),
            ("category", self.category),
            ("problem_nature", self.problem_nature),
        ):
            self._watch_combo(combo, path)
        for path, edit in (
            ("amount", self.amount),
            ("purchase_date", self.purchase_date),
            ("purchase_place", self.purchase_place),
        ):
            self._watch_line(edit, path)
        self._goods_or_service_changed()
        return box

    def _request_section(self) -> QGroupBox:
        box = QGroupBox(_("Request and facts"))
        self.request = QLineEdit()
        self.request.setPlaceholderText(
            _("What the consumer asks for, e.g. refund, repair, exchange")
        )
        self.facts = QPlainTextEdit()
        self.facts.setTabChangesFocus(True)
        self.facts.setPlaceholderText(
            _("What happened, when, and what the merchant said. Enter starts a new line here.")
        )
        self.facts.setMinimumHeight(self.fontMetrics().lineSpacing() * 5 + 12)
        grid = QGridLayout(box)
        grid.setColumnStretch(1, 1)
        self._slot("request", self.request)
        self._slot("facts", self.facts)
        self._labelled(grid, 0, 0, _("Request"), "request")
        self._labelled(grid, 1, 0, _("Facts and reasons"), "facts")
        self._watch_line(self.request, "request")
        self.facts.textChanged.connect(self.edited)
        self.facts.installEventFilter(self)
        return box

    def _consent_section(self) -> QGroupBox:
        box = QGroupBox(_("Consents"))
        self.consent_mediation = QCheckBox(_("Agrees to mediation"))
        self.consent_entrusted = QCheckBox(_("Agrees that the consumer association mediates"))
        self.consent_publish = QCheckBox(_("Agrees that the complaint may be published"))
        row = QHBoxLayout(box)
        for path, check in (
            ("consent_mediation", self.consent_mediation),
            ("consent_entrusted", self.consent_entrusted),
            ("consent_publish", self.consent_publish),
        ):
            row.addWidget(self._slot(path, check))
            self._watch_check(check, path)
        row.addStretch(1)
        return box

    # ---------------------------------------------------------------- signals of the fields

    def _watch_line(self, edit: QLineEdit, path: str) -> None:
        edit.textEdited.connect(self.edited)
        edit.editingFinished.connect(lambda: self.field_left(path))

    def _watch_combo(self, combo: QComboBox, path: str) -> None:
        combo.currentIndexChanged.connect(self.edited)
        combo.currentIndexChanged.connect(lambda _index: self.field_left(path))

    def _watch_check(self, check: QCheckBox, path: str) -> None:
        check.toggled.connect(self.edited)
        check.toggled.connect(lambda _on: self.field_left(path))

    def _connect_party(self, party: PartyFields) -> None:
        party.edited.connect(self.edited)
        party.field_left.connect(self.field_left)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.facts and event.type() == QEvent.Type.FocusOut:
            self.field_left("facts")
        return super().eventFilter(watched, event)

    def dispose(self) -> None:
        """Stop following the application's focus; call before deleting the form."""
        QApplication.instance().focusChanged.disconnect(self._keep_focus_visible)

    def _keep_focus_visible(self, _old: QWidget | None, new: QWidget | None) -> None:
        if (
            new is not None
            and self.scroll.widget() is not None
            and self.scroll.widget().isAncestorOf(new)
        ):
            self.scroll.ensureWidgetVisible(new, 20, 40)

    # ---------------------------------------------------------------- dependent fields

    def _kind_changed(self) -> None:
        kind = self.kind.value()
        for number, party in enumerate(self.complainants, start=1):
            party.set_prefix(party.prefix, person_title(kind, number))
        self.slots["anonymous"].setVisible(kind == CaseKind.REPORT)
        self.mark_required()

    def _channel_changed(self) -> None:
        transfer = self.channel.value() == Channel.TRANSFER_12345
        for widget in self.work_order_widgets:
            widget.setVisible(transfer)
        self.mark_required()

    def set_classification(self, classification: dict[str, list[str]]) -> None:
        """Offer these goods, services and natures (the lists in force at this station)."""
        self.classification = classification
        self.problem_nature.set_choices(classification["natures"])  # keeps what was chosen
        self._goods_or_service_changed()

    def _goods_or_service_changed(self) -> None:
        which = self.goods_or_service.currentData()
        if which == GoodsOrService.GOODS:
            choices = self.classification["goods"]
        elif which == GoodsOrService.SERVICE:
            choices = self.classification["services"]
        else:
            choices = self.classification["goods"] + self.classification["services"]
        self.category.set_choices(choices)

    def _agent_toggled(self, on: bool) -> None:
        self.agent.setVisible(on)
        self.mark_required()
        if on:
            self.agent.name.setFocus()

    def _credit_code_edited(self) -> None:
        self.override_uscc_warning = False

    def add_complainant(self, focus: bool = True) -> PartyFields:
        number = len(self.complainants) + 1
        party = PartyFields(
            f"complainants[{number - 1}]",
            person_title(self.kind.value() if hasattr(self, "kind") else "", number),
            removable=number > 1,
        )
        self._connect_party(party)
        party.remove_requested.connect(self.remove_complainant)
        self.complainants.append(party)
        self.people_layout.addWidget(party)
        self._update_tab_order()
        self.mark_required()
        if focus:
            party.name.setFocus()
        self.edited.emit()
        return party

    def remove_complainant(self, party: PartyFields, focus: bool = True) -> None:
        if party not in self.complainants or len(self.complainants) == 1:
            return
        index = self.complainants.index(party)
        self.complainants.remove(party)
        party.hide()
        party.deleteLater()
        kind = self.kind.value()
        for number, other in enumerate(self.complainants, start=1):
            other.set_prefix(f"complainants[{number - 1}]", person_title(kind, number))
        self._touched = {p for p in self._touched if not p.startswith("complainants[")}
        self._update_tab_order()
        self.mark_required()
        if focus:
            self.complainants[max(0, index - 1)].name.setFocus()
        self.edited.emit()
        self.refresh_problems()

    def _update_tab_order(self) -> None:
        if not hasattr(self, "evidence"):
            return  # still building; the constructor calls this again at the end
        chain: list[QWidget] = [
            self.kind,
            self.channel,
            self.received,
            self.anonymous,
            self.work_order_no,
            self.work_order_due,
        ]
        for party in self.complainants:
            chain += party.focus_chain()
        chain += [self.add_complainant_button, self.has_agent, *self.agent.focus_chain()]
        chain += self.merchant.focus_chain()
        chain += [
            self.goods_or_service,
            self.category,
            self.problem_nature,
            self.amount,
            self.purchase_date,
            self.purchase_place,
            self.request,
            self.facts,
            self.consent_mediation,
            self.consent_entrusted,
            self.consent_publish,
            *self.evidence.focus_chain(),
            *self._tail,
        ]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def set_tail(self, widgets: list[QWidget]) -> None:
        """The widgets after the form's last field in the tab order (the dialog's Save)."""
        self._tail = list(widgets)
        self._update_tab_order()

    def mark_required(self) -> None:
        """A star after the caption of every field that must be filled for this kind of case
        (validation.required_fields: the rule itself stays with the validation)."""
        if not hasattr(self, "evidence"):
            return  # still building; the constructor calls this again at the end
        data = self.case_data()
        data["complainants"] = [{} for _ in self.complainants]
        required = required_fields(data, today=self._today())
        for path, caption in self.captions.items():
            text = caption.property("caption")
            caption.setText(f"{text} *" if path in required else text)
        for index, party in enumerate(self.complainants):
            prefix = f"complainants[{index}]."
            party.mark_required({p[len(prefix) :] for p in required if p.startswith(prefix)})
        self.agent.mark_required({p[len("agent.") :] for p in required if p.startswith("agent.")})
        self.merchant.mark_required(
            {p[len("merchant.") :] for p in required if p.startswith("merchant.")}
        )

    # ---------------------------------------------------------------- data

    def data_complainants(self) -> list[PartyFields]:
        """The complainants the case data holds: an extra complainant left empty is ignored
        (one already registered stays, to be checked); if every one is empty, none."""
        if all(party.is_empty() and not party.party_id for party in self.complainants):
            return []  # nothing typed: e.g. an anonymous report, or a consultation by letter
        return [
            party
            for index, party in enumerate(self.complainants)
            if index == 0 or party.party_id or not party.is_empty()
        ]

    def drop_empty_complainants(self) -> None:
        """Remove the extra complainants left empty (before saving): the others are numbered
        as the case will number them, so a problem names the complainant shown."""
        for party in list(self.complainants[1:]):
            if party.is_empty() and not party.party_id:
                self.remove_complainant(party, focus=False)

    def _data_prefixes(self) -> dict[str, str]:
        """The form's complainant prefix (complainants[2]) -> its prefix in the case data."""
        return {
            party.prefix: f"complainants[{index}]"
            for index, party in enumerate(self.data_complainants())
        }

    def case_data(self) -> dict:
        """The case in the JSON shape that intake.register_cases takes."""
        kind = self.kind.value()
        channel = self.channel.value()
        people = [party.data() for party in self.data_complainants()]
        data: dict = {
            "kind": kind,
            "channel": channel,
            "received_at": self.received.dateTime().toString(RECEIVED_FORMAT),
            "complainants": people,
            "agent": self.agent.data() if self.has_agent.isChecked() else None,
            "merchant": self.merchant.data(),
            "goods_or_service": self.goods_or_service.currentData() or "",
            "category": self.category.value(),
            "problem_nature": self.problem_nature.value(),
            "purchase_date": self.purchase_date.text(),
            "purchase_place": self.purchase_place.text(),
            "amount": self.amount.text().strip(),
            "request": self.request.text(),
            "facts": self.facts.toPlainText(),
            "consent_publish": self.consent_publish.isChecked(),
            "consent_mediation": self.consent_mediation.isChecked(),
            "consent_entrusted": self.consent_entrusted.isChecked(),
            "override_uscc_warning": self.override_uscc_warning,
        }
        if channel == Channel.TRANSFER_12345:
            data["work_order_no"] = self.work_order_no.text()
            data["work_order_due"] = self.work_order_due.text()
        if kind == CaseKind.REPORT:
            data["anonymous"] = self.anonymous.isChecked()
        return data

    def load_case(self, data: dict) -> None:
        """Fill the form with a registered case to correct it (case_edit.editable_data). The
        type of case cannot change; evidence files are added in the case view, not here."""
        self.kind.set_value(data.get("kind"))
        self.kind.setEnabled(False)
        self.channel.set_value(data.get("channel"))
        self.received.setDateTime(QDateTime.fromString(data["received_at"], RECEIVED_FORMAT))
        self.work_order_no.setText(data.get("work_order_no") or "")
        self.work_order_due.setText(data.get("work_order_due") or "")
        self.anonymous.setChecked(bool(data.get("anonymous")))
        for index, person in enumerate(data.get("complainants") or []):
            if index < len(self.complainants):
                party = self.complainants[index]
            else:
                party = self.add_complainant(focus=False)
            party.set_data(person)
        agent = data.get("agent")
        if agent:
            self.agent.set_data(agent)
        self.has_agent.setChecked(bool(agent))
        self.merchant.set_data(data.get("merchant"))
        self.goods_or_service.setCurrentIndex(
            max(0, self.goods_or_service.findData(data.get("goods_or_service") or ""))
        )
        for combo, key in ((self.category, "category"), (self.problem_nature, "problem_nature")):
            value = data.get(key) or ""
            if value and combo.findData(value) < 0:
                combo.addItem(value, value)  # no longer in the list: kept as registered
            combo.setCurrentIndex(max(0, combo.findData(value)))
        self.amount.setText(data.get("amount") or "")
        self.purchase_date.setText(data.get("purchase_date") or "")
        self.purchase_place.setText(data.get("purchase_place") or "")
        self.request.setText(data.get("request") or "")
        self.facts.setPlainText(data.get("facts") or "")
        self.consent_mediation.setChecked(bool(data.get("consent_mediation")))
        self.consent_entrusted.setChecked(bool(data.get("consent_entrusted")))
        self.consent_publish.setChecked(bool(data.get("consent_publish")))
        self.evidence.hide()
        self._touched.clear()
        self.mark_required()
        self.refresh_problems()
        self.pristine = self.snapshot()

    def evidence_paths(self) -> list[Path]:
        return self.evidence.paths()

    def snapshot(self) -> tuple:
        data = self.case_data()
        data.pop("override_uscc_warning")
        return repr(sorted(data.items())), tuple(self.evidence_paths())

    def is_dirty(self) -> bool:
        """Whether anything was typed or chosen since the form was opened."""
        return self.snapshot() != self.pristine

    # ---------------------------------------------------------------- problems

    def field_slots(self) -> dict[str, FieldSlot]:
        """Every field's slot by field path, in the order of the form."""
        slots = {path: self.slots[path] for path in CASE_SECTION_PATHS}
        for index, party in enumerate(self.data_complainants()):
            slots.update(
                {f"complainants[{index}].{key}": slot for key, slot in party.slots.items()}
            )
        if self.has_agent.isChecked():
            slots.update(self.agent.field_slots())
        slots.update(self.merchant.field_slots())
        slots.update({p: slot for p, slot in self.slots.items() if p not in CASE_SECTION_PATHS})
        return slots

    def field_left(self, path: str) -> None:
        self._touched.add(path)
        self.refresh_problems()

    def check(self) -> list[Problem]:
        """Every problem of the current entries (pure Python, no database). A masked phone or
        ID number left as it was loaded (`masked`) is no problem: saving keeps the old value."""
        data = self.case_data()
        problems = check_case_data(data, today=self._today(), classification=self.classification)
        if not self.masked:
            return problems
        shown = masked_fields(data)
        return [
            p
            for p in problems
            if not (p.field in self.masked and shown.get(p.field) == self.masked[p.field])
        ]

    def refresh_problems(self) -> list[Problem]:
        problems = self.check()
        self.show_problems(problems)
        return problems

    def show_problems(self, problems: list[Problem], *, show_all: bool | None = None) -> None:
        """Show each problem under its field: only for fields already left, until a save."""
        if show_all is not None:
            self._show_all = show_all
        slots = self.field_slots()
        by_field: dict[str, Problem] = {}
        general: list[Problem] = []
        for problem in problems:
            if problem.field in slots:
                known = by_field.get(problem.field)
                if known is None or (
                    known.severity is Severity.WARNING and problem.severity is Severity.ERROR
                ):
                    by_field[problem.field] = problem
            else:
                general.append(problem)
        touched = {self._data_path(path) for path in self._touched}
        for path, slot in slots.items():
            problem = by_field.get(path)
            if problem is not None and (self._show_all or path in touched):
                slot.show_problem(problem.message, problem.severity)
            else:
                slot.clear_problem()
        if general and self._show_all:
            self.general_problems.show_problem("\n".join(p.message for p in general))
        else:
            self.general_problems.clear_problem()

    def _data_path(self, path: str) -> str:
        """A field path of the form as the case data names it (see data_complainants)."""
        if path.startswith("complainants["):
            prefix, _dot, rest = path.partition(".")
            data_prefix = self._data_prefixes().get(prefix)
            if data_prefix is not None:
                return f"{data_prefix}.{rest}" if rest else data_prefix
        return path

    def focus_problem(self, problems: list[Problem]) -> None:
        """Put the cursor in the first field (in form order) that has one of these problems."""
        wanted = {problem.field for problem in problems}
        for path, slot in self.field_slots().items():
            if path in wanted and slot.isVisibleTo(self):
                slot.field.setFocus()
                self.scroll.ensureWidgetVisible(slot, 20, 60)
                return
        self.scroll.ensureWidgetVisible(self.general_problems)

    def problem_shown(self, path: str) -> str:
        """The problem text shown under a field ('' when none); for tests and tools."""
        slot = self.field_slots().get(path)
        return slot.problem.text() if slot is not None and not slot.problem.isHidden() else ""
