"""The fields of one person in the intake form: a complainant (reporter, consumer) or the agent."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from station_app.domain import Gender, IdType
from station_app.i18n import _
from station_app.ui.field_problem import FieldSlot, add_labelled
from station_app.ui.form_widgets import EnumCombo

PERSON_KEYS = ("name", "gender", "phone", "address", "id_type", "id_number")


class PartyFields(QGroupBox):
    """Name, gender, phone, address and ID of one person; field paths start with `prefix`."""

    edited = Signal()
    field_left = Signal(str)  # the path of the field the clerk has just left
    remove_requested = Signal(object)  # self

    def __init__(self, prefix: str, title: str, *, removable: bool, parent: QWidget | None = None):
        super().__init__(title, parent)
        self.prefix = prefix
        self.party_id = ""  # a registered party being corrected (case_edit), else ""
        self.captions: dict[str, QLabel] = {}
        self.name = QLineEdit()
        self.gender = EnumCombo([Gender.UNKNOWN, Gender.MALE, Gender.FEMALE])
        self.phone = QLineEdit()
        self.phone.setPlaceholderText(_("Mobile or landline with area code"))
        self.address = QLineEdit()
        self.id_type = EnumCombo([IdType.NONE, IdType.RESIDENT_ID, IdType.PASSPORT, IdType.OTHER])
        self.id_number = QLineEdit()
        self.id_number.setPlaceholderText(_("18 characters on the resident ID card"))
        self.remove_button = QPushButton(_("Remove this person"))
        self.remove_button.setAutoDefault(False)
        self.remove_button.setVisible(removable)
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))

        self.slots: dict[str, FieldSlot] = {
            key: FieldSlot(widget)
            for key, widget in zip(
                PERSON_KEYS,
                (self.name, self.gender, self.phone, self.address, self.id_type, self.id_number),
                strict=True,
            )
        }
        grid = QGridLayout(self)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(3, 1)
        grid.setColumnStretch(5, 3)
        self._add(grid, 0, 0, _("Name"), "name")
        self._add(grid, 0, 2, _("Gender"), "gender")
        self._add(grid, 0, 4, _("Phone"), "phone")
        self._add(grid, 1, 0, _("Address"), "address", span=5)
        self._add(grid, 2, 0, _("ID type"), "id_type", span=3)
        self._add(grid, 2, 4, _("ID number"), "id_number")
        grid.addWidget(self.remove_button, 3, 5, 1, 1, Qt.AlignmentFlag.AlignRight)

        for key, widget in (
            ("name", self.name),
            ("phone", self.phone),
            ("address", self.address),
            ("id_number", self.id_number),
        ):
            widget.textEdited.connect(self.edited)
            widget.editingFinished.connect(lambda key=key: self.field_left.emit(self.path(key)))
        for key, combo in (("gender", self.gender), ("id_type", self.id_type)):
            combo.currentIndexChanged.connect(self.edited)
            combo.currentIndexChanged.connect(
                lambda _i, key=key: self.field_left.emit(self.path(key))
            )
        self.id_number.textEdited.connect(self._guess_id_type)

    def _add(
        self, grid: QGridLayout, row: int, column: int, text: str, key: str, span: int = 1
    ) -> None:
        self.captions[key] = add_labelled(grid, row, column, text, self.slots[key], span)
        self.captions[key].setProperty("caption", text)

    def _guess_id_type(self, text: str) -> None:
        # Nearly every number typed here is from a resident ID card; spare the clerk a choice.
        if text.strip() and self.id_type.value() == "":
            self.id_type.set_value(IdType.RESIDENT_ID.value)

    def path(self, key: str) -> str:
        return f"{self.prefix}.{key}"

    def set_prefix(self, prefix: str, title: str) -> None:
        self.prefix = prefix
        self.setTitle(title)

    def data(self) -> dict[str, str]:
        values = {
            "name": self.name.text(),
            "gender": self.gender.value(),
            "phone": self.phone.text(),
            "address": self.address.text(),
            "id_type": self.id_type.value(),
            "id_number": self.id_number.text(),
        }
        if self.party_id:
            values["id"] = self.party_id
        return values

    def set_data(self, person: dict) -> None:
        """Fill the fields from a person in the case JSON shape (a correction's form)."""
        self.party_id = person.get("id") or ""
        for key in ("name", "phone", "address", "id_number"):
            getattr(self, key).setText(person.get(key) or "")
        self.gender.set_value(person.get("gender") or "")
        self.id_type.set_value(person.get("id_type") or "")

    def is_empty(self) -> bool:
        return not any(value.strip() for key, value in self.data().items() if key != "id")

    def mark_required(self, keys: set[str]) -> None:
        """A star after the caption of each required field."""
        for key, caption in self.captions.items():
            text = caption.property("caption")
            caption.setText(f"{text} *" if key in keys else text)

    def field_slots(self) -> dict[str, FieldSlot]:
        """Slots keyed by full field path, e.g. complainants[0].phone."""
        return {self.path(key): slot for key, slot in self.slots.items()}

    def focus_chain(self) -> list[QWidget]:
        return [
            self.name,
            self.gender,
            self.phone,
            self.address,
            self.id_type,
            self.id_number,
            self.remove_button,
        ]
