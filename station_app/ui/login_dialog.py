"""Log in with user name and password; Enter submits, a wrong password says so plainly, a
locked account says when to try again, and the last user name on this PC is offered.

The same dialog unlocks the screen after the idle lock (ui/idle_lock.py): then the user name is
the locked user's and cannot be changed, Esc does nothing, and quitting asks first (the forms
left open behind the lock would lose what was typed)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from station_app.domain import Station, User
from station_app.i18n import _
from station_app.store import Store
from station_app.store.accounts import LoginResult, last_username, log_in, remember_last_username
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
        *,
        locked_user: User | None = None,
    ):
        super().__init__(parent)
        self.tasks = tasks
        self.user: User | None = None
        self.locked_user = locked_user
        if locked_user is not None:
            username = locked_user.username
        self.setWindowTitle(_("Screen locked") if locked_user else _("Log in"))
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
        self.username.setReadOnly(locked_user is not None)
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
        self.quit_button = cancel = self.buttons.addButton(
            _("Quit"), QDialogButtonBox.ButtonRole.RejectRole
        )
        cancel.setAutoDefault(False)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self._quit_asked)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        if locked_user is not None:
            self.setWindowModality(Qt.WindowModality.ApplicationModal)
            note = QLabel(
                _(
                    "The screen was locked after a time without use. Enter the password of "
                    "{name} to go on where you left off; nothing typed was lost."
                ).format(name=locked_user.display_name or locked_user.username)
            )
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        fit_window(self)
        (self.password if username else self.username).setFocus()
        if not username:
            self.tasks.submit(
                last_username,
                success=self._last_username_read,
                owner=self,
                doing=_("reading the last user name"),
            )

    def reject(self) -> None:
        """At the login: quit. On the lock, Esc and the close button do nothing."""
        if self.locked_user is None:
            super().reject()

    def _quit_asked(self) -> None:
        """The Quit button; on the lock only once the user confirms."""
        if self.locked_user is None:
            super().reject()
            return
        answer = QMessageBox.question(
            self,
            _("Quit station-app?"),
            _(
                "Quit station-app? What was typed in forms left open and not saved is lost. "
                "Saved cases are kept."
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            super().reject()
            QApplication.quit()

    def _last_username_read(self, username: str) -> None:
        if username and not self.username.text():
            self.username.setText(username)
            self.password.setFocus()

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

        def check(store: Store) -> LoginResult:
            result = log_in(store, username, password)
            if result.user is not None:
                remember_last_username(store, result.user.username)
            return result

        self.tasks.submit(
            check,
            success=self._checked,
            failure=self._failed,
            owner=self,
            doing=_("checking the password"),
        )

    def _checked(self, result: LoginResult) -> None:
        self.login_button.setEnabled(True)
        if result.user is None:
            self.problem.show_problem(result.message())
            self.password.clear()
            self.password.setFocus()
            return
        if self.locked_user is not None and result.user.id != self.locked_user.id:
            self.problem.show_problem(_("Only the user who was working may unlock the screen."))
            return
        self.user = result.user
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.login_button.setEnabled(True)
        self.problem.show_problem(user_message(error, _("checking the password")))
        self.password.setFocus()
