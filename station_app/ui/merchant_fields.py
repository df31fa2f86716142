"""The merchant fields of the intake form, with name completion from the merchant registry."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QCompleter,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QWidget,
)

from station_app.domain import Merchant
from station_app.i18n import _
from station_app.merchant_registry import intake_warnings
from station_app.store import Store
from station_app.store.merchants import find_merchants
from station_app.ui.field_problem import FieldSlot, add_labelled
from station_app.ui.tasks import TaskRunner

NAME_ROLE = Qt.ItemDataRole.UserRole + 1
MERCHANT_ROLE = Qt.ItemDataRole.UserRole + 2
LOOKUP_DELAY_MS = 200
SUGGESTIONS = 12

TEXT_KEYS = ("name", "uscc", "legal_rep", "address", "phone", "platform", "shop_url")


class MerchantFields(QGroupBox):
    """Typing a name suggests registered merchants (looked up on the worker); choosing one
    fills the other fields and links the case to that registry entry."""

    edited = Signal()
    field_left = Signal(str)

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None):
        super().__init__(_("Merchant"), parent)
        self.tasks = tasks
        self.chosen: Merchant | None = None
        self._lookup_generation = 0
        self.name = QLineEdit()
        self.name.setPlaceholderText(_("Type part of the name to pick a known merchant"))
        self.uscc = QLineEdit()
        self.uscc.setPlaceholderText(_("18 characters on the business licence"))
        self.legal_rep = QLineEdit()
        self.address = QLineEdit()
        self.phone = QLineEdit()
        self.platform = QLineEdit()
        self.platform.setPlaceholderText(_("For online shops, e.g. Taobao, Pinduoduo"))
        self.shop_url = QLineEdit()
        self.cluster_registered = QCheckBox(_("Registered at a cluster address (online shop)"))
        self.registry_note = QLabel()
        self.registry_note.setWordWrap(True)
        self.registry_note.hide()
        # What intake should know about a registered merchant (abnormal list, many open
        # complaints): shown, never blocking.
        self.warning_note = QLabel()
        self.warning_note.setObjectName("merchantWarning")
        self.warning_note.setWordWrap(True)
        self.warning_note.setStyleSheet("color: #a15c00; font-weight: bold;")
        self.warning_note.hide()
        self._warning_generation = 0

        self.edits: dict[str, QLineEdit] = {
            "name": self.name,
            "uscc": self.uscc,
            "legal_rep": self.legal_rep,
            "address": self.address,
            "phone": self.phone,
            "platform": self.platform,
            "shop_url": self.shop_url,
        }
        self.slots: dict[str, FieldSlot] = {
            key: FieldSlot(edit) for key, edit in self.edits.items()
        }
        self.slots["cluster_registered"] = FieldSlot(self.cluster_registered)
        self.captions: dict[str, QLabel] = {}

        grid = QGridLayout(self)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self._add(grid, 0, 0, _("Name"), "name", span=3)
        grid.addWidget(self.registry_note, 1, 1, 1, 3)
        self._add(grid, 2, 0, _("Credit code"), "uscc")
        self._add(grid, 2, 2, _("Legal representative"), "legal_rep")
        self._add(grid, 3, 0, _("Address"), "address", span=3)
        self._add(grid, 4, 0, _("Phone"), "phone")
        grid.addWidget(self.slots["cluster_registered"], 4, 3, Qt.AlignmentFlag.AlignTop)
        self._add(grid, 5, 0, _("Online platform"), "platform")
        self._add(grid, 5, 2, _("Shop link"), "shop_url")
        grid.addWidget(self.warning_note, 6, 1, 1, 3)

        for key, edit in self.edits.items():
            edit.textEdited.connect(self.edited)
            edit.editingFinished.connect(lambda key=key: self.field_left.emit(f"merchant.{key}"))
        self.cluster_registered.toggled.connect(self.edited)
        self.cluster_registered.toggled.connect(
            lambda: self.field_left.emit("merchant.cluster_registered")
        )
        self.uscc.textEdited.connect(self._upper_case_code)
        self.uscc.editingFinished.connect(self._check_warnings)

        self.suggestions = QStandardItemModel(self)
        self.completer = QCompleter(self.suggestions, self)
        self.completer.setCompletionRole(NAME_ROLE)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.activated[QModelIndex].connect(self._suggestion_chosen)
        self.name.setCompleter(self.completer)
        self._lookup_timer = QTimer(self)
        self._lookup_timer.setSingleShot(True)
        self._lookup_timer.setInterval(LOOKUP_DELAY_MS)
        self._lookup_timer.timeout.connect(self._look_up)
        self.name.textEdited.connect(self._name_edited)

    def _add(
        self, grid: QGridLayout, row: int, column: int, text: str, key: str, span: int = 1
    ) -> None:
        caption = add_labelled(grid, row, column, text, self.slots[key], span)
        caption.setProperty("caption", text)
        self.captions[key] = caption

    def _upper_case_code(self, text: str) -> None:
        if text != text.upper():
            position = self.uscc.cursorPosition()
            self.uscc.setText(text.upper())
            self.uscc.setCursorPosition(position)

    # ---------------------------------------------------------------- completion

    def _name_edited(self, text: str) -> None:
        if self.chosen is not None and text.strip() != self.chosen.name:
            self._forget_registry_entry()
        self._lookup_timer.start()

    def _look_up(self) -> None:
        text = self.name.text().strip()
        self._lookup_generation += 1
        generation = self._lookup_generation
        if not text:
            self.suggestions.clear()
            return

        def find(store: Store) -> list[Merchant]:
            return find_merchants(store, text, SUGGESTIONS)

        self.tasks.submit(
            find,
            success=lambda merchants: self._show_suggestions(generation, text, merchants),
            owner=self,
            doing=_("looking up merchants"),
        )

    def _show_suggestions(self, generation: int, text: str, merchants: list[Merchant]) -> None:
        if generation != self._lookup_generation or self.name.text().strip() != text:
            return  # the clerk typed on; a newer lookup is coming
        self.suggestions.clear()
        for merchant in merchants:
            shown = merchant.name
            details = merchant.address or merchant.uscc
            if details:
                shown = _("{name} ({details})").format(name=merchant.name, details=details)
            item = QStandardItem(shown)
            item.setData(merchant.name, NAME_ROLE)
            item.setData(merchant, MERCHANT_ROLE)
            self.suggestions.appendRow(item)
        if merchants and self.name.hasFocus():
            self.completer.setCompletionPrefix(text)
            self.completer.complete()

    def _suggestion_chosen(self, index: QModelIndex) -> None:
        merchant = index.data(MERCHANT_ROLE)
        if isinstance(merchant, Merchant):
            self.choose(merchant)

    def choose(self, merchant: Merchant) -> None:
        """Fill every field from a registry entry and link the case to it."""
        self.chosen = merchant
        for key, edit in self.edits.items():
            edit.setText(getattr(merchant, key))
        self.cluster_registered.setChecked(merchant.cluster_registered)
        # The registry entry is used as registered, so its details are not editable here.
        self._set_details_editable(False)
        self.registry_note.setText(
            _(
                "Known merchant from the registry: its details are used as registered. "
                "Change the name to enter a different merchant."
            )
        )
        self.registry_note.show()
        self._check_warnings()
        self.edited.emit()

    def _check_warnings(self) -> None:
        """Look up (on the worker) whether the merchant is on the abnormal list or has many
        open complaints, and show it next to the fields."""
        self._warning_generation += 1
        generation = self._warning_generation
        merchant = self.chosen or Merchant(name=self.name.text(), uscc=self.uscc.text())

        def look(store: Store) -> list[str]:
            return intake_warnings(store, merchant)

        self.tasks.submit(
            look,
            success=lambda warnings: self._show_warnings(generation, warnings),
            owner=self,
            doing=_("looking up merchants"),
        )

    def _show_warnings(self, generation: int, warnings: list[str]) -> None:
        if generation != self._warning_generation:
            return
        self.warning_note.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warning_note.setVisible(bool(warnings))

    def _forget_registry_entry(self) -> None:
        self.chosen = None
        self._set_details_editable(True)
        self.registry_note.hide()
        self._warning_generation += 1
        self.warning_note.hide()

    def _set_details_editable(self, editable: bool) -> None:
        for key, edit in self.edits.items():
            if key != "name":
                edit.setReadOnly(not editable)
        self.cluster_registered.setEnabled(editable)

    # ---------------------------------------------------------------- data

    def data(self) -> dict:
        values: dict = {key: edit.text() for key, edit in self.edits.items()}
        values["cluster_registered"] = self.cluster_registered.isChecked()
        if self.chosen is not None:
            values["id"] = self.chosen.id
        return values

    def set_data(self, values: dict | None) -> None:
        """Fill the fields from the case JSON's merchant (a correction's form), editable."""
        values = values or {}
        self._forget_registry_entry()
        for key, edit in self.edits.items():
            edit.setText(str(values.get(key) or ""))
        self.cluster_registered.setChecked(bool(values.get("cluster_registered")))

    def mark_required(self, keys: set[str]) -> None:
        """A star after the caption of each required field (keys without "merchant.")."""
        for key, caption in self.captions.items():
            text = caption.property("caption")
            caption.setText(f"{text} *" if key in keys else text)

    def field_slots(self) -> dict[str, FieldSlot]:
        return {f"merchant.{key}": slot for key, slot in self.slots.items()}

    def focus_chain(self) -> list[QWidget]:
        return [
            self.name,
            self.uscc,
            self.legal_rep,
            self.address,
            self.phone,
            self.cluster_registered,
            self.platform,
            self.shop_url,
        ]
