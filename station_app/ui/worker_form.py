"""A small form whose Save runs one task on the database worker; a refusal (an expected error,
such as a wrong password) is shown in the form, anything else in a message box."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QVBoxLayout, QWidget

from station_app.i18n import _
from station_app.store import Store
from station_app.ui.errors import is_expected, show_error, user_message
from station_app.ui.field_problem import ProblemLabel
from station_app.ui.tasks import Change, TaskRunner


class WorkerForm(QDialog):
    """Fill `self.form`; override `problem_before_saving` (checks at once, on the UI thread)
    and `task` (the work, on the worker). Save closes the form once the task has succeeded."""

    def __init__(
        self,
        tasks: TaskRunner,
        title: str,
        parent: QWidget | None,
        *,
        doing: str,
        changes: Iterable[Change] = (Change.USERS,),
        width: int = 420,
    ):
        super().__init__(parent)
        self.tasks = tasks
        self.doing = doing
        self.changes = frozenset(changes)
        self.busy = False
        self.setWindowTitle(title)
        self.setMinimumWidth(width)
        self.form = QFormLayout()
        self.problem = ProblemLabel()
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(_("Save"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setDefault(True)
        cancel = buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setAutoDefault(False)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def problem_before_saving(self) -> str | None:
        return None

    def task(self) -> Callable[[Store], object]:
        raise NotImplementedError

    def refused(self, message: str) -> None:
        """The worker refused the task with an expected error."""
        self.problem.show_problem(message)

    def submit(self) -> None:
        if self.busy:
            return
        problem = self.problem_before_saving()
        if problem:
            self.problem.show_problem(problem)
            return
        self.problem.clear_problem()
        self.busy = True
        self.save_button.setEnabled(False)
        self.tasks.submit(
            self.task(),
            success=self._done,
            failure=self._failed,
            changes=self.changes,
            owner=self,
            doing=self.doing,
        )

    def _done(self, _result: object) -> None:
        self.busy = False
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.save_button.setEnabled(True)
        if is_expected(error):
            self.refused(user_message(error))
        else:
            show_error(self, error, self.doing)
