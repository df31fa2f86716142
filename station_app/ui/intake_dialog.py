"""The window for registering a new case: the form, saving on the worker, and the new number."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from station_app.domain import Case, Evidence, User
from station_app.domain import label as enum_label
from station_app.evidence_files import attach_evidence
from station_app.i18n import _
from station_app.intake import IntakeRejected, blocking_problems, register_cases
from station_app.store import Store, StoreError
from station_app.ui.errors import is_expected, show_error, user_message
from station_app.ui.field_problem import ProblemLabel
from station_app.ui.form_widgets import confirm_discard
from station_app.ui.intake_form import IntakeForm, enter_moves_on
from station_app.ui.tasks import Change, TaskRunner
from station_app.ui.window_fit import fit_window
from station_app.validation import Problem, Severity

SAVED_COLOUR = "#2e7d32"


@dataclass
class SavedCase:
    """A registered case, the evidence stored with it, and the files that could not be stored."""

    case: Case
    attached: list[Evidence] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def save_case(
    store: Store,
    data: dict,
    evidence: list[Path],
    *,
    user: User,
    evidence_dir: Path,
    today: date,
) -> SavedCase:
    """Register the case, then store its evidence files (a file that fails does not undo the case)."""
    (case,) = register_cases(store, [data], user=user, station_code=user.station_code, today=today)
    saved = SavedCase(case)
    for path in evidence:
        try:
            saved.attached.append(
                attach_evidence(store, evidence_dir, case.id, path, owner=user.station_code)
            )
        except StoreError as error:
            saved.failed.append(str(error))
    return saved


class SavedCasePage(QWidget):
    """Shows the new case number large, with the next step."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel(_("The case is saved."))
        title_font = self.title.font()
        title_font.setPointSize(title_font.pointSize() + 4)
        self.title.setFont(title_font)
        self.title.setStyleSheet(f"color: {SAVED_COLOUR};")
        self.number = QLabel()
        self.number.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.number.font()
        font.setPointSize(font.pointSize() + 12)
        font.setBold(True)
        self.number.setFont(font)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.evidence_note = ProblemLabel()
        self.new_case_button = QPushButton(_("Enter another case (Ctrl+N)"))
        self.close_button = QPushButton(_("Close"))
        self.close_button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.new_case_button)
        buttons.addWidget(self.close_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for widget in (self.title, self.number, self.summary):
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(widget)
        layout.addWidget(self.evidence_note)
        layout.addSpacing(16)
        layout.addLayout(buttons)
        layout.addStretch(2)

    def show_saved(self, saved: SavedCase) -> None:
        case = saved.case
        self.number.setText(case.case_no)
        lines = [
            _("{kind} received {received}. Give this number to the consumer.").format(
                kind=enum_label(case.kind), received=case.received_at.strftime("%Y-%m-%d %H:%M")
            )
        ]
        if saved.attached:
            lines.append(_("{n} evidence files stored.").format(n=len(saved.attached)))
        self.summary.setText("\n".join(lines))
        if saved.failed:
            self.evidence_note.show_problem(
                "\n".join(
                    [
                        _("These evidence files were not stored; add them again later:"),
                        *saved.failed,
                    ]
                )
            )
        else:
            self.evidence_note.clear_problem()
        self.new_case_button.setDefault(True)
        self.new_case_button.setFocus()


class IntakeDialog(QDialog):
    """Enter moves to the next field, Ctrl+Enter saves from anywhere, Esc closes (asking first
    when something was typed). Nothing typed is lost when the case cannot be saved."""

    case_saved = Signal(object)  # SavedCase

    def __init__(
        self,
        tasks: TaskRunner,
        user: User,
        parent: QWidget | None = None,
        *,
        today: Callable[[], date] = date.today,
    ):
        super().__init__(parent)
        self.tasks = tasks
        self.user = user
        self._today = today
        self.saving = False
        self.saved: SavedCase | None = None
        self.confirm_box: QMessageBox | None = None
        self.setWindowTitle(_("New case"))
        fit_window(self, (1040, 760))

        self.hint = QLabel(
            _(
                "Enter: next field · Ctrl+Enter: save the case · Alt+A: add a complainant · "
                "Esc: close. Fields marked * are required; problems are shown in red under "
                "the field."
            )
        )
        self.hint.setWordWrap(True)
        self.status = ProblemLabel()
        self.save_button = QPushButton(_("Save case (Ctrl+Enter)"))
        self.save_button.clicked.connect(self.save)
        close_button = QPushButton(_("Close"))
        close_button.clicked.connect(self.reject)
        for button in (self.save_button, close_button):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.hint, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close_button)

        self.form_page = QWidget()
        self.form_layout = QVBoxLayout(self.form_page)
        self.form_layout.setContentsMargins(0, 0, 0, 0)
        self.form = self._make_form()
        self.close_button = close_button
        self.form_layout.addWidget(self.form, 1)
        self.form_layout.addWidget(self.status)
        self.form_layout.addLayout(buttons)
        self.saved_page = SavedCasePage()
        self.saved_page.new_case_button.clicked.connect(self.new_form)
        self.saved_page.close_button.clicked.connect(self.accept)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.form_page)
        self.stack.addWidget(self.saved_page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)
        self.form.set_tail([self.save_button, self.close_button])

        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.save)
        QShortcut(QKeySequence("Ctrl+N"), self, self._new_form_if_saved)
        self.form.kind.setFocus()

    def _make_form(self) -> IntakeForm:
        return IntakeForm(self.tasks, today=self._today)

    # ---------------------------------------------------------------- keyboard

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.stack.currentWidget() is self.form_page and enter_moves_on(
            self, event, self.save_button, self.save
        ):
            return
        super().keyPressEvent(event)

    # ---------------------------------------------------------------- saving

    def save(self) -> None:
        if self.saving or self.stack.currentWidget() is not self.form_page:
            return
        form = self.form
        form.drop_empty_complainants()
        data = form.case_data()
        problems = form.check()
        form.show_problems(problems, show_all=True)
        blocking = blocking_problems(data, problems)
        errors = [p for p in blocking if p.severity is Severity.ERROR]
        if errors:
            self._not_saved(errors)
            return
        if blocking:  # only overridable warnings are left: a failed credit-code check
            self._confirm_credit_code(blocking)
            return
        self._submit(data)

    def _not_saved(self, problems: list[Problem]) -> None:
        self.status.show_problem(
            _("The case was not saved. Please correct the {n} problems shown in red.").format(
                n=len(problems)
            )
            if len(problems) > 1
            else _("The case was not saved. Please correct the problem shown in red.")
        )
        self.form.focus_problem(problems)

    def _confirm_credit_code(self, warnings: list[Problem]) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(_("Check the credit code"))
        box.setText("\n\n".join(p.message for p in warnings))
        box.setInformativeText(
            _("Save the case with this credit code anyway? Only do so if it matches the licence.")
        )
        save_anyway = box.addButton(_("Save anyway"), QMessageBox.ButtonRole.AcceptRole)
        check_again = box.addButton(_("Check the code again"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(check_again)
        self.confirm_box = box

        def decided() -> None:
            self.confirm_box = None
            if box.clickedButton() is save_anyway:
                self.form.override_uscc_warning = True
                self.save()
            else:
                self.status.show_problem(
                    _("The case was not saved. Check the credit code against the licence."),
                    Severity.WARNING,
                )
                self.form.focus_problem(warnings)
            box.deleteLater()

        box.finished.connect(decided)
        box.open()

    def _submit(self, data: dict) -> None:
        evidence = self.form.evidence_paths()
        user, evidence_dir, today = self.user, self.tasks.folder.evidence_dir, self._today()

        def save(store: Store) -> SavedCase:
            return save_case(
                store, data, evidence, user=user, evidence_dir=evidence_dir, today=today
            )

        self.saving = True
        self.save_button.setEnabled(False)
        self.status.show_problem(_("Saving…"), Severity.WARNING)
        self.tasks.submit(
            save,
            success=self._saved,
            failure=self._save_failed,
            changes={Change.CASES, Change.MERCHANTS, Change.EVIDENCE},
            owner=self,
            doing=_("saving the case"),
        )

    def _saved(self, saved: SavedCase) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        self.status.clear_problem()
        self.saved = saved
        self.saved_page.show_saved(saved)
        self.stack.setCurrentWidget(self.saved_page)
        self.setWindowTitle(_("Case {number} saved").format(number=saved.case.case_no))
        self.saved_page.new_case_button.setFocus()
        self.case_saved.emit(saved)

    def _save_failed(self, error: BaseException) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        if isinstance(error, IntakeRejected):
            problems = [p for found in error.problems.values() for p in found]
            self.form.show_problems(problems, show_all=True)
            self._not_saved(problems)
        elif is_expected(error):
            self.status.show_problem(user_message(error))
        else:
            self.status.show_problem(user_message(error, _("saving the case")))
            show_error(self, error, _("saving the case"))

    # ---------------------------------------------------------------- fresh form and closing

    def _new_form_if_saved(self) -> None:
        if self.stack.currentWidget() is self.saved_page:
            self.new_form()

    def new_form(self) -> None:
        """A clean form for the next case."""
        old = self.form
        self.form = self._make_form()
        self.form_layout.replaceWidget(old, self.form)
        self.form.set_tail([self.save_button, self.close_button])
        old.dispose()
        old.deleteLater()
        self.status.clear_problem()
        self.saved = None
        self.setWindowTitle(_("New case"))
        self.stack.setCurrentWidget(self.form_page)
        self.form.kind.setFocus()

    def has_unsaved_input(self) -> bool:
        return self.stack.currentWidget() is self.form_page and self.form.is_dirty()

    def reject(self) -> None:
        if self.saving:
            self.status.show_problem(_("Please wait until the case is saved."), Severity.WARNING)
            return
        if self.has_unsaved_input() and not self.confirm_discard():
            return
        super().reject()

    def confirm_discard(self) -> bool:
        """Ask before throwing away what was typed; True to discard."""
        return confirm_discard(
            self, _("This case has not been saved. Close the form and lose what you typed?")
        )
