"""First-run setup: this PC's station, who decides and mediates on its documents, and its first
administrator."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station_app.acting_bodies import (
    AUTHORITY_NAME,
    AUTHORITY_PREFIX,
    MEDIATOR_KIND,
    MEDIATOR_KIND_LABELS,
    MEDIATOR_NAME,
    MediatorKind,
    default_settings,
)
from station_app.city_reference import AuthorityFileRefused, city_authority, read_authority_file
from station_app.domain import Role, Station, StationLevel, User
from station_app.i18n import _
from station_app.numbering import is_valid_station_code
from station_app.passwords import password_problem
from station_app.store import Store
from station_app.store.accounts import initialise_station
from station_app.store.reference_data import proposed_acting_settings
from station_app.store.station_settings import save_acting_settings
from station_app.ui.errors import user_message
from station_app.ui.field_problem import FieldSlot, ProblemLabel, add_labelled
from station_app.ui.form_widgets import EnumCombo
from station_app.ui.tasks import Change, TaskRunner
from station_app.ui.window_fit import fit_window
from station_app.validation import Severity


def _upper_case_line_edit(placeholder: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)

    def to_upper(text: str) -> None:
        if text != text.upper():
            position = edit.cursorPosition()
            edit.setText(text.upper())
            edit.setCursorPosition(position)

    edit.textEdited.connect(to_upper)
    return edit


class SetupWizard(QDialog):
    """Asks for the station and the first administrator, then saves both on the worker."""

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None, *, encrypted: bool = True):
        """`encrypted`: whether the station's database is encrypted at rest; when not (no
        secure password store on this PC) the wizard says so before anything is typed."""
        super().__init__(parent)
        self.tasks = tasks
        self.station: Station | None = None
        self.admin: User | None = None
        self.setWindowTitle(_("First-time setup"))
        self.setMinimumWidth(520)

        intro = QLabel(
            _(
                "This computer has not been set up yet. Enter your station's details and create "
                "the first administrator account. You will log in with it afterwards."
            )
        )
        intro.setWordWrap(True)

        self.code = _upper_case_line_edit(_("e.g. RC-MT"))
        self.name = QLineEdit()
        self.name.setPlaceholderText(_("e.g. Matou Town Consumer Complaint Station"))
        self.level = EnumCombo([StationLevel.VILLAGE, StationLevel.TOWNSHIP, StationLevel.CITY])
        self.parent_code = _upper_case_line_edit(_("Code of the station above yours, e.g. RC"))
        self.level.currentIndexChanged.connect(self._level_changed)
        self.code.editingFinished.connect(self._propose_acting)
        self.parent_code.editingFinished.connect(self._propose_acting)

        self.username = QLineEdit()
        self.username.setPlaceholderText(_("e.g. admin"))
        self.display_name = QLineEdit()
        self.display_name.setPlaceholderText(_("Your full name"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again = QLineEdit()
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.textEdited.connect(self._password_edited)

        # Who acts: the station mediates itself by default (its name follows the station's
        # name until edited); the deciding authority is asked, and may be left for later.
        self.authority = QLineEdit()
        self.authority.setPlaceholderText(_("e.g. 瑞昌市市场监督管理局码头市场监督管理所"))
        self.authority_prefix = QLineEdit()
        self.authority_prefix.setPlaceholderText(_("e.g. 瑞市监消"))
        self.mediator = QLineEdit()
        self.mediator_kind = QComboBox()
        for kind in MediatorKind:
            self.mediator_kind.addItem(_(MEDIATOR_KIND_LABELS[kind]), kind.value)
        self.mediator_kind.setCurrentIndex(self.mediator_kind.findData(MediatorKind.STATION.value))
        self._mediator_follows_name = True
        self.name.textEdited.connect(self._name_edited)
        self.mediator.textEdited.connect(self._mediator_edited)

        self.slots: dict[str, FieldSlot] = {}
        station_box = QGroupBox(_("Station"))
        station_grid = QGridLayout(station_box)
        self._add_row(station_grid, 0, "code", _("Station code"), self.code)
        self._add_row(station_grid, 1, "name", _("Station name"), self.name)
        self._add_row(station_grid, 2, "level", _("Level"), self.level)
        self._add_row(station_grid, 3, "parent_code", _("Parent station code"), self.parent_code)
        acting_box = QGroupBox(_("Who decides, mediates and seals"))
        acting_grid = QGridLayout(acting_box)
        self.city_file_button = QPushButton(_("Take them from the city office's &file…"))
        self.city_file_button.setToolTip(
            _(
                "The settings file the city office publishes (authority.json), e.g. on a USB "
                "stick: fills the empty fields for the station code and parent typed above"
            )
        )
        self.city_file_button.setAutoDefault(False)
        self.city_file_button.clicked.connect(self._choose_city_file)
        self._add_row(acting_grid, 0, AUTHORITY_NAME, _("Deciding authority"), self.authority)
        self._add_row(
            acting_grid, 1, AUTHORITY_PREFIX, _("Its number prefix"), self.authority_prefix
        )
        self._add_row(acting_grid, 2, MEDIATOR_NAME, _("Mediating organisation"), self.mediator)
        self._add_row(
            acting_grid, 3, MEDIATOR_KIND, _("Kind of mediating organisation"), self.mediator_kind
        )
        acting_grid.addWidget(self.city_file_button, 4, 1, Qt.AlignmentFlag.AlignLeft)
        admin_box = QGroupBox(_("First administrator"))
        admin_grid = QGridLayout(admin_box)
        self._add_row(admin_grid, 0, "username", _("User name (for logging in)"), self.username)
        self._add_row(admin_grid, 1, "display_name", _("Full name"), self.display_name)
        self._add_row(admin_grid, 2, "password", _("Password"), self.password)
        self._add_row(admin_grid, 3, "password_again", _("Password again"), self.password_again)
        for grid in (station_grid, acting_grid, admin_grid):
            grid.setColumnStretch(1, 1)

        self.general_problem = ProblemLabel()
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(
            _("Set up this station"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setDefault(True)
        cancel = self.buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setAutoDefault(False)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        self.not_encrypted = ProblemLabel()
        if not encrypted:
            self.not_encrypted.show_problem(
                _(
                    "This PC has no secure password store, so the station's database will not "
                    "be encrypted and anyone using this PC's files can read it. Set up the "
                    "password store (on Windows: Credential Manager) before entering real "
                    "cases; an administrator can then encrypt the database with `station-app "
                    "key create`."
                ),
                Severity.WARNING,
            )
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.not_encrypted)
        layout.addWidget(station_box)
        layout.addWidget(acting_box)
        layout.addWidget(admin_box)
        layout.addWidget(self.general_problem)
        layout.addWidget(self.buttons)
        self._level_changed()
        fit_window(self)
        self.code.setFocus()

    def _add_row(self, grid: QGridLayout, row: int, key: str, text: str, field: QWidget) -> None:
        slot = FieldSlot(field)
        self.slots[key] = slot
        add_labelled(grid, row, 0, text, slot)

    def _propose_acting(self) -> None:
        """Fill the empty acting-body fields with what this PC knows of the stations above
        (the city office's authority document, when one was received), read on the worker."""
        code, parent = self.code.text().strip(), self.parent_code.text().strip() or None
        if not code:
            return
        self.tasks.submit(
            lambda store: proposed_acting_settings(store, code, parent),
            success=self.propose,
            owner=self,
            doing=_("reading the city office's settings"),
        )

    def _choose_city_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("The city office's settings file"),
            "",
            _("JSON files (*.json);;All files (*)"),
        )
        if path:
            self.propose_from_file(Path(path))

    def propose_from_file(self, path: Path) -> bool:
        """Fill the empty acting-body fields from the city office's `authority` file for the
        station code and parent typed; a file that cannot be used is named in the form."""
        code = self.code.text().strip()
        if not code:
            self.general_problem.show_problem(
                _("Type the station code first: the file holds settings by station.")
            )
            return False
        try:
            document = read_authority_file(path)
        except AuthorityFileRefused as error:
            self.general_problem.show_problem(str(error))
            return False
        values = dict(city_authority(document, code, self.parent_code.text().strip()).values)
        if not values:
            self.general_problem.show_problem(
                _("The city office's file sets nothing for station {code}.").format(code=code)
            )
            return False
        self.general_problem.clear_problem()
        self.propose(values)
        return True

    def propose(self, values: dict[str, str]) -> None:
        """Fill the fields not typed yet with proposed values (acting_bodies keys)."""
        for key, edit in (
            (AUTHORITY_NAME, self.authority),
            (AUTHORITY_PREFIX, self.authority_prefix),
            (MEDIATOR_NAME, self.mediator),
        ):
            if values.get(key) and not edit.text().strip():
                edit.setText(values[key])
                if key == MEDIATOR_NAME:
                    self._mediator_follows_name = False
        kind = self.mediator_kind.findData(values.get(MEDIATOR_KIND))
        if kind >= 0:
            self.mediator_kind.setCurrentIndex(kind)

    def _name_edited(self, text: str) -> None:
        if self._mediator_follows_name:
            self.mediator.setText(text.strip())

    def _mediator_edited(self, _text: str) -> None:
        self._mediator_follows_name = False

    def acting(self) -> dict[str, str]:
        """Who acts, as entered, over the defaults (the station mediating itself)."""
        values = default_settings(station_name=self.name.text())
        values.update(
            {
                AUTHORITY_NAME: self.authority.text().strip(),
                AUTHORITY_PREFIX: self.authority_prefix.text().strip(),
                MEDIATOR_NAME: self.mediator.text().strip(),
                MEDIATOR_KIND: str(self.mediator_kind.currentData()),
            }
        )
        return values

    def _password_edited(self, text: str) -> None:
        """The length is checked as the password is typed, not only when saving."""
        problem = password_problem(text) if text else None
        slot = self.slots["password"]
        if problem is None:
            slot.clear_problem()
        else:
            slot.show_problem(problem)

    def _level_changed(self) -> None:
        is_city = self.level.enum_value() is StationLevel.CITY
        self.parent_code.setEnabled(not is_city)
        if is_city:
            self.parent_code.clear()
            self.slots["parent_code"].clear_problem()

    def problems(self) -> dict[str, str]:
        """What is wrong with the entries, by field key; empty when they can be saved."""
        problems: dict[str, str] = {}
        code = self.code.text().strip()
        if not code:
            problems["code"] = _("Enter the station code given to you by the city office.")
        elif not is_valid_station_code(code):
            problems["code"] = _(
                "A station code has capital letters and digits in up to four parts joined by "
                "hyphens, e.g. RC-MT."
            )
        if not self.name.text().strip():
            problems["name"] = _("Enter the station's name.")
        parent = self.parent_code.text().strip()
        if self.level.enum_value() is not StationLevel.CITY:
            if not parent:
                problems["parent_code"] = _(
                    "Village and township stations belong to a station above them: enter its code."
                )
            elif not is_valid_station_code(parent):
                problems["parent_code"] = _("This is not a valid station code, e.g. RC.")
            elif parent == code:
                problems["parent_code"] = _("The parent station must be a different station.")
        from station_app.documents.content import printing_problems

        captions = {
            AUTHORITY_NAME: _("Deciding authority"),
            AUTHORITY_PREFIX: _("Its number prefix"),
            MEDIATOR_NAME: _("Mediating organisation"),
        }
        for key, caption in captions.items():
            if found := printing_problems(key, self.acting()[key]):
                problems[key] = found[0].replace(f"“{key}”", f"“{caption}”")
        username = self.username.text().strip()
        if not username:
            problems["username"] = _("Choose a user name for logging in.")
        elif any(ch.isspace() for ch in username):
            problems["username"] = _("A user name cannot contain spaces.")
        if not self.display_name.text().strip():
            problems["display_name"] = _("Enter the administrator's full name.")
        if not self.password.text():
            problems["password"] = _("Choose a password.")
        elif password_problem(self.password.text()) is not None:
            problems["password"] = password_problem(self.password.text())
        elif self.password.text() != self.password_again.text():
            problems["password_again"] = _(
                "The two passwords differ. Type the same password twice."
            )
        return problems

    def submit(self) -> None:
        problems = self.problems()
        for key, slot in self.slots.items():
            if key in problems:
                slot.show_problem(problems[key])
            else:
                slot.clear_problem()
        self.general_problem.clear_problem()
        if problems:
            first = next(key for key in self.slots if key in problems)
            self.slots[first].field.setFocus()
            return
        level = self.level.enum_value()
        station = Station(
            code=self.code.text().strip(),
            name=self.name.text().strip(),
            level=level,
            parent_code=None if level is StationLevel.CITY else self.parent_code.text().strip(),
        )
        admin = User(
            username=self.username.text().strip(),
            display_name=self.display_name.text().strip(),
            role=Role.ADMIN,
            station_code=station.code,
        )
        password = self.password.text()
        acting = self.acting()

        def initialise(store: Store) -> tuple[Station, User]:
            with store.transaction(actor=admin.username):
                saved = initialise_station(store, station, admin, password)
                save_acting_settings(store, acting, actor=admin.username)
            return saved, admin

        self.save_button.setEnabled(False)
        self.tasks.submit(
            initialise,
            success=self._saved,
            failure=self._failed,
            changes={Change.STATION, Change.USERS},
            owner=self,
            doing=_("setting up the station"),
        )

    def _saved(self, result: tuple[Station, User]) -> None:
        self.station, self.admin = result
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.general_problem.show_problem(user_message(error, _("setting up the station")))
        self.password.setFocus()
