"""Change one's own password (修改密码): the current one, then the new one twice."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLineEdit, QWidget

from station_app.domain import User
from station_app.i18n import _
from station_app.passwords import password_problem
from station_app.store import Store
from station_app.ui.tasks import TaskRunner
from station_app.ui.worker_form import WorkerForm
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


class ChangePasswordDialog(WorkerForm):
    """Checks the typing at once, then changes the password on the worker (slow hashes)."""

    def __init__(self, tasks: TaskRunner, user: User, parent: QWidget | None = None):
        super().__init__(
            tasks, _("Change my password"), parent, doing=_("changing the password"), width=400
        )
        self.user = user
        self.current = password_field()
        self.new = password_field()
        self.repeated = password_field()
        self.form.addRow(_("Current password"), self.current)
        self.form.addRow(_("New password"), self.new)
        self.form.addRow(_("New password again"), self.repeated)
        self.current.setFocus()

    def problem_before_saving(self) -> str | None:
        if not self.current.text():
            self.current.setFocus()
            return _("Enter your current password.")
        problem = new_password_problem(self.new.text(), self.repeated.text())
        if problem:
            self.new.setFocus()
        return problem

    def task(self) -> Callable[[Store], User]:
        user, current, new = self.user, self.current.text(), self.new.text()

        def change(store: Store) -> User:
            return change_own_password(store, user, current, new)

        return change

    def refused(self, message: str) -> None:
        super().refused(message)
        self.current.clear()
        self.current.setFocus()
