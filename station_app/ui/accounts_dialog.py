"""Account management (账户管理, administrators only): the station's users with their roles and
state; add a user, give another role, disable or enable, reset a password. Users are never
deleted: the audit log and the timelines name them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from station_app.account_rules import ASSIGNABLE_ROLES, may_manage_accounts
from station_app.domain import Role, User
from station_app.domain import label as enum_label
from station_app.i18n import N_, _
from station_app.store import Store
from station_app.store.accounts import Account, list_accounts
from station_app.ui.change_password_dialog import new_password_problem, password_field
from station_app.ui.errors import is_expected, show_error, user_message
from station_app.ui.field_problem import ProblemLabel
from station_app.ui.tasks import Change, TaskRunner
from station_app.ui.worker_form import WorkerForm
from station_app.user_accounts import create_user, reset_password, set_active, set_role


def role_box() -> QComboBox:
    box = QComboBox()
    for role in ASSIGNABLE_ROLES:
        box.addItem(enum_label(role), role)
    return box


def account_state(account: Account) -> str:
    if not account.user.active:
        return _("Disabled")
    if account.locked_until is not None:
        return _("Locked until {time}").format(
            time=account.locked_until.astimezone().strftime("%H:%M")
        )
    return _("Active")


class _WorkerForm(WorkerForm):
    """A form of account management: saving one account."""

    def __init__(self, tasks: TaskRunner, title: str, parent: QWidget | None):
        super().__init__(tasks, title, parent, doing=_("saving the account"))


class NewUserDialog(_WorkerForm):
    """A new clerk, officer or administrator with a display name and a first password."""

    def __init__(self, tasks: TaskRunner, admin: User, parent: QWidget | None = None):
        super().__init__(tasks, _("Add a user"), parent)
        self.admin = admin
        self.username = QLineEdit()
        self.username.setPlaceholderText(_("e.g. wang.fang"))
        self.display_name = QLineEdit()
        self.display_name.setPlaceholderText(_("e.g. 王芳"))
        self.role = role_box()
        self.password = password_field()
        self.repeated = password_field()
        self.form.addRow(_("User name"), self.username)
        self.form.addRow(_("Display name"), self.display_name)
        self.form.addRow(_("Role"), self.role)
        self.form.addRow(_("Password"), self.password)
        self.form.addRow(_("Password again"), self.repeated)
        self.username.setFocus()

    def problem_before_saving(self) -> str | None:
        return new_password_problem(self.password.text(), self.repeated.text())

    def task(self) -> Callable[[Store], object]:
        admin, role = self.admin, Role(self.role.currentData())
        username, display_name = self.username.text(), self.display_name.text()
        password = self.password.text()
        return lambda store: create_user(store, admin, username, display_name, role, password)


class ResetPasswordDialog(_WorkerForm):
    """An administrator gives a user a new password (and lifts a lock)."""

    def __init__(
        self, tasks: TaskRunner, admin: User, username: str, parent: QWidget | None = None
    ):
        super().__init__(tasks, _("New password for {name}").format(name=username), parent)
        self.admin = admin
        self.target = username
        self.password = password_field()
        self.repeated = password_field()
        self.form.addRow(_("New password"), self.password)
        self.form.addRow(_("New password again"), self.repeated)
        self.password.setFocus()

    def problem_before_saving(self) -> str | None:
        return new_password_problem(self.password.text(), self.repeated.text())

    def task(self) -> Callable[[Store], object]:
        admin, target, password = self.admin, self.target, self.password.text()
        return lambda store: reset_password(store, admin, target, password)


class AccountsDialog(QDialog):
    """The list of accounts and what an administrator can do to the selected one."""

    loaded = Signal()

    COLUMNS = (N_("User name"), N_("Display name"), N_("Role"), N_("State"))

    def __init__(self, tasks: TaskRunner, user: User, parent: QWidget | None = None):
        super().__init__(parent)
        if not may_manage_accounts(user):
            raise PermissionError("only an administrator may manage the accounts")
        self.tasks = tasks
        self.user = user
        self.accounts: list[Account] = []
        self.form: QDialog | None = None
        self.setWindowTitle(_("Accounts"))
        self.resize(720, 460)

        self.problem = ProblemLabel()
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels([_(c) for c in self.COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        self.add_button = QPushButton(_("Add a user…"))
        self.add_button.clicked.connect(self.add_user)
        self.role = role_box()
        self.role_button = QPushButton(_("Give this role"))
        self.role_button.clicked.connect(self.set_role)
        self.active_button = QPushButton(_("Disable"))
        self.active_button.clicked.connect(self.toggle_active)
        self.reset_button = QPushButton(_("Reset password…"))
        self.reset_button.clicked.connect(self.reset_password)
        close = QPushButton(_("Close"))
        close.setAutoDefault(False)
        close.clicked.connect(self.accept)

        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addStretch(1)
        row.addWidget(QLabel(_("Role")))
        row.addWidget(self.role)
        row.addWidget(self.role_button)
        row.addWidget(self.active_button)
        row.addWidget(self.reset_button)
        note = QLabel(
            _(
                "Users are disabled, never deleted: the audit log names them. Five wrong "
                "passwords lock an account for 15 minutes; a new password lifts the lock."
            )
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.problem)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(note)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
        self._selection_changed()
        self.reload()

    # ---------------------------------------------------------------- the list

    def reload(self) -> None:
        self.tasks.submit(
            list_accounts, success=self._loaded, owner=self, doing=_("reading the accounts")
        )

    def _loaded(self, accounts: list[Account]) -> None:
        selected = self.selected()
        self.accounts = accounts
        self.table.setRowCount(len(accounts))
        for row, account in enumerate(accounts):
            cells = (
                account.user.username,
                account.user.display_name,
                enum_label(account.user.role),
                account_state(account),
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        names = [a.user.username for a in accounts]
        if selected is not None and selected.user.username in names:
            self.table.selectRow(names.index(selected.user.username))
        self._selection_changed()
        self.loaded.emit()

    def selected(self) -> Account | None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if len(rows) != 1:
            return None
        row = rows.pop()
        return self.accounts[row] if row < len(self.accounts) else None

    def select(self, username: str) -> None:
        for row, account in enumerate(self.accounts):
            if account.user.username == username:
                self.table.selectRow(row)
                return
        raise KeyError(username)

    def _selection_changed(self) -> None:
        account = self.selected()
        for widget in (self.role, self.role_button, self.active_button, self.reset_button):
            widget.setEnabled(account is not None)
        if account is None:
            return
        index = self.role.findData(account.user.role)
        if index >= 0:
            self.role.setCurrentIndex(index)
        self.active_button.setText(_("Disable") if account.user.active else _("Enable"))

    # ---------------------------------------------------------------- changes

    def _run(self, change: Callable[[Store], object], doing: str) -> None:
        self.problem.clear_problem()

        def failed(error: BaseException) -> None:
            if is_expected(error):
                self.problem.show_problem(user_message(error))
            else:
                show_error(self, error, doing)

        self.tasks.submit(
            change,
            success=lambda _result: self.reload(),
            failure=failed,
            changes={Change.USERS},
            owner=self,
            doing=doing,
        )

    def set_role(self) -> None:
        account = self.selected()
        role = Role(self.role.currentData())
        if account is None or role is account.user.role:
            return
        admin, name = self.user, account.user.username
        self._run(lambda store: set_role(store, admin, name, role), _("changing the role"))

    def toggle_active(self) -> None:
        account = self.selected()
        if account is None:
            return
        admin, name, active = self.user, account.user.username, not account.user.active
        self._run(
            lambda store: set_active(store, admin, name, active), _("disabling or enabling a user")
        )

    def _open_form(self, form: QDialog) -> QDialog:
        self.form = form
        form.accepted.connect(self.reload)
        form.finished.connect(form.deleteLater)
        form.open()
        return form

    def add_user(self) -> QDialog:
        return self._open_form(NewUserDialog(self.tasks, self.user, self))

    def reset_password(self) -> QDialog | None:
        account = self.selected()
        if account is None:
            return None
        return self._open_form(
            ResetPasswordDialog(self.tasks, self.user, account.user.username, self)
        )
