"""Change one's own password (修改密码): the current one, then the new one twice."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from station_app.domain import User
from station_app.i18n import _
from station_app.passwords import password_problem
from station_app.store import Store
from station_app.ui.errors import is_expected, show_error, user_message
from station_app.ui.field_problem import ProblemLabel
from station_app.ui.tasks import Change, TaskRunner
from station_app.user_accounts import change_own_password


def password_field() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def new_password_problem(password: str, repeated: str) -> str | None:
    """What is wrong with a new password typed twice, or None."""
    if password != repeated:
        return _("The two new passwords differ. Type the same password twice.")
    return password_problem(password)


class ChangePasswordDialog(QDialog):
    """Checks the typing at once, then changes the password on the worker (slow hashes)."""

    def __init__(self, tasks: TaskRunner, user: User, parent: QWidget | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.user = user
        self.busy = False
        self.setWindowTitle(_("Change my password"))
        self.setMinimumWidth(400)
        self.current = password_field()
        self.new = password_field()
        self.repeated = password_field()
        form = QFormLayout()
        form.addRow(_("Current password"), self.current)
        form.addRow(_("New password"), self.new)
        form.addRow(_("New password again"), self.repeated)
        self.problem = ProblemLabel()
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(_("Save"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setDefault(True)
        cancel = buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setAutoDefault(False)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.current.setFocus()

    def submit(self) -> None:
        if self.busy:
            return
        current, new = self.current.text(), self.new.text()
        if not current:
            self.problem.show_problem(_("Enter your current password."))
            self.current.setFocus()
            return
        problem = new_password_problem(new, self.repeated.text())
        if problem:
            self.problem.show_problem(problem)
            self.new.setFocus()
            return
        self.problem.clear_problem()
        self.busy = True
        self.save_button.setEnabled(False)
        user = self.user

        def change(store: Store) -> User:
            return change_own_password(store, user, current, new)

        self.tasks.submit(
            change,
            success=self._changed,
            failure=self._failed,
            changes={Change.USERS},
            owner=self,
            doing=_("changing the password"),
        )

    def _changed(self, _user: User) -> None:
        self.busy = False
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.save_button.setEnabled(True)
        if not is_expected(error):
            show_error(self, error, _("changing the password"))
            return
        self.problem.show_problem(user_message(error))
        self.current.clear()
        self.current.setFocus()
