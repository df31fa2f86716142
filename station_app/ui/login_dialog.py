"""Log in with user name and password; Enter submits, a wrong password says so plainly."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from station_app.domain import Station, User
from station_app.i18n import _
from station_app.store import Store
from station_app.store.accounts import authenticate
from station_app.ui.errors import user_message
from station_app.ui.field_problem import ProblemLabel
from station_app.ui.tasks import TaskRunner
from station_app.ui.window_fit import fit_window


class LoginDialog(QDialog):
    """Checks the password on the worker (it is a slow hash); `user` is set when accepted."""

    def __init__(
        self,
        tasks: TaskRunner,
        station: Station | None = None,
        username: str = "",
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.tasks = tasks
        self.user: User | None = None
        self.setWindowTitle(_("Log in"))
        self.setMinimumWidth(380)

        heading = QLabel(
            _("{station} ({code})").format(station=station.name, code=station.code)
            if station
            else _("Consumer complaint station")
        )
        font = heading.font()
        font.setPointSize(font.pointSize() + 3)
        font.setBold(True)
        heading.setFont(font)
        heading.setWordWrap(True)

        self.username = QLineEdit(username)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(_("User name"), self.username)
        form.addRow(_("Password"), self.password)

        self.problem = ProblemLabel()
        self.buttons = QDialogButtonBox()
        self.login_button = self.buttons.addButton(
            _("Log in"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.login_button.setDefault(True)
        cancel = self.buttons.addButton(_("Quit"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setAutoDefault(False)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        fit_window(self)
        (self.password if username else self.username).setFocus()

    def submit(self) -> None:
        username = self.username.text().strip()
        password = self.password.text()
        if not username:
            self.problem.show_problem(_("Enter your user name."))
            self.username.setFocus()
            return
        if not password:
            self.problem.show_problem(_("Enter your password."))
            self.password.setFocus()
            return
        self.login_button.setEnabled(False)
        self.problem.clear_problem()

        def check(store: Store) -> User | None:
            return authenticate(store, username, password)

        self.tasks.submit(
            check,
            success=self._checked,
            failure=self._failed,
            owner=self,
            doing=_("checking the password"),
        )

    def _checked(self, user: User | None) -> None:
        self.login_button.setEnabled(True)
        if user is None:
            self.problem.show_problem(
                _(
                    "The user name or the password is wrong. Check that the keyboard is not in "
                    "Chinese input mode or Caps Lock, and type the password again."
                )
            )
            self.password.clear()
            self.password.setFocus()
            return
        self.user = user
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.login_button.setEnabled(True)
        self.problem.show_problem(user_message(error, _("checking the password")))
        self.password.setFocus()
