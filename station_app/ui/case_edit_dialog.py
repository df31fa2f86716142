"""更正: correcting a registered case in the intake form, with the documents already issued that
would need a corrected version shown before saving (case_edit.py does the work)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station_app.account_rules import may_see_full_numbers
from station_app.case_edit import (
    REASON_KEY,
    AffectedDocument,
    CaseEditRejected,
    CaseEditResult,
    edit_case,
    editable_data,
    masked_fields,
    preview_edit,
)
from station_app.documents import DOCUMENT_KINDS
from station_app.domain import Case, User
from station_app.i18n import _
from station_app.store import Store
from station_app.store.audit import log_reveal
from station_app.ui.errors import is_expected, show_error, user_message
from station_app.ui.field_problem import FieldSlot, ProblemLabel, add_labelled
from station_app.ui.form_widgets import confirm_discard
from station_app.ui.intake_form import IntakeForm, enter_moves_on
from station_app.ui.tasks import Change, TaskRunner
from station_app.validation import Problem, Severity

PREVIEW_DELAY_MS = 400


def document_text(document: AffectedDocument) -> str:
    """ "投诉登记表 RC-MT-2026-00017 (version 1)"."""
    spec = DOCUMENT_KINDS.get(document.kind)
    return _("{title} {number} (version {version})").format(
        title=spec.title if spec else document.kind,
        number=document.doc_no,
        version=document.version,
    )


class CaseEditDialog(QDialog):
    """The intake form filled with the case; Enter moves on, Ctrl+Enter saves, Esc closes."""

    corrected = Signal(object)  # CaseEditResult

    def __init__(
        self,
        tasks: TaskRunner,
        user: User,
        station_code: str,
        case: Case,
        parent: QWidget | None = None,
        *,
        today: Callable[[], date] = date.today,
        now: Callable[[], datetime] = datetime.now,
    ):
        super().__init__(parent)
        self.tasks = tasks
        self.user = user
        self.station_code = station_code
        self.case_no = case.case_no
        self._today = today
        self._now = now
        self.saving = False
        self.result: CaseEditResult | None = None
        self.documents: list[AffectedDocument] = []
        self.confirm_box: QMessageBox | None = None
        self._preview_generation = 0
        self.setWindowTitle(_("Correct case {number}").format(number=case.case_no))
        self.resize(1040, 720)

        self.hint = QLabel(
            _(
                "Correct what was registered wrongly. Enter: next field · Ctrl+Enter: save the "
                "correction · Esc: close. Fields marked * are required. Every change is kept in "
                "the audit log."
            )
        )
        self.hint.setWordWrap(True)
        self.form = IntakeForm(tasks, today=today)
        # Full phones and ID numbers only for those who may see them (and that is logged);
        # others correct the rest, and the masked numbers are kept as they are.
        revealed = may_see_full_numbers(user)
        data = editable_data(case, reveal=revealed)
        if revealed:
            case_id, actor = case.id, user.username
            self.tasks.submit(
                lambda store: log_reveal(store, case_id, actor=actor, station_code=station_code),
                owner=self,
                doing=_("logging the reveal"),
            )
        else:
            self.form.masked = masked_fields(data)
        self.form.load_case(data)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(
            _("Why the registration is corrected (needed when the time received changes)")
        )
        self.reason_slot = FieldSlot(self.reason)
        reason_row = QGridLayout()
        reason_row.setColumnStretch(1, 1)
        add_labelled(reason_row, 0, 0, _("Reason for the correction"), self.reason_slot)
        self.documents_note = ProblemLabel()
        self.status = ProblemLabel()
        self.save_button = QPushButton(_("Save correction (Ctrl+Enter)"))
        self.save_button.clicked.connect(self.save)
        self.close_button = QPushButton(_("Close"))
        self.close_button.clicked.connect(self.reject)
        for button in (self.save_button, self.close_button):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.form, 1)
        layout.addLayout(reason_row)
        layout.addWidget(self.documents_note)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.form.set_tail([self.reason, self.save_button, self.close_button])

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.preview)
        self.form.edited.connect(self._preview_timer.start)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.save)
        self.form.channel.setFocus()

    # ---------------------------------------------------------------- keyboard

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if enter_moves_on(self, event, self.save_button, self.save):
            return
        super().keyPressEvent(event)

    # ---------------------------------------------------------------- the changes

    def edits(self) -> dict:
        """The form's case data as a correction: every field, the parties with their ids."""
        data = self.form.case_data()
        data[REASON_KEY] = self.reason.text()
        return data

    def preview(self) -> None:
        """Which issued documents the changes so far would make outdated (on the worker)."""
        self._preview_generation += 1
        generation = self._preview_generation
        edits, user, station, today = self.edits(), self.user, self.station_code, self._today()

        def run(store: Store) -> CaseEditResult | None:
            try:
                return preview_edit(
                    store, self.case_no, edits, user=user, station_code=station, today=today
                )
            except CaseEditRejected:
                return None  # the problems are shown under the fields when saving

        self.tasks.submit(
            run,
            success=lambda result: self._previewed(generation, result),
            owner=self,
            doing=_("checking the correction"),
        )

    def _previewed(self, generation: int, result: CaseEditResult | None) -> None:
        if generation != self._preview_generation or result is None:
            return
        self.show_documents(result.documents)

    def show_documents(self, documents: list[AffectedDocument]) -> None:
        self.documents = list(documents)
        if not documents:
            self.documents_note.clear_problem()
            return
        lines = [
            _(
                "These documents were issued with a field you changed; after saving, issue a "
                "corrected version of each (Documents…, Correct):"
            )
        ]
        lines += [f"· {document_text(d)}" for d in documents]
        self.documents_note.show_problem("\n".join(lines), Severity.WARNING)

    # ---------------------------------------------------------------- saving

    def save(self) -> None:
        if self.saving:
            return
        self.form.drop_empty_complainants()
        problems = self.form.check()
        self.form.show_problems(problems, show_all=True)
        errors = [p for p in problems if p.severity is Severity.ERROR]
        if errors:
            self._not_saved(errors)
            return
        edits, user, station, today = self.edits(), self.user, self.station_code, self._today()

        def check(store: Store) -> CaseEditResult:
            return preview_edit(
                store, self.case_no, edits, user=user, station_code=station, today=today
            )

        self.saving = True
        self.save_button.setEnabled(False)
        self.tasks.submit(
            check,
            success=lambda result: self._checked(edits, result),
            failure=self._failed,
            owner=self,
            doing=_("checking the correction"),
        )

    def _checked(self, edits: dict, result: CaseEditResult) -> None:
        self.show_documents(result.documents)
        if not result.changes:
            self._done_saving()
            self.status.show_problem(_("Nothing was changed."), Severity.WARNING)
            return
        if not result.documents:
            self._submit(edits)
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(_("Documents need a corrected version"))
        box.setText(
            "\n".join(
                [
                    _("The correction changes what these issued documents print:"),
                    *[f"· {document_text(d)}" for d in result.documents],
                ]
            )
        )
        box.setInformativeText(
            _("Save the correction? Then issue a corrected version of each document.")
        )
        save = box.addButton(_("Save the correction"), QMessageBox.ButtonRole.AcceptRole)
        keep = box.addButton(_("Keep editing"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        self.confirm_box = box

        def decided() -> None:
            self.confirm_box = None
            if box.clickedButton() is save:
                self._submit(edits)
            else:
                self._done_saving()
            box.deleteLater()

        box.finished.connect(decided)
        box.open()

    def _submit(self, edits: dict) -> None:
        user, station, today, now = self.user, self.station_code, self._today(), self._now()

        def run(store: Store) -> CaseEditResult:
            return edit_case(
                store, self.case_no, edits, user=user, station_code=station, today=today, now=now
            )

        self.status.show_problem(_("Saving…"), Severity.WARNING)
        self.tasks.submit(
            run,
            success=self._saved,
            failure=self._failed,
            changes={Change.CASES, Change.MERCHANTS},
            owner=self,
            doing=_("saving the correction"),
        )

    def _saved(self, result: CaseEditResult) -> None:
        self._done_saving()
        self.result = result
        self.status.clear_problem()
        self.corrected.emit(result)
        self.accept()

    def _done_saving(self) -> None:
        self.saving = False
        self.save_button.setEnabled(True)

    def _failed(self, error: BaseException) -> None:
        self._done_saving()
        if isinstance(error, CaseEditRejected):
            credit_code = [p for p in error.problems if p.code == "uscc_checksum"]
            if credit_code and len(credit_code) == len(error.problems):
                self._confirm_credit_code(credit_code)
                return
            reason = [p for p in error.problems if p.field == REASON_KEY]
            if reason:
                self.reason_slot.show_problem("\n".join(p.message for p in reason))
                self.reason.setFocus()
            else:
                self.reason_slot.clear_problem()
            others = [p for p in error.problems if p.field != REASON_KEY]
            self.form.show_problems(others, show_all=True)
            self._not_saved(error.problems, focus=not reason)
        elif is_expected(error):
            self.status.show_problem(user_message(error))
        else:
            self.status.show_problem(user_message(error, _("saving the correction")))
            show_error(self, error, _("saving the correction"))

    def _confirm_credit_code(self, warnings: list[Problem]) -> None:
        answer = QMessageBox.warning(
            self,
            _("Check the credit code"),
            "\n\n".join(p.message for p in warnings)
            + "\n\n"
            + _(
                "Save the case with this credit code anyway? Only do so if it matches the licence."
            ),
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save:
            self.form.override_uscc_warning = True
            self.save()

    def _not_saved(self, problems: list[Problem], *, focus: bool = True) -> None:
        general = [p.message for p in problems if p.field not in self.form.field_slots()]
        lead = (
            _("The correction was not saved. Please correct the {n} problems shown in red.").format(
                n=len(problems)
            )
            if len(problems) > 1
            else _("The correction was not saved. Please correct the problem shown in red.")
        )
        self.status.show_problem("\n".join([lead, *general]))
        if focus:
            self.form.focus_problem(problems)

    # ---------------------------------------------------------------- closing

    def reject(self) -> None:
        if self.saving:
            self.status.show_problem(
                _("Please wait until the correction is saved."), Severity.WARNING
            )
            return
        if self.form.is_dirty() and not self.confirm_discard():
            return
        super().reject()

    def confirm_discard(self) -> bool:
        """Ask before throwing away what was typed; True to discard."""
        return confirm_discard(
            self, _("The correction has not been saved. Close the form and lose the changes?")
        )
