"""The case detail's notices of non-genuine consumption (flags) and the members of a joint
complaint: their amounts and totals, importing them from a spreadsheet, electing the two
representatives."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station_app.flags import ARTICLE, Flag
from station_app.i18n import _
from station_app.joint_members import REPRESENTATIVES, JointTotals
from station_app.money import format_yuan
from station_app.store.joint_members import StoredMember
from station_app.ui.window_fit import fit_window, scrolling
from station_app.validation import mask_id_number, mask_phone

AMBER_BACKGROUND = "#fff8e1"
AMBER_BORDER = "#ffb300"
AMBER_TEXT = "#7a4f00"


class FlagsBox(QFrame):
    """An amber notice listing the signs of non-genuine consumption; hidden without any.
    It only informs: nothing is blocked."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("flags-box")
        self.setStyleSheet(
            f"QFrame#flags-box {{ background: {AMBER_BACKGROUND}; "
            f"border: 1px solid {AMBER_BORDER}; border-radius: 4px; }}"
            f"QFrame#flags-box QLabel {{ color: {AMBER_TEXT}; }}"
        )
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(8, 6, 8, 6)
        self.flags: list[Flag] = []
        self.hide()

    def set_flags(self, flags: Sequence[Flag]) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.flags = list(flags)
        if not self.flags:
            self.hide()
            return
        title = QLabel(
            _("Signs of non-genuine consumption to look into ({article})").format(article=ARTICLE)
        )
        title.setWordWrap(True)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        self._layout.addWidget(title)
        for flag in self.flags:
            text = f"• {flag.label}: {flag.message}"
            line = QLabel(text)
            line.setWordWrap(True)
            line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if flag.case_nos:
                line.setToolTip(_("Other cases: {cases}").format(cases="、".join(flag.case_nos)))
            self._layout.addWidget(line)
        note = QLabel(_("This is only a notice for a closer look; nothing is blocked."))
        note.setWordWrap(True)
        self._layout.addWidget(note)
        self.show()


def _amount(value) -> str:
    return "—" if value is None else format_yuan(value)


def members_box(
    members: Sequence[StoredMember],
    totals: JointTotals | None,
    *,
    reveal: bool,
    can_edit: bool,
    on_import: Callable[[], None],
    on_elect: Callable[[], None],
) -> QGroupBox:
    """The complainants of a joint complaint with their amounts, the totals and the
    representatives; with `can_edit`, the buttons to import members and elect the
    representatives. A single complainant is shown in the case's own sections: the box then
    only offers the import (hidden for a user who cannot import)."""
    if len(members) < 2:
        return _single_complainant_box(can_edit, on_import)
    box = QGroupBox(_("Members ({n})").format(n=len(members)))
    box.setObjectName("members-box")
    layout = QVBoxLayout(box)
    grid = QGridLayout()
    headings = [
        "#",
        _("Name"),
        _("Phone"),
        _("ID number"),
        _("Address"),
        _("Claimed (yuan)"),
        _("Recovered (yuan)"),
        _("Representative"),
    ]
    for column, heading in enumerate(headings):
        label = QLabel(heading)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        grid.addWidget(label, 0, column)
    for row, member in enumerate(members, start=1):
        values = [
            str(member.position + 1),
            member.name,
            member.phone if reveal else mask_phone(member.phone),
            member.id_number if reveal else mask_id_number(member.id_number),
            member.address,
            _amount(member.claimed),
            _amount(member.recovered),
            _("Representative") if member.representative else "",
        ]
        for column, value in enumerate(values):
            label = QLabel(value)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if column == 4:
                label.setWordWrap(True)
            if column in (5, 6):
                label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if column == 7 and member.representative:
                label.setObjectName("representative-mark")
            grid.addWidget(label, row, column)
    layout.addLayout(grid)
    if totals is not None:
        total = QLabel(
            _(
                "Total: {count} complainants, claimed {claimed} yuan, recovered {recovered} yuan"
            ).format(
                count=totals.members,
                claimed=format_yuan(totals.claimed),
                recovered=format_yuan(totals.recovered),
            )
        )
        total.setObjectName("members-totals")
        total.setWordWrap(True)
        layout.addWidget(total)
    chosen = [m.name for m in members if m.representative]
    if chosen:
        layout.addWidget(QLabel(_("Representatives: {names}").format(names="、".join(chosen))))
    elif len(members) > 1:
        layout.addWidget(QLabel(_("No representatives elected yet.")))
    if can_edit:
        buttons = QHBoxLayout()
        import_button = QPushButton(_("Import members from a spreadsheet…"))
        import_button.setObjectName("import-members")
        import_button.setAutoDefault(False)
        import_button.clicked.connect(lambda _checked=False: on_import())
        buttons.addWidget(import_button)
        elect_button = QPushButton(_("Elect representatives…"))
        elect_button.setObjectName("elect-representatives")
        elect_button.setAutoDefault(False)
        elect_button.setEnabled(len(members) >= REPRESENTATIVES)
        elect_button.clicked.connect(lambda _checked=False: on_elect())
        buttons.addWidget(elect_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
    return box


def _single_complainant_box(can_edit: bool, on_import: Callable[[], None]) -> QGroupBox:
    box = QGroupBox(_("Joint complaint"))
    box.setObjectName("members-box")
    layout = QHBoxLayout(box)
    hint = QLabel(_("Several consumers with the same dispute can be added from a spreadsheet."))
    hint.setWordWrap(True)
    layout.addWidget(hint, 1)
    if can_edit:
        import_button = QPushButton(_("Import members from a spreadsheet…"))
        import_button.setObjectName("import-members")
        import_button.setAutoDefault(False)
        import_button.clicked.connect(lambda _checked=False: on_import())
        layout.addWidget(import_button)
    else:
        box.hide()
    return box


class ElectDialog(QDialog):
    """Tick the two members the complainants elected; OK only with exactly two ticked."""

    def __init__(self, members: Sequence[StoredMember], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Elect representatives"))
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(_("Tick the two representatives the complainants elected in writing."))
        )
        self.boxes: dict[str, QCheckBox] = {}
        ticks = QWidget()
        ticks_layout = QVBoxLayout(ticks)
        for member in members:
            box = QCheckBox(f"{member.position + 1}. {member.name} ({mask_phone(member.phone)})")
            box.setChecked(member.representative)
            box.toggled.connect(self._update)
            self.boxes[member.party_id] = box
            ticks_layout.addWidget(box)
        ticks_layout.addStretch(1)
        layout.addWidget(scrolling(ticks), 1)
        self.hint = QLabel()
        layout.addWidget(self.hint)
        self.buttons = QDialogButtonBox()
        self.ok = self.buttons.addButton(_("OK"), QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = self.buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setAutoDefault(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update()
        fit_window(self, (480, ticks.sizeHint().height() + 120))

    def chosen(self) -> list[str]:
        return [party_id for party_id, box in self.boxes.items() if box.isChecked()]

    def _update(self, _checked: bool = False) -> None:
        count = len(self.chosen())
        self.ok.setEnabled(count == REPRESENTATIVES)
        self.hint.setText(_("{count} of 2 ticked.").format(count=count))


class ProblemsDialog(QDialog):
    """What to correct, one problem a line; nothing was imported or changed."""

    def __init__(self, title: str, lead: str, problems: Sequence[str], parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        fit_window(self, (620, 360))
        layout = QVBoxLayout(self)
        heading = QLabel(lead)
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.problems = list(problems)
        self.text = QPlainTextEdit("\n".join(self.problems))
        self.text.setReadOnly(True)
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox()
        buttons.addButton(_("OK"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
